package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.Quantities;
import org.xrootd.hook.testkit.Samples;

/**
 * The children are written as JSON trees, not through the Kubernetes model classes, and must keep the
 * bytes those gave: apiVersion, kind and metadata first, every other key in alphabetical order. A field
 * added out of order would change every child's bytes, and the golden fixtures would all differ.
 */
class ChildKeyOrderTest {
    private static final List<String> FIRST = List.of("apiVersion", "kind", "metadata");

    @Test
    void everyObjectOfEveryChildHasItsKeysInTheModelOrder() throws Exception {
        ObjectNode everything = Samples.parent("x");
        ObjectNode spec = Samples.spec(everything);
        ObjectNode worker = (ObjectNode) spec.get("worker");
        ((ObjectNode) worker.get("storage")).put("whenDeleted", "Delete");
        worker.set("resources", Json.MAPPER.readTree("{\"requests\":{\"memory\":\"1Gi\",\"cpu\":\"500m\"}}"));
        worker.set("cmsdResources", Json.MAPPER.readTree("{\"limits\":{\"memory\":\"256Mi\"}}"));
        worker.putObject("nodeSelector").put("zone", "b").put("disk", "ssd");
        worker.set("tolerations", Json.MAPPER.readTree(
                "[{\"value\":\"xrootd\",\"key\":\"dedicated\",\"operator\":\"Equal\",\"effect\":\"NoSchedule\"}]"));
        worker.set("affinity", Json.MAPPER.readTree("{\"podAntiAffinity\":{\"preferredDuringSchedulingIgnoredDuringExecution\":"
                + "[{\"weight\":100,\"podAffinityTerm\":{\"topologyKey\":\"kubernetes.io/hostname\"}}]}}"));
        worker.putArray("topologySpreadConstraints").addObject().put("whenUnsatisfiable", "ScheduleAnyway")
                .put("topologyKey", "kubernetes.io/hostname").put("maxSkew", 1);
        worker.put("priorityClassName", "storage");
        worker.putObject("podLabels").put("team", "hep");
        worker.putObject("podAnnotations").put("z.example.org/a", "1");
        spec.putArray("imagePullSecrets").addObject().put("name", "regcred");
        spec.put("serviceAccountName", "xrootd");
        spec.putObject("sss").put("secretName", "keytab").put("key", "sss.keytab");
        spec.putObject("tls").put("secretName", "certs");
        spec.putObject("monitor").put("enabled", true).set("resources",
                Json.MAPPER.readTree("{\"requests\":{\"memory\":\"300Mi\",\"cpu\":\"100m\"},\"limits\":{\"memory\":\"300Mi\"}}"));
        ObjectNode minimal = Samples.parent("y");
        ((ObjectNode) Samples.spec(minimal).get("worker")).put("replicas", 0);
        ((ObjectNode) Samples.spec(minimal).get("worker").get("storage")).remove("class");
        for (ObjectNode parent : List.of(Samples.parent("base"), everything, minimal)) {
            for (JsonNode child : Children.all(Samples.model(parent), Samples.image())) {
                checkOrder(child, child.path("kind").asText());
            }
        }
    }

    @Test
    void storageSizesAreSpelledAsTheModelsQuantityWasBefore() {
        for (String capacity : List.of("1Gi", "500Mi", "10G", "1e9", "1500M", "100", "1024", "2Ti", "1.5Gi", "0.5G")) {
            String canonical = Quantities.parseBytes(capacity).canonical();
            assertEquals(Json.MAPPER.valueToTree(new Quantity(canonical)).asText(), canonical, capacity);
        }
    }

    private static void checkOrder(JsonNode node, String where) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkOrder(node.get(i), where + "[" + i + "]");
            }
            return;
        }
        if (!node.isObject()) {
            return;
        }
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        List<String> expected = new ArrayList<>();
        FIRST.stream().filter(keys::contains).forEach(expected::add);
        keys.stream().filter(key -> !FIRST.contains(key)).sorted().forEach(expected::add);
        assertEquals(expected, keys, "key order at " + where);
        node.fields().forEachRemaining(field -> checkOrder(field.getValue(), where + "." + field.getKey()));
    }

}
