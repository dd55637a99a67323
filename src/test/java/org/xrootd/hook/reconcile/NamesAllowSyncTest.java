package org.xrootd.hook.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.fixtures.Cluster;
import org.xrootd.hook.fixtures.Scenarios;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.testkit.ConfigReader;
import org.xrootd.hook.testkit.Samples;

/**
 * Names within XRootD 5.5.3's limits, the governing Services of existing StatefulSets, and the
 * NetworkPolicy, through the sync hook. The expected names are computed here, apart from children.Names.
 */
class NamesAllowSyncTest {
    /** The longest namespace Kubernetes admits and the longest name the CRD admits. */
    private static final String NAMESPACE = "n".repeat(20) + "-" + "a".repeat(42);
    private static final String NAME = "x" + "y".repeat(33);
    /** XrdNetUtils::GetHostPort in 5.5.3: char[MAXHOSTNAMELEN + 15] = 79 bytes, so 78 characters. */
    private static final int HOST_PORT_MAX = 64 + 15 - 1;

    private static JsonNode sync(ObjectNode request) throws Exception {
        return SyncHandler.handle(HookRequest.parse(Json.MAPPER.writeValueAsBytes(request))).response().toJson();
    }

    private static List<JsonNode> children(JsonNode response, String kind) {
        List<JsonNode> children = new ArrayList<>();
        response.path("children").forEach(child -> {
            if (kind.equals(child.path("kind").asText())) {
                children.add(child);
            }
        });
        return children;
    }

    private static JsonNode child(JsonNode response, String kind, String name) {
        return children(response, kind).stream().filter(c -> name.equals(c.path("metadata").path("name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + names(response)));
    }

    private static List<String> names(JsonNode response) {
        List<String> names = new ArrayList<>();
        response.path("children").forEach(c -> names.add(c.path("kind").asText() + " " + c.path("metadata").path("name").asText()));
        return names;
    }

    private static String config(JsonNode response) {
        return children(response, "ConfigMap").get(0).path("data").path("xrootd.cf").asText();
    }

    private static String sha256Hex8(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 8);
    }

    private static ObjectNode createRequest(String name, ObjectNode spec, String namespace) {
        String version = spec.path("version").asText();
        ObjectNode request = Cluster.request(Cluster.parent(name, spec, 1, Scenarios.T0), List.of(),
                Cluster.related(false, version, "xrootd:" + version), false, false);
        ((ObjectNode) request.at("/parent/metadata")).put("namespace", namespace);
        ((ObjectNode) request.at("/related/XrootdVersion.catalog.xrootd.org~1v1alpha1/" + version + "/metadata")).put("namespace", namespace);
        return request;
    }

    @Test
    void everyNameADaemonHandlesFitsAtTheLongestNamespaceAndName() throws Exception {
        assertEquals(63, NAMESPACE.length());
        assertEquals(34, NAME.length());
        ObjectNode spec = Scenarios.defaulted(Samples.sampleSpec());
        spec.put("version", "5.5.3");
        ((ObjectNode) spec.get("redirector")).put("replicas", 16);
        ((ObjectNode) spec.get("ports")).put("cmsd", 65535).put("xrootd", 65534);
        ((ObjectNode) spec.get("monitor")).put("enabled", true).put("reportPort", 65533);
        JsonNode response = sync(createRequest(NAME, spec, NAMESPACE));

        JsonNode redirectors = child(response, "StatefulSet", NAME + "-xrootd-redirector");
        String governing = redirectors.path("spec").path("serviceName").asText();
        assertEquals("xrd-r-" + sha256Hex8(NAMESPACE + "/" + NAME), governing);
        assertEquals("None", child(response, "Service", governing).path("spec").path("clusterIP").asText());

        List<String> managers = ConfigReader.managers(config(response), "cmsd", "worker", Map.of("POD_NAME", "w"));
        assertEquals(16, managers.size());
        // A redirector's xrootd: its own pod's cmsd, by the same name.
        assertEquals(List.of(managers.get(15)), ConfigReader.managers(config(response), "xrootd", "manager",
                Map.of("POD_NAME", NAME + "-xrootd-redirector-15")));
        for (int i = 0; i < 16; i++) {
            String expected = NAME + "-xrootd-redirector-" + i + "." + governing + ":65535";
            assertEquals(expected, managers.get(i));
            assertTrue(expected.length() <= HOST_PORT_MAX, expected + " is " + expected.length() + " characters");
        }
        String report = config(response).lines().filter(l -> l.startsWith("xrd.report ")).findFirst().orElseThrow().split(" ")[1];
        assertEquals(NAME + "-xrootd-monitor:65533", report);
        assertTrue(report.length() <= HOST_PORT_MAX, report);
        // Every host:port in the configuration: nothing but the relative forms above.
        for (String line : config(response).lines().filter(l -> !l.strip().startsWith("#")).toList()) {
            for (String word : line.strip().split("\\s+")) {
                if (word.matches("[a-z][-a-z0-9.]*:[0-9]+")) {
                    assertTrue(word.length() <= HOST_PORT_MAX, word);
                }
            }
        }
    }

    @Test
    void newStatefulSetsGetShortGoverningServicesEachWithItsHeadlessService() throws Exception {
        ObjectNode spec = Scenarios.defaulted(Samples.sampleSpec());
        ((ObjectNode) spec.get("worker")).put("replicas", 100);
        JsonNode response = sync(createRequest("demo", spec, "default"));
        String hash = sha256Hex8("default/demo");
        for (String[] role : new String[][] {{"redirector", "r"}, {"worker", "w"}, {"supervisor", "s"}}) {
            JsonNode sts = child(response, "StatefulSet", "demo-xrootd-" + role[0]);
            assertEquals("xrd-" + role[1] + "-" + hash, sts.path("spec").path("serviceName").asText());
            JsonNode service = child(response, "Service", "xrd-" + role[1] + "-" + hash);
            assertEquals(sts.path("spec").path("selector").path("matchLabels"), service.path("spec").path("selector"));
        }
        assertTrue(children(response, "Service").stream().noneMatch(s -> s.path("metadata").path("name").asText().startsWith("demo-xrootd-")
                && !s.path("metadata").path("name").asText().equals("demo-xrootd")), names(response).toString());
    }

    @Test
    void existingStatefulSetsKeepTheirServicesAndNewRolesGetShortOnes() throws Exception {
        ObjectNode spec = Scenarios.defaulted(Samples.sampleSpec());
        ObjectNode parent = Cluster.parent("base-xrootd", spec, 1, Scenarios.T0);
        ObjectNode related = Cluster.related(false, "4.11.2", Scenarios.IMAGE_4);
        ObjectNode created = Cluster.respond(Cluster.request(parent, List.of(), related, false, false));
        List<ObjectNode> old = Cluster.applied(Scenarios.withLongServiceNames(created), Scenarios.T1, 2, 3);
        ObjectNode wide = spec.deepCopy();
        ((ObjectNode) wide.get("worker")).put("replicas", 100);
        JsonNode response = sync(Cluster.request(Scenarios.next(Cluster.withStatus(parent, created.get("status"), Scenarios.T1), wide),
                old, related, false, false));

        for (String role : List.of("redirector", "worker")) {
            String name = "base-xrootd-xrootd-" + role;
            assertEquals(name, child(response, "StatefulSet", name).path("spec").path("serviceName").asText(), "serviceName is immutable");
            assertEquals("None", child(response, "Service", name).path("spec").path("clusterIP").asText(), "its Service is kept");
        }
        String hash = sha256Hex8("default/base-xrootd");
        assertEquals("xrd-s-" + hash, child(response, "StatefulSet", "base-xrootd-xrootd-supervisor").path("spec").path("serviceName").asText());
        child(response, "Service", "xrd-s-" + hash);
        assertTrue(children(response, "Service").stream().noneMatch(s -> s.path("metadata").path("name").asText().matches("xrd-[rw]-.*")),
                names(response).toString());
        String config = config(response);
        assertEquals(List.of("base-xrootd-xrootd-redirector-0.base-xrootd-xrootd-redirector:3121",
                "base-xrootd-xrootd-redirector-1.base-xrootd-xrootd-redirector:3121"), ConfigReader.managers(config, "cmsd", "worker", Map.of("POD_NAME", "w")));
        assertTrue(config.contains("cms.allow host *.base-xrootd-xrootd-worker.default.svc.$(clusterdom)\n"), config);
        assertTrue(config.contains("cms.allow host *.xrd-s-" + hash + ".default.svc.$(clusterdom)\n"), config);
    }

    @Test
    void theNetworkPolicyFollowsTheSpecAndTheControllerAndSitePoliciesAreKept() throws Exception {
        ObjectNode spec = Scenarios.defaulted(Samples.sampleSpec());
        JsonNode created = sync(createRequest("demo", spec, "default"));
        child(created, "NetworkPolicy", "demo-xrootd");

        ObjectNode undeclared = createRequest("demo", spec, "default");
        ArrayNode rules = (ArrayNode) undeclared.at("/controller/spec/childResources");
        for (int i = rules.size() - 1; i >= 0; i--) {
            if ("networkpolicies".equals(rules.get(i).path("resource").asText())) {
                rules.remove(i);
            }
        }
        ((ObjectNode) undeclared.get("children")).remove("NetworkPolicy.networking.k8s.io/v1");
        JsonNode without = sync(undeclared);
        assertTrue(children(without, "NetworkPolicy").isEmpty());
        assertEquals(children(created, "StatefulSet"), children(without, "StatefulSet"), "the cluster is the same without it");

        List<ObjectNode> observed = Cluster.applied((ObjectNode) created, Scenarios.T1, 2, 3);
        ObjectNode site = observed.stream().filter(c -> "NetworkPolicy".equals(c.path("kind").asText())).findFirst().orElseThrow().deepCopy();
        ((ObjectNode) site.get("metadata")).put("name", "site-policy");
        ((ObjectNode) site.get("metadata")).remove("annotations");
        observed.add(site);
        ObjectNode off = spec.deepCopy();
        ((ObjectNode) off.get("networkPolicy")).put("enabled", false);
        ObjectNode parent = Cluster.withStatus(Cluster.parent("demo", spec, 1, Scenarios.T0), created.get("status"), Scenarios.T1);
        JsonNode disabled = sync(Cluster.request(Scenarios.next(parent, off), observed, Cluster.related(false, "4.11.2", "xrootd:4.11.2"),
                false, false));
        List<String> policies = children(disabled, "NetworkPolicy").stream().map(p -> p.path("metadata").path("name").asText()).toList();
        assertEquals(List.of("site-policy"), policies, "ours is removed, the site's is kept");
    }
}
