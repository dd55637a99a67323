package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.testkit.Samples;

/** spec.cache in the children: xrootd.cf lines for each daemon, the disks' claims and mounts, memory, probes. */
class CacheChildrenTest {
    private static ObjectNode cacheParent() {
        ObjectNode parent = Samples.parent("xc");
        ObjectNode cache = Samples.spec(parent).putObject("cache");
        cache.put("origin", "origin.example.org:1094").put("ramSize", "2Gi").put("blockSize", "512Ki").put("prefetch", 8)
                .put("lowWaterMark", 0.5).put("highWaterMark", 0.75).put("purgeIntervalSeconds", 120);
        ArrayNode disks = cache.putArray("disks");
        disks.add(Json.MAPPER.createObjectNode().put("name", "nvme0").put("type", "data").put("capacity", "100Gi").put("class", "fast"));
        disks.add(Json.MAPPER.createObjectNode().put("name", "cinfo").put("type", "meta").put("capacity", "1Gi"));
        return parent;
    }

    private static List<String> lines(String config) {
        return config.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    private static Container container(StatefulSet sts, String name) {
        return sts.getSpec().getTemplate().getSpec().getContainers().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void theWholeFileSelectsTheCacheForTheWorkersXrootdOnlyAndTheTuningForTheRedirectors() {
        XrootdSpec spec = Samples.model(cacheParent());
        List<String> lines = lines(XrootdConf.render(spec));
        int cmsd = lines.indexOf("if exec cmsd");
        assertTrue(cmsd > 0, lines.toString());
        // 100 GiB of data disk: 0.5 is 51200 MiB = 50g, 0.75 is 76800 MiB = 75g.
        assertEquals(List.of("if exec cmsd", "all.export /data stage r/o", "else if named worker", "all.export /data r/o",
                "ofs.osslib libXrdPss.so", "pss.cachelib libXrdPfc.so", "pss.origin origin.example.org:1094", "pfc.ram 2g",
                "pfc.blocksize 512k", "pfc.prefetch 8", "pfc.spaces data meta", "oss.space data /xrootd/cache/nvme0",
                "oss.space meta /xrootd/cache/cinfo", "pfc.diskusage 50g 75g purgeinterval 120s", "else", "all.export /data stage r/o", "fi"),
                lines.subList(cmsd, cmsd + 17));
        // No export outside that block: a plain all.export would give the cache's xrootd a writable one.
        assertEquals(3, lines.stream().filter(l -> l.startsWith("all.export")).count(), lines.toString());
        int manager = lines.indexOf("if named manager");
        int worker = lines.indexOf("all.role server");
        List<String> managerBlock = lines.subList(manager, worker);
        assertTrue(managerBlock.contains("cms.sched maxretries 0 nomultisrc"), managerBlock.toString());
        assertTrue(managerBlock.contains("cms.fxhold noloc 15m 4h"), managerBlock.toString());
        assertTrue(lines.contains("cms.space min 1m 2m"), lines.toString());
    }

    @Test
    void aDataServerKeepsItsExportsAndGetsNoCacheLines() {
        String config = XrootdConf.render(Samples.sample());
        assertTrue(lines(config).contains("all.export /data"));
        for (String absent : List.of("pss.", "pfc.", "ofs.osslib", "cms.sched", "cms.fxhold", "else if named worker")) {
            assertFalse(config.contains(absent), absent);
        }
        assertFalse(lines(config).contains("if exec cmsd"), config);
    }

    @Test
    void cacheSettingsRollTheWorkersOnlyAndTheTuningRollsTheRedirectors() {
        XrootdSpec spec = Samples.model(cacheParent());
        ObjectNode other = cacheParent();
        ((ObjectNode) Samples.spec(other).get("cache")).put("prefetch", 9);
        XrootdSpec changed = Samples.model(other);
        assertEquals(Samples.hash(spec, Component.REDIRECTOR), Samples.hash(changed, Component.REDIRECTOR));
        assertNotEquals(Samples.hash(spec, Component.WORKER), Samples.hash(changed, Component.WORKER));
        assertNotEquals(Samples.hash(Samples.sample(), Component.REDIRECTOR), Samples.hash(spec, Component.REDIRECTOR));
    }

    @Test
    void eachDiskIsAClaimMountedInBothDaemonsAndTheXrootdRequestsTheRam() {
        XrootdSpec spec = Samples.model(cacheParent());
        StatefulSet worker = Samples.typed(Samples.statefulSet(spec, Component.WORKER, Samples.image()), StatefulSet.class);
        var claims = worker.getSpec().getVolumeClaimTemplates();
        assertEquals(List.of("data", "cache-nvme0", "cache-cinfo"), claims.stream().map(c -> c.getMetadata().getName()).toList());
        assertEquals(new Quantity("100Gi"), claims.get(1).getSpec().getResources().getRequests().get("storage"));
        assertEquals("fast", claims.get(1).getSpec().getStorageClassName());
        assertNull(claims.get(2).getSpec().getStorageClassName());
        for (String daemon : List.of("cmsd", "xrootd")) {
            var mounts = container(worker, daemon).getVolumeMounts();
            assertTrue(mounts.stream().anyMatch(m -> m.getName().equals("cache-nvme0") && m.getMountPath().equals("/xrootd/cache/nvme0")),
                    daemon + ": " + mounts);
            assertTrue(mounts.stream().anyMatch(m -> m.getName().equals("cache-cinfo") && m.getMountPath().equals("/xrootd/cache/cinfo")),
                    daemon + ": " + mounts);
        }
        Container xrootd = container(worker, "xrootd");
        assertEquals(new Quantity("2Gi"), xrootd.getResources().getRequests().get("memory"));
        assertEquals(60, xrootd.getStartupProbe().getFailureThreshold() * xrootd.getStartupProbe().getPeriodSeconds() / 10);
        StatefulSet redirector = Samples.typed(Samples.statefulSet(spec, Component.REDIRECTOR, Samples.image()), StatefulSet.class);
        assertNull(container(redirector, "xrootd").getStartupProbe());
        assertTrue(redirector.getSpec().getVolumeClaimTemplates() == null || redirector.getSpec().getVolumeClaimTemplates().isEmpty());
    }

    @Test
    void aLargerMemoryRequestOfTheUserIsKept() throws Exception {
        ObjectNode parent = cacheParent();
        ((ObjectNode) Samples.spec(parent).get("worker")).set("resources",
                Json.MAPPER.readTree("{\"requests\":{\"memory\":\"8Gi\",\"cpu\":\"2\"},\"limits\":{\"memory\":\"16Gi\"}}"));
        StatefulSet worker = Samples.typed(Samples.statefulSet(Samples.model(parent), Component.WORKER, Samples.image()), StatefulSet.class);
        var resources = container(worker, "xrootd").getResources();
        assertEquals(new Quantity("8Gi"), resources.getRequests().get("memory"));
        assertEquals(new Quantity("2"), resources.getRequests().get("cpu"));
        assertEquals(new Quantity("16Gi"), resources.getLimits().get("memory"));
    }

    @Test
    void existingWorkersKeepTheirClaimsSoDisksAddedLaterAreReportedByTheStorageRule() {
        XrootdSpec spec = Samples.model(cacheParent());
        ObjectNode built = Samples.statefulSet(spec, Component.WORKER, Samples.image());
        ExistingStatefulSet existing = ExistingStatefulSet.of(built);
        assertEquals(List.of("data", "cache-nvme0", "cache-cinfo"), existing.claimNames());
        ObjectNode rebuilt = StatefulSets.build(spec, Component.WORKER, Samples.image(), Samples.hash(spec, Component.WORKER),
                Optional.of(existing));
        assertEquals(built.get("spec").get("volumeClaimTemplates"), rebuilt.get("spec").get("volumeClaimTemplates"));
    }
}
