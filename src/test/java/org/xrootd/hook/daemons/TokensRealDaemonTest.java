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
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Tiers;

/**
 * {@code spec.tokens} on real xrootd 5.5.3 (libXrdAccSciTokens, ztn) with real clients: an Xrootd with 1
 * redirector and 2 workers, spec.tls, and one token issuer served over HTTPS by the test from a pod of its
 * own ({@code issuer.idp.xrd.svc.cluster.local}, python's http.server): its OpenID configuration and JWKS,
 * for an EC P-256 key pair made here. Tokens are WLCG-profile JWTs signed here (ES256, the JDK's own
 * signature). The issuer's certificate is signed by a CA of the test that is in no system bundle: it
 * reaches the pods as spec.tokens.caBundle (a Secret), which the init container adds to the xrootd
 * container's /etc/ssl/certs. Every request goes through the redirector, from the in-cluster client;
 * TokensOutsideRealDaemonTest runs the same checks from the outside client (LoadBalancer, HostPort workers).
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TokensRealDaemonTest {
    private static final String NAME = "tok";
    private static final String TLS_SECRET = "tok-tls";
    private static final String CA_SECRET = "tok-issuer-ca";
    static final String AUDIENCE = "https://tok.example.org";
    private static final Duration T = CLIENT_TIMEOUT;

    private DaemonRun run;
    private LocalCluster cluster;
    private TestIssuer issuer;
    private long clusterStart;
    private final List<String> headlessServices = new ArrayList<>();

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open("tokens");
        issuer = TestIssuer.create(run, "xrootd-hook token test CA");
        ObjectNode spec = DaemonRun.spec(1, 2);
        spec.putObject("tls").put("secretName", TLS_SECRET);
        issuer.addTo(spec, CA_SECRET);
        JsonNode response = run.sync(NAME, spec, 1);
        for (JsonNode child : response.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText())) {
                headlessServices.add(child.path("spec").path("serviceName").asText());
            }
        }
        // Placeholder Secrets until the pods' addresses are known (pods read Secrets at start).
        cluster = run.cluster(response, Map.of(TLS_SECRET, Map.of("tls.crt", new byte[0], "tls.key", new byte[0]),
                CA_SECRET, issuer.caBundle()));
        // The xrootd certificate: the pods' DNS names and the worker IPs the redirector sends clients to
        // (TlsRealDaemonTest).
        StringBuilder names = new StringBuilder();
        for (String service : headlessServices) {
            String domain = service + "." + DaemonRun.NAMESPACE + ".svc";
            names.append(names.isEmpty() ? "" : ",").append("DNS:*.").append(domain).append(",DNS:*.").append(domain)
                    .append('.').append(PodNetwork.CLUSTER_DOMAIN);
        }
        // XrdCl 5.5.3 compares an IP only with DNS-type names, curl only with IP-type ones: both.
        cluster.workers.forEach(w -> names.append(",DNS:").append(w.host.ip()).append(",IP:").append(w.host.ip()));
        Path[] xrootdCert = issuer.signed(run, "xrootd", names.toString());
        cluster.secret(TLS_SECRET, Map.of("tls.crt", Files.readAllBytes(xrootdCert[0]), "tls.key", Files.readAllBytes(xrootdCert[1])));
        issuer.start(run, cluster);
        run.timingsHeader("Token real-daemon timings (xrootd " + DaemonRun.VERSION + ", 1 redirector, 2 workers, spec.tls + spec.tokens):");
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
    void theClusterFormsWithTheTokenPlugin() {
        run.explain(() -> {
            clusterStart = System.nanoTime();
            run.startAllAndWaitReady("token cluster");
            for (LocalPod pod : cluster.allPods()) {
                String log = DaemonRun.read(pod.log("xrootd"));
                assertTrue(log.contains("HTTPS initialization completed"), pod + " serves HTTPS");
                assertTrue(log.contains("libXrdAccSciTokens"), pod + " loads the token plugin");
            }
            // The init container extended the system bundle the xrootd container sees.
            LocalPod w0 = cluster.workers.get(0);
            String bundle = DaemonRun.read(w0.hostPath("xrootd", "/etc/ssl/certs/ca-certificates.crt"));
            assertTrue(bundle.contains(DaemonRun.read(issuer.caCert).strip()), "the test CA is in the xrootd container's bundle");
            assertTrue(bundle.length() > 100_000, "the image's own CAs are still there (" + bundle.length() + " bytes)");
        });
    }

    @Test
    @Order(2)
    @Timeout(120)
    void httpsNeedsATokenWithTheRightScope() {
        run.explain(() -> {
            LocalPod r0 = cluster.redirectors.get(0);
            String lfn = "/data/https-token.txt";
            String url = "https://" + LocalCluster.dnsName(r0) + ":" + cluster.xrootdPort + lfn;
            Path source = run.clientFile("https-token.txt", "written with a token\n".repeat(50).getBytes(StandardCharsets.UTF_8));
            String read = issuer.token("storage.read:/", 600);
            String write = issuer.token("storage.read:/ storage.create:/ storage.modify:/", 600);

            Procs.Result anonymousPut = curl(null, "-T", source.toString(), url);
            assertEquals("403", code(anonymousPut), "PUT without a token: " + anonymousPut);
            Procs.Result readPut = curl(read, "-T", source.toString(), url);
            assertEquals("403", code(readPut), "PUT with a read token: " + readPut);
            long begin = System.nanoTime();
            Procs.Result writePut = curl(write, "-T", source.toString(), url);
            assertTrue(code(writePut).startsWith("20"), "PUT with a write token: " + writePut);
            run.timings.put("HTTPS PUT with a write token through the redirector (first authorized request)", seconds(since(begin)));
            run.written.put(lfn, bytes(source));
            run.onlyHolder(lfn);

            Path back = run.clientFile("https-token.back");
            Procs.Result anonymousGet = curl(null, "-o", back.toString(), url);
            assertEquals("403", code(anonymousGet), "GET without a token: " + anonymousGet);
            begin = System.nanoTime();
            Procs.Result readGet = curl(read, "-o", back.toString(), url);
            assertEquals("200", code(readGet), "GET with a read token: " + readGet);
            assertArrayEquals(run.written.get(lfn), bytes(back));
            run.timings.put("HTTPS GET with a read token through the redirector (redirect + read)", seconds(since(begin)));
            run.timings.put("pods started -> first authorized read done", seconds(since(clusterStart)));

            String expired = issuer.token("storage.read:/", -60);
            assertEquals("403", code(curl(expired, "-o", back.toString(), url)), "GET with an expired token");
            String foreign = token(issuer.foreignKey, "https://other-issuer.example.org", "storage.read:/", 600);
            assertEquals("403", code(curl(foreign, "-o", back.toString(), url)), "GET with a token of an unknown issuer");
            String forged = token(issuer.foreignKey, issuer.url, "storage.read:/", 600);
            assertEquals("403", code(curl(forged, "-o", back.toString(), url)), "GET with a token of the issuer's name, another key");
            String outsideBase = issuer.token("storage.read:/elsewhere", 600);
            assertEquals("403", code(curl(outsideBase, "-o", back.toString(), url)), "GET with a read token for another path");
        });
    }

    @Test
    @Order(3)
    @Timeout(120)
    void rootsNeedsATokenWithTheRightScope() {
        run.explain(() -> {
            LocalPod r0 = cluster.redirectors.get(0);
            String lfn = "/data/roots-token.txt";
            String url = "roots://" + LocalCluster.dnsName(r0) + ":" + cluster.xrootdPort + "/" + lfn;
            Path source = run.clientFile("roots-token.txt", "written over roots:// with a token\n".repeat(50).getBytes(StandardCharsets.UTF_8));
            String read = issuer.token("storage.read:/", 600);
            String write = issuer.token("storage.read:/ storage.create:/", 600);

            Procs.Result anonymous = xrdcp(null, source.toString(), url);
            assertFalse(anonymous.ok(), "roots:// write without a token: " + anonymous);
            Procs.Result readWrite = xrdcp(read, source.toString(), url);
            assertFalse(readWrite.ok(), "roots:// write with a read token: " + readWrite);
            assertTrue(readWrite.output().contains("3010"), "refused as not authorized: " + readWrite);
            // XRootD 5.5.3: the redirector sends a create on to a worker without authorizing it (reads, stats and
            // mkdir it refuses itself); the worker refuses. The refused name stays in the redirector's location
            // cache, so a new create of it (kXR_new, xrdcp without -f) is answered "already exists" (3018);
            // xrdcp -f (kXR_delete) goes through. Pinned to the version: a later one may authorize at the redirector.
            String redirectorLog = DaemonRun.read(r0.log("xrootd"));
            assertFalse(redirectorLog.contains("Unable to create " + lfn), "5.5.3: the redirector did not refuse the create itself");
            boolean refusedByAWorker = cluster.workers.stream()
                    .anyMatch(w -> DaemonRun.read(w.log("xrootd")).contains("Unable to create " + lfn + "; permission denied"));
            assertTrue(refusedByAWorker, "5.5.3: a worker refused the create the redirector sent on");
            Procs.Result again = xrdcp(write, source.toString(), url);
            assertFalse(again.ok(), "5.5.3: a create of a name refused a moment ago, without -f: " + again);
            assertTrue(again.output().contains("3018"), "5.5.3: 'already exists' from the redirector's cache: " + again);
            Procs.Result put = xrdcp(write, "-f", source.toString(), url);
            assertTrue(put.ok(), "roots:// write (xrdcp -f) with a write token: " + put);
            run.written.put(lfn, bytes(source));
            run.onlyHolder(lfn);
            run.timings.put("roots:// write with a write token through the redirector", seconds(put.took()));

            Path back = run.clientFile("roots-token.back");
            Procs.Result get = xrdcp(read, "-f", url, back.toString());
            assertTrue(get.ok(), "roots:// read with a read token: " + get);
            assertArrayEquals(run.written.get(lfn), bytes(back));
            run.timings.put("roots:// read with a read token through the redirector", seconds(get.took()));
            Procs.Result noToken = xrdcp(null, "-f", url, back.toString());
            assertFalse(noToken.ok(), "roots:// read without a token: " + noToken);
            Procs.Result expired = xrdcp(issuer.token("storage.read:/", -60), "-f", url, back.toString());
            assertFalse(expired.ok(), "roots:// read with an expired token: " + expired);
            Procs.Result foreign = xrdcp(token(issuer.foreignKey, "https://other-issuer.example.org", "storage.read:/", 600), "-f", url,
                    back.toString());
            assertFalse(foreign.ok(), "roots:// read with a token of an unknown issuer: " + foreign);
        });
    }

    /**
     * With tokens on, the redirectors forward namespace operations to every worker (ofs.forward, which
     * XRootD 5.5.3 honours only with authorization on): a mkdir through the redirector reaches both workers.
     */
    @Test
    @Order(4)
    @Timeout(120)
    void mkdirThroughTheRedirectorReachesEveryWorker() {
        run.explain(() -> {
            LocalPod r0 = cluster.redirectors.get(0);
            String dir = "/data/made-through-the-redirector";
            String write = issuer.token("storage.read:/ storage.create:/ storage.modify:/", 600);
            String host = "roots://" + LocalCluster.dnsName(r0) + ":" + cluster.xrootdPort;
            Procs.Result readOnly = cluster.clientWith(env(issuer.token("storage.read:/", 600)), T,
                    "xrdfs", host, "mkdir", dir + "-refused");
            assertFalse(readOnly.ok(), "mkdir with a read token: " + readOnly);
            long begin = System.nanoTime();
            Procs.Result mkdir = cluster.clientWith(env(write), T, "xrdfs", host, "mkdir", dir);
            assertTrue(mkdir.ok(), "mkdir with a write token: " + mkdir);
            String localRoot = run.localRoot();
            for (LocalPod w : cluster.workers) {
                waitFor(Duration.ofSeconds(15), () -> Files.isDirectory(w.hostPath("xrootd", localRoot + dir)), dir + " on " + w);
            }
            run.timings.put("mkdir through the redirector -> on every worker (ofs.forward)", seconds(since(begin)));
            for (LocalPod w : cluster.workers) {
                assertFalse(Files.exists(w.hostPath("xrootd", localRoot + dir + "-refused")), "refused mkdir left nothing on " + w);
            }
            Procs.Result rmdir = cluster.clientWith(env(write), T, "xrdfs", host, "rmdir", dir);
            assertTrue(rmdir.ok(), "rmdir with a write token: " + rmdir);
            for (LocalPod w : cluster.workers) {
                waitFor(Duration.ofSeconds(15), () -> !Files.exists(w.hostPath("xrootd", localRoot + dir)), dir + " gone from " + w);
            }
        });
    }

    /** davix (the HTTP library gfal2 and FTS use) with a bearer token, through the redirector. */
    @Test
    @Order(5)
    @Timeout(60)
    void davixReadsWithAToken() {
        run.explain(() -> {
            LocalPod r0 = cluster.redirectors.get(0);
            String lfn = "/data/https-token.txt";
            String url = "davs://" + LocalCluster.dnsName(r0) + ":" + cluster.xrootdPort + lfn;
            Path back = run.clientFile("davix.back");
            Procs.Result anonymous = cluster.client(T, "davix-get", "--capath", issuer.caDir.toString(), url, back.toString());
            assertFalse(anonymous.ok(), "davix-get without a token: " + anonymous);
            Procs.Result get = cluster.client(T, "davix-get", "--capath", issuer.caDir.toString(), "-H",
                    "Authorization: Bearer " + issuer.token("storage.read:/", 600), url, back.toString());
            assertTrue(get.ok(), "davix-get with a read token: " + get);
            assertArrayEquals(run.written.get(lfn), bytes(back));
        });
    }

    // ---------------------------------------------------------------- clients

    /** curl through the redirector, following the redirect with the token (see docs: --location-trusted). */
    private Procs.Result curl(String token, String... args) {
        return cluster.client(T, curlArgv(issuer.caCert, "%{http_code}", token, args));
    }

    /**
     * A curl command line that follows redirects with the token (--location-trusted), trusts {@code caCert},
     * prints {@code writeOut} and discards the body unless {@code args} say where it goes.
     */
    static String[] curlArgv(Path caCert, String writeOut, String token, String... args) {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "-L", "--location-trusted", "--cacert", caCert.toString(),
                "--max-time", "20", "-w", writeOut));
        if (token != null) {
            argv.add("-H");
            argv.add("Authorization: Bearer " + token);
        }
        if (!List.of(args).contains("-o")) {
            argv.addAll(List.of("-o", "/dev/null"));
        }
        argv.addAll(List.of(args));
        return argv.toArray(String[]::new);
    }

    private static String code(Procs.Result curl) {
        String out = curl.output().strip();
        return out.length() >= 3 ? out.substring(out.length() - 3) : out;
    }

    private Procs.Result xrdcp(String token, String... args) {
        List<String> argv = new ArrayList<>(List.of("xrdcp", "-s"));
        argv.addAll(List.of(args));
        return cluster.clientWith(env(token), T, argv.toArray(String[]::new));
    }

    /** The client's environment: the test CA, and the token in BEARER_TOKEN (WLCG bearer token discovery) if any. */
    private List<String> env(String token) {
        List<String> env = new ArrayList<>(List.of("X509_CERT_DIR=" + issuer.caDir, "XRD_LOGLEVEL=Error",
                "BEARER_TOKEN_FILE=/nonexistent", "XDG_RUNTIME_DIR=/nonexistent"));
        if (token != null) {
            env.add("BEARER_TOKEN=" + token);
        }
        return env;
    }

    // ---------------------------------------------------------------- issuer

    static final String ISSUER_SERVER = String.join("\n",
            "import functools, http.server, ssl, sys",
            "docroot, cert, key, port = sys.argv[1:5]",
            "handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=docroot)",
            "server = http.server.ThreadingHTTPServer(('0.0.0.0', int(port)), handler)",
            "context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)",
            "context.load_cert_chain(cert, key)",
            "server.socket = context.wrap_socket(server.socket, server_side=True)",
            "server.serve_forever()", "");

    static void openssl(DaemonRun run, String... args) {
        List<String> argv = new ArrayList<>(List.of("openssl"));
        argv.addAll(List.of(args));
        run.procs.check(argv, Duration.ofSeconds(60));
    }

    /** A key and a certificate for {@code subjectAltName}, signed by the test CA: {cert, key}. */
    static Path[] signed(DaemonRun run, String name, String subjectAltName, Path ca, Path caKey) throws IOException {
        Path key = run.clientFile(name + ".key");
        Path csr = run.clientFile(name + ".csr");
        Path cert = run.clientFile(name + ".crt");
        Path ext = run.clientFile(name + ".ext", ("subjectAltName=" + subjectAltName + "\n").getBytes(StandardCharsets.UTF_8));
        openssl(run, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-keyout", key.toString(), "-out", csr.toString());
        openssl(run, "x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(), "-CAcreateserial",
                "-days", "2", "-extfile", ext.toString(), "-out", cert.toString());
        return new Path[] {cert, key};
    }

    static KeyPair ecKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    static String jwks(KeyPair pair, String kid) {
        ECPublicKey key = (ECPublicKey) pair.getPublic();
        ObjectNode jwks = Json.MAPPER.createObjectNode();
        ObjectNode jwk = jwks.putArray("keys").addObject();
        jwk.put("kty", "EC");
        jwk.put("crv", "P-256");
        jwk.put("alg", "ES256");
        jwk.put("use", "sig");
        jwk.put("kid", kid);
        jwk.put("x", b64(unsigned32(key.getW().getAffineX())));
        jwk.put("y", b64(unsigned32(key.getW().getAffineY())));
        return jwks.toString();
    }

    /**
     * A WLCG-profile token (wlcg.ver 1.0) of {@code issuer} with {@code scope}, valid for {@code lifetime}
     * seconds from now (negative: expired that long ago), signed ES256 with {@code pair} (kid key-1).
     */
    static String token(KeyPair pair, String issuer, String scope, long lifetime) {
        long now = System.currentTimeMillis() / 1000;
        long issued = lifetime < 0 ? now + lifetime - 600 : now;
        ObjectNode header = Json.MAPPER.createObjectNode().put("alg", "ES256").put("typ", "JWT").put("kid", "key-1");
        ObjectNode claims = Json.MAPPER.createObjectNode();
        claims.put("iss", issuer);
        claims.put("sub", "tester");
        claims.put("aud", AUDIENCE);
        claims.put("iat", issued);
        claims.put("nbf", issued);
        claims.put("exp", now + lifetime);
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("scope", scope);
        claims.put("wlcg.ver", "1.0");
        String signingInput = b64(header.toString().getBytes(StandardCharsets.UTF_8)) + "."
                + b64(claims.toString().getBytes(StandardCharsets.UTF_8));
        try {
            // JOSE's ES256 signature is r || s, 32 bytes each: the JDK's P1363 format.
            Signature signature = Signature.getInstance("SHA256withECDSAinP1363Format");
            signature.initSign(pair.getPrivate());
            signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + b64(signature.sign());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] unsigned32(BigInteger value) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[32];
        int copy = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - copy, out, 32 - copy, copy);
        return out;
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
