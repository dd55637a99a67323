package org.xrootd.hook.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.children.StatefulSets;
import org.xrootd.hook.fixtures.Cluster;
import org.xrootd.hook.fixtures.Scenarios;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.testkit.Samples;

/**
 * spec.tokens.caBundle through the customize and sync hooks: the ConfigMap or Secret is asked for as a
 * related object, its data digest joins the pods' secrets hash (a new CA rolls them), and a missing one
 * keeps every child as it is with a condition that names it.
 */
class TokenCaBundleSyncTest {
    private static final String TLS = "base-xrootd-tls";
    private static final String CA = "site-ca";
    private static final String CERT = "-----BEGIN CERTIFICATE-----\nMIIBfirst\n-----END CERTIFICATE-----\n";

    private static ObjectNode spec(boolean secret) {
        ObjectNode spec = Scenarios.defaulted(Samples.sampleSpec());
        spec.putObject("tls").put("secretName", TLS);
        ObjectNode tokens = spec.putObject("tokens");
        tokens.put("onMissing", "Deny");
        ObjectNode issuer = tokens.putArray("issuers").addObject();
        issuer.put("name", "iam").put("issuer", "https://iam.example.org").put("mapSubject", false).putArray("basePath").add("/data");
        tokens.putObject("caBundle").put(secret ? "secret" : "configMap", CA).put("key", "ca.crt");
        return spec;
    }

    private static ObjectNode related(boolean secret, String ca) {
        ObjectNode related = Cluster.withSecret(Cluster.related(false, "4.11.2", Scenarios.IMAGE_4), false, TLS, "800",
                "tls.crt", CERT, "tls.key", "key");
        if (ca == null) {
            return related;
        }
        if (secret) {
            return Cluster.withSecret(related, false, CA, "900", "ca.crt", ca);
        }
        ObjectNode configMap = related.withObject("/ConfigMap.v1").putObject(CA);
        configMap.put("apiVersion", "v1").put("kind", "ConfigMap");
        configMap.putObject("metadata").put("name", CA).put("namespace", Cluster.NAMESPACE).put("resourceVersion", "901");
        configMap.putObject("data").put("ca.crt", ca);
        return related;
    }

    private static SyncHandler.Outcome sync(ObjectNode parent, List<ObjectNode> observed, ObjectNode related) throws Exception {
        return SyncHandler.handle(HookRequest.parse(Json.MAPPER.writeValueAsBytes(Cluster.request(parent, observed, related, false, false))));
    }

    private static String workerHash(JsonNode response) {
        for (JsonNode child : response.path("children")) {
            if (child.path("metadata").path("name").asText().endsWith("-worker") && "StatefulSet".equals(child.path("kind").asText())) {
                return child.at("/spec/template/metadata/annotations").path(StatefulSets.SECRETS_HASH).asText(null);
            }
        }
        return null;
    }

    @Test
    void customizeAsksForTheBundleWhereverItIs() throws Exception {
        for (boolean secret : List.of(true, false)) {
            ObjectNode request = Json.MAPPER.createObjectNode();
            request.set("parent", Cluster.parent("base-xrootd", spec(secret), 1, Scenarios.T0));
            List<String> asked = new ArrayList<>();
            for (JsonNode rule : SyncHandler.customize(HookRequest.parse(Json.MAPPER.writeValueAsBytes(request))).path("relatedResources")) {
                assertEquals(Cluster.NAMESPACE, rule.path("namespace").asText(), rule.toString());
                rule.path("names").forEach(n -> asked.add(rule.path("resource").asText() + "/" + n.asText()));
            }
            assertTrue(asked.contains((secret ? "secrets/" : "configmaps/") + CA), asked.toString());
            assertTrue(asked.contains("secrets/" + TLS), asked.toString());
        }
    }

    @Test
    void theBundleIsInTheSecretsHashAndANewCaRollsThePods() throws Exception {
        for (boolean secret : List.of(true, false)) {
            ObjectNode parent = Cluster.parent("base-xrootd", spec(secret), 1, Scenarios.T0);
            SyncHandler.Outcome first = sync(parent, List.of(), related(secret, CERT));
            assertEquals(Result.SYNCED, first.result(), first.response().toJson().toString());
            String before = workerHash(first.response().toJson());
            assertNotNull(before);
            String again = workerHash(sync(parent, List.of(), related(secret, CERT)).response().toJson());
            assertEquals(before, again, "same data, same hash");
            String rotated = workerHash(sync(parent, List.of(), related(secret, CERT.replace("first", "second"))).response().toJson());
            assertNotEquals(before, rotated, (secret ? "Secret" : "ConfigMap") + ": a new CA rolls the pods");
        }
    }

    @Test
    void aMissingBundleKeepsTheChildrenAndNamesIt() throws Exception {
        for (boolean secret : List.of(true, false)) {
            ObjectNode parent = Cluster.parent("base-xrootd", spec(secret), 1, Scenarios.T0);
            List<ObjectNode> running = Cluster.applied(
                    Cluster.respond(Cluster.request(parent, List.of(), related(secret, CERT), false, false)), Scenarios.T1, 2, 3);
            SyncHandler.Outcome outcome = sync(parent, running, related(secret, null));
            assertEquals(Result.SECRET_NOT_FOUND, outcome.result());
            JsonNode response = outcome.response().toJson();
            assertEquals(running.size(), response.path("children").size(), "every observed child kept");
            String message = "";
            for (JsonNode condition : response.path("status").path("conditions")) {
                if ("Degraded".equals(condition.path("type").asText())) {
                    message = condition.path("message").asText();
                }
            }
            assertTrue(message.contains("'" + CA + "'") && message.contains(secret ? "spec.tokens.caBundle.secret" : "spec.tokens.caBundle.configMap"),
                    message);
        }
    }
}
