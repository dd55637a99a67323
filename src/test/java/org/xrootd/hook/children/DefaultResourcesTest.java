package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.testkit.Samples;

/**
 * Every daemon container gets resource requests (no limits) unless its role's spec sets the field; the
 * expected values are written out here, as docs/operations.md lists them, not read from the builder.
 */
class DefaultResourcesTest {
    private static final String NONE = "{}";

    /** "container" to its resources, as compact JSON, in the StatefulSet the sample spec gives {@code component}. */
    private static Map<String, String> resources(ObjectNode parent, Component component) {
        JsonNode statefulSet = Samples.statefulSet(Samples.model(parent), component, Samples.image());
        Map<String, String> out = new TreeMap<>();
        for (JsonNode container : statefulSet.at("/spec/template/spec/containers")) {
            out.put(container.path("name").asText(), container.has("resources") ? container.get("resources").toString() : "absent");
        }
        return out;
    }

    private static String requests(String cpu, String memory) {
        return "{\"requests\":{\"cpu\":\"" + cpu + "\",\"memory\":\"" + memory + "\"}}";
    }

    @Test
    void everyDaemonGetsRequestsAndNoLimitsByDefault() {
        ObjectNode parent = Samples.parent("x");
        assertEquals(Map.of("cmsd", requests("10m", "32Mi"), "xrootd", requests("25m", "32Mi")), resources(parent, Component.REDIRECTOR));
        assertEquals(Map.of("cmsd", requests("10m", "32Mi"), "xrootd", requests("100m", "64Mi")), resources(parent, Component.WORKER));
    }

    @Test
    void supervisorsGetTheManagersDefaults() {
        ObjectNode parent = Samples.parent("x");
        ((ObjectNode) Samples.spec(parent).get("worker")).put("replicas", 65);
        assertEquals(Map.of("cmsd", requests("10m", "32Mi"), "xrootd", requests("25m", "32Mi")), resources(parent, Component.SUPERVISOR));
    }

    @Test
    void aGivenFieldReplacesTheDefaultEntirelyAndEmptyMeansNone() throws Exception {
        ObjectNode parent = Samples.parent("x");
        ObjectNode worker = (ObjectNode) Samples.spec(parent).get("worker");
        worker.set("resources", Json.MAPPER.readTree("{\"limits\":{\"memory\":\"2Gi\"},\"requests\":{\"cpu\":\"1\"}}"));
        worker.set("cmsdResources", Json.MAPPER.readTree(NONE));
        Map<String, String> got = resources(parent, Component.WORKER);
        assertEquals("{\"limits\":{\"memory\":\"2Gi\"},\"requests\":{\"cpu\":\"1\"}}", got.get("xrootd"));
        assertEquals(NONE, got.get("cmsd"), "an explicit {} opts out of requests (BestEffort)");
        // The other role keeps its defaults.
        assertEquals(requests("25m", "32Mi"), resources(parent, Component.REDIRECTOR).get("xrootd"));
    }
}
