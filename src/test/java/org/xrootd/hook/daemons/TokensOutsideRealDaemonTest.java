package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.CLIENT_TIMEOUT;
import static org.xrootd.hook.daemons.DaemonRun.bytes;
import static org.xrootd.hook.daemons.DaemonRun.seconds;
import static org.xrootd.hook.daemons.DaemonRun.since;
import static org.xrootd.hook.daemons.DaemonRun.waitFor;
import static org.xrootd.hook.daemons.TokensRealDaemonTest.AUDIENCE;
import static org.xrootd.hook.daemons.TokensRealDaemonTest.token;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * Issue 15, bearer tokens from outside the cluster network: the checks of TokensRealDaemonTest (no token
 * refused, a read token reads and cannot write, a write token writes, expired and foreign-issuer tokens
 * refused), run by the outside client through the redirectors' LoadBalancer name, over HTTPS (curl
 * {@code --location-trusted}, davix) and roots:// (xrdcp with {@code BEARER_TOKEN}), on real xrootd 5.5.3.
 * The cluster: 1 redirector and 2 workers, spec.tls + spec.tokens, the client Service a LoadBalancer and the
 * workers exposed with {@code HostPort} advertising their node's name (TlsOutsideRealDaemonTest). Every
 * redirect an outside client follows names a node, never a pod address.
 *
 * <p>The xrootd certificate (a test CA) names the nodes' wildcard, the LoadBalancer names' wildcard and the
 * member headless Services' wildcards (in-cluster probes and the redirector's own TLS logins: ztn needs TLS
 * and XrdCl checks names). The issuer is the test's HTTPS pod as in TokensRealDaemonTest: only the pods reach
 * it; the outside client holds nothing but the token and the CA that verifies the xrootd certificate.
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TokensOutsideRealDaemonTest {
    private static final String NAME = "tko";
    private static final String TLS_SECRET = "tko-tls";
    private static final String CA_SECRET = "tko-issuer-ca";
    private static final String FOREIGN_ISSUER = "https://other-issuer.example.org";
    private static final Duration T = CLIENT_TIMEOUT;

    private DaemonRun run;
    private LocalCluster cluster;
    private LocalCluster.Exposed lb;
    private TestIssuer issuer;
    private long clusterStart;

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open("tokens-outside");
        Prerequisites.requireBinaries("davix-get", "openssl", "curl");
        issuer = TestIssuer.create(run, "xrootd-hook outside token test CA");
        ObjectNode spec = DaemonRun.spec(1, 2);
        spec.putObject("tls").put("secretName", TLS_SECRET);
        ((ObjectNode) spec.path("redirector")).putObject("exposure").putObject("service").put("type", "LoadBalancer");
        ((ObjectNode) spec.path("worker")).putObject("exposure").put("mode", "HostPort").put("advertise", "NodeName");
        issuer.addTo(spec, CA_SECRET);
        JsonNode response = run.sync(NAME, spec, 1);

        // DNS names only (TlsOutsideRealDaemonTest): nodes, LoadBalancer names, the member headless Services.
        StringBuilder names = new StringBuilder("DNS:*." + PodNetwork.SITE_DOMAIN + ",DNS:*." + DaemonRun.NAMESPACE + ".lb."
                + PodNetwork.SITE_DOMAIN);
        for (JsonNode child : response.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText())) {
                String domain = child.path("spec").path("serviceName").asText() + "." + DaemonRun.NAMESPACE + ".svc";
                names.append(",DNS:*.").append(domain).append(",DNS:*.").append(domain).append('.').append(PodNetwork.CLUSTER_DOMAIN);
            }
        }
        Path[] xrootdCert = issuer.signed(run, "xrootd", names.toString());
        cluster = run.cluster(response, Map.of(
                TLS_SECRET, Map.of("tls.crt", Files.readAllBytes(xrootdCert[0]), "tls.key", Files.readAllBytes(xrootdCert[1])),
                CA_SECRET, issuer.caBundle()));
        issuer.start(run, cluster);
        run.timingsHeader("Tokens from outside (xrootd " + DaemonRun.VERSION + ", 1 redirector, 2 HostPort workers advertising NodeName, "
                + "LoadBalancer client Service, spec.tls + spec.tokens):");
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    @Test
    @Order(1)
    @Timeout(120)
    void theClusterFormsAndIsExposed() throws IOException {
        run.explain(() -> {
            clusterStart = System.nanoTime();
            run.startAllAndWaitReady("token cluster, exposed");
            for (LocalPod pod : cluster.allPods()) {
                assertTrue(DaemonRun.read(pod.log("xrootd")).contains("libXrdAccSciTokens"), pod + " loads the token plugin");
            }
        });
        lb = cluster.exposeServices().stream().filter(e -> (NAME + "-xrootd").equals(e.service())).findFirst().orElseThrow();
        assertNotNull(lb.name(), "the client Service got a LoadBalancer address");
        run.timings.put("LoadBalancer", lb.name() + " = " + lb.address());
    }

    @Test
    @Order(2)
    @Timeout(150)
    void httpsFromOutsideNeedsATokenWithTheRightScope() {
        run.explain(() -> {
            String lfn = "/data/outside-https-token.txt";
            String url = "https://" + lb.name() + ":" + cluster.xrootdPort + lfn;
            Path source = run.clientFile("outside-https-token.txt", "written from outside with a token\n".repeat(50)
                    .getBytes(StandardCharsets.UTF_8));
            String read = issuer.token("storage.read:/", 600);
            String write = issuer.token("storage.read:/ storage.create:/ storage.modify:/", 600);

            assertEquals("403", code(curl(null, "-T", source.toString(), url)), "PUT without a token");
            assertEquals("403", code(curl(read, "-T", source.toString(), url)), "PUT with a read token");
            long begin = System.nanoTime();
            Procs.Result put = curl(write, "-T", source.toString(), url);
            assertTrue(code(put).startsWith("20"), "PUT with a write token: " + put);
            run.timings.put("outside HTTPS PUT with a write token (first authorized request)", seconds(since(begin)));
            run.written.put(lfn, bytes(source));
            LocalPod holder = run.onlyHolder(lfn);
            assertEquals(nodeUrl(holder, "https", lfn), withoutQuery(finalUrl(put)), "the PUT was redirected to the holder's node name");

            Path back = run.clientFile("outside-https-token.back");
            assertEquals("403", code(curl(null, "-o", back.toString(), url)), "GET without a token");
            begin = System.nanoTime();
            Procs.Result get = curl(read, "-o", back.toString(), url);
            assertEquals("200", code(get), "GET with a read token: " + get);
            assertArrayEquals(run.written.get(lfn), bytes(back));
            assertEquals(nodeUrl(holder, "https", lfn), withoutQuery(finalUrl(get)), "the GET was redirected to the holder's node name");
            // 5.5.3 (http.header2cgi): the redirector copies the Authorization header into the Location it answers.
            assertTrue(finalUrl(get).contains("?authz=Bearer%20" + read.substring(0, 20)), "the token in the redirect: " + finalUrl(get));
            run.timings.put("outside HTTPS GET with a read token (redirect + read)", seconds(since(begin)));
            run.timings.put("pods started -> first authorized outside read done", seconds(since(clusterStart)));
            run.timings.put("outside curl GET: final URL without the token", withoutQuery(finalUrl(get)));

            assertEquals("403", code(curl(issuer.token("storage.read:/", -60), "-o", back.toString(), url)),
                    "GET with an expired token");
            assertEquals("403", code(curl(token(issuer.foreignKey, FOREIGN_ISSUER, "storage.read:/", 600), "-o", back.toString(), url)),
                    "GET with a token of an unknown issuer");
            assertEquals("403", code(curl(token(issuer.foreignKey, issuer.url, "storage.read:/", 600), "-o", back.toString(), url)),
                    "GET with a token of the issuer's name, another key");
        });
    }

    @Test
    @Order(3)
    @Timeout(60)
    void davixFromOutsideReadsWithAToken() {
        run.explain(() -> {
            String lfn = "/data/outside-https-token.txt";
            LocalPod holder = run.onlyHolder(lfn);
            String url = "davs://" + lb.name() + ":" + cluster.xrootdPort + lfn;
            Path back = run.clientFile("outside-davix.back");
            Procs.Result anonymous = cluster.outside(List.of(), T, "davix-get", "--capath", issuer.caDir.toString(), url, back.toString());
            assertFalse(anonymous.ok(), "davix-get without a token: " + anonymous);
            Procs.Result expired = cluster.outside(List.of(), T, "davix-get", "--capath", issuer.caDir.toString(), "-H",
                    "Authorization: Bearer " + issuer.token("storage.read:/", -60), url, back.toString());
            assertFalse(expired.ok(), "davix-get with an expired token: " + expired);
            Procs.Result get = cluster.outside(List.of(), T, "davix-get", "--capath", issuer.caDir.toString(), "--trace", "header", "-H",
                    "Authorization: Bearer " + issuer.token("storage.read:/", 600), url, back.toString());
            assertTrue(get.ok(), "davix-get with a read token: " + get);
            assertArrayEquals(run.written.get(lfn), bytes(back));
            assertEquals(nodeUrl(holder, "https", lfn), withoutQuery(ClientOutput.location(get)), "davix was redirected to the holder's node name");
        });
    }

    @Test
    @Order(4)
    @Timeout(150)
    void rootsFromOutsideNeedsATokenWithTheRightScope() {
        run.explain(() -> {
            String lfn = "/data/outside-roots-token.txt";
            String url = "roots://" + lb.name() + ":" + cluster.xrootdPort + "/" + lfn;
            Path source = run.clientFile("outside-roots-token.txt", "written over roots:// from outside\n".repeat(50)
                    .getBytes(StandardCharsets.UTF_8));
            String read = issuer.token("storage.read:/", 600);
            String write = issuer.token("storage.read:/ storage.create:/", 600);

            Procs.Result anonymous = xrdcp(null, source.toString(), url);
            assertFalse(anonymous.ok(), "roots:// write without a token: " + anonymous);
            Procs.Result readWrite = xrdcp(read, source.toString(), url);
            assertFalse(readWrite.ok(), "roots:// write with a read token: " + readWrite);
            assertTrue(readWrite.output().contains("3010"), "refused as not authorized: " + readWrite);
            // -f: 5.5.3's redirector remembers the refused create's name (TokensRealDaemonTest pins it).
            Procs.Result put = xrdcp(write, "-f", "-d", "2", source.toString(), url);
            assertTrue(put.ok(), "roots:// write (xrdcp -f) with a write token: " + put);
            run.written.put(lfn, bytes(source));
            LocalPod holder = run.onlyHolder(lfn);
            assertEquals(nodeUrl(holder, "roots", "/"), ClientOutput.rootRedirect(put), "the write was redirected to the holder's node name");
            run.timings.put("outside roots:// write with a write token", seconds(put.took()));

            Path back = run.clientFile("outside-roots-token.back");
            Procs.Result get = xrdcp(read, "-f", "-d", "2", url, back.toString());
            assertTrue(get.ok(), "roots:// read with a read token: " + get);
            assertArrayEquals(run.written.get(lfn), bytes(back));
            assertEquals(nodeUrl(holder, "roots", "/"), ClientOutput.rootRedirect(get), "the read was redirected to the holder's node name");
            run.timings.put("outside roots:// read with a read token: took, redirect target", seconds(get.took()) + ", "
                    + ClientOutput.rootRedirect(get));
            Procs.Result noToken = xrdcp(null, "-f", url, back.toString());
            assertFalse(noToken.ok(), "roots:// read without a token: " + noToken);
            Procs.Result expired = xrdcp(issuer.token("storage.read:/", -60), "-f", url, back.toString());
            assertFalse(expired.ok(), "roots:// read with an expired token: " + expired);
            Procs.Result foreign = xrdcp(token(issuer.foreignKey, FOREIGN_ISSUER, "storage.read:/", 600), "-f", url, back.toString());
            assertFalse(foreign.ok(), "roots:// read with a token of an unknown issuer: " + foreign);
        });
    }

    // ---------------------------------------------------------------- clients (the outside one)

    private String nodeUrl(LocalPod holder, String scheme, String path) {
        String node = holder.host.node().name();
        assertFalse(node.matches("[0-9.]+"), "a node name, not an address: " + node);
        return scheme + "://" + node + ":" + cluster.xrootdPort + path;
    }

    /** curl from outside through the LoadBalancer, following the redirect with the token (--location-trusted). */
    private Procs.Result curl(String token, String... args) {
        return cluster.outside(List.of(), T, TokensRealDaemonTest.curlArgv(issuer.caCert, "%{url_effective} %{http_code}", token, args));
    }

    private static String code(Procs.Result curl) {
        String out = curl.output().strip();
        return out.length() >= 3 ? out.substring(out.length() - 3) : out;
    }

    private static String finalUrl(Procs.Result curl) {
        String[] words = curl.output().strip().split("\\s+");
        return words.length >= 2 ? words[words.length - 2] : curl.output();
    }

    private static String withoutQuery(String url) {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query);
    }

    private Procs.Result xrdcp(String token, String... args) {
        List<String> argv = new ArrayList<>(List.of("xrdcp", "-s"));
        argv.addAll(List.of(args));
        List<String> env = new ArrayList<>(List.of("X509_CERT_DIR=" + issuer.caDir, "BEARER_TOKEN_FILE=/nonexistent", "XDG_RUNTIME_DIR=/nonexistent"));
        if (token != null) {
            env.add("BEARER_TOKEN=" + token);
        }
        return cluster.outside(env, T, argv.toArray(String[]::new));
    }
}
