package org.xrootd.hook.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Which related objects Metacontroller selects for a customize rule, per hook version, and how the sync
 * request keys them: the emulator's transcription of {@code customize/manager.go} and
 * {@code UniformObjectMap.Convert}, checked here on a same-named decoy {@code XrootdVersion} in another
 * namespace. Runs without a control plane.
 */
class RelatedRulesTest {
    static final KubeApi.Resource VERSIONS = new KubeApi.Resource("catalog.xrootd.org/v1alpha1", "xrootdversions",
            "XrootdVersion", true, false);
    static final KubeApi.Resource NAMESPACES = new KubeApi.Resource("v1", "namespaces", "Namespace", false, false);
    static final String GROUP = VERSIONS.childKey();

    static ObjectNode object(String apiVersion, String kind, String namespace, String name, String labels) throws Exception {
        ObjectNode object = (ObjectNode) KubeApi.MAPPER.readTree(("{'apiVersion': '" + apiVersion + "', 'kind': '" + kind
                + "', 'metadata': {'name': '" + name + "', 'labels': " + labels + "}}").replace('\'', '"'));
        if (namespace != null) {
            ((ObjectNode) object.get("metadata")).put("namespace", namespace);
        }
        return object;
    }

    static ObjectNode version(String namespace, String name) throws Exception {
        return object(VERSIONS.apiVersion(), "XrootdVersion", namespace, name, "{'tier': '" + namespace + "'}");
    }

    static JsonNode rule(String json) throws Exception {
        return KubeApi.MAPPER.readTree(json.replace('\'', '"'));
    }

    final ObjectNode parent;
    final ObjectNode own;
    final ObjectNode decoy;
    final ObjectNode other;
    final List<ObjectNode> all;
    final List<ObjectNode> namespaces;

    RelatedRulesTest() throws Exception {
        parent = object("xrootd.org/v1alpha1", "Xrootd", "tenant", "x", "{}");
        own = version("tenant", "5.0.0");
        decoy = version("elsewhere", "5.0.0");
        other = version("tenant", "4.0.0");
        all = List.of(own, decoy, other);
        namespaces = List.of(object("v1", "Namespace", null, "tenant", "{'team': 'a'}"),
                object("v1", "Namespace", null, "elsewhere", "{'team': 'b'}"));
    }

    /** What the sync hook receives under {@code related[XrootdVersion...]} for this rule. */
    List<String> sent(String version, JsonNode rule) {
        Map<String, ObjectNode> selected = RelatedRules.select(version, parent, true, rule, VERSIONS, all, namespaces);
        Map<String, Map<String, ObjectNode>> uniform = new TreeMap<>();
        uniform.put(GROUP, selected);
        JsonNode request = RelatedRules.forRequest(version, parent, uniform).get(GROUP);
        List<String> out = new java.util.ArrayList<>();
        request.fields().forEachRemaining(e -> out.add(e.getKey() + "=" + e.getValue().path("metadata").path("namespace").asText()));
        out.sort(null);
        return out;
    }

    boolean wakes(String version, JsonNode rule, ObjectNode object) {
        return RelatedRules.matches(version, parent, true, object, rule, VERSIONS, namespaces);
    }

    @Test
    void aNamesRuleWithoutNamespaceSendsTheDecoyUnderV2Only() throws Exception {
        JsonNode rule = rule("{'apiVersion': 'catalog.xrootd.org/v1alpha1', 'resource': 'xrootdversions', 'names': ['5.0.0']}");
        assertEquals(List.of("5.0.0=tenant"), sent("v1", rule), "v1 drops other namespaces");
        assertEquals(List.of("elsewhere/5.0.0=elsewhere", "tenant/5.0.0=tenant"), sent("v2", rule), "v2 passes every namespace");
        assertTrue(wakes("v2", rule, decoy), "under v2 an edit of the decoy queues the parent");
        assertFalse(wakes("v1", rule, decoy));
        assertTrue(wakes("v1", rule, own));
        assertFalse(wakes("v2", rule, other), "another name");
    }

    /**
     * The hook's own Secrets rule (customize for a parent with spec.sss and spec.tls) under Metacontroller's
     * rules: only the named Secrets of the parent's namespace are sent, under either version, and only their
     * edits queue the parent; a same-named Secret elsewhere, or another Secret of the namespace, does neither.
     */
    @Test
    void theHooksSecretsRuleSendsAndWatchesOnlyTheNamedSecretsOfTheParentsNamespace() throws Exception {
        KubeApi.Resource secrets = new KubeApi.Resource("v1", "secrets", "Secret", true, false);
        ObjectNode secured = parent.deepCopy();
        secured.putObject("spec").put("version", "5.0.0");
        ((ObjectNode) secured.get("spec")).putObject("sss").put("secretName", "x-sss");
        ((ObjectNode) secured.get("spec")).putObject("tls").put("secretName", "x-tls");
        ObjectNode customize = KubeApi.MAPPER.createObjectNode();
        customize.set("parent", secured);
        JsonNode rule = null;
        for (JsonNode candidate : org.xrootd.hook.reconcile.SyncHandler.customize(
                org.xrootd.hook.metacontroller.HookRequest.parse(KubeApi.MAPPER.writeValueAsBytes(customize))).path("relatedResources")) {
            if ("secrets".equals(candidate.path("resource").asText())) {
                rule = candidate;
            }
        }
        assertTrue(rule != null);
        ObjectNode sss = object("v1", "Secret", "tenant", "x-sss", "{}");
        ObjectNode tls = object("v1", "Secret", "tenant", "x-tls", "{}");
        ObjectNode unrelated = object("v1", "Secret", "tenant", "y-tls", "{}");
        ObjectNode elsewhere = object("v1", "Secret", "elsewhere", "x-tls", "{}");
        List<ObjectNode> every = List.of(sss, tls, unrelated, elsewhere);
        for (String version : List.of("v1", "v2")) {
            Map<String, Map<String, ObjectNode>> uniform = new TreeMap<>();
            uniform.put(secrets.childKey(), RelatedRules.select(version, secured, true, rule, secrets, every, namespaces));
            List<String> sent = new java.util.ArrayList<>();
            RelatedRules.forRequest(version, secured, uniform).get(secrets.childKey())
                    .forEach(s -> sent.add(s.path("metadata").path("namespace").asText() + "/" + s.path("metadata").path("name").asText()));
            sent.sort(null);
            assertEquals(List.of("tenant/x-sss", "tenant/x-tls"), sent, version);
            assertTrue(RelatedRules.matches(version, secured, true, tls, rule, secrets, namespaces), version + ": a rotation queues the parent");
            assertFalse(RelatedRules.matches(version, secured, true, elsewhere, rule, secrets, namespaces), version);
            assertFalse(RelatedRules.matches(version, secured, true, unrelated, rule, secrets, namespaces), version);
        }
    }

    @Test
    void aNamesRuleWithTheParentsNamespaceSendsOnlyItsOwnEntryUnderBoth() throws Exception {
        JsonNode rule = rule("{'apiVersion': 'catalog.xrootd.org/v1alpha1', 'resource': 'xrootdversions', 'namespace': 'tenant',"
                + " 'names': ['5.0.0']}");
        assertEquals(List.of("5.0.0=tenant"), sent("v1", rule));
        assertEquals(List.of("tenant/5.0.0=tenant"), sent("v2", rule));
        assertFalse(wakes("v1", rule, decoy));
        assertFalse(wakes("v2", rule, decoy));
        assertTrue(wakes("v2", rule, own));
    }

    @Test
    void anotherNamespaceIsAnErrorUnderV1AndAllowedUnderV2() throws Exception {
        JsonNode rule = rule("{'apiVersion': 'catalog.xrootd.org/v1alpha1', 'resource': 'xrootdversions', 'namespace': 'elsewhere',"
                + " 'names': ['5.0.0']}");
        assertThrows(IllegalStateException.class, () -> sent("v1", rule));
        assertThrows(IllegalStateException.class, () -> wakes("v1", rule, decoy));
        assertEquals(List.of("elsewhere/5.0.0=elsewhere"), sent("v2", rule));
    }

    @Test
    void labelSelectorsFollowTheVersionToo() throws Exception {
        JsonNode everything = rule("{'apiVersion': 'catalog.xrootd.org/v1alpha1', 'resource': 'xrootdversions', 'labelSelector': {}}");
        assertEquals(List.of("4.0.0=tenant", "5.0.0=tenant"), sent("v1", everything));
        assertEquals(List.of("elsewhere/5.0.0=elsewhere", "tenant/4.0.0=tenant", "tenant/5.0.0=tenant"), sent("v2", everything));
        JsonNode expression = rule("{'apiVersion': 'catalog.xrootd.org/v1alpha1', 'resource': 'xrootdversions',"
                + " 'labelSelector': {'matchExpressions': [{'key': 'tier', 'operator': 'NotIn', 'values': ['tenant']}]}}");
        assertEquals(List.of("elsewhere/5.0.0=elsewhere"), sent("v2", expression));
        assertEquals(List.of(), sent("v1", expression));
        JsonNode byNamespace = rule("{'apiVersion': 'catalog.xrootd.org/v1alpha1', 'resource': 'xrootdversions',"
                + " 'namespaceSelector': {'matchLabels': {'team': 'b'}}}");
        assertThrows(IllegalStateException.class, () -> sent("v1", byNamespace), "v1 rejects namespaceSelector");
        assertEquals(List.of("elsewhere/5.0.0=elsewhere"), sent("v2", byNamespace));
        JsonNode invalid = rule("{'apiVersion': 'catalog.xrootd.org/v1alpha1', 'resource': 'xrootdversions',"
                + " 'names': ['5.0.0'], 'labelSelector': {}}");
        assertThrows(IllegalStateException.class, () -> sent("v2", invalid), "names cannot be combined with a selector");
    }

    @Test
    void v1DropsClusterScopedObjectsForANamespacedParent() throws Exception {
        JsonNode rule = rule("{'apiVersion': 'v1', 'resource': 'namespaces', 'names': ['tenant']}");
        Map<String, ObjectNode> selected = RelatedRules.select("v1", parent, true, rule, NAMESPACES, namespaces, namespaces);
        assertEquals(List.of("tenant"), List.copyOf(selected.keySet()), "selected");
        Map<String, Map<String, ObjectNode>> uniform = Map.of(NAMESPACES.childKey(), selected);
        assertEquals(0, RelatedRules.forRequest("v1", parent, uniform).get(NAMESPACES.childKey()).size(), "but not sent under v1");
        assertEquals(1, RelatedRules.forRequest("v2", parent, uniform).get(NAMESPACES.childKey()).size(), "sent under v2");
    }

    @Test
    void childrenAreKeyedByNameUnderV1AndNamespaceSlashNameUnderV2() throws Exception {
        Map<String, Map<String, ObjectNode>> children = Map.of("ConfigMap.v1",
                Map.of("tenant/c", object("v1", "ConfigMap", "tenant", "c", "{}")));
        assertEquals(List.of("c"), keys(RelatedRules.forRequest("v1", parent, children).get("ConfigMap.v1")));
        assertEquals(List.of("tenant/c"), keys(RelatedRules.forRequest("v2", parent, children).get("ConfigMap.v1")));
        ObjectNode clusterParent = object("xrootd.org/v1alpha1", "Xrootd", null, "x", "{}");
        assertEquals(List.of("tenant/c"), keys(RelatedRules.forRequest("v1", clusterParent, children).get("ConfigMap.v1")),
                "v1 relativeName for a cluster-scoped parent");
    }

    private static List<String> keys(JsonNode map) {
        List<String> keys = new java.util.ArrayList<>();
        map.fieldNames().forEachRemaining(keys::add);
        return keys.stream().sorted().collect(Collectors.toList());
    }
}
