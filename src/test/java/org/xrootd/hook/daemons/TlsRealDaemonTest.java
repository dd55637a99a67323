package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.CLIENT_TIMEOUT;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.testkit.Tiers;

/**
 * {@code spec.tls} on real xrootd 5.5.3, in-cluster clients, a certificate with DNS names only (issue 14):
 * an Xrootd with 1 redirector and 2 workers whose TLS Secret holds a certificate that a test CA (made here
 * with openssl) issued for one wildcard per member headless Service ({@code *.<Service>.<ns>.svc} and
 * {@code *.<Service>.<ns>.svc.cluster.local}), no IP entry: what a cluster's certificate issuer can be asked for.
 *
 * <p>The hook's configuration as rendered, no edit: the redirector's start.sh finds the longest member
 * {@code host:port} within 5.5.3's 78 characters and turns on {@code xrd.network rpipa}, so the redirector
 * sends in-cluster clients to the holder's cluster DNS name (its PTR record) instead of its pod IP. roots://
 * write and read, HTTPS GET and PUT with curl and with davix, all through the redirector and verifying
 * against the test CA only, then reach the worker by a name the certificate covers. Control: the same
 * certificate fails for a worker by its pod IP, as redirects carried before.
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsRealDaemonTest {
    private static final String NAME = "tls";
    private static final String SECRET = "tls-cert";
    private static final String LFN = "/data/over-tls.bin";
    private static final Duration T = CLIENT_TIMEOUT;

    private DaemonRun run;
    private LocalCluster cluster;
    /** Trusted CAs as XRootD clients and davix read them (a hashed directory): the test CA only. */
    private Path caDir;
    private Path caCert;
    private String sans;

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open("tls");
        Prerequisites.requireBinaries("davix-get", "davix-put", "openssl", "curl");
        ObjectNode spec = DaemonRun.spec(1, 2);
        spec.putObject("tls").put("secretName", SECRET);
        JsonNode response = run.sync(NAME, spec, 1);
        caDir = run.clientFile("ca");
        Files.createDirectories(caDir);
        Map<String, byte[]> tls = issue(run, response, caDir);
        caCert = caDir.resolve("test-ca.pem");
        sans = Files.readString(run.clientFile("server.ext")).lines().findFirst().orElseThrow();
        cluster = run.cluster(response, Map.of(SECRET, tls));
        run.timingsHeader("TLS in the cluster with a DNS-only certificate (xrootd " + DaemonRun.VERSION + ", 1 redirector, 2 workers, spec.tls,"
                + " the hook's configuration as rendered):");
        run.timings.put("certificate", sans);
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    /**
     * A test CA, and a server certificate it signs for DNS names only: each member headless Service's
     * wildcard, relative and with the cluster domain, read from the response's StatefulSets. The CA goes
     * into {@code caDir} (hashed, for X509_CERT_DIR and davix --capath) as {@code test-ca.pem}.
     */
    static Map<String, byte[]> issue(DaemonRun run, JsonNode response, Path caDir) throws IOException {
        return issue(run, response, caDir, "");
    }

    /**
     * As {@link #issue(DaemonRun, JsonNode, Path)}, with a CA of its own: {@code prefix} starts the names of its
     * files in the client directory ({@code <prefix>ca.crt}, {@code <prefix>server.crt}...) and the CA's
     * common name, so that a second CA and certificate (a rotation) sit beside the first.
     */
    static Map<String, byte[]> issue(DaemonRun run, JsonNode response, Path caDir, String prefix) throws IOException {
        StringBuilder names = new StringBuilder();
        for (JsonNode child : response.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText())) {
                String domain = child.path("spec").path("serviceName").asText() + "." + DaemonRun.NAMESPACE + ".svc";
                names.append(names.isEmpty() ? "" : ",").append("DNS:*.").append(domain).append(",DNS:*.").append(domain)
                        .append('.').append(PodNetwork.CLUSTER_DOMAIN);
            }
        }
        assertFalse(names.toString().contains("IP:"), names.toString());
        Path caKey = run.clientFile(prefix + "ca.key");
        Path caCert = run.clientFile(prefix + "ca.crt");
        Path key = run.clientFile(prefix + "server.key");
        Path csr = run.clientFile(prefix + "server.csr");
        Path cert = run.clientFile(prefix + "server.crt");
        Path ext = run.clientFile(prefix + "server.ext");
        Duration t = Duration.ofSeconds(60);
        String caName = "/CN=xrootd-hook test CA" + (prefix.isEmpty() ? "" : " " + prefix.replaceAll("\\W", ""));
        run.procs.check(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", caName,
                "-keyout", caKey.toString(), "-out", caCert.toString()), t);
        run.procs.check(List.of("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=xrootd in-cluster",
                "-keyout", key.toString(), "-out", csr.toString()), t);
        Files.writeString(ext, "subjectAltName=" + names + "\nextendedKeyUsage=serverAuth,clientAuth\n");
        run.procs.check(List.of("openssl", "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", cert.toString()), t);
        Files.copy(caCert, caDir.resolve("test-ca.pem"));
        run.procs.check(List.of("openssl", "rehash", caDir.toString()), Duration.ofSeconds(20));
        return Map.of("tls.crt", Files.readAllBytes(cert), "tls.key", Files.readAllBytes(key));
    }

    @Test
    @Order(1)
    @Timeout(90)
    void theClusterFormsWithTlsAndNameBasedRedirects() {
        run.explain(() -> {
            run.startAllAndWaitReady("TLS cluster");
            for (LocalPod pod : cluster.allPods()) {
                assertTrue(DaemonRun.read(pod.log("xrootd")).contains("HTTPS initialization completed"), pod + " serves HTTPS");
            }
            // The decision start.sh logged on the redirector (both containers), from the rendered length and the pod's domain.
            LocalPod r0 = cluster.redirectors.get(0);
            String decision = DaemonRun.match(DaemonRun.read(r0.log("xrootd")),
                    "(xrootd-hook: redirects name members by DNS name \\(longest host:port \\d+ of at most 78 characters\\))", "rpipa decision");
            run.timings.put("redirector start.sh", decision);
            assertTrue(DaemonRun.read(r0.log("cmsd")).contains(decision), "the cmsd container decided the same");
            for (LocalPod worker : cluster.workers) {
                assertFalse(DaemonRun.read(worker.log("xrootd")).contains("xrootd-hook: redirects"), worker + " decides nothing");
            }
        });
    }

    @Test
    @Order(2)
    @Timeout(120)
    void rootsThroughTheRedirectorVerifiesAtTheWorkersName() {
        run.explain(() -> {
            LocalPod r0 = cluster.redirectors.get(0);
            byte[] content = content(LFN);
            Path source = run.clientFile("over-tls.bin", content);
            List<String> env = List.of("X509_CERT_DIR=" + caDir);
            Procs.Result write = cluster.clientWith(env, T, "xrdcp", "-d", "2", source.toString(), rootsUrl(r0, LFN));
            assertTrue(write.ok(), write.toString());
            run.written.put(LFN, content);
            LocalPod holder = run.onlyHolder(LFN);
            String target = ClientOutput.rootRedirect(write);
            run.timings.put("in-cluster roots:// write: redirect target", target + " (" + (target.length() - "roots://".length() - 1)
                    + "-character host:port)");
            assertEquals("roots://" + holder.host.fqdn() + ":" + cluster.xrootdPort + "/", target);
            assertTrue(DaemonRun.read(holder.log("xrootd")).contains("connection upgraded to TLS"), "the worker's side is TLS");

            Path back = run.clientFile("over-tls.back");
            Procs.Result read = cluster.clientWith(env, T, "xrdcp", "-f", "-d", "2", rootsUrl(r0, LFN), back.toString());
            assertTrue(read.ok(), read.toString());
            assertArrayEquals(content, DaemonRun.bytes(back));
            assertEquals("roots://" + holder.host.fqdn() + ":" + cluster.xrootdPort + "/", ClientOutput.rootRedirect(read));
            run.timings.put("in-cluster roots:// write / read through the redirector", DaemonRun.seconds(write.took()) + " / "
                    + DaemonRun.seconds(read.took()));
        });
    }

    @Test
    @Order(3)
    @Timeout(90)
    void httpsWithCurlVerifies() {
        run.explain(() -> {
            LocalPod r0 = cluster.redirectors.get(0);
            LocalPod holder = run.onlyHolder(LFN);
            Path got = run.clientFile("curl-get.bin");
            Procs.Result get = cluster.client(T, "curl", "-sS", "-L", "--cacert", caCert.toString(), "-o", got.toString(),
                    "-w", "%{http_code} %{num_redirects} %{url_effective}", httpsUrl(r0, LFN));
            run.timings.put("in-cluster curl GET -L --cacert: code, redirects, final URL", get.output().strip());
            assertTrue(get.ok(), get.toString());
            assertEquals("200 1 https://" + holder.host.fqdn() + ":" + cluster.xrootdPort + LFN, get.output().strip());
            assertArrayEquals(run.written.get(LFN), DaemonRun.bytes(got));

            String put = "/data/tls-curl-put.txt";
            byte[] content = content(put);
            Procs.Result upload = cluster.client(T, "curl", "-sS", "-L", "--cacert", caCert.toString(), "-o", "/dev/null",
                    "-T", run.clientFile("tls-curl-put.txt", content).toString(), "-w", "%{http_code} %{num_redirects} %{url_effective}",
                    httpsUrl(r0, put));
            run.timings.put("in-cluster curl PUT -L --cacert: code, redirects, final URL", upload.output().strip());
            assertTrue(upload.ok(), upload.toString());
            run.written.put(put, content);
            LocalPod putHolder = run.onlyHolder(put);
            assertTrue(upload.output().strip().matches("20[01] 1 " + Pattern.quote("https://" + putHolder.host.fqdn() + ":"
                    + cluster.xrootdPort + put)), upload.toString());
        });
    }

    @Test
    @Order(4)
    @Timeout(90)
    void httpsWithDavixVerifies() {
        run.explain(() -> {
            LocalPod r0 = cluster.redirectors.get(0);
            LocalPod holder = run.onlyHolder(LFN);
            Path got = run.clientFile("davix-get.bin");
            Procs.Result get = cluster.client(T, "davix-get", "--capath", caDir.toString(), "--trace", "header", httpsUrl(r0, LFN), got.toString());
            assertTrue(get.ok(), get.toString());
            String location = ClientOutput.location(get);
            run.timings.put("in-cluster davix-get --capath: Location", location);
            assertEquals("https://" + holder.host.fqdn() + ":" + cluster.xrootdPort + LFN, location);
            assertArrayEquals(run.written.get(LFN), DaemonRun.bytes(got));

            String put = "/data/tls-davix-put.txt";
            byte[] content = content(put);
            Procs.Result upload = cluster.client(T, "davix-put", "--capath", caDir.toString(), "--trace", "header",
                    run.clientFile("tls-davix-put.txt", content).toString(), httpsUrl(r0, put));
            assertTrue(upload.ok(), upload.toString());
            run.written.put(put, content);
            LocalPod putHolder = run.onlyHolder(put);
            run.timings.put("in-cluster davix-put --capath: Location", ClientOutput.location(upload));
            assertEquals("https://" + putHolder.host.fqdn() + ":" + cluster.xrootdPort + put, ClientOutput.location(upload));
        });
    }

    /** Control: the certificate names no address, so a verifying client that reaches a worker by its pod IP fails. */
    @Test
    @Order(5)
    @Timeout(60)
    void aWorkerByPodIpDoesNotVerify() {
        run.explain(() -> {
            LocalPod holder = run.onlyHolder(LFN);
            String ip = holder.host.ip();
            List<String> env = List.of("X509_CERT_DIR=" + caDir, "XRD_LOGLEVEL=Error");
            Procs.Result roots = cluster.clientWith(env, T, "xrdcp", "-f", "-s", "roots://" + ip + ":" + cluster.xrootdPort + "/" + LFN,
                    run.clientFile("by-ip.back").toString());
            run.timings.put("control: xrdcp roots://<holder pod IP> (what redirects carried before)", "rc " + roots.exit());
            assertFalse(roots.ok(), roots.toString());
            assertTrue(roots.output().contains("hostname not in SAN extension"), roots.toString());
            Procs.Result curl = cluster.client(T, "curl", "-sS", "--cacert", caCert.toString(), "-o", "/dev/null",
                    "https://" + ip + ":" + cluster.xrootdPort + LFN);
            assertEquals(60, curl.exit(), "curl's 'peer certificate cannot be authenticated': " + curl);
        });
    }

    private String rootsUrl(LocalPod redirector, String lfn) {
        return "roots://" + LocalCluster.dnsName(redirector) + ":" + cluster.xrootdPort + "/" + lfn;
    }

    private String httpsUrl(LocalPod redirector, String lfn) {
        return "https://" + LocalCluster.dnsName(redirector) + ":" + cluster.xrootdPort + lfn;
    }

    static byte[] content(String lfn) {
        return ("tls test " + lfn + " " + System.nanoTime() + "\n").repeat(40).getBytes(StandardCharsets.UTF_8);
    }
}
