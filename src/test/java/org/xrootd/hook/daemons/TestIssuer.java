package org.xrootd.hook.daemons;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The token tests' identity provider: a test CA that is in no system bundle, the key pair the issuer publishes
 * in its JWKS and a foreign one it does not, and the issuer itself, python's http.server over HTTPS from a pod
 * of its own ({@code issuer.idp.<namespace>.svc.<cluster domain>}) serving its OpenID configuration and JWKS.
 * Only the pods reach it: a client holds nothing but its token and the CA.
 */
final class TestIssuer {
    static final int PORT = 8443;
    static final String HOST_NAME = "issuer.idp." + DaemonRun.NAMESPACE + ".svc." + PodNetwork.CLUSTER_DOMAIN;

    final String url = "https://" + HOST_NAME + ":" + PORT;
    /** The CA as a hashed directory (X509_CERT_DIR, davix --capath) and as one file (curl --cacert). */
    final Path caDir;
    final Path caCert;
    final KeyPair key;
    final KeyPair foreignKey;
    private final Path caKey;

    private TestIssuer(Path caDir, Path caCert, Path caKey, KeyPair key, KeyPair foreignKey) {
        this.caDir = caDir;
        this.caCert = caCert;
        this.caKey = caKey;
        this.key = key;
        this.foreignKey = foreignKey;
    }

    /** A new CA named {@code caName} and new key pairs, in the run's client files. */
    static TestIssuer create(DaemonRun run, String caName) throws Exception {
        Path caDir = run.clientFile("ca");
        Files.createDirectories(caDir);
        Path caCert = run.clientFile("test-ca.crt");
        Path caKey = run.clientFile("test-ca.key");
        TokensRealDaemonTest.openssl(run, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + caName,
                "-keyout", caKey.toString(), "-out", caCert.toString());
        Files.copy(caCert, caDir.resolve("test-ca.pem"));
        TokensRealDaemonTest.openssl(run, "rehash", caDir.toString());
        return new TestIssuer(caDir, caCert, caKey, TokensRealDaemonTest.ecKeyPair(), TokensRealDaemonTest.ecKeyPair());
    }

    /** {@code spec.tokens} trusting this issuer for /data, its CA bundle in the Secret {@code caSecret}. */
    void addTo(ObjectNode spec, String caSecret) {
        ObjectNode tokens = spec.putObject("tokens");
        ObjectNode issuer = tokens.putArray("issuers").addObject();
        issuer.put("name", "test-idp");
        issuer.put("issuer", url);
        issuer.putArray("basePath").add("/data");
        tokens.putArray("audience").add(TokensRealDaemonTest.AUDIENCE);
        tokens.putObject("caBundle").put("secret", caSecret);
    }

    /** The data of the CA bundle Secret. */
    Map<String, byte[]> caBundle() throws IOException {
        return Map.of("ca.crt", Files.readAllBytes(caCert));
    }

    /** A key and a certificate for {@code subjectAltName}, signed by the test CA: {cert, key}. */
    Path[] signed(DaemonRun run, String name, String subjectAltName) throws IOException {
        return TokensRealDaemonTest.signed(run, name, subjectAltName, caCert, caKey);
    }

    /** A WLCG-profile token of this issuer. */
    String token(String scope, long lifetimeSeconds) {
        return TokensRealDaemonTest.token(key, url, scope, lifetimeSeconds);
    }

    /** Starts the issuer in its own pod of {@code cluster} and waits until it answers over HTTPS. */
    void start(DaemonRun run, LocalCluster cluster) throws IOException {
        PodNetwork.Host host = cluster.servicePod("issuer", "idp");
        Path[] cert = signed(run, "issuer", "DNS:" + HOST_NAME);
        Path docroot = run.clientFile("issuer-docroot");
        Files.createDirectories(docroot.resolve(".well-known"));
        Files.writeString(docroot.resolve(".well-known/openid-configuration"),
                "{\"issuer\": \"" + url + "\", \"jwks_uri\": \"" + url + "/jwks.json\"}\n");
        Files.writeString(docroot.resolve("jwks.json"), TokensRealDaemonTest.jwks(key, "key-1"));
        Path server = run.clientFile("issuer.py", TokensRealDaemonTest.ISSUER_SERVER.getBytes(StandardCharsets.UTF_8));
        cluster.startIn(host, List.of("python3", server.toString(), docroot.toString(), cert[0].toString(), cert[1].toString(),
                Integer.toString(PORT)), run.workDir.resolve("issuer.log"));
        DaemonRun.waitFor(Duration.ofSeconds(20), () -> cluster.client(Duration.ofSeconds(5), "curl", "-sS", "-o", "/dev/null",
                "--cacert", caCert.toString(), url + "/.well-known/openid-configuration").ok(), "the issuer answers over HTTPS");
    }
}
