package org.xrootd.hook.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.testkit.Samples;

/**
 * Found by the end-to-end suite against a real kube-apiserver 1.20: the server stores a worker claim
 * template with {@code metadata.creationTimestamp: null}, Metacontroller replaces the list wholesale, so a
 * hook that re-sends its own spelling makes Metacontroller PUT the StatefulSet on every resync.
 */
class VolumeClaimTemplatesTest {
    private static final String WORKER = "StatefulSet.apps/v1";

    /** A sync request whose observed worker StatefulSet carries the templates as the 1.20 API server returns them. */
    private static ObjectNode request(ObjectNode parent, JsonNode observedTemplates) {
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.set("parent", parent);
        ObjectNode sets = request.putObject("children").putObject(WORKER);
        ObjectNode worker = sets.putObject("base-xrootd-xrootd-worker");
        worker.put("apiVersion", "apps/v1").put("kind", "StatefulSet");
        worker.putObject("metadata").put("name", "base-xrootd-xrootd-worker").put("namespace", "ns1");
        worker.putObject("spec").set("volumeClaimTemplates", observedTemplates);
        request.putObject("related").putObject("XrootdVersion.catalog.xrootd.org/v1alpha1").set("4.11.2",
                Json.MAPPER.createObjectNode().put("apiVersion", "catalog.xrootd.org/v1alpha1").put("kind", "XrootdVersion")
                        .<ObjectNode>set("metadata", Json.MAPPER.createObjectNode().put("name", "4.11.2").put("namespace", "ns1"))
                        .set("spec", Json.MAPPER.createObjectNode().put("version", "4.11.2").put("image", "qserv/xrootd:v4.11.2")));
        return request;
    }

    private static JsonNode templatesOf(JsonNode response, String name) {
        for (JsonNode child : response.path("children")) {
            if (child.path("kind").asText().equals("StatefulSet") && child.path("metadata").path("name").asText().equals(name)) {
                return child.path("spec").get("volumeClaimTemplates");
            }
        }
        throw new AssertionError("no StatefulSet " + name);
    }

    private static JsonNode sync(ObjectNode request) throws Exception {
        HookRequest parsed = HookRequest.parse(Json.MAPPER.writeValueAsBytes(request));
        // Through the wire format, as Metacontroller reads it.
        return Json.MAPPER.readTree(Json.MAPPER.writeValueAsBytes(SyncHandler.handle(parsed).response().toJson()));
    }

    @Test
    void anExistingStatefulSetKeepsItsTemplatesAsTheServerSpellsThem() throws Exception {
        ArrayNode observed = (ArrayNode) Json.MAPPER.readTree("""
                [{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                  "metadata": {"creationTimestamp": null, "name": "data"},
                  "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                           "storageClassName": "default", "volumeMode": "Filesystem"},
                  "status": {"phase": "Pending"}}]""");
        JsonNode response = sync(request(Samples.parent("base-xrootd"), observed));
        assertEquals(observed, templatesOf(response, "base-xrootd-xrootd-worker"));
        assertTrue(templatesOf(response, "base-xrootd-xrootd-worker").get(0).path("metadata").has("creationTimestamp"),
                "the explicit null survives serialization");
    }

    @Test
    void theTemplatesCannotChangeOnceTheWorkersExist() throws Exception {
        ArrayNode observed = (ArrayNode) Json.MAPPER.readTree("""
                [{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
                  "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]""");
        ObjectNode parent = Samples.parent("base-xrootd");
        ((ObjectNode) parent.path("spec").path("worker").path("storage")).put("capacity", "5Gi");
        // A change here would be rejected by the API server (immutable field) and block every other update.
        assertEquals(observed, templatesOf(sync(request(parent, observed)), "base-xrootd-xrootd-worker"));
    }

    @Test
    void aNewStatefulSetGetsTheBuiltTemplates() throws Exception {
        ObjectNode request = request(Samples.parent("base-xrootd"), Json.MAPPER.createArrayNode());
        ((ObjectNode) request.get("children")).putObject(WORKER);
        JsonNode templates = templatesOf(sync(request), "base-xrootd-xrootd-worker");
        assertEquals("1Gi", templates.path(0).path("spec").path("resources").path("requests").path("storage").asText());
        assertEquals(null, templatesOf(sync(request), "base-xrootd-xrootd-redirector"), "redirectors have no claims");
    }
}
