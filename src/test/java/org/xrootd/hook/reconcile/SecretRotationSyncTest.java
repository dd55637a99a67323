package org.xrootd.hook.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.children.StatefulSets;
import org.xrootd.hook.fixtures.Cluster;
import org.xrootd.hook.fixtures.Scenarios;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.model.Secrets;
import org.xrootd.hook.testkit.Samples;

/**
 * The Secrets a cluster mounts (spec.sss, spec.tls) through the customize and sync hooks: asked for as
 * related objects, folded into the mounting roles' templates as a digest (a rotation rolls those pods, a
 * resync changes nothing), and a missing one keeps everything as it is.
 */
class SecretRotationSyncTest {
    private static final String SSS = "base-xrootd-sss";
    private static final String TLS = "base-xrootd-tls";
    private static final String KEYTAB = "0 u:xrootd g:xrootd n:base N:1 c:1700000000 e:0 f:0 k:secretkeymaterial";
    private static final String CERT = "-----BEGIN CERTIFICATE-----\nMIIBfirst\n-----END CERTIFICATE-----\n";
    private static final String KEY = "-----BEGIN PRIVATE KEY-----\nMIIEkey1\n-----END PRIVATE KEY-----\n";

    private static ObjectNode securedSpec() {
        ObjectNode spec = Scenarios.defaulted(Samples.sampleSpec());
        spec.putObject("sss").put("secretName", SSS).put("key", "sss.keytab");
        spec.putObject("tls").put("secretName", TLS);
        return spec;
    }

    private static ObjectNode related(String tlsResourceVersion, String cert, boolean withSss, boolean withTls) {
        ObjectNode related = Cluster.related(false, "4.11.2", Scenarios.IMAGE_4);
        if (withSss) {
            related = Cluster.withSecret(related, false, SSS, "700", "sss.keytab", KEYTAB);
        }
        if (withTls) {
            related = Cluster.withSecret(related, false, TLS, tlsResourceVersion, "tls.crt", cert, "tls.key", KEY);
        }
        return related;
    }

    private static SyncHandler.Outcome sync(ObjectNode request) throws Exception {
        return SyncHandler.handle(HookRequest.parse(Json.MAPPER.writeValueAsBytes(request)));
    }

    private static Map<String, JsonNode> byName(JsonNode response) {
        Map<String, JsonNode> children = new TreeMap<>();
        response.path("children").forEach(c -> children.put(c.path("kind").asText() + " " + c.path("metadata").path("name").asText(), c));
        return children;
    }

    private static String secretsHash(JsonNode statefulSet) {
        return statefulSet.at("/spec/template/metadata/annotations").path(StatefulSets.SECRETS_HASH).asText(null);
    }

    /** The running cluster: created with both Secrets present, its children applied and its pods ready. */
    private static List<ObjectNode> running(ObjectNode parent) throws Exception {
        ObjectNode created = Cluster.respond(Cluster.request(parent, List.of(), related("800", CERT, true, true), false, false));
        return Cluster.applied(created, Scenarios.T1, 2, 3);
    }

    @Test
    void customizeAsksForTheMountedSecretsInTheParentsNamespace() throws Exception {
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.set("parent", Cluster.parent("base-xrootd", securedSpec(), 1, Scenarios.T0));
        JsonNode rules = SyncHandler.customize(HookRequest.parse(Json.MAPPER.writeValueAsBytes(request))).path("relatedResources");
        JsonNode secrets = null;
        for (JsonNode rule : rules) {
            if ("secrets".equals(rule.path("resource").asText())) {
                secrets = rule;
            }
        }
        assertTrue(secrets != null, "a rule for secrets in " + rules);
        assertEquals("v1", secrets.path("apiVersion").asText());
        assertEquals(Cluster.NAMESPACE, secrets.path("namespace").asText());
        assertEquals(List.of(SSS, TLS), List.of(secrets.path("names").get(0).asText(), secrets.path("names").get(1).asText()));
        assertEquals(2, secrets.path("names").size());

        request.set("parent", Cluster.parent("base-xrootd", Scenarios.defaulted(Samples.sampleSpec()), 1, Scenarios.T0));
        for (JsonNode rule : SyncHandler.customize(HookRequest.parse(Json.MAPPER.writeValueAsBytes(request))).path("relatedResources")) {
            assertNotEquals("secrets", rule.path("resource").asText(), "no Secret is asked for without spec.sss or spec.tls");
        }
    }

    @Test
    void everyRoleThatMountsTheSecretsCarriesTheirDigestAndNeverTheirContents() throws Exception {
        ObjectNode parent = Cluster.parent("base-xrootd", securedSpec(), 1, Scenarios.T0);
        SyncHandler.Outcome outcome = sync(Cluster.request(parent, List.of(), related("800", CERT, true, true), false, false));
        assertEquals(Result.SYNCED, outcome.result());
        String response = Json.MAPPER.writeValueAsString(outcome.response().toJson());
        for (String secret : List.of(KEYTAB, CERT, KEY)) {
            assertFalse(response.contains(Base64.getEncoder().encodeToString(secret.getBytes())), "no Secret value in the response");
            assertFalse(response.contains("secretkeymaterial"), "no Secret value in the response");
        }
        Map<String, JsonNode> children = byName(outcome.response().toJson());
        String redirector = secretsHash(children.get("StatefulSet base-xrootd-xrootd-redirector"));
        String worker = secretsHash(children.get("StatefulSet base-xrootd-xrootd-worker"));
        assertTrue(redirector != null && redirector.matches("[0-9a-f]{64}"), "redirector template: " + redirector);
        assertEquals(redirector, worker, "both roles mount the same two Secrets");

        ObjectNode plain = Cluster.parent("base-xrootd", Scenarios.defaulted(Samples.sampleSpec()), 1, Scenarios.T0);
        SyncHandler.Outcome without = sync(Cluster.request(plain, List.of(), related("800", CERT, true, true), false, false));
        byName(without.response().toJson()).forEach((name, child) -> {
            if (name.startsWith("StatefulSet")) {
                assertEquals(null, secretsHash(child), name + " mounts no Secret: no annotation (no roll on upgrade)");
            }
        });
    }

    @Test
    void aRotationChangesOnlyTheSecretsHashOfTheMountingRoles() throws Exception {
        ObjectNode parent = Cluster.parent("base-xrootd", securedSpec(), 1, Scenarios.T0);
        List<ObjectNode> children = running(parent);
        JsonNode before = sync(Cluster.request(parent, children, related("800", CERT, true, true), false, false)).response().toJson();
        String rotatedCert = CERT.replace("MIIBfirst", "MIIBsecond");
        JsonNode after = sync(Cluster.request(parent, children, related("801", rotatedCert, true, true), false, false)).response().toJson();

        Map<String, JsonNode> was = byName(before);
        Map<String, JsonNode> now = byName(after);
        assertEquals(was.keySet(), now.keySet());
        List<String> changed = new ArrayList<>();
        for (String name : was.keySet()) {
            if (!was.get(name).equals(now.get(name))) {
                changed.add(name);
                if (name.endsWith("-worker")) {
                    continue;
                }
                ObjectNode wasCopy = was.get(name).deepCopy();
                ObjectNode nowCopy = now.get(name).deepCopy();
                ((ObjectNode) wasCopy.at("/spec/template/metadata/annotations")).remove(StatefulSets.SECRETS_HASH);
                ((ObjectNode) nowCopy.at("/spec/template/metadata/annotations")).remove(StatefulSets.SECRETS_HASH);
                assertEquals(wasCopy, nowCopy, name + ": only the secrets hash changes");
            }
        }
        // One role at a time (RollOrder): the redirectors take the rotated Secret first, the workers keep their
        // template as observed until every redirector runs it and is ready.
        assertEquals(List.of("StatefulSet base-xrootd-xrootd-redirector", "StatefulSet base-xrootd-xrootd-worker"), changed);
        JsonNode heldWorker = now.get("StatefulSet base-xrootd-xrootd-worker").at("/spec/template");
        ObjectNode observedWorker = children.stream().filter(c -> "base-xrootd-xrootd-worker".equals(c.at("/metadata/name").asText())
                && "StatefulSet".equals(c.path("kind").asText())).findFirst().orElseThrow();
        assertEquals(Json.MAPPER.readTree(observedWorker.at("/spec/template").toString()), Json.MAPPER.readTree(heldWorker.toString()),
                "the workers' template is held as observed");
        assertEquals(secretsHash(was.get("StatefulSet base-xrootd-xrootd-worker")), heldWorker.at("/metadata/annotations")
                .path(StatefulSets.SECRETS_HASH).asText(null), "the held workers keep the old secrets hash");

        List<ObjectNode> redirectorsDone = new ArrayList<>();
        for (ObjectNode child : children) {
            ObjectNode copy = child.deepCopy();
            if ("base-xrootd-xrootd-redirector".equals(copy.at("/metadata/name").asText()) && "StatefulSet".equals(copy.path("kind").asText())) {
                Cluster.rollingOut(copy, (ObjectNode) now.get("StatefulSet base-xrootd-xrootd-redirector").at("/spec/template"), 2, 2);
            }
            redirectorsDone.add(copy);
        }
        JsonNode released = sync(Cluster.request(parent, redirectorsDone, related("801", rotatedCert, true, true), false, false)).response().toJson();
        ObjectNode wasWorker = was.get("StatefulSet base-xrootd-xrootd-worker").deepCopy();
        ObjectNode nowWorker = byName(released).get("StatefulSet base-xrootd-xrootd-worker").deepCopy();
        assertEquals(secretsHash(now.get("StatefulSet base-xrootd-xrootd-redirector")), secretsHash(nowWorker), "then the workers follow");
        ((ObjectNode) wasWorker.at("/spec/template/metadata/annotations")).remove(StatefulSets.SECRETS_HASH);
        ((ObjectNode) nowWorker.at("/spec/template/metadata/annotations")).remove(StatefulSets.SECRETS_HASH);
        assertEquals(wasWorker, nowWorker, "the released workers change only their secrets hash");
    }

    @Test
    void aResyncWithTheSameDataIsByteForByteTheSameEvenIfTheSecretsMetadataChanged() throws Exception {
        ObjectNode parent = Cluster.parent("base-xrootd", securedSpec(), 1, Scenarios.T0);
        List<ObjectNode> children = running(parent);
        byte[] first = Json.MAPPER.writeValueAsBytes(sync(Cluster.request(parent, children, related("800", CERT, true, true), false, false))
                .response().toJson());
        byte[] again = Json.MAPPER.writeValueAsBytes(sync(Cluster.request(parent, children, related("800", CERT, true, true), false, false))
                .response().toJson());
        assertEquals(new String(first), new String(again));
        // A relabelled Secret (new resourceVersion, same data) must not roll anything.
        ObjectNode relabelled = related("955", CERT, true, true);
        ((ObjectNode) relabelled.at("/Secret.v1/" + TLS + "/metadata")).putObject("labels").put("team", "ops");
        byte[] touched = Json.MAPPER.writeValueAsBytes(sync(Cluster.request(parent, children, relabelled, false, false)).response().toJson());
        assertEquals(new String(first), new String(touched));
    }

    @Test
    void aMissingSecretKeepsEveryChildAsObservedAndNamesTheSecret() throws Exception {
        ObjectNode parent = Cluster.parent("base-xrootd", securedSpec(), 1, Scenarios.T0);
        List<ObjectNode> children = running(parent);
        ObjectNode request = Cluster.request(parent, children, related("800", CERT, true, false), false, false);
        SyncHandler.Outcome outcome = sync(request);
        assertEquals(Result.SECRET_NOT_FOUND, outcome.result());
        JsonNode response = outcome.response().toJson();
        assertEquals(children.size(), response.path("children").size());
        HookRequest parsed = HookRequest.parse(Json.MAPPER.writeValueAsBytes(request));
        assertEquals(Json.MAPPER.valueToTree(parsed.children().allUnchanged()), response.path("children"), "every child exactly as applied");
        JsonNode degraded = condition(response, "Degraded");
        assertEquals("True", degraded.path("status").asText());
        assertEquals("SecretNotFound", degraded.path("reason").asText());
        assertTrue(degraded.path("message").asText().contains("'" + TLS + "'"), degraded.toString());
        assertFalse(degraded.path("message").asText().contains(SSS), "only the missing Secret is named: " + degraded);
    }

    @Test
    void aNewClusterWithAMissingSecretGetsItsServicesAndConfigButNoPods() throws Exception {
        ObjectNode parent = Cluster.parent("base-xrootd", securedSpec(), 1, Scenarios.T0);
        SyncHandler.Outcome outcome = sync(Cluster.request(parent, List.of(), related("800", CERT, false, true), false, false));
        assertEquals(Result.SECRET_NOT_FOUND, outcome.result());
        Map<String, JsonNode> children = byName(outcome.response().toJson());
        assertTrue(children.keySet().stream().noneMatch(name -> name.startsWith("StatefulSet")), children.keySet().toString());
        assertTrue(children.containsKey("ConfigMap base-xrootd-xrootd-config"), children.keySet().toString());
        assertTrue(children.containsKey("Service base-xrootd-xrootd"), children.keySet().toString());
        assertEquals("SecretNotFound", condition(outcome.response().toJson(), "Ready").path("reason").asText());
    }

    @Test
    void aSecretOfTheSameNameInAnotherNamespaceDoesNotCount() throws Exception {
        ObjectNode parent = Cluster.parent("base-xrootd", securedSpec(), 1, Scenarios.T0);
        ObjectNode related = related("800", CERT, true, true);
        ((ObjectNode) related.at("/Secret.v1/" + TLS + "/metadata")).put("namespace", "other-tenant");
        assertEquals(Result.SECRET_NOT_FOUND, sync(Cluster.request(parent, List.of(), related, false, false)).result());
    }

    @Test
    void theDigestFollowsDataOnly() {
        ObjectNode a = Json.MAPPER.createObjectNode();
        a.putObject("data").put("x", "YQ==").put("y", "Yg==");
        ObjectNode reordered = Json.MAPPER.createObjectNode();
        reordered.putObject("data").put("y", "Yg==").put("x", "YQ==");
        reordered.putObject("metadata").put("resourceVersion", "9");
        ObjectNode changed = Json.MAPPER.createObjectNode();
        changed.putObject("data").put("x", "YQ==").put("y", "Yw==");
        ObjectNode renamed = Json.MAPPER.createObjectNode();
        renamed.putObject("data").put("x", "YQ==").put("z", "Yg==");
        assertEquals(Secrets.digest(a), Secrets.digest(reordered));
        assertNotEquals(Secrets.digest(a), Secrets.digest(changed));
        assertNotEquals(Secrets.digest(a), Secrets.digest(renamed));
        assertNotEquals(Secrets.combined(Map.of("s", Secrets.digest(a))), Secrets.combined(Map.of("t", Secrets.digest(a))));
    }

    private static JsonNode condition(JsonNode response, String type) {
        for (JsonNode condition : response.path("status").path("conditions")) {
            if (type.equals(condition.path("type").asText())) {
                return condition;
            }
        }
        throw new AssertionError("no " + type + " condition in " + response.path("status"));
    }
}
