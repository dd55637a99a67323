package org.xrootd.hook.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.children.ExistingStatefulSet;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.Problem;
import org.xrootd.hook.testkit.Samples;

class StorageRuleTest {
    private static Optional<ExistingStatefulSet> workersWith(String storage, String storageClass) throws Exception {
        ObjectNode sts = Json.MAPPER.createObjectNode();
        sts.put("apiVersion", "apps/v1").put("kind", "StatefulSet").putObject("metadata").put("name", "base-xrootd-xrootd-worker");
        ObjectNode template = sts.putObject("spec").putArray("volumeClaimTemplates").addObject();
        template.putObject("metadata").put("name", "data").putNull("creationTimestamp");
        ObjectNode spec = template.putObject("spec");
        spec.putObject("resources").putObject("requests").put("storage", storage);
        if (storageClass != null) {
            spec.put("storageClassName", storageClass);
        }
        return Optional.of(ExistingStatefulSet.of(sts));
    }

    @Test
    void sameSizeInAnotherSpellingIsNoChange() throws Exception {
        assertTrue(StorageRule.check(Samples.sample(), workersWith("1024Mi", "default")).isEmpty());
    }

    @Test
    void anotherSizeOrClassIsRefusedWithTheExistingValue() throws Exception {
        List<Problem> problems = StorageRule.check(Samples.sample(), workersWith("5Gi", null));
        assertEquals(List.of("spec.worker.storage.capacity", "spec.worker.storage.class"), problems.stream().map(Problem::field).toList());
        assertTrue(problems.get(0).message().contains("set it back to 5Gi"));
    }

    @Test
    void noWorkersYetMeansAnythingGoes() throws Exception {
        assertTrue(StorageRule.check(Samples.sample(), Optional.empty()).isEmpty());
    }

    /** Existing cache workers with the sample's data claim and these cache disk claims (name, size). */
    private static Optional<ExistingStatefulSet> cacheWorkersWith(String... disks) throws Exception {
        com.fasterxml.jackson.databind.node.ArrayNode templates = workersWith("1Gi", "default").orElseThrow().volumeClaimTemplates().deepCopy();
        for (int i = 0; i < disks.length; i += 2) {
            ObjectNode template = templates.addObject();
            template.putObject("metadata").put("name", "cache-" + disks[i]);
            template.putObject("spec").putObject("resources").putObject("requests").put("storage", disks[i + 1]);
        }
        return Optional.of(new ExistingStatefulSet(templates));
    }

    private static org.xrootd.hook.model.XrootdSpec cache(String... disks) {
        ObjectNode parent = Samples.parent("base-xrootd");
        ObjectNode cache = Samples.spec(parent).putObject("cache").put("origin", "o.example.org:1094");
        var list = cache.putArray("disks");
        for (int i = 0; i < disks.length; i += 2) {
            list.addObject().put("name", disks[i]).put("type", "data").put("capacity", disks[i + 1]);
        }
        return Samples.model(parent);
    }

    @Test
    void cacheDisksAreFixedOnceTheWorkersExist() throws Exception {
        assertTrue(StorageRule.check(cache("nvme0", "100Gi"), cacheWorkersWith("nvme0", "102400Mi")).isEmpty());
        List<Problem> added = StorageRule.check(cache("nvme0", "100Gi", "nvme1", "100Gi"), cacheWorkersWith("nvme0", "100Gi"));
        assertEquals(List.of("spec.cache.disks[1]"), added.stream().map(Problem::field).toList());
        assertTrue(added.get(0).message().contains("'nvme1' is not a disk of the existing workers"), added.toString());
        List<Problem> resized = StorageRule.check(cache("nvme0", "200Gi"), cacheWorkersWith("nvme0", "100Gi"));
        assertEquals(List.of("spec.cache.disks[0]"), resized.stream().map(Problem::field).toList());
        List<Problem> removed = StorageRule.check(cache(), cacheWorkersWith("nvme0", "100Gi"));
        assertEquals(List.of("spec.cache.disks"), removed.stream().map(Problem::field).toList());
        assertTrue(removed.get(0).message().contains("disk 'nvme0', which cannot be removed"), removed.toString());
        // Turning a data server with a plain volume into a cache without disks changes no claim.
        assertTrue(StorageRule.check(cache(), workersWith("1Gi", "default")).isEmpty());
    }

    @Test
    void existingWorkersKeepTheirMode() throws Exception {
        // Data servers (status.mode DataServer, or no mode: a cluster from before caches) do not become caches.
        for (String running : new String[] {null, "DataServer"}) {
            List<Problem> problems = StorageRule.check(cache(), workersWith("1Gi", "default"), running);
            assertEquals(List.of("spec.cache"), problems.stream().map(Problem::field).toList(), String.valueOf(running));
            assertTrue(problems.get(0).message().contains("cannot become caches"), problems.toString());
        }
        List<Problem> back = StorageRule.check(Samples.sample(), workersWith("1Gi", "default"), "Cache");
        assertEquals(List.of("spec.cache"), back.stream().map(Problem::field).toList());
        assertTrue(StorageRule.check(cache(), workersWith("1Gi", "default"), "Cache").isEmpty());
        assertTrue(StorageRule.check(Samples.sample(), workersWith("1Gi", "default"), null).isEmpty());
        // A new cluster has no workers to protect.
        assertTrue(StorageRule.check(cache(), Optional.empty(), "DataServer").isEmpty());
    }
}
