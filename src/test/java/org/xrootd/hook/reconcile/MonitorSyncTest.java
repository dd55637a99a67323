package org.xrootd.hook.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.fixtures.Cluster;
import org.xrootd.hook.fixtures.Scenarios;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.testkit.Samples;

/** spec.monitor through the sync and customize hooks: what the CompositeController declares decides what is built. */
class MonitorSyncTest {
    private static ObjectNode request(List<String> undeclared) {
        ObjectNode spec = Scenarios.defaulted(Samples.sampleSpec());
        spec.withObject("/monitor").put("enabled", true);
        ObjectNode request = Cluster.request(Cluster.parent("demo", spec, 1, Scenarios.T0), List.of(),
                Cluster.related(false, "4.11.2", Scenarios.IMAGE_4), false, false);
        ArrayNode rules = (ArrayNode) request.at("/controller/spec/childResources");
        for (int i = rules.size() - 1; i >= 0; i--) {
            if (undeclared.contains(rules.get(i).path("resource").asText())) {
                rules.remove(i);
            }
        }
        return request;
    }

    private static JsonNode sync(ObjectNode request, SyncHandler.Settings settings) throws Exception {
        return SyncHandler.handle(HookRequest.parse(Json.MAPPER.writeValueAsBytes(request)), settings).response().toJson();
    }

    private static List<String> kinds(JsonNode response) {
        List<String> kinds = new ArrayList<>();
        response.path("children").forEach(child -> kinds.add(child.path("kind").asText()));
        return kinds;
    }

    private static String config(JsonNode response) {
        for (JsonNode child : response.path("children")) {
            if (child.path("kind").asText().equals("ConfigMap")) {
                return child.at("/data/xrootd.cf").asText();
            }
        }
        throw new AssertionError("no ConfigMap");
    }

    @Test
    void theShippedControllerGetsTheMonitorWithTheConfiguredImageButNoOperatorKinds() throws Exception {
        JsonNode response = sync(request(List.of()), new SyncHandler.Settings("registry.example.org/hook:9"));
        List<String> kinds = kinds(response);
        assertTrue(kinds.containsAll(List.of("Deployment", "ServiceAccount", "Role", "RoleBinding")), kinds.toString());
        assertFalse(kinds.contains("ServiceMonitor") || kinds.contains("PrometheusRule"), "not declared: " + kinds);
        assertTrue(response.toString().contains("\"image\":\"registry.example.org/hook:9\""));
        assertTrue(config(response).contains("xrd.report demo-xrootd-monitor:9931 every 10s all"));
    }

    @Test
    void withTheOperatorKindsDeclaredItAddsTheServiceMonitorAndRule() throws Exception {
        ObjectNode request = request(List.of());
        ArrayNode rules = (ArrayNode) request.at("/controller/spec/childResources");
        for (String resource : List.of("servicemonitors", "prometheusrules")) {
            rules.addObject().put("apiVersion", "monitoring.coreos.com/v1").put("resource", resource);
        }
        List<String> kinds = kinds(sync(request, SyncHandler.Settings.DEFAULT));
        assertTrue(kinds.containsAll(List.of("ServiceMonitor", "PrometheusRule")), kinds.toString());
    }

    @Test
    void aControllerWithoutTheMonitorsKindsGetsTheClusterWithoutIt() throws Exception {
        for (String missing : List.of("deployments", "roles", "rolebindings", "serviceaccounts")) {
            JsonNode response = sync(request(List.of(missing)), SyncHandler.Settings.DEFAULT);
            assertFalse(kinds(response).contains("RoleBinding") || kinds(response).contains("Deployment"), missing);
            assertFalse(config(response).contains("xrd.report"), missing + ": no reports to a Service that is not built");
        }
    }

    @Test
    void customizeAsksForTheInsightConfigMapOnlyWhenTheMonitorIsOn() throws Exception {
        ObjectNode request = request(List.of());
        JsonNode rules = SyncHandler.customize(HookRequest.parse(Json.MAPPER.writeValueAsBytes(request))).path("relatedResources");
        assertEquals(2, rules.size());
        assertEquals("{\"apiVersion\":\"v1\",\"resource\":\"configmaps\",\"namespace\":\"default\",\"names\":[\"demo-xrootd-insight\"]}",
                rules.get(1).toString());
        ((ObjectNode) request.at("/parent/spec/monitor")).put("enabled", false);
        assertEquals(1, SyncHandler.customize(HookRequest.parse(Json.MAPPER.writeValueAsBytes(request))).path("relatedResources").size());
    }

    @Test
    void theMonitorImageMustBeAnImageName() {
        for (String bad : new String[] {"", " ", "a b"}) {
            try {
                new SyncHandler.Settings(bad);
                throw new AssertionError("accepted '" + bad + "'");
            } catch (IllegalArgumentException expected) {
                assertTrue(expected.getMessage().contains("monitor image"));
            }
        }
    }
}
