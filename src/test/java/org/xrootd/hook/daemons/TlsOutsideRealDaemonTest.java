package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import org.xrootd.hook.testkit.Tiers;

/**
 * Issue 14, TLS with a DNS-only wildcard certificate through the redirector, for clients outside the
 * cluster, on real xrootd 5.5.3: {@code spec.tls} with a certificate that a test CA (made here with
 * openssl) issued for DNS names only, no IP entry: {@code *.site.example} (the nodes),
 * {@code *.<ns>.lb.site.example} (the LoadBalancer's name) and the member headless Services' wildcards.
 * The redirectors' client Service is a LoadBalancer and the workers are exposed with {@code HostPort},
 * advertising their node's name (the spec's {@code exposure} fields, as the hook renders them).
 *
 * <p>From outside, verifying against the test CA only: roots:// write and read through the
 * LoadBalancer's name (redirected to the holder's node name), HTTPS GET and PUT with curl and with
 * davix. Control: the same certificate does not verify for a worker's node address (no IP entry).
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsOutsideRealDaemonTest {
    private static final String NAME = "tlo";
    private static final String SECRET = "tlo-cert";
    static final Duration T = CLIENT_TIMEOUT;

    DaemonRun run;
    LocalCluster cluster;
    private LocalCluster.Exposed lb;
    /** Trusted CAs as XRootD clients and davix read them (a hashed directory): the test CA only. */
    Path caDir;
    Path caCert;
    private String sans;

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open(label());
        Prerequisites.requireBinaries("davix-get", "davix-put", "openssl", "curl");
        ObjectNode spec = DaemonRun.spec(1, 2);
        spec.putObject("tls").put("secretName", SECRET);
        ((ObjectNode) spec.path("redirector")).putObject("exposure").putObject("service").put("type", "LoadBalancer");
        ((ObjectNode) spec.path("worker")).putObject("exposure").put("mode", "HostPort");
        JsonNode response = run.sync(NAME, spec, 1);
        caDir = run.clientFile("ca");
        Files.createDirectories(caDir);
        Map<String, byte[]> tls = issue(response);
        cluster = run.cluster(response, Map.of(SECRET, tls));
        run.timingsHeader("TLS with a DNS-only certificate (xrootd " + DaemonRun.VERSION
                + ", 1 redirector, 2 HostPort workers advertising NodeName, LoadBalancer client Service):");
        run.timings.put("certificate subjectAltName", sans);
        run.explain(() -> run.startAllAndWaitReady("cold start"));
        lb = cluster.exposeServices().stream().filter(e -> (NAME + "-xrootd").equals(e.service())).findFirst().orElseThrow();
        assertNotNull(lb.name(), "the client Service got a LoadBalancer address");
        run.timings.put("LoadBalancer", lb.name() + " = " + lb.address());
    }

    /** The run's label (work directory and timings file). */
    String label() {
        return "tls-outside";
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    /**
     * A test CA and a server certificate it signs, with DNS-type subjectAltNames only: the nodes'
     * wildcard, the LoadBalancer names' wildcard, and for in-cluster names each member headless
     * Service's wildcard (relative and with the cluster domain), read from the response's StatefulSets.
     */
    private Map<String, byte[]> issue(JsonNode response) throws IOException {
        StringBuilder names = new StringBuilder("DNS:*." + PodNetwork.SITE_DOMAIN + ",DNS:*." + DaemonRun.NAMESPACE + ".lb." + PodNetwork.SITE_DOMAIN);
        for (JsonNode child : response.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText())) {
                String domain = child.path("spec").path("serviceName").asText() + "." + DaemonRun.NAMESPACE + ".svc";
                names.append(",DNS:*.").append(domain).append(",DNS:*.").append(domain).append('.').append(PodNetwork.CLUSTER_DOMAIN);
            }
        }
        sans = names.toString();
        assertFalse(sans.contains("IP:"), sans);
        Path caKey = run.clientFile("ca.key");
        caCert = run.clientFile("ca.crt");
        Path key = run.clientFile("server.key");
        Path csr = run.clientFile("server.csr");
        Path cert = run.clientFile("server.crt");
        Path ext = run.clientFile("server.ext");
        Duration t = Duration.ofSeconds(60);
        run.procs.check(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=xrootd-hook test CA",
                "-keyout", caKey.toString(), "-out", caCert.toString()), t);
        run.procs.check(List.of("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + NAME + " xrootd",
                "-keyout", key.toString(), "-out", csr.toString()), t);
        Files.writeString(ext, "subjectAltName=" + sans + "\nextendedKeyUsage=serverAuth,clientAuth\n");
        run.procs.check(List.of("openssl", "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", cert.toString()), t);
        Files.copy(caCert, caDir.resolve("test-ca.pem"));
        run.procs.check(List.of("openssl", "rehash", caDir.toString()), Duration.ofSeconds(20));
        return Map.of("tls.crt", Files.readAllBytes(cert), "tls.key", Files.readAllBytes(key));
    }

    @Test
    @Order(1)
    void rootsFromOutsideVerifiesThroughTheLoadBalancerName() {
        run.explain(() -> {
            String lfn = "/data/tls-outside-1.bin";
            byte[] content = content(lfn);
            Path source = run.clientFile("tls-outside-1.bin", content);
            List<String> env = List.of("X509_CERT_DIR=" + caDir);
            Procs.Result write = cluster.outside(env, T, "xrdcp", "-d", "2", source.toString(), rootsUrl(lfn));
            assertTrue(write.ok(), write.toString());
            run.written.put(lfn, content);
            LocalPod holder = run.onlyHolder(lfn);
            String target = ClientOutput.rootRedirect(write);
            run.timings.put("outside roots:// write: redirect target", target + " (holder " + holder.name + ")");
            assertEquals("roots://" + holder.host.node().name() + ":" + cluster.xrootdPort + "/", target);
            assertTrue(DaemonRun.read(holder.log("xrootd")).contains("connection upgraded to TLS"), "the worker's side is TLS");

            Path back = run.clientFile("tls-outside-1.back");
            Procs.Result read = cluster.outside(env, T, "xrdcp", "-f", "-d", "2", rootsUrl(lfn), back.toString());
            assertTrue(read.ok(), read.toString());
            assertArrayEquals(content, DaemonRun.bytes(back));
            run.timings.put("outside roots:// read: redirect target", ClientOutput.rootRedirect(read));
            assertEquals("roots://" + holder.host.node().name() + ":" + cluster.xrootdPort + "/", ClientOutput.rootRedirect(read));
            run.timings.put("outside roots:// write / read", DaemonRun.seconds(write.took()) + " / " + DaemonRun.seconds(read.took()));
        });
    }

    @Test
    @Order(2)
    void httpsFromOutsideWithCurlVerifies() {
        run.explain(() -> {
            String lfn = "/data/tls-outside-1.bin";
            LocalPod holder = run.onlyHolder(lfn);
            Path got = run.clientFile("tls-curl-get.bin");
            Procs.Result get = cluster.outside(List.of(), T, "curl", "-sS", "-L", "--cacert", caCert.toString(), "-o", got.toString(),
                    "-w", "%{http_code} %{num_redirects} %{url_effective}", httpsUrl(lfn));
            run.timings.put("outside curl GET -L --cacert: code, redirects, final URL", get.output().strip());
            assertTrue(get.ok(), get.toString());
            assertEquals("200 1 https://" + holder.host.node().name() + ":" + cluster.xrootdPort + lfn, get.output().strip());
            assertArrayEquals(run.written.get(lfn), DaemonRun.bytes(got));

            String put = "/data/tls-curl-put.txt";
            byte[] content = content(put);
            Procs.Result upload = cluster.outside(List.of(), T, "curl", "-sS", "-L", "--cacert", caCert.toString(), "-o", "/dev/null",
                    "-T", run.clientFile("tls-curl-put.txt", content).toString(), "-w", "%{http_code} %{num_redirects} %{url_effective}", httpsUrl(put));
            run.timings.put("outside curl PUT -L --cacert: code, redirects, final URL", upload.output().strip());
            assertTrue(upload.ok(), upload.toString());
            run.written.put(put, content);
            LocalPod putHolder = run.onlyHolder(put);
            assertTrue(upload.output().strip().matches("20[01] 1 " + Pattern.quote("https://" + putHolder.host.node().name() + ":"
                    + cluster.xrootdPort + put)), upload.toString());
        });
    }

    @Test
    @Order(3)
    void httpsFromOutsideWithDavixVerifies() {
        run.explain(() -> {
            String lfn = "/data/tls-outside-1.bin";
            LocalPod holder = run.onlyHolder(lfn);
            Path got = run.clientFile("tls-davix-get.bin");
            Procs.Result get = cluster.outside(List.of(), T, "davix-get", "--capath", caDir.toString(), "--trace", "header",
                    httpsUrl(lfn), got.toString());
            assertTrue(get.ok(), get.toString());
            String location = ClientOutput.location(get);
            run.timings.put("outside davix-get --capath: Location", location);
            assertEquals("https://" + holder.host.node().name() + ":" + cluster.xrootdPort + lfn, location);
            assertArrayEquals(run.written.get(lfn), DaemonRun.bytes(got));

            String put = "/data/tls-davix-put.txt";
            byte[] content = content(put);
            Procs.Result upload = cluster.outside(List.of(), T, "davix-put", "--capath", caDir.toString(), "--trace", "header",
                    run.clientFile("tls-davix-put.txt", content).toString(), httpsUrl(put));
            assertTrue(upload.ok(), upload.toString());
            run.written.put(put, content);
            LocalPod putHolder = run.onlyHolder(put);
            run.timings.put("outside davix-put --capath: Location", ClientOutput.location(upload));
            assertEquals("https://" + putHolder.host.node().name() + ":" + cluster.xrootdPort + put, ClientOutput.location(upload));
        });
    }

    /** Control: the certificate names no address, so a verifying client that connects to a worker by its node's IP fails. */
    @Test
    @Order(4)
    void aWorkerByAddressDoesNotVerify() {
        run.explain(() -> {
            LocalPod worker = cluster.workers.get(0);
            String ip = worker.host.node().ip();
            Procs.Result curl = cluster.outside(List.of(), T, "curl", "-sS", "--cacert", caCert.toString(), "-o", "/dev/null",
                    "https://" + ip + ":" + cluster.xrootdPort + "/data/");
            run.timings.put("control: curl --cacert https://" + ip + " (a worker's node address)", curl.output().strip().split("\n")[0]);
            assertEquals(60, curl.exit(), "curl's 'peer certificate cannot be authenticated': " + curl);
            assertTrue(curl.output().contains("no alternative certificate subject name matches target host name '" + ip + "'"), curl.toString());
            Procs.Result byName = cluster.outside(List.of(), T, "curl", "-sS", "--cacert", caCert.toString(), "-o", "/dev/null",
                    "-w", "%{http_code}", "https://" + worker.host.node().name() + ":" + cluster.xrootdPort + "/data/tls-outside-1.bin");
            assertTrue(byName.ok(), "the same worker by its node name verifies: " + byName);
            List<String> env = List.of("X509_CERT_DIR=" + caDir, "XRD_LOGLEVEL=Error");
            Procs.Result roots = cluster.outside(env, T, "xrdfs", "roots://" + ip + ":" + cluster.xrootdPort, "query", "config", "version");
            run.timings.put("control: xrdfs roots://" + ip + " query config version", lastLine(roots.output()));
            assertFalse(roots.ok(), roots.toString());
            assertTrue(roots.output().contains("TLS error: Unable to validate " + ip + "; hostname not in SAN extension"), roots.toString());
        });
    }

    /**
     * In-cluster clients, verifying with the same CA, through the redirector pod's name: the rendered
     * configuration turns on name-based redirects (the names fit), so they are sent to the holder's cluster
     * DNS name, which {@code *.<worker Service>.<ns>.svc.cluster.local} covers, while outside clients keep
     * the node names of the HostPort workers (above).
     */
    @Test
    @Order(5)
    void inClusterClientsAreRedirectedToNamesAndVerify() {
        run.explain(() -> {
            String lfn = "/data/tls-outside-1.bin";
            LocalPod holder = run.onlyHolder(lfn);
            LocalPod r0 = cluster.redirectors.get(0);
            String expected = holder.host.fqdn();
            Path back = run.clientFile("tls-inside.back");
            Procs.Result read = cluster.clientWith(List.of("X509_CERT_DIR=" + caDir), T, "xrdcp", "-f", "-d", "2",
                    "roots://" + LocalCluster.dnsName(r0) + ":" + cluster.xrootdPort + "/" + lfn, back.toString());
            String target = ClientOutput.rootRedirect(read);
            run.timings.put("inside roots:// read through " + r0.name + ": redirect target, rc", target + ", " + read.exit());
            assertEquals("roots://" + expected + ":" + cluster.xrootdPort + "/", target);
            assertTrue(read.ok(), read.toString());
            assertArrayEquals(run.written.get(lfn), DaemonRun.bytes(back));
            Procs.Result get = cluster.client(T, "curl", "-sS", "-L", "--cacert", caCert.toString(), "-o", "/dev/null",
                    "-w", "%{http_code} %{num_redirects} %{url_effective}", cluster.httpUrl(r0, lfn).replaceFirst("^http:", "https:"));
            run.timings.put("inside curl GET -L --cacert: code, redirects, final URL", get.output().strip());
            assertTrue(get.ok(), get.toString());
            assertEquals("200 1 https://" + expected + ":" + cluster.xrootdPort + lfn, get.output().strip());
        });
    }

    private String rootsUrl(String lfn) {
        return "roots://" + lb.name() + ":" + cluster.xrootdPort + "/" + lfn;
    }

    private String httpsUrl(String lfn) {
        return "https://" + lb.name() + ":" + cluster.xrootdPort + lfn;
    }

    private static byte[] content(String lfn) {
        return ("tls outside test " + lfn + " " + System.nanoTime() + "\n").repeat(40).getBytes(StandardCharsets.UTF_8);
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }
}
