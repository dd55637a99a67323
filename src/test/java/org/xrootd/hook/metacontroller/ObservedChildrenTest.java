package org.xrootd.hook.metacontroller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;

class ObservedChildrenTest {
    private static ObservedChildren of(String json) throws Exception {
        return ObservedChildren.of(Json.MAPPER.readTree(json));
    }

    @Test
    void returnsWhatWasLastAppliedVerbatim() throws Exception {
        ObservedChildren children = of("""
                {"ConfigMap.v1": {"ns/cm": {"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"name": "cm", "uid": "u", "annotations": {
                    "metacontroller.k8s.io/last-applied-configuration": "{\\"apiVersion\\":\\"v1\\",\\"kind\\":\\"ConfigMap\\",\\"metadata\\":{\\"name\\":\\"cm\\"},\\"data\\":{\\"a\\":\\"1\\"}}"}},
                  "data": {"a": "2"}}}}""");
        assertEquals(Json.MAPPER.readTree("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm\"},\"data\":{\"a\":\"1\"}}"),
                children.allUnchanged().get(0));
        assertEquals("cm", children.get(ObservedChildren.CONFIG_MAP, "cm").orElseThrow().path("metadata").path("name").asText());
    }

    @Test
    void withoutAnnotationKeepsIdentityAndSpecButNoServerState() throws Exception {
        ObjectNode kept = of("""
                {"Service.v1": {"svc": {"metadata": {"name": "svc", "uid": "u", "resourceVersion": "9",
                  "labels": {"a": "b"}}, "spec": {"clusterIP": "None"}, "status": {"loadBalancer": {}}}}}""")
                .allUnchanged().get(0);
        assertEquals("Service", kept.get("kind").asText());
        assertEquals("v1", kept.get("apiVersion").asText());
        assertFalse(kept.has("status"));
        assertFalse(kept.get("metadata").has("uid"));
        assertEquals("None", kept.path("spec").path("clusterIP").asText());
    }

    @Test
    void unreadableAnnotationFallsBackToTheObservedObject() throws Exception {
        List<ObjectNode> kept = of("""
                {"StatefulSet.apps/v1": {"s": {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s",
                  "annotations": {"metacontroller.k8s.io/last-applied-configuration": "{broken"}}, "spec": {"replicas": 2}}}}""")
                .allUnchanged();
        assertEquals(2, kept.get(0).path("spec").path("replicas").asInt());
    }
}
