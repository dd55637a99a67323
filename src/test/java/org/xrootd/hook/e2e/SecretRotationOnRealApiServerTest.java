package org.xrootd.hook.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Conditions;
import org.xrootd.hook.testkit.Tiers;

/**
 * Secret rotation against a real kube-apiserver (v1.20.2), with the real hook and the
 * {@link MetacontrollerEmulator} running the shipped CompositeController: an Xrootd with spec.tls is created
 * with its Secret; an edit of the Secret's data (and only that: the Xrootd is not touched) changes the
 * secrets hash in the pod template of every StatefulSet that mounts it, and nothing else; an edit of the
 * Secret's labels changes nothing; a deleted Secret gives SecretNotFound and keeps every child as it is; the
 * Secret created again brings the cluster back without a roll (same data, same hash).
 *
 * <p>Skipped, with a message, when the binaries are missing, except under CI=true, where it fails instead.
 */
@Tiers.E2e
class SecretRotationOnRealApiServerTest {
    static final String NAME = "base-xrootd";
    static final String SECRET = "base-xrootd-tls";
    static final String SECRETS_HASH = "xrootd.org/secrets-hash";
    static final Duration WAIT = Duration.ofSeconds(120);
    static final List<String> STATEFUL_SETS = List.of(NAME + "-xrootd-redirector", NAME + "-xrootd-worker");

    static E2eCluster cluster;
    static KubeApi api;
    static KubeApi.Resource xrootds;
    static KubeApi.Resource secrets;
    static KubeApi.Resource statefulSets;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = E2eCluster.startFor(SecretRotationOnRealApiServerTest.class);
        api = cluster.api;
        xrootds = api.resource("xrootd.org/v1alpha1", "xrootds");
        secrets = api.resource("v1", "secrets");
        statefulSets = api.resource("apps/v1", "statefulsets");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.closeReporting();
        }
    }

    @Test
    void aRotatedSecretRollsTheRolesThatMountItAndAMissingOneKeepsTheCluster() throws Exception {
        String ns = cluster.servedNamespace("e2e-secrets");
        api.create(secrets, ns, tlsSecret("first"));
        cluster.createExamples(ns, "xrootdversion-5.5.3.yaml");
        ObjectNode parent = E2eCluster.example("base-xrootd.yaml");
        ((ObjectNode) parent.get("spec")).putObject("tls").put("secretName", SECRET);
        api.create(xrootds, ns, parent);
        awaitReady(ns);
        awaitQuiet(ns);
        long generation = api.get(xrootds, ns, NAME).path("metadata").path("generation").asLong();

        // The customize rule the emulator decoded asks for the Secret by name in the parent's namespace.
        JsonNode relatedSecrets = lastSyncRelated(ns).path("Secret.v1");
        assertEquals(List.of(SECRET), names(relatedSecrets), "the sync request carries the Secret");

        Map<String, String> hashes = hashes(ns);
        STATEFUL_SETS.forEach(sts -> assertNotNull(hashes.get(sts), sts + " carries a secrets hash: " + hashes));
        Map<String, String> others = otherChildren(ns);

        // 1. Rotation: only the Secret's data changes.
        int mark = cluster.emulator.api().writeCount();
        ObjectNode secret = api.get(secrets, ns, SECRET);
        secret.set("data", tlsSecret("second").get("data"));
        api.update(secrets, secret);
        E2eCluster.await("every StatefulSet's secrets hash to change", WAIT, () -> {
            Map<String, String> now = hashes(ns);
            return STATEFUL_SETS.stream().allMatch(sts -> now.get(sts) != null && !now.get(sts).equals(hashes.get(sts)));
        });
        awaitReady(ns);
        awaitQuiet(ns);
        Map<String, String> rotated = hashes(ns);
        assertEquals(rotated.get(STATEFUL_SETS.get(0)), rotated.get(STATEFUL_SETS.get(1)), "both roles mount the one Secret");
        assertEquals(others, otherChildren(ns), "no child that does not mount the Secret was written");
        for (KubeApi.Write write : writesIn(ns, mark)) {
            assertTrue(write.path().contains("/statefulsets/") || write.path().endsWith("/xrootds/" + NAME + "/status"),
                    "only the StatefulSets (and the status) are written on a rotation: " + write);
        }
        assertEquals(generation, api.get(xrootds, ns, NAME).path("metadata").path("generation").asLong(), "the Xrootd was not touched");

        // 2. Same data, new labels (a new resourceVersion): nothing is written.
        Map<String, String> before = versions(ns);
        mark = cluster.emulator.api().writeCount();
        secret = api.get(secrets, ns, SECRET);
        secret.with("metadata").putObject("labels").put("rotated-by", "e2e");
        api.update(secrets, secret);
        Thread.sleep(3000);
        awaitQuiet(ns);
        assertEquals(List.of(), writesIn(ns, mark), "a Secret change without new data writes nothing");
        assertEquals(before, versions(ns));

        // 3. The Secret is deleted: SecretNotFound, and every child stays exactly as it is.
        mark = cluster.emulator.api().writeCount();
        api.delete(secrets, ns, SECRET, "Background", null);
        E2eCluster.await("Ready=False with reason SecretNotFound", WAIT,
                () -> "SecretNotFound".equals(Conditions.find(api.get(xrootds, ns, NAME).path("status"), "Ready").path("reason").asText()));
        awaitQuiet(ns);
        JsonNode degraded = Conditions.find(api.get(xrootds, ns, NAME).path("status"), "Degraded");
        assertEquals("True", degraded.path("status").asText());
        assertEquals("SecretNotFound", degraded.path("reason").asText());
        assertTrue(degraded.path("message").asText().contains("'" + SECRET + "'"), degraded.toString());
        assertEquals(before, versions(ns), "no child changed or went away");
        for (KubeApi.Write write : writesIn(ns, mark)) {
            assertTrue(write.path().endsWith("/xrootds/" + NAME + "/status"), "only status writes, got " + write);
        }

        // 4. Created again with the data it had: Ready again, and no pod rolls (same data, same hash).
        mark = cluster.emulator.api().writeCount();
        api.create(secrets, ns, tlsSecret("second"));
        awaitReady(ns);
        awaitQuiet(ns);
        assertEquals(rotated, hashes(ns));
        assertEquals(before, versions(ns), "the same data again: no child written");
        System.out.printf("e2e secrets: rotation rolled %s; delete and re-create wrote only %s%n", STATEFUL_SETS, writesIn(ns, mark));
    }

    /** A kubernetes.io/tls Secret whose certificate and key text end with {@code generation}. */
    static ObjectNode tlsSecret(String generation) {
        ObjectNode secret = KubeApi.MAPPER.createObjectNode();
        secret.put("apiVersion", "v1").put("kind", "Secret").put("type", "kubernetes.io/tls");
        secret.putObject("metadata").put("name", SECRET);
        ObjectNode data = secret.putObject("data");
        data.put("tls.crt", base64("-----BEGIN CERTIFICATE-----\nMII" + generation + "\n-----END CERTIFICATE-----\n"));
        data.put("tls.key", base64("-----BEGIN PRIVATE KEY-----\nMII" + generation + "\n-----END PRIVATE KEY-----\n"));
        return secret;
    }

    static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The secrets hash of each StatefulSet's pod template. */
    static Map<String, String> hashes(String ns) {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode sts : api.list(statefulSets, ns, null).path("items")) {
            out.put(sts.path("metadata").path("name").asText(),
                    sts.at("/spec/template/metadata/annotations").path(SECRETS_HASH).asText(null));
        }
        return out;
    }

    /** Every child of the parent: "kind name" to uid@resourceVersion. */
    static Map<String, String> versions(String ns) {
        Map<String, String> out = new TreeMap<>();
        for (String plural : List.of("statefulsets", "services", "configmaps", "networkpolicies")) {
            String apiVersion = plural.equals("statefulsets") ? "apps/v1" : plural.equals("networkpolicies") ? "networking.k8s.io/v1" : "v1";
            KubeApi.Resource resource = api.resource(apiVersion, plural);
            for (JsonNode item : api.list(resource, ns, null).path("items")) {
                if (item.path("metadata").path("ownerReferences").toString().contains("\"Xrootd\"")) {
                    out.put(resource.kind() + " " + item.path("metadata").path("name").asText(),
                            item.path("metadata").path("uid").asText() + "@" + item.path("metadata").path("resourceVersion").asText());
                }
            }
        }
        return out;
    }

    /** {@link #versions} of every child but the StatefulSets. */
    static Map<String, String> otherChildren(String ns) {
        Map<String, String> out = versions(ns);
        out.keySet().removeIf(key -> key.startsWith("StatefulSet "));
        assertTrue(out.keySet().stream().anyMatch(key -> key.startsWith("ConfigMap ")), out.toString());
        return out;
    }

    static JsonNode lastSyncRelated(String ns) {
        MetacontrollerEmulator.HookCall call = cluster.emulator.lastCall(ns + "/" + NAME);
        assertNotNull(call, "a sync call for " + ns);
        return call.related();
    }

    static List<String> names(JsonNode group) {
        List<String> out = new ArrayList<>();
        group.forEach(object -> out.add(object.path("metadata").path("name").asText()));
        return out;
    }

    static void awaitReady(String ns) throws InterruptedException {
        cluster.awaitReady(ns, NAME, "2/2", "3/3", WAIT);
    }

    static void awaitQuiet(String ns) throws InterruptedException {
        cluster.awaitQuiet(ns, WAIT);
    }

    static List<KubeApi.Write> writesIn(String ns, int mark) {
        return cluster.writesIn(ns, mark);
    }
}
