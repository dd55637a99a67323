package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xrootd.hook.http.HookServer;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Http;

/**
 * What every real-daemon test needs around its {@link LocalCluster}: the machine's prerequisites (the
 * test is skipped without them, except in CI), the hook itself on a loopback port answering sync
 * requests over HTTP, a work directory for the run, writes and reads through redirectors with the
 * written content remembered, waits, and the measured times. Closing it stops every process by its PID
 * and removes what the cluster created, on failure too.
 */
final class DaemonRun implements AutoCloseable {
    static final String VERSION = "5.5.3";
    static final String NAMESPACE = "xrd";
    static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);
    static final Duration POLL = Duration.ofMillis(100);

    final Procs procs;
    /** The operand image every pod runs. */
    final OperandImage image;
    /** The image's daemon account, which the hook's default securityContext runs as. */
    final OperandImage.Account account;
    final Path workDir;
    /** Every file written successfully through a redirector: logical file name and content. */
    final Map<String, byte[]> written = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    /** What the run measured, in the order measured; printed and written at close. */
    final Map<String, String> timings = new LinkedHashMap<>();
    private final String label;
    private final HookServer hook;
    private LocalCluster cluster;
    private String timingsHeader = "";
    private int syncs;

    private DaemonRun(String label, Procs procs, OperandImage image, HookServer hook, Path workDir) {
        this.label = label;
        this.procs = procs;
        this.image = image;
        this.account = image.account(Prerequisites.DAEMON_USER).orElseThrow();
        this.hook = hook;
        this.workDir = workDir;
    }

    /** Checks the machine (skips or fails), starts the hook, makes {@code target/real-daemons/<time>-<label>}. */
    static DaemonRun open(String label) throws IOException {
        Procs procs = new Procs();
        try {
            OperandImage image = Prerequisites.requireOrSkip(procs);
            HookServer hook = HookServer.start("127.0.0.1", 0);
            Path workDir = Path.of("target", "real-daemons",
                    LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + label).toAbsolutePath();
            Files.createDirectories(workDir.resolve("client"));
            return new DaemonRun(label, procs, image, hook, workDir);
        } catch (RuntimeException | Error | IOException e) {
            procs.close();
            throw e;
        }
    }

    /**
     * The spec of an Xrootd of {@link #VERSION} with this many pods. No securityContext: the pods run as
     * the hook's default identity, which {@link OperandImageTest} checks is the image's daemon account.
     */
    static ObjectNode spec(int redirectors, int workers) {
        ObjectNode spec = Json.MAPPER.createObjectNode();
        spec.put("version", VERSION);
        spec.putObject("redirector").put("replicas", redirectors);
        spec.putObject("worker").put("replicas", workers).putObject("storage").put("capacity", "1Gi");
        return spec;
    }

    /**
     * The hook's own answer, over real HTTP, to a sync request for Xrootd {@code name} with this spec
     * (and a catalog entry for its version), saved as {@code sync-response-<n>.json} in the work directory.
     */
    JsonNode sync(String name, ObjectNode spec, long generation) throws IOException, InterruptedException {
        JsonNode answer = sync(hook.port(), name, spec, generation, image.reference());
        Files.writeString(workDir.resolve("sync-response-" + ++syncs + ".json"),
                Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
        return answer;
    }

    /**
     * As {@link #sync(String, ObjectNode, long)}, for an Xrootd whose children exist: {@code observed} as
     * Metacontroller would send them (with their last-applied annotations and StatefulSet status).
     */
    JsonNode sync(String name, ObjectNode spec, long generation, java.util.List<? extends JsonNode> observed)
            throws IOException, InterruptedException {
        return sync(name, spec, generation, observed, Map.of());
    }

    /**
     * As {@link #sync(String, ObjectNode, long, java.util.List)}, with the referenced Secrets sent under
     * {@code related} as Metacontroller sends them: their data, base64 as the API server serves it. A Secret
     * the spec names that {@code secrets} lacks is sent as an empty stand-in.
     */
    JsonNode sync(String name, ObjectNode spec, long generation, java.util.List<? extends JsonNode> observed,
                  Map<String, Map<String, byte[]>> secrets) throws IOException, InterruptedException {
        JsonNode answer = sync(hook.port(), name, spec, generation, image.reference(), observed, secrets);
        Files.writeString(workDir.resolve("sync-response-" + ++syncs + ".json"),
                Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
        return answer;
    }

    /**
     * One round of {@link #rollOutStep}: the hook's answer; the children as the API server then holds them
     * ({@code applied}: a StatefulSet whose template the hook returned exactly as observed, i.e. held, keeps
     * the template it has, with no new revision); what applying it did.
     */
    record Step(JsonNode answer, JsonNode applied, boolean rolled, List<String> events, Duration took) {}

    private int rounds;

    /**
     * One round of what Metacontroller and the StatefulSet controllers do once the hook's answer changes (a
     * rotated Secret, a new spec): the hook is asked about Xrootd {@code name} as its cluster runs
     * ({@code applied}: the answer the pods were made from, sent as the applied, rolled-out and ready children,
     * with {@code secrets} as the related Secrets), and its answer, when it changes a pod template, is applied
     * as the StatefulSet controllers apply it ({@link LocalCluster#rollingUpdate}, every pod deleted and
     * created again with a new IP). The hook holds the roles behind the first one not done (RollOrder), so a
     * change of several roles takes one round per role; a round whose answer changes no template is the end.
     */
    Step rollOutStep(String name, ObjectNode spec, long generation, JsonNode applied, Map<String, Map<String, byte[]>> secrets,
                     Duration limit) throws IOException, InterruptedException {
        String time = String.format("2026-12-01T00:%02d:00Z", rounds++ % 60);
        List<ObjectNode> observed = observed(applied, name, time);
        JsonNode answer = sync(name, spec, generation, observed, secrets);
        // A template returned as observed (with the API server's defaults) is the StatefulSet's own: applying
        // it changes nothing, so the pods keep the template they were made from.
        ObjectNode asApplied = answer.deepCopy();
        for (JsonNode child : asApplied.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText())) {
                String sts = child.path("metadata").path("name").asText();
                for (ObjectNode seen : observed) {
                    if ("StatefulSet".equals(seen.path("kind").asText()) && sts.equals(seen.path("metadata").path("name").asText())
                            && seen.path("spec").path("template").equals(child.path("spec").path("template"))) {
                        ((ObjectNode) child.get("spec")).set("template", statefulSetNamed(applied, sts).path("spec").path("template").deepCopy());
                    }
                }
            }
        }
        boolean changes = false;
        for (JsonNode child : asApplied.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText())) {
                String sts = child.path("metadata").path("name").asText();
                JsonNode template = child.path("spec").path("template");
                changes |= cluster.allPods().stream().anyMatch(p -> p.statefulSet.equals(sts) && !p.template().equals(template));
            }
        }
        if (!changes) {
            return new Step(answer, asApplied, false, List.of(), Duration.ZERO);
        }
        long begin = System.nanoTime();
        List<String> events = cluster.rollingUpdate(asApplied, limit, LocalCluster.Replacement.DELETE_NEW_ADDRESS);
        return new Step(answer, asApplied, true, events, since(begin));
    }

    private static JsonNode statefulSetNamed(JsonNode response, String name) {
        for (JsonNode child : response.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText()) && name.equals(child.path("metadata").path("name").asText())) {
                return child;
            }
        }
        throw new IllegalStateException("no StatefulSet " + name + " applied");
    }

    /**
     * The children of {@code response} as Metacontroller sends them once applied and every pod is updated and
     * ready (the fixtures' model of the API server), owned by Xrootd {@code name} of this run.
     */
    List<ObjectNode> observed(JsonNode response, String name, String time) {
        List<ObjectNode> children = org.xrootd.hook.fixtures.Cluster.applied((ObjectNode) response.deepCopy(), time,
                cluster.redirectors.size(), cluster.workers.size());
        for (ObjectNode child : children) {
            ObjectNode metadata = (ObjectNode) child.get("metadata");
            ((ObjectNode) metadata.get("labels")).put("controller-uid", "real-daemons-" + name);
            metadata.get("ownerReferences").forEach(owner -> ((ObjectNode) owner).put("uid", "real-daemons-" + name));
        }
        return children;
    }

    /** A sync request for a new Xrootd in {@link #NAMESPACE}, with a catalog entry naming {@code image}, and the hook's answer. */
    static JsonNode sync(int hookPort, String name, ObjectNode spec, long generation, String image)
            throws IOException, InterruptedException {
        return sync(hookPort, name, spec, generation, image, java.util.List.of());
    }

    static JsonNode sync(int hookPort, String name, ObjectNode spec, long generation, String image,
                         java.util.List<? extends JsonNode> observed) throws IOException, InterruptedException {
        return sync(hookPort, name, spec, generation, image, observed, Map.of());
    }

    static JsonNode sync(int hookPort, String name, ObjectNode spec, long generation, String image,
                         java.util.List<? extends JsonNode> observed, Map<String, Map<String, byte[]>> secretData)
            throws IOException, InterruptedException {
        ObjectNode request = Json.MAPPER.createObjectNode();
        ObjectNode parent = request.putObject("parent");
        parent.put("apiVersion", "xrootd.org/v1alpha1");
        parent.put("kind", "Xrootd");
        parent.putObject("metadata").put("name", name).put("namespace", NAMESPACE).put("uid", "real-daemons-" + name)
                .put("generation", generation);
        parent.set("spec", spec.deepCopy());
        ObjectNode children = request.putObject("children");
        for (JsonNode child : observed) {
            children.with(child.path("kind").asText() + "." + child.path("apiVersion").asText())
                    .set(child.path("metadata").path("name").asText(), child);
        }
        String version = spec.path("version").asText();
        ObjectNode entry = request.putObject("related").putObject("XrootdVersion.catalog.xrootd.org/v1alpha1").putObject(version);
        entry.put("apiVersion", "catalog.xrootd.org/v1alpha1");
        entry.put("kind", "XrootdVersion");
        entry.putObject("metadata").put("name", version).put("namespace", NAMESPACE);
        entry.putObject("spec").put("version", version).put("image", image);
        // The Secrets spec.sss and spec.tls name, as related objects (else the hook answers SecretNotFound and
        // builds no pods). Their data only feeds the template's secrets hash; the pods get the real files from
        // LocalCluster, so empty stand-ins do unless the test gives the data (a rotation).
        ObjectNode secrets = ((ObjectNode) request.get("related")).putObject("Secret.v1");
        List<String> secretNames = new ArrayList<>();
        for (String field : new String[] {"sss", "tls"}) {
            secretNames.add(spec.path(field).path("secretName").asText(null));
        }
        // spec.tokens.caBundle.secret, the issuers' CA bundle.
        secretNames.add(spec.path("tokens").path("caBundle").path("secret").asText(null));
        for (String secretName : secretNames) {
            if (secretName != null) {
                ObjectNode secret = secrets.putObject(secretName).put("apiVersion", "v1").put("kind", "Secret");
                secret.putObject("metadata").put("name", secretName).put("namespace", NAMESPACE);
                Map<String, byte[]> data = secretData.get(secretName);
                if (data != null) {
                    ObjectNode encoded = secret.putObject("data");
                    new java.util.TreeMap<>(data).forEach((key, value) -> encoded.put(key, java.util.Base64.getEncoder().encodeToString(value)));
                }
            }
        }

        Http.Reply response = Http.post(hookPort, "/sync", Json.MAPPER.writeValueAsBytes(request));
        assertEquals(200, response.status(), response.text());
        return response.json();
    }

    /** The pods of a hook response, ready to start; {@code secrets}: the data of the Secrets they mount. */
    LocalCluster cluster(JsonNode response, Map<String, Map<String, byte[]>> secrets) throws IOException, InterruptedException {
        if (cluster != null) {
            throw new IllegalStateException("one cluster per run");
        }
        cluster = LocalCluster.create(response, secrets, image, workDir, procs);
        System.out.println("real-daemon cluster in " + workDir + ": " + cluster.allPods());
        return cluster;
    }

    /**
     * Starts every pod of the cluster at once (both StatefulSets created together), waits until every
     * readiness probe passes, records how long that took under {@code label}, and checks every liveness
     * probe.
     */
    void startAllAndWaitReady(String label) {
        if (cluster.startsOneAtATime()) {
            // Starting every pod at once would be more generous than Kubernetes; scale up with rollingUpdate.
            throw new UnsupportedOperationException("a cold start of an OrderedReady StatefulSet with several pods is not emulated");
        }
        long start = System.nanoTime();
        if (cluster.allPods().stream().anyMatch(LocalPod::hasInitContainers)) {
            // Kubelets start pods concurrently; one after the other, each pod's init containers (run to
            // completion in LocalPod.start) would delay every later pod.
            List<Thread> starts = new ArrayList<>();
            List<RuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (LocalPod pod : cluster.allPods()) {
                Thread thread = new Thread(() -> {
                    try {
                        pod.start();
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                }, "start-" + pod.name);
                thread.start();
                starts.add(thread);
            }
            for (Thread thread : starts) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            if (!failures.isEmpty()) {
                throw failures.get(0);
            }
        } else {
            cluster.allPods().forEach(LocalPod::start);
        }
        // Waited for on 16 threads, as kubelets probe concurrently: one pod after the other, 72 pods'
        // probes took minutes on a loaded machine after the daemons were up.
        java.util.concurrent.ExecutorService waiters = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<java.util.concurrent.Future<?>> waits = new ArrayList<>();
            for (LocalPod pod : cluster.allPods()) {
                waits.add(waiters.submit(() -> waitFor(Duration.ofSeconds(60), () -> cluster.ready(pod), pod + " ready (readiness probe)")));
            }
            for (java.util.concurrent.Future<?> wait : waits) {
                try {
                    wait.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        } finally {
            waiters.shutdownNow();
        }
        timings.put(label + ": all pods started -> every readiness probe passes", seconds(since(start)));
        for (LocalPod pod : cluster.allPods()) {
            assertEquals(List.of(), cluster.failing(pod, "livenessProbe"), pod + " live");
        }
    }

    /** The first capture group of {@code regex} in the xrootd.cf the pods read now. */
    String configValue(String regex, String what) {
        return match(cluster.xrootdConfig(), regex, what);
    }

    /** Where workers keep files: a file's path on a worker volume is this plus its logical name. */
    String localRoot() {
        return configValue("(?m)^\\s*oss\\.localroot\\s+(\\S+)", "oss.localroot");
    }

    /** Writes a new file of distinct content through a redirector; remembers it when the write succeeds. */
    Procs.Result write(LocalPod redirector, String lfn, Duration timeout) {
        byte[] content = ("written through " + redirector.name + " as " + lfn + " at " + System.nanoTime() + "\n")
                .repeat(64).getBytes(StandardCharsets.UTF_8);
        Path source = clientFile(lfn.replace('/', '_'));
        try {
            Files.write(source, content);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Procs.Result result = cluster.client(timeout, "xrdcp", "-s", source.toString(), cluster.rootUrl(redirector, lfn));
        if (result.ok()) {
            written.put(lfn, content);
        }
        return result;
    }

    /** Reads a written file through a redirector and checks its content. */
    Procs.Result readBack(LocalPod redirector, String lfn) {
        Path back = clientFile(lfn.replace('/', '_') + ".back");
        Procs.Result get = cluster.client(CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(redirector, lfn), back.toString());
        assertTrue(get.ok(), "read of " + lfn + " through " + redirector + ": " + get);
        assertArrayEquals(written.get(lfn), bytes(back), "content of " + lfn + " read through " + redirector);
        return get;
    }

    /** A path in the client's scratch directory. */
    Path clientFile(String name) {
        return workDir.resolve("client").resolve(name);
    }

    /** A client-side file with {@code content}, e.g. the source of an upload. */
    Path clientFile(String name, byte[] content) {
        Path path = clientFile(name);
        try {
            Files.write(path, content);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return path;
    }

    /** The one worker whose volume holds the file, with exactly the written content. */
    LocalPod onlyHolder(String lfn) {
        String localRoot = localRoot();
        List<LocalPod> holders = new ArrayList<>();
        for (LocalPod w : cluster.workers) {
            Path file = w.hostPath("xrootd", localRoot + lfn);
            if (Files.exists(file)) {
                holders.add(w);
                assertArrayEquals(written.get(lfn), bytes(file), "content of " + lfn + " on " + w);
            }
        }
        assertEquals(1, holders.size(), lfn + " must be on exactly one worker, is on " + holders);
        return holders.get(0);
    }

    /** What the pod's xrootd reports for {@code xrdfs query config <key>}, run inside its container. */
    String queryConfig(LocalPod pod, String key) {
        return pod.exec("xrootd", List.of("xrdfs", "localhost:" + cluster.xrootdPort, "query", "config", key),
                Duration.ofSeconds(5)).output().strip();
    }

    /** A step of a test, which may throw what the harness and the JDK throw. */
    interface Action {
        void run() throws Exception;
    }

    /** Runs a step; on failure adds every container's last log lines to the message. */
    void explain(Action step) {
        try {
            step.run();
        } catch (AssertionError | Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            System.out.println(cluster == null ? "" : cluster.logTails(25));
            List<String> restarts = cluster == null ? List.of() : cluster.restartEvents();
            if (!restarts.isEmpty()) {
                System.out.println("containers the emulated kubelet restarted during the run:\n" + String.join("\n", restarts));
            }
            fail(e.getMessage() + "\n(container logs: " + workDir.resolve("logs") + ")", e);
        }
    }

    /** The first line of the timings report (what ran). */
    void timingsHeader(String header) {
        this.timingsHeader = header;
    }

    /**
     * Stops every pod by PID, removes the cluster's namespaces and mount points, stops the hook; prints
     * the timings and writes them to the work directory and to {@code target/real-daemons/timings-<label>.txt}.
     */
    @Override
    public void close() throws IOException {
        if (cluster != null) {
            // A crash is part of every run's report, whether or not a test failed on it.
            timings.put("containers restarted by the emulated kubelet (CrashLoopBackOff from "
                    + LocalPod.RESTART_BACKOFF.toSeconds() + " s)", cluster.restartSummary());
        }
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            try {
                hook.close();
            } finally {
                procs.close();
            }
        }
        if (!timings.isEmpty()) {
            StringBuilder report = new StringBuilder(timingsHeader + "\n");
            timings.forEach((k, v) -> report.append("  ").append(k).append(": ").append(v).append('\n'));
            System.out.print(report);
            Files.writeString(workDir.resolve("timings.txt"), report.toString());
            Files.writeString(workDir.getParent().resolve("timings-" + label + ".txt"), report.toString());
        }
    }

    static void waitFor(Duration limit, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + limit.toSeconds() + " s: " + what);
            }
            sleep(POLL);
        }
    }

    static boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static String match(String text, String regex, String what) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("the generated xrootd.cf has no " + what + ":\n" + text);
        }
        return m.group(1);
    }

    static byte[] bytes(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + path, e);
        }
    }

    static String read(Path path) {
        return new String(bytes(path), StandardCharsets.UTF_8);
    }

    static String seconds(Duration duration) {
        return String.format("%.2f s", duration.toMillis() / 1000.0);
    }

    static Duration since(long nanoTime) {
        return Duration.ofNanos(System.nanoTime() - nanoTime);
    }
}
