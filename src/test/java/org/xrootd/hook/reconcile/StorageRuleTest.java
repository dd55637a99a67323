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
}
