package org.xrootd.hook.e2e;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real, throw-away Kubernetes control plane for end-to-end tests: Debian's etcd 3.4 plus
 * kube-apiserver and (optionally) kube-controller-manager v1.20.2, as built and cached by
 * {@code provision-k8s.sh}. Everything listens on 127.0.0.1 only, on free ports picked at start.
 *
 * <pre>{@code
 * try (ControlPlane cp = ControlPlane.start()) {
 *     // cp.serverUrl(), cp.token(), cp.kubeconfigPath(), cp.sslContext()
 * }
 * }</pre>
 *
 * <p>Binaries: system property {@code xrootd.k8s.bin}, else env {@code XROOTD_K8S_BIN}, else
 * {@code ${XROOTD_K8S_CACHE:-$HOME/.cache/xrootd-hook/k8s/1.20.2}/bin}.
 *
 * <p>Every process is stopped by its own handle in {@link #close()} (SIGTERM, then SIGKILL after a
 * grace period) and by a JVM shutdown hook, so nothing leaks when a test fails or the JVM exits
 * normally or on SIGTERM/SIGINT. (A SIGKILLed JVM cannot clean up; its children would survive.)
 * Set {@code XROOTD_K8S_KEEP_WORKDIR=1} to keep the temp dir (logs, certs, etcd data) after close.
 *
 * <p>JDK only: no third-party dependencies.
 */
public final class ControlPlane implements AutoCloseable {

    public static final String K8S_VERSION = "v1.20.2";
    public static final String ENV_BIN = "XROOTD_K8S_BIN";
    public static final String ENV_CACHE = "XROOTD_K8S_CACHE";
    public static final String ENV_KEEP_WORKDIR = "XROOTD_K8S_KEEP_WORKDIR";
    public static final String PROP_BIN = "xrootd.k8s.bin";
    public static final String DEFAULT_CONTROLLERS = "garbagecollector,statefulset";

    private static final String LOOPBACK = "127.0.0.1";
    private static final int LOG_TAIL_LINES = 40;
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final Builder cfg;
    private final Path workDir;
    private final String token;
    private final List<Managed> processes = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private int etcdPort;
    private int apiPort;
    private Path kubeconfig;
    private SSLContext sslContext;
    private Duration startupTime;

    /** One started process plus its log file. */
    private record Managed(String name, Process process, Path log) {
    }

    // ------------------------------------------------------------------------------------- API

    /** Starts etcd, kube-apiserver and kube-controller-manager with defaults. */
    public static ControlPlane start() throws IOException, InterruptedException {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** e.g. {@code https://127.0.0.1:40123} */
    public String serverUrl() {
        return "https://" + LOOPBACK + ":" + apiPort;
    }

    /** Bearer token of user {@code admin} in group {@code system:masters}. */
    public String token() {
        return token;
    }

    /** kubeconfig for kubectl/clients: token auth, {@code insecure-skip-tls-verify: true}. */
    public Path kubeconfigPath() {
        return kubeconfig;
    }

    /**
     * The apiserver's self-generated serving certificate chain (server cert + its self-signed CA),
     * PEM; usable as a client's CA file. Its SANs are 127.0.0.1, 10.0.0.1 and kubernetes.default[.svc]
     * -- not "localhost", so always connect to 127.0.0.1 ({@link #serverUrl()} does).
     */
    public Path apiServerCertPath() {
        return workDir.resolve("certs").resolve("apiserver.crt");
    }

    /** SSLContext that trusts exactly {@link #apiServerCertPath()} (no trust-all needed). */
    public SSLContext sslContext() {
        return sslContext;
    }

    /**
     * {@code kubectl --kubeconfig <kubeconfigPath> --cache-dir <workDir>/kube-cache <args...>}: the
     * cache dir keeps kubectl's discovery cache out of ~/.kube (it would gain one entry per random port).
     */
    public List<String> kubectlCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(),
                "--cache-dir", workDir.resolve("kube-cache").toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Plain etcd client URL (http, loopback), e.g. for debugging. */
    public String etcdUrl() {
        return "http://" + LOOPBACK + ":" + etcdPort;
    }

    public Path workDir() {
        return workDir;
    }

    public Path binDir() {
        return cfg.binDir;
    }

    /** Log file of "etcd", "kube-apiserver" or "kube-controller-manager". */
    public Path logFile(String component) {
        return workDir.resolve(component + ".log");
    }

    /** Wall time from the first process start until the apiserver's /readyz said ok. */
    public Duration startupTime() {
        return startupTime;
    }

    /** PIDs of the processes still running (for leak checks in tests). */
    public List<Long> pids() {
        List<Long> out = new ArrayList<>();
        synchronized (processes) {
            for (Managed m : processes) {
                if (m.process.isAlive()) {
                    out.add(m.process.pid());
                }
            }
        }
        return out;
    }

    /** Default binary dir (see class comment). */
    public static Path defaultBinDir() {
        String p = System.getProperty(PROP_BIN);
        if (p != null && !p.isBlank()) {
            return Paths.get(p);
        }
        String env = System.getenv(ENV_BIN);
        if (env != null && !env.isBlank()) {
            return Paths.get(env);
        }
        String cache = System.getenv(ENV_CACHE);
        if (cache == null || cache.isBlank()) {
            String home = System.getenv("HOME");
            if (home == null || home.isBlank()) {
                home = System.getProperty("user.home");
            }
            cache = home + "/.cache/xrootd-hook/k8s/1.20.2";
        }
        return Paths.get(cache, "bin");
    }

    // ------------------------------------------------------------------------------- builder

    public static final class Builder {
        private Path binDir = defaultBinDir();
        private boolean controllerManager = true;
        private String controllers = DEFAULT_CONTROLLERS;
        private String authorizationMode = "RBAC";
        private Duration startTimeout = Duration.ofSeconds(90);
        private boolean awaitControllerSync = true;
        private final List<String> extraApiServerArgs = new ArrayList<>();
        private final List<String> extraControllerManagerArgs = new ArrayList<>();

        private Builder() {
        }

        public Builder binDir(Path dir) {
            this.binDir = dir;
            return this;
        }

        /** Start kube-controller-manager (default true). */
        public Builder controllerManager(boolean start) {
            this.controllerManager = start;
            return this;
        }

        /** Value of kube-controller-manager --controllers (default garbagecollector,statefulset). */
        public Builder controllers(String controllers) {
            this.controllers = controllers;
            return this;
        }

        /** RBAC (default) or AlwaysAllow. The test user is in system:masters either way. */
        public Builder authorizationMode(String mode) {
            this.authorizationMode = mode;
            return this;
        }

        /** Budget for the whole start (each stage polls within it). Default 90 s. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Wait until the started controllers report synced informer caches (read from the
         * controller-manager log), so a test can rely on GC / StatefulSet reacting. Default true.
         */
        public Builder awaitControllerSync(boolean await) {
            this.awaitControllerSync = await;
            return this;
        }

        /** Extra kube-apiserver args, e.g. "--feature-gates=...". */
        public Builder apiServerArg(String arg) {
            extraApiServerArgs.add(arg);
            return this;
        }

        public Builder controllerManagerArg(String arg) {
            extraControllerManagerArgs.add(arg);
            return this;
        }

        public ControlPlane start() throws IOException, InterruptedException {
            ControlPlane cp = new ControlPlane(this);
            try {
                cp.startAll();
                return cp;
            } catch (IOException | InterruptedException | RuntimeException | Error e) {
                cp.close();
                throw e;
            }
        }
    }

    // ------------------------------------------------------------------------------- startup

    private ControlPlane(Builder cfg) throws IOException {
        this.cfg = cfg;
        for (String b : List.of("etcd", "kube-apiserver", "kube-controller-manager")) {
            if (!Files.isExecutable(cfg.binDir.resolve(b))) {
                throw new IllegalStateException("missing " + cfg.binDir.resolve(b)
                        + ": run provision-k8s.sh first (or set " + ENV_BIN + " / " + ENV_CACHE + ")");
            }
        }
        this.token = HexFormat.of().formatHex(randomBytes(24));
        this.workDir = Files.createTempDirectory("xrootd-k8s-"); // 0700 on POSIX
        this.shutdownHook = new Thread(this::stopAndClean, "ControlPlane-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    private void startAll() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + cfg.startTimeout.toNanos();
        Files.createDirectories(workDir.resolve("certs"));
        Path etcdData = Files.createDirectory(workDir.resolve("etcd"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        writeSecrets();

        // Ports are probed free, then released and handed to the child: a tiny race with other
        // processes on this machine is possible; it shows as "address already in use" in the log.
        int[] ports = freeLoopbackPorts(3);
        etcdPort = ports[0];
        int etcdPeerPort = ports[1];
        apiPort = ports[2];
        writeKubeconfig();

        long t0 = System.nanoTime();
        String etcdClient = "http://" + LOOPBACK + ":" + etcdPort;
        String etcdPeer = "http://" + LOOPBACK + ":" + etcdPeerPort;
        Managed etcd = launch("etcd", List.of(
                bin("etcd"),
                "--name=default",
                "--data-dir=" + etcdData,
                "--listen-client-urls=" + etcdClient,
                "--advertise-client-urls=" + etcdClient,
                "--listen-peer-urls=" + etcdPeer,
                "--initial-advertise-peer-urls=" + etcdPeer,
                "--initial-cluster=default=" + etcdPeer,
                "--logger=zap",
                "--log-level=warn"));
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        awaitHttp(etcd, plain, etcdClient + "/health", null, body -> body.contains("\"health\":\"true\""),
                deadline);

        List<String> api = new ArrayList<>(List.of(
                bin("kube-apiserver"),
                "--etcd-servers=" + etcdClient,
                "--bind-address=" + LOOPBACK,
                // Without this, 1.20 advertises the host's default-route IP in the
                // default/kubernetes Endpoints when bind-address is loopback.
                "--advertise-address=" + LOOPBACK,
                "--secure-port=" + apiPort,
                "--cert-dir=" + workDir.resolve("certs"),
                "--token-auth-file=" + workDir.resolve("tokens.csv"),
                "--authorization-mode=" + cfg.authorizationMode,
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file=" + workDir.resolve("sa.pub"),
                "--service-account-signing-key-file=" + workDir.resolve("sa.key"),
                // Virtual ClusterIP allocation range only; nothing routes or connects there.
                "--service-cluster-ip-range=10.0.0.0/24",
                // No token controller runs, so pods must not require a SA token secret.
                "--disable-admission-plugins=ServiceAccount",
                "--profiling=false"));
        api.addAll(cfg.extraApiServerArgs);
        Managed apiserver = launch("kube-apiserver", api);

        // The serving cert is generated before the port opens; wait for it, then pin it.
        while (sslContext == null) {
            checkAlive(apiserver, deadline, "serving certificate " + apiServerCertPath());
            if (Files.isReadable(apiServerCertPath())) {
                try {
                    sslContext = pinnedSslContext(apiServerCertPath());
                } catch (IOException partiallyWritten) {
                    // retry
                }
            }
            if (sslContext == null) {
                Thread.sleep(50);
            }
        }
        HttpClient tls = HttpClient.newBuilder().sslContext(sslContext)
                .connectTimeout(Duration.ofSeconds(2)).build();
        awaitHttp(apiserver, tls, serverUrl() + "/readyz", "Bearer " + token, "ok"::equals, deadline);
        startupTime = Duration.ofNanos(System.nanoTime() - t0);

        if (cfg.controllerManager) {
            List<String> kcm = new ArrayList<>(List.of(
                    bin("kube-controller-manager"),
                    "--kubeconfig=" + kubeconfig,
                    "--controllers=" + cfg.controllers,
                    "--leader-elect=false",
                    "--use-service-account-credentials=false",
                    // 1.20 still has the deprecated insecure port (default 10252 on 0.0.0.0!): off.
                    "--port=0",
                    "--bind-address=" + LOOPBACK,
                    "--secure-port=0",
                    "--profiling=false"));
            kcm.addAll(cfg.extraControllerManagerArgs);
            Managed m = launch("kube-controller-manager", kcm);
            if (cfg.awaitControllerSync) {
                awaitControllerSync(m, deadline);
            }
        }
    }

    private String bin(String name) {
        return cfg.binDir.resolve(name).toString();
    }

    private Managed launch(String name, List<String> command) throws IOException {
        Path log = logFile(name);
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("ETCD_") || k.equals("KUBECONFIG"));
        Files.writeString(log, "# " + String.join(" ", command) + "\n");
        Process p = pb.start();
        Managed m = new Managed(name, p, log);
        synchronized (processes) {
            if (closed.get()) {
                p.destroyForcibly();
                throw new IllegalStateException("ControlPlane closed during start");
            }
            processes.add(m);
        }
        return m;
    }

    private void writeSecrets() throws IOException {
        // Static token file: token,user,uid,"groups"
        writePrivate(workDir.resolve("tokens.csv"), token + ",admin,admin,\"system:masters\"\n");
        // Service-account signing key, generated in-process (PKCS#8 + X.509 SubjectPublicKeyInfo PEM).
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
            gen.initialize(2048);
            KeyPair kp = gen.generateKeyPair();
            writePrivate(workDir.resolve("sa.key"), pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
            writePrivate(workDir.resolve("sa.pub"), pem("PUBLIC KEY", kp.getPublic().getEncoded()));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void writeKubeconfig() throws IOException {
        kubeconfig = workDir.resolve("kubeconfig");
        writePrivate(kubeconfig, String.join("\n",
                "apiVersion: v1",
                "kind: Config",
                "clusters:",
                "- name: e2e",
                "  cluster:",
                "    server: " + serverUrl(),
                // Loopback-only throw-away cluster with a self-signed cert that changes per run.
                "    insecure-skip-tls-verify: true",
                "users:",
                "- name: admin",
                "  user:",
                "    token: " + token,
                "contexts:",
                "- name: e2e",
                "  context:",
                "    cluster: e2e",
                "    user: admin",
                "    namespace: default",
                "current-context: e2e",
                ""));
    }

    // ------------------------------------------------------------------------------- waiting

    private interface BodyCheck {
        boolean ok(String body);
    }

    private void awaitHttp(Managed m, HttpClient client, String url, String auth, BodyCheck check,
                           long deadline) throws IOException, InterruptedException {
        String last = "no answer yet";
        while (true) {
            checkAlive(m, deadline, url + " (last: " + last + ")");
            HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET();
            if (auth != null) {
                rb.header("Authorization", auth);
            }
            try {
                HttpResponse<String> r = client.send(rb.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && check.ok(r.body().trim())) {
                    return;
                }
                last = "HTTP " + r.statusCode() + " " + abbreviate(r.body());
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
    }

    private void awaitControllerSync(Managed kcm, long deadline) throws IOException, InterruptedException {
        List<String> wanted = new ArrayList<>();
        for (String c : cfg.controllers.split(",")) {
            switch (c.trim()) {
                case "garbagecollector" -> wanted.add("Caches are synced for garbage collector");
                case "statefulset" -> wanted.add("Caches are synced for stateful set");
                case "job" -> wanted.add("Caches are synced for job");
                default -> { }
            }
        }
        while (true) {
            String log = Files.readString(kcm.log, StandardCharsets.UTF_8);
            if (wanted.stream().allMatch(log::contains)) {
                return;
            }
            checkAlive(kcm, deadline, "controller caches synced " + wanted);
            Thread.sleep(100);
        }
    }

    private void checkAlive(Managed m, long deadline, String waitingFor) {
        if (!m.process.isAlive()) {
            throw new IllegalStateException(m.name + " exited with code " + m.process.exitValue()
                    + " while waiting for " + waitingFor + "\n" + logTails());
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("timeout (" + cfg.startTimeout.toSeconds() + " s) waiting for "
                    + waitingFor + "\n" + logTails());
        }
    }

    /** Last lines of every process log; also printed to stderr (startup failures). */
    private String logTails() {
        StringBuilder sb = new StringBuilder();
        List<Managed> snapshot;
        synchronized (processes) {
            snapshot = new ArrayList<>(processes);
        }
        for (Managed m : snapshot) {
            sb.append("----- last ").append(LOG_TAIL_LINES).append(" lines of ").append(m.log).append('\n');
            try {
                List<String> lines = Files.readAllLines(m.log, StandardCharsets.UTF_8);
                for (String l : lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())) {
                    sb.append(l).append('\n');
                }
            } catch (IOException | UncheckedIOException e) {
                sb.append("(unreadable: ").append(e).append(")\n");
            }
        }
        System.err.print(sb);
        return sb.toString();
    }

    // ------------------------------------------------------------------------------- shutdown

    @Override
    public void close() {
        stopAndClean();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // already running hooks
        }
    }

    private void stopAndClean() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<Managed> snapshot;
        synchronized (processes) {
            snapshot = new ArrayList<>(processes);
        }
        // Reverse start order: controller-manager, apiserver, etcd.
        for (int i = snapshot.size() - 1; i >= 0; i--) {
            stop(snapshot.get(i).process);
        }
        if (!"1".equals(System.getenv(ENV_KEEP_WORKDIR))) {
            deleteTree(workDir);
        } else {
            System.err.println("ControlPlane: kept " + workDir);
        }
    }

    private static void stop(Process p) {
        if (!p.isAlive()) {
            return;
        }
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy(); // SIGTERM: graceful shutdown
        try {
            if (!p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly(); // SIGKILL
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------------------- helpers

    private static int[] freeLoopbackPorts(int n) throws IOException {
        int[] ports = new int[n];
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK));
                s.setReuseAddress(true);
                held.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return ports;
    }

    private static SSLContext pinnedSslContext(Path pemChain) throws IOException {
        try (InputStream in = Files.newInputStream(pemChain)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            if (certs.isEmpty()) {
                throw new IOException("no certificate in " + pemChain);
            }
            int i = 0;
            for (Certificate c : certs) {
                ks.setCertificateEntry("apiserver-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot load " + pemChain, e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static String abbreviate(String s) {
        s = s.replaceAll("\\s+", " ").trim();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    Files.deleteIfExists(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("ControlPlane: could not delete " + root + ": " + e);
        }
    }
}
