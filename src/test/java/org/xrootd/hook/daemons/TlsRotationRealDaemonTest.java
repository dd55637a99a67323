package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.CLIENT_TIMEOUT;
import static org.xrootd.hook.daemons.DaemonRun.seconds;
import static org.xrootd.hook.daemons.DaemonRun.since;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.children.PodLayout;
import org.xrootd.hook.testkit.Tiers;

/**
 * A rotated TLS certificate takes effect with no manual restart (#17 §2), on real xrootd 5.5.3: an Xrootd
 * with 1 redirector and 2 workers and {@code spec.tls}, its certificate from a first test CA. The Secret's
 * data is replaced by a certificate of a second CA (a CA change, the case where a stale certificate cannot
 * verify); nothing else changes. Then only what the platform does: the kubelets update the mounted Secret in
 * place (the daemons, which read it at start, go on serving the old certificate: asserted, the reason a
 * roll is needed), the real sync handler is asked over HTTP as Metacontroller asks it (the cluster as
 * applied, the new Secret as related object), and its answers are applied as the StatefulSet controllers
 * apply them ({@link DaemonRun#rollOutStep}: pods deleted with their grace period and created again with a
 * new IP, highest ordinal first, the next once ready). The hook's first answer changes the redirectors'
 * template and holds the workers'; its second, once they are rolled out, the workers'; its third nothing; the
 * templates differ from the first ones only in {@code xrootd.org/secrets-hash}, and no other child changes.
 *
 * <p>Then, with real clients only trusting the new CA: {@code openssl s_client} at the redirector (HTTPS on
 * the xroot port) and at each worker sees the new certificate (serial and SHA-256 fingerprint of the file
 * openssl issued, verify return code 0); {@code roots://} write and read through the redirector verify; curl
 * {@code -L} GET through the redirector verifies. With only the old CA, both fail.
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsRotationRealDaemonTest {
    static final String SECRETS_HASH = "xrootd.org/secrets-hash";
    private static final String NAME = "rtls";
    private static final String SECRET = "rtls-cert";
    private static final String BEFORE = "/data/before-rotation.bin";
    private static final Duration ROLL_LIMIT = Duration.ofSeconds(180);

    private DaemonRun run;
    private LocalCluster cluster;
    private ObjectNode spec;
    private JsonNode initial;
    private Path oldCaDir;
    private Path newCaDir;
    private Served oldCert;
    private Served newCert;

    /** A certificate as openssl prints it: serial and SHA-256 fingerprint; and what a verifying client said. */
    record Served(String serial, String fingerprint, String verify) {}

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open("tls-rotation");
        Prerequisites.requireBinaries("openssl", "curl");
        spec = DaemonRun.spec(1, 2);
        spec.putObject("tls").put("secretName", SECRET);
        // The names the certificate must cover come from the response (the headless Services).
        JsonNode layout = run.sync(NAME, spec, 1);
        oldCaDir = run.clientFile("ca-old");
        Files.createDirectories(oldCaDir);
        Map<String, byte[]> tls = TlsRealDaemonTest.issue(run, layout, oldCaDir, "old-");
        oldCert = certificate(run.clientFile("old-server.crt"));
        initial = run.sync(NAME, spec, 1, List.of(), Map.of(SECRET, tls));
        cluster = run.cluster(initial, Map.of(SECRET, tls));
        run.timingsHeader("TLS certificate rotation (xrootd " + DaemonRun.VERSION + ", 1 redirector, 2 workers, spec.tls; the Secret's"
                + " data replaced by a certificate of a new CA; pods rolled by the hook's answers as the StatefulSet controller applies them):");
        run.startAllAndWaitReady("TLS rotation cluster");
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    @Test
    @Order(1)
    @Timeout(90)
    void everyPodServesTheFirstCertificate() {
        run.explain(() -> {
            for (LocalPod pod : cluster.allPods()) {
                Served served = served(pod, oldCaDir.resolve("test-ca.pem"));
                assertEquals(oldCert.serial() + " " + oldCert.fingerprint(), served.serial() + " " + served.fingerprint(), pod.toString());
                assertEquals("0 (ok)", served.verify(), pod + " verifies with the first CA");
            }
            LocalPod r0 = cluster.redirectors.get(0);
            byte[] content = TlsRealDaemonTest.content(BEFORE);
            Procs.Result write = cluster.clientWith(List.of("X509_CERT_DIR=" + oldCaDir), CLIENT_TIMEOUT, "xrdcp", "-s",
                    run.clientFile("before.bin", content).toString(), rootsUrl(r0, BEFORE));
            assertTrue(write.ok(), write.toString());
            run.written.put(BEFORE, content);
        });
    }

    @Test
    @Order(2)
    @Timeout(600)
    void aNewSecretRollsTheRolesThatMountItOneAfterTheOther() {
        run.explain(this::rotate);
    }

    private void rotate() throws IOException, InterruptedException {
        newCaDir = run.clientFile("ca-new");
        Files.createDirectories(newCaDir);
        Map<String, byte[]> tls = TlsRealDaemonTest.issue(run, initial, newCaDir, "new-");
        newCert = certificate(run.clientFile("new-server.crt"));
        assertNotEquals(oldCert.fingerprint(), newCert.fingerprint());
        LocalPod r0 = cluster.redirectors.get(0);
        Map<String, Integer> incarnations = new HashMap<>();
        Map<String, String> ips = new HashMap<>();
        cluster.allPods().forEach(p -> {
            incarnations.put(p.name, p.incarnation());
            ips.put(p.name, p.host.ip());
        });

        // The Secret is edited (kubectl apply): the kubelets swap the mounted files; the daemons keep what they read at start.
        long rotated = System.nanoTime();
        assertEquals(cluster.allPods().size(), cluster.secret(SECRET, tls), "every pod mounts the Secret");
        assertArrayEquals(tls.get("tls.crt"), DaemonRun.bytes(r0.hostPath("xrootd", PodLayout.TLS_SECRET_DIR + "/tls.crt")),
                "the kubelet updated the mounted file");
        Served stale = served(r0, oldCaDir.resolve("test-ca.pem"));
        assertEquals(oldCert.fingerprint(), stale.fingerprint(), "without a roll the redirector still serves the first certificate");

        // Round 1: the hook sees the new Secret; it moves the redirectors and holds the workers.
        Map<String, Map<String, byte[]>> related = Map.of(SECRET, tls);
        DaemonRun.Step first = run.rollOutStep(NAME, spec, 1, initial, related, ROLL_LIMIT);
        assertTrue(first.rolled(), "the new Secret changes a pod template");
        assertOnlyHashChanged(initial, first.applied(), "redirector");
        assertEquals(template(initial, "worker"), template(first.applied(), "worker"), "the workers' template is held");
        assertNotEquals(template(first.answer(), "worker"), template(first.applied(), "worker"),
                "the hook returned the workers' template as observed (with the API server's defaults)");
        assertEquals(incarnations.get(cluster.workers.get(0).name), cluster.workers.get(0).incarnation(), "no worker rolled yet");
        Served atRedirector = served(r0, newCaDir.resolve("test-ca.pem"));
        Duration redirectorServes = since(rotated);
        assertEquals(newCert.fingerprint(), atRedirector.fingerprint(), "the redirector serves the new certificate");
        run.timings.put("round 1 (hook: redirectors move, workers held): rolled in", seconds(first.took()) + "\n      "
                + String.join("\n      ", first.events()));
        run.timings.put("Secret edited -> redirector serves the new certificate", seconds(redirectorServes));

        // Round 2: the redirectors are rolled out and ready; the hook releases the workers.
        DaemonRun.Step second = run.rollOutStep(NAME, spec, 1, first.applied(), related, ROLL_LIMIT);
        assertTrue(second.rolled(), "the workers follow");
        assertOnlyHashChanged(initial, second.applied(), "redirector");
        assertOnlyHashChanged(initial, second.applied(), "worker");
        assertEquals(hash(second.applied(), "redirector"), hash(second.applied(), "worker"), "both roles mount the one Secret");
        for (LocalPod pod : cluster.allPods()) {
            Served served = served(pod, newCaDir.resolve("test-ca.pem"));
            assertEquals(newCert.serial() + " " + newCert.fingerprint(), served.serial() + " " + served.fingerprint(), pod.toString());
        }
        Duration everyPod = since(rotated);
        run.timings.put("round 2 (hook: workers move): rolled in", seconds(second.took()) + "\n      "
                + String.join("\n      ", second.events()));
        run.timings.put("Secret edited -> every pod serves the new certificate", seconds(everyPod));

        // Round 3: nothing left to roll; every pod was replaced exactly once, with a new IP.
        DaemonRun.Step third = run.rollOutStep(NAME, spec, 1, second.applied(), related, ROLL_LIMIT);
        assertFalse(third.rolled(), "the hook's answer once every role is rolled out changes nothing");
        assertEquals(second.applied().path("children"), third.applied().path("children"));
        for (LocalPod pod : cluster.allPods()) {
            assertEquals(incarnations.get(pod.name) + 1, pod.incarnation(), pod + " replaced exactly once");
            assertNotEquals(ips.get(pod.name), pod.host.ip(), pod + " re-created with a new IP");
        }
    }

    @Test
    @Order(3)
    @Timeout(180)
    void clientsVerifyTheNewCertificateWithTheNewCaOnly() {
        run.explain(() -> {
            LocalPod r0 = cluster.redirectors.get(0);
            List<String> newCa = List.of("X509_CERT_DIR=" + newCaDir);
            List<String> oldCa = List.of("X509_CERT_DIR=" + oldCaDir, "XRD_LOGLEVEL=Error");
            for (LocalPod pod : cluster.allPods()) {
                assertNotEquals("0 (ok)", served(pod, oldCaDir.resolve("test-ca.pem")).verify(), pod + " no longer verifies with the first CA");
                assertEquals("0 (ok)", served(pod, newCaDir.resolve("test-ca.pem")).verify(), pod + " verifies with the new CA");
            }

            // roots:// through the redirector: a new file, and the one written before the rotation (its worker kept its volume).
            String lfn = "/data/after-rotation.bin";
            byte[] content = TlsRealDaemonTest.content(lfn);
            Procs.Result write = cluster.clientWith(newCa, CLIENT_TIMEOUT, "xrdcp", "-d", "2", run.clientFile("after.bin", content).toString(),
                    rootsUrl(r0, lfn));
            assertTrue(write.ok(), write.toString());
            run.written.put(lfn, content);
            assertEquals("roots://" + run.onlyHolder(lfn).host.fqdn() + ":" + cluster.xrootdPort + "/", ClientOutput.rootRedirect(write));
            for (String file : List.of(lfn, BEFORE)) {
                Path back = run.clientFile("roots.back");
                Procs.Result read = cluster.clientWith(newCa, CLIENT_TIMEOUT, "xrdcp", "-f", "-s", rootsUrl(r0, file), back.toString());
                assertTrue(read.ok(), read.toString());
                assertArrayEquals(run.written.get(file), DaemonRun.bytes(back), file);
            }
            Procs.Result stale = cluster.clientWith(oldCa, CLIENT_TIMEOUT, "xrdcp", "-f", "-s", rootsUrl(r0, lfn),
                    run.clientFile("stale.back").toString());
            assertFalse(stale.ok(), "roots:// trusting only the first CA: " + stale);
            run.timings.put("after the rotation: roots:// write / read through the redirector with the new CA", seconds(write.took()));

            // HTTPS through the redirector, followed to the worker.
            LocalPod holder = run.onlyHolder(lfn);
            Path got = run.clientFile("https.back");
            Procs.Result get = cluster.client(CLIENT_TIMEOUT, "curl", "-sS", "-L", "--cacert", newCaDir.resolve("test-ca.pem").toString(),
                    "-o", got.toString(), "-w", "%{http_code} %{num_redirects} %{url_effective}", httpsUrl(r0, lfn));
            assertTrue(get.ok(), get.toString());
            assertEquals("200 1 https://" + holder.host.fqdn() + ":" + cluster.xrootdPort + lfn, get.output().strip());
            assertArrayEquals(content, DaemonRun.bytes(got));
            Procs.Result refused = cluster.client(CLIENT_TIMEOUT, "curl", "-sS", "-L", "--cacert", oldCaDir.resolve("test-ca.pem").toString(),
                    "-o", "/dev/null", httpsUrl(r0, lfn));
            assertEquals(60, refused.exit(), "curl trusting only the first CA: 'peer certificate cannot be authenticated': " + refused);
            run.timings.put("after the rotation: curl -L GET through the redirector with the new CA", get.output().strip());
        });
    }

    /**
     * The certificate {@code openssl s_client} gets at the pod's xroot port (HTTPS shares it) by the name the
     * certificate covers, verifying with {@code caFile} and the name; the serial and fingerprint as openssl prints them.
     */
    private Served served(LocalPod pod, Path caFile) {
        String host = LocalCluster.dnsName(pod);
        Procs.Result result = cluster.client(Duration.ofSeconds(20), "bash", "-c",
                "out=$(openssl s_client -connect \"$0:$1\" -servername \"$0\" -verify_hostname \"$0\" -CAfile \"$2\" </dev/null 2>&1);"
                        + " echo \"$out\" | grep -m1 'Verify return code'; echo \"$out\" | openssl x509 -noout -serial -fingerprint -sha256",
                host, Integer.toString(cluster.xrootdPort), caFile.toString());
        Served served = parse(result.output());
        assertTrue(served.serial() != null && served.fingerprint() != null, pod + ": no certificate in " + result);
        return served;
    }

    /** The serial and fingerprint of a certificate file, as openssl prints them. */
    private Served certificate(Path cert) {
        Procs.Result result = run.procs.run(List.of("openssl", "x509", "-in", cert.toString(), "-noout", "-serial", "-fingerprint", "-sha256"),
                Duration.ofSeconds(20));
        assertTrue(result.ok(), result.toString());
        return parse(result.output());
    }

    private static Served parse(String output) {
        String serial = null;
        String fingerprint = null;
        String verify = null;
        for (String line : output.split("\n")) {
            String l = line.strip();
            if (l.startsWith("serial=")) {
                serial = l.substring("serial=".length());
            } else if (l.contains("Fingerprint=")) {
                fingerprint = l.substring(l.indexOf('=') + 1);
            } else if (l.startsWith("Verify return code:")) {
                verify = l.substring("Verify return code:".length()).strip();
            }
        }
        return new Served(serial, fingerprint, verify);
    }

    /** {@code after}'s template for the role differs from {@code before}'s in the secrets hash only, and no other child changed. */
    static void assertOnlyHashChanged(JsonNode before, JsonNode after, String component) {
        assertNotEquals(hash(before, component), hash(after, component), component + ": the secrets hash changed");
        ObjectNode was = template(before, component).deepCopy();
        ObjectNode now = template(after, component).deepCopy();
        ((ObjectNode) was.path("metadata").path("annotations")).remove(SECRETS_HASH);
        ((ObjectNode) now.path("metadata").path("annotations")).remove(SECRETS_HASH);
        assertEquals(was, now, component + ": nothing but the secrets hash changed in the pod template");
        for (JsonNode child : after.path("children")) {
            if (!"StatefulSet".equals(child.path("kind").asText())) {
                assertEquals(childNamed(before, child), child, "a child without pods is unchanged");
            }
        }
    }

    private static JsonNode childNamed(JsonNode response, JsonNode like) {
        for (JsonNode child : response.path("children")) {
            if (child.path("kind").equals(like.path("kind")) && child.path("metadata").path("name").equals(like.path("metadata").path("name"))) {
                return child;
            }
        }
        throw new AssertionError("no " + like.path("kind") + " " + like.path("metadata").path("name") + " before");
    }

    static JsonNode template(JsonNode response, String component) {
        for (JsonNode child : response.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText())
                    && component.equals(child.path("metadata").path("labels").path("app.kubernetes.io/component").asText())) {
                return child.path("spec").path("template");
            }
        }
        throw new AssertionError("no " + component + " StatefulSet");
    }

    static String hash(JsonNode response, String component) {
        String hash = template(response, component).path("metadata").path("annotations").path(SECRETS_HASH).asText("");
        assertFalse(hash.isEmpty(), component + " carries " + SECRETS_HASH);
        return hash;
    }

    private String rootsUrl(LocalPod redirector, String lfn) {
        return "roots://" + LocalCluster.dnsName(redirector) + ":" + cluster.xrootdPort + "/" + lfn;
    }

    private String httpsUrl(LocalPod redirector, String lfn) {
        return "https://" + LocalCluster.dnsName(redirector) + ":" + cluster.xrootdPort + lfn;
    }
}
