package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.CLIENT_TIMEOUT;
import static org.xrootd.hook.daemons.DaemonRun.bytes;
import static org.xrootd.hook.daemons.DaemonRun.seconds;
import static org.xrootd.hook.daemons.DaemonRun.since;
import static org.xrootd.hook.daemons.DaemonRun.waitFor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import org.xrootd.hook.testkit.Tiers;

/**
 * {@code spec.tls} on real xrootd 5.5.3: an Xrootd with 1 redirector and 2 workers whose TLS Secret
 * holds a self-signed certificate made here with openssl for the pods' DNS names (a wildcard per
 * headless Service, what a cluster's certificate issuer can be asked for).
 *
 * <p>What it shows: HTTPS through the redirector works for a client that does not verify the worker's
 * certificate; the redirector itself verifies by name. But the redirector sends clients to a worker's
 * pod IP, never its name (XRootD does not look up names of private addresses, XrdNetIF::GenIF), so a
 * verifying client (every roots:// client: XrdCl has no switch to skip verification) fails at the
 * worker unless the certificate also names the worker pod IPs, as DNS-type entries (XrdCl 5.5.3
 * ignores IP-type ones). With them added (the Secret rotated, the workers restarted) roots:// through
 * the redirector works.
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsRealDaemonTest {
    private static final String NAME = "tls";
    private static final String SECRET = "tls-cert";
    private static final String LFN = "/data/over-tls.txt";

    private DaemonRun run;
    private LocalCluster cluster;
    /** A directory of trusted CAs as XRootD clients read it (X509_CERT_DIR): the self-signed certificate. */
    private Path caDir;
    private Path certificate;
    private Path key;
    /** The StatefulSets' governing headless Services, as the hook's answer names them. */
    private final List<String> headlessServices = new java.util.ArrayList<>();

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open("tls");
        ObjectNode spec = run.spec(1, 2);
        spec.putObject("tls").put("secretName", SECRET);
        JsonNode response = run.sync(NAME, spec, 1);
        for (JsonNode child : response.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText())) {
                headlessServices.add(child.path("spec").path("serviceName").asText());
            }
        }
        caDir = run.clientFile("ca");
        Files.createDirectories(caDir);
        makeCertificate("tls", List.of());
        cluster = run.cluster(response, Map.of(SECRET, Map.of("tls.crt", Files.readAllBytes(certificate), "tls.key", Files.readAllBytes(key))));
        run.timingsHeader("TLS real-daemon timings (xrootd " + DaemonRun.VERSION + ", 1 redirector, 2 workers, spec.tls):");
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
    void theClusterFormsWithTls() {
        run.explain(() -> {
            run.startAllAndWaitReady("TLS cluster");
            for (LocalPod pod : cluster.allPods()) {
                assertTrue(DaemonRun.read(pod.log("xrootd")).contains("HTTPS initialization completed"), pod + " serves HTTPS");
            }
        });
    }

    @Test
    @Order(2)
    @Timeout(60)
    void httpsRedirectsToTheWorkerAndReturnsTheFile() {
        run.explain(() -> {
            LocalPod r0 = cluster.redirectors.get(0);
            // TLS is offered, not required: a plain xroot client writes the file.
            Procs.Result put = run.write(r0, LFN, CLIENT_TIMEOUT);
            assertTrue(put.ok(), put.toString());
            LocalPod holder = run.onlyHolder(LFN);
            Path viaHttps = run.clientFile("over-https");
            String url = "https://" + LocalCluster.dnsName(r0) + ":" + cluster.xrootdPort + LFN;
            Procs.Result https = cluster.client(CLIENT_TIMEOUT, "curl", "-sS", "-k", "-L", "--max-time", "20", "-o", viaHttps.toString(),
                    "-w", "%{http_code} %{num_redirects} %{url_effective}", url);
            assertTrue(https.ok(), https.toString());
            assertEquals("200 1 https://" + holder.host.ip() + ":" + cluster.xrootdPort + LFN, https.output().strip(),
                    "HTTPS GET through " + r0 + ", redirected to the holder's IP");
            assertArrayEquals(run.written.get(LFN), bytes(viaHttps), "HTTPS GET through " + r0);
            run.timings.put("HTTPS GET through the redirector (redirect + read, curl -k)", seconds(https.took()));
            // The redirector's own certificate verifies by name...
            Procs.Result verified = cluster.client(CLIENT_TIMEOUT, "curl", "-sS", "--cacert", certificate.toString(), "--max-time", "20",
                    "-o", "/dev/null", "-w", "%{http_code}", url);
            assertTrue(verified.ok(), verified.toString());
            assertEquals("302", verified.output().strip(), "the redirector's answer, verified: " + verified);
            // ...but the redirect names the worker by IP, which the certificate does not.
            Procs.Result followed = cluster.client(CLIENT_TIMEOUT, "curl", "-sS", "-L", "--cacert", certificate.toString(), "--max-time", "20",
                    "-o", "/dev/null", url);
            assertFalse(followed.ok(), followed.toString());
            assertTrue(followed.output().contains(holder.host.ip()), followed.toString());
        });
    }

    @Test
    @Order(3)
    @Timeout(120)
    void rootsThroughTheRedirectorNeedsTheWorkerIpsInTheCertificate() throws Exception {
        LocalPod r0 = cluster.redirectors.get(0);
        Path back = run.clientFile("over-tls.back");
        List<String> trusted = List.of("X509_CERT_DIR=" + caDir);
        run.explain(() -> {
            // XRD_LOGLEVEL=Error: the client also prints why it gave up on the worker.
            List<String> env = List.of("X509_CERT_DIR=" + caDir, "XRD_LOGLEVEL=Error");
            Procs.Result get = cluster.clientWith(env, CLIENT_TIMEOUT, "xrdcp", "-f", "-s", rootsUrl(r0, LFN), back.toString());
            assertFalse(get.ok(), "roots:// read with a certificate for DNS names only: " + get);
            LocalPod holder = run.onlyHolder(LFN);
            assertTrue(get.output().contains("[" + holder.host.ip() + ":" + cluster.xrootdPort + ".0] Socket error while handshaking: [FATAL] TLS error"),
                    "TLS to the worker's IP fails: " + get);
            // Connecting to the redirector itself works: its name is in the certificate.
            Procs.Result query = cluster.clientWith(trusted, CLIENT_TIMEOUT, "xrdfs", rootsHost(r0), "query", "config", "version");
            assertTrue(query.ok(), query.toString());
        });
        // Rotate the Secret to a certificate that also names every worker pod IP, restart the workers.
        // (Also after this, the redirector kept answering "No servers are available to read the file"
        // for the file whose read failed above, even after xrdfs locate -r: a new file is used.)
        List<String> ips = cluster.workers.stream().map(w -> w.host.ip()).toList();
        makeCertificate("tls-with-ips", ips);
        cluster.secret(SECRET, Map.of("tls.crt", Files.readAllBytes(certificate), "tls.key", Files.readAllBytes(key)));
        run.explain(() -> {
            for (LocalPod w : cluster.workers) {
                w.kill();
                w.start();
            }
            for (LocalPod pod : cluster.allPods()) {
                waitFor(Duration.ofSeconds(60), () -> cluster.ready(pod), pod + " ready again");
            }
            java.util.Set<String> workerIps = new java.util.TreeSet<>(ips);
            waitFor(Duration.ofSeconds(30), () -> cluster.subscribedServers(r0).equals(workerIps), r0 + " lists both restarted workers");
            String lfn = "/data/written-over-roots.txt";
            Path source = run.clientFile("over-roots.txt");
            byte[] content = "sent over roots://\n".repeat(100).getBytes(StandardCharsets.UTF_8);
            try {
                Files.write(source, content);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Procs.Result put = cluster.clientWith(trusted, CLIENT_TIMEOUT, "xrdcp", "-s", source.toString(), rootsUrl(r0, lfn));
            assertTrue(put.ok(), put.toString());
            run.written.put(lfn, content);
            run.onlyHolder(lfn);
            run.timings.put("roots:// write of a new file through the redirector (worker IPs in the certificate)", seconds(put.took()));
            Procs.Result get = cluster.clientWith(trusted, CLIENT_TIMEOUT, "xrdcp", "-f", "-s", rootsUrl(r0, lfn), back.toString());
            assertTrue(get.ok(), "roots:// read with the worker IPs in the certificate: " + get);
            assertArrayEquals(content, bytes(back));
            String holderLog = DaemonRun.read(run.onlyHolder(lfn).log("xrootd"));
            assertTrue(holderLog.contains("connection upgraded to TLS"), "the worker's side of the transfer is TLS");
        });
    }

    /** A self-signed certificate for the pods' DNS names (one wildcard per headless Service) and these IPs. */
    private void makeCertificate(String name, List<String> ips) {
        key = run.clientFile(name + ".key");
        certificate = run.clientFile(name + ".crt");
        StringBuilder names = new StringBuilder();
        for (String service : headlessServices) {
            String domain = service + "." + DaemonRun.NAMESPACE + ".svc";
            names.append(names.isEmpty() ? "" : ",").append("DNS:*.").append(domain).append(",DNS:*.").append(domain)
                    .append('.').append(PodNetwork.CLUSTER_DOMAIN);
        }
        // As DNS-type entries: XrdCl 5.5.3 compares the redirect host, an IP, only with DNS names
        // (a certificate with IP-type entries for the same addresses failed the same way as none).
        ips.forEach(ip -> names.append(",DNS:").append(ip));
        run.procs.check(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=" + NAME + "-xrootd." + DaemonRun.NAMESPACE + ".svc", "-addext", "subjectAltName=" + names,
                "-keyout", key.toString(), "-out", certificate.toString()), Duration.ofSeconds(60));
        try {
            Path pem = caDir.resolve(name + ".pem");
            Files.copy(certificate, pem);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        run.procs.check(List.of("openssl", "rehash", caDir.toString()), Duration.ofSeconds(20));
    }

    private String rootsHost(LocalPod pod) {
        return "roots://" + LocalCluster.dnsName(pod) + ":" + cluster.xrootdPort;
    }

    private String rootsUrl(LocalPod redirector, String lfn) {
        return rootsHost(redirector) + "/" + lfn;
    }
}
