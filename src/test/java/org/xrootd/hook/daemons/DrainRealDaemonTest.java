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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.children.XrootdConf;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.reconcile.SyncHandler;
import org.xrootd.hook.testkit.Tiers;

/**
 * The drain of a scale-down (reconcile/Drain) on real xrootd/cmsd 5.5.3, issue 17 §4: 2 redirectors and 4
 * workers, {@value #FILES} files written through both redirectors across the workers, then
 * spec.worker.replicas 2: two drains in sequence, worker 3 then worker 2. For each, the hook's answer to the
 * observed worker StatefulSet (4, then 3) holds the workers and builds the drain Job; its script (the
 * ConfigMap's drain.sh) runs with the Job's environment inside a pod of the cluster's image against the
 * running daemons, while a client keeps reading every file through both redirectors (every read checked
 * byte for byte) and another writes new files through them. Afterwards the drained worker holds no file,
 * every file is on exactly one of the workers that stay with its written content, and once the worker is
 * gone every file still reads back identical through both redirectors.
 *
 * <p>Each drain follows the hook's answers (its placement step, issue 17 §1): the draining pod restarts
 * from the template with XRD_DRAIN_READ_ONLY (its cmsd exports read-only: the managers place no new file on
 * it, its files stay readable), the script moves its files, the pod restarts with XRD_DRAIN_RETIRED (no
 * export: the managers have nothing to wait for when it goes), and only then stops. The test asserts that
 * none of the writes during the drain landed on it and that the first create after the shrink is not held
 * for the drop delay.
 *
 * <p>Two stand-ins: the Job's pod is emulated by the first redirector pod's xrootd container (same image,
 * the Job's environment, the cluster's DNS); and the redirectors' client Service (ClusterIP Services are
 * not emulated by this harness) by that redirector pod's own name in DRAIN_REDIRECTOR.
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrainRealDaemonTest {
    private static final String NAME = "drain";
    private static final int FILES = 200;
    private static final int WORKERS = 4;
    private static final int TARGET = 2;
    /** New files written through the redirectors at the start of each drain. */
    private static final int WRITES_DURING = 10;
    private static final Pattern DONE = Pattern.compile("drain: done: files=(\\d+) bytes=(\\d+)");

    private DaemonRun run;
    private LocalCluster cluster;
    private JsonNode initial;
    private String script;
    private final Map<Integer, Map<String, String>> jobEnvs = new LinkedHashMap<>();
    /** The drain Job of each ordinal as the hook built it. */
    private final Map<Integer, JsonNode> jobs = new LinkedHashMap<>();
    private long startNanos;

    @BeforeAll
    void startCluster() throws Exception {
        startNanos = System.nanoTime();
        run = DaemonRun.open("drain");
        initial = run.sync(NAME, DaemonRun.spec(2, WORKERS), 1);
        cluster = run.cluster(initial, Map.of());
        run.timingsHeader("Drain real-daemon timings (xrootd " + DaemonRun.VERSION + ", 2 redirectors, " + WORKERS + " workers -> "
                + TARGET + ", " + FILES + " files, two drains in sequence):");
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.timings.put("whole test class (cluster start to last read)", seconds(since(startNanos)));
            run.close();
        }
    }

    /** The hook's answer to spec.worker.replicas {@value #TARGET} with the workers' StatefulSet observed at {@code observedWorkers}. */
    private JsonNode scaleDownResponse(int observedWorkers) throws Exception {
        return scaleDownResponse(observedWorkers, null, null);
    }

    /**
     * As above, with the draining pod (the highest) rolled out from {@code rolledOut} (the workers' StatefulSet of an
     * earlier answer: its template and partition, the pod ready) and, when {@code jobCondition} is set, the drain Job
     * of that answer observed with that condition True.
     */
    private JsonNode scaleDownResponse(int observedWorkers, JsonNode rolledOut, String jobCondition) throws Exception {
        ObjectNode request = Json.MAPPER.createObjectNode();
        ObjectNode parent = request.putObject("parent");
        parent.put("apiVersion", "xrootd.org/v1alpha1").put("kind", "Xrootd");
        parent.putObject("metadata").put("name", NAME).put("namespace", DaemonRun.NAMESPACE).put("uid", "real-daemons-" + NAME)
                .put("generation", 2);
        parent.set("spec", DaemonRun.spec(2, TARGET));
        ObjectNode statefulSets = request.putObject("children").putObject("StatefulSet.apps/v1");
        for (JsonNode child : initial.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText())) {
                ObjectNode observed = child.deepCopy();
                if (observed.at("/metadata/name").asText().endsWith("-worker")) {
                    ((ObjectNode) observed.path("spec")).put("replicas", observedWorkers);
                    if (rolledOut != null) {
                        ((ObjectNode) observed.path("spec")).set("template", rolledOut.at("/spec/template").deepCopy());
                        ((ObjectNode) observed.path("spec")).set("updateStrategy", rolledOut.at("/spec/updateStrategy").deepCopy());
                        ((ObjectNode) observed.path("metadata")).put("generation", 2);
                        observed.putObject("status").put("observedGeneration", 2).put("replicas", observedWorkers)
                                .put("readyReplicas", observedWorkers).put("updatedReplicas", 1);
                    }
                }
                statefulSets.set(child.at("/metadata/name").asText(), observed);
            }
        }
        if (jobCondition != null) {
            ObjectNode job = jobs.get(observedWorkers - 1).deepCopy();
            job.withObject("/metadata").put("uid", "job-" + observedWorkers);
            job.putObject("status").putArray("conditions").addObject().put("type", jobCondition).put("status", "True");
            request.withObject("/children").putObject("Job.batch/v1").set(job.at("/metadata/name").asText(), job);
        }
        ObjectNode entry = request.putObject("related").putObject("XrootdVersion.catalog.xrootd.org/v1alpha1").putObject(DaemonRun.VERSION);
        entry.put("apiVersion", "catalog.xrootd.org/v1alpha1").put("kind", "XrootdVersion");
        entry.putObject("metadata").put("name", DaemonRun.VERSION).put("namespace", DaemonRun.NAMESPACE);
        entry.putObject("spec").put("version", DaemonRun.VERSION).put("image", run.image.reference());
        JsonNode response = SyncHandler.handle(HookRequest.parse(Json.MAPPER.writeValueAsBytes(request))).response().toJson();
        Files.writeString(run.workDir.resolve("sync-response-scale-down-" + observedWorkers + ".json"),
                Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(response));
        return response;
    }

    private final Map<Integer, JsonNode> readOnlyTemplates = new LinkedHashMap<>();
    private final Map<Integer, JsonNode> retiredTemplates = new LinkedHashMap<>();

    private static JsonNode workersOf(JsonNode response) {
        for (JsonNode child : childrenOf(response, "StatefulSet")) {
            if (child.at("/metadata/name").asText().endsWith("-worker")) {
                return child;
            }
        }
        throw new AssertionError("no workers' StatefulSet");
    }

    private static List<JsonNode> childrenOf(JsonNode response, String kind) {
        List<JsonNode> found = new ArrayList<>();
        response.path("children").forEach(c -> {
            if (kind.equals(c.path("kind").asText())) {
                found.add(c);
            }
        });
        return found;
    }

    /** The XRD_DRAIN variables of the workers' template, each prefixed by its container unless it is the cmsd's. */
    private static List<String> drainEnv(JsonNode statefulSet) {
        List<String> names = new ArrayList<>();
        for (JsonNode container : statefulSet.at("/spec/template/spec/containers")) {
            container.path("env").forEach(e -> {
                if (e.path("name").asText().startsWith("XRD_DRAIN")) {
                    names.add(("cmsd".equals(container.path("name").asText()) ? "" : container.path("name").asText() + ":") + e.path("name").asText());
                }
            });
        }
        return names;
    }

    private Path dataDir(LocalPod worker) {
        return worker.hostPath("xrootd", run.localRoot() + "/data");
    }

    private List<String> filesOn(LocalPod worker) throws IOException {
        Path data = dataDir(worker);
        if (!Files.isDirectory(data)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(data)) {
            return walk.filter(Files::isRegularFile).map(p -> "/data/" + data.relativize(p)).sorted().toList();
        }
    }

    /** Runs drain.sh as the Job would, with {@code env}, inside the first redirector pod. */
    private Procs.Result runScript(Map<String, String> env, Duration timeout) throws IOException {
        LocalPod pod = cluster.redirectors.get(0);
        Path hostScript = pod.hostPath("xrootd", "/tmp/drain.sh");
        Files.writeString(hostScript, script);
        List<String> argv = new ArrayList<>(List.of("env"));
        env.forEach((k, v) -> argv.add(k + "=" + v));
        argv.addAll(List.of("/bin/sh", "/tmp/drain.sh"));
        return pod.exec("xrootd", argv, timeout);
    }

    /**
     * Reads every written file through {@code redirector}, one xrdcp per directory (several sources into a
     * local directory: xrdcp names each copy by its base name), and compares each byte for byte with what
     * was written; the files that differ or are missing.
     */
    private List<String> readAllThrough(LocalPod redirector, String label) throws IOException {
        Map<String, Map<String, byte[]>> byDirectory = new java.util.TreeMap<>();
        synchronized (run.written) {
            run.written.forEach((lfn, content) -> byDirectory.computeIfAbsent(lfn.substring(0, lfn.lastIndexOf('/')),
                    d -> new LinkedHashMap<>()).put(lfn, content));
        }
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, Map<String, byte[]>> directory : byDirectory.entrySet()) {
            Path dir = run.clientFile(label).resolve(directory.getKey().substring(1).replace('/', '_'));
            Files.createDirectories(dir);
            List<String> argv = new ArrayList<>(List.of("xrdcp", "-f", "-s", "--parallel", "4"));
            for (String lfn : directory.getValue().keySet()) {
                argv.add(cluster.rootUrl(redirector, lfn));
            }
            argv.add(dir + "/");
            Procs.Result get = cluster.client(Duration.ofSeconds(240), argv.toArray(String[]::new));
            if (!get.ok()) {
                bad.add("xrdcp through " + redirector.name + ": exit " + get.exit() + " " + get.output().lines().limit(10).toList());
            }
            for (Map.Entry<String, byte[]> file : directory.getValue().entrySet()) {
                Path back = dir.resolve(file.getKey().substring(file.getKey().lastIndexOf('/') + 1));
                if (!Files.exists(back) || !java.util.Arrays.equals(file.getValue(), bytes(back))) {
                    bad.add(file.getKey() + " through " + redirector.name);
                }
            }
        }
        return bad;
    }

    @Test
    @Order(1)
    @Timeout(300)
    void filesWrittenAcrossTheWorkersThroughBothRedirectors() {
        run.explain(() -> {
            run.startAllAndWaitReady("drain cluster");
            long start = System.nanoTime();
            List<Thread> writers = new ArrayList<>();
            List<String> failures = Collections.synchronizedList(new ArrayList<>());
            int threads = 4;
            for (int t = 0; t < threads; t++) {
                int first = t;
                Thread writer = new Thread(() -> {
                    for (int i = first; i < FILES; i += threads) {
                        LocalPod r = cluster.redirectors.get(i % 2);
                        Procs.Result put = run.write(r, "/data/set/file-" + i + ".txt", CLIENT_TIMEOUT);
                        if (!put.ok()) {
                            failures.add(put.toString());
                        }
                    }
                }, "writer-" + t);
                writer.start();
                writers.add(writer);
            }
            for (Thread writer : writers) {
                try {
                    writer.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            assertEquals(List.of(), failures, "every write through the redirectors");
            assertEquals(FILES, run.written.size());
            run.timings.put(FILES + " files written through both redirectors (4 clients)", seconds(since(start)));
            try {
                for (LocalPod w : cluster.workers) {
                    run.timings.put("files on " + w.name + " before the drains", Integer.toString(filesOn(w).size()));
                }
                assertFalse(filesOn(cluster.workers.get(3)).isEmpty(), "worker 3 holds files to drain");
                assertFalse(filesOn(cluster.workers.get(2)).isEmpty(), "worker 2 holds files to drain");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    @Order(2)
    void theHookHoldsTheWorkersAndRendersOneJobPerDrain() throws Exception {
        for (int observed = WORKERS; observed > TARGET; observed--) {
            int ordinal = observed - 1;
            // 1. The draining worker restarts read-only for the managers first; no Job yet.
            JsonNode first = scaleDownResponse(observed);
            JsonNode readOnly = workersOf(first);
            assertEquals(observed, readOnly.at("/spec/replicas").asInt());
            assertEquals(List.of(XrootdConf.DRAIN_READ_ONLY_ENV), drainEnv(readOnly), "in the cmsd container only");
            assertEquals(ordinal, readOnly.at("/spec/updateStrategy/rollingUpdate/partition").asInt(-1));
            assertTrue(childrenOf(first, "Job").isEmpty(), "no Job before the worker runs read-only");
            readOnlyTemplates.put(ordinal, readOnly.at("/spec/template"));
            // 2. Once it runs so: the Job.
            JsonNode response = scaleDownResponse(observed, readOnly, null);
            JsonNode job = null;
            for (JsonNode child : response.path("children")) {
                if ("StatefulSet".equals(child.path("kind").asText()) && child.at("/metadata/name").asText().endsWith("-worker")) {
                    assertEquals(observed, child.at("/spec/replicas").asInt(), "held at " + observed + " while worker " + (observed - 1) + " drains");
                }
                if ("Job".equals(child.path("kind").asText())) {
                    job = child;
                }
                if ("ConfigMap".equals(child.path("kind").asText()) && child.at("/data/drain.sh").isTextual()) {
                    script = child.at("/data/drain.sh").asText();
                }
            }
            assertNotNull(job, "the drain Job of worker " + (observed - 1));
            assertNotNull(script, "the drain script");
            assertEquals(run.image.reference(), job.at("/spec/template/spec/containers/0/image").asText());
            Map<String, String> env = new LinkedHashMap<>();
            for (JsonNode e : job.at("/spec/template/spec/containers/0/env")) {
                env.put(e.path("name").asText(), e.path("value").asText());
            }
            assertTrue(env.get("DRAIN_SOURCE").startsWith(cluster.workers.get(ordinal).name + "."), env.toString());
            // Only the workers that stay: a file moves once although two workers go.
            assertEquals(TARGET, env.get("DRAIN_TARGETS").split(" ").length, env.toString());
            for (int stays = 0; stays < TARGET; stays++) {
                assertTrue(env.get("DRAIN_TARGETS").contains(cluster.workers.get(stays).name + "."), env.toString());
            }
            assertEquals("adler32", env.get("DRAIN_CHECKSUM"));
            // The stand-in for the client Service (see the class comment).
            env.put("DRAIN_REDIRECTOR", LocalCluster.dnsName(cluster.redirectors.get(0)) + ":" + cluster.xrootdPort);
            jobEnvs.put(ordinal, env);
            jobs.put(ordinal, job);
            // 3. The Job succeeded: the worker restarts with no export for the managers; still held.
            JsonNode retired = workersOf(scaleDownResponse(observed, readOnly, "Complete"));
            assertEquals(observed, retired.at("/spec/replicas").asInt());
            assertEquals(List.of(XrootdConf.DRAIN_RETIRED_ENV), drainEnv(retired));
            assertEquals(ordinal, retired.at("/spec/updateStrategy/rollingUpdate/partition").asInt(-1));
            retiredTemplates.put(ordinal, retired.at("/spec/template"));
            // 4. Once it runs so: the shrink, and the template the workers that stay run (none restarts).
            JsonNode shrink = workersOf(scaleDownResponse(observed, retired, "Complete"));
            assertEquals(ordinal, shrink.at("/spec/replicas").asInt());
            assertEquals(List.of(), drainEnv(shrink));
            assertTrue(shrink.at("/spec/updateStrategy/rollingUpdate/partition").isMissingNode());
            assertEquals(workersOf(initial).at("/spec/template"), shrink.at("/spec/template"), "the revision the other workers run");
        }
        // With spec.monitor the script sends its progress through bash's /dev/udp: the image's bash has it.
        Procs.Result udp = cluster.redirectors.get(0).exec("xrootd", List.of("bash", "-c", "printf 'x\\n' >/dev/udp/127.0.0.1/9"),
                Duration.ofSeconds(10));
        assertTrue(udp.ok(), "bash /dev/udp in the operand image: " + udp);
    }

    @Test
    @Order(3)
    @Timeout(120)
    void aCopyThatCannotBeMadeRemovesNothing() throws Exception {
        List<String> before = filesOn(cluster.workers.get(3));
        Map<String, String> env = new LinkedHashMap<>(jobEnvs.get(3));
        env.put("DRAIN_TARGETS", "no-such-worker.example.invalid:" + cluster.xrootdPort);
        Procs.Result failed = runScript(env, Duration.ofSeconds(90));
        assertFalse(failed.ok(), "a drain to an unreachable worker must fail: " + failed);
        assertTrue(failed.output().contains("drain: failed: cannot stat /data on no-such-worker.example.invalid"), failed.output());
        assertEquals(before, filesOn(cluster.workers.get(3)), "nothing removed from worker 3");
    }

    /** Sends cmsd admin commands to the worker's cmsd over its admin socket (as an admin login, never the primary's). */
    private void cmsdAdmin(LocalPod worker, String... commands) throws IOException {
        Path olb = worker.hostPath("xrootd", "/xrootd/admin/worker/.olb");
        // A socket path has at most 107 bytes; the pod's directory under target/ is longer: a short link to it.
        Path link = Files.createTempDirectory("olb").resolve("o");
        Files.createSymbolicLink(link, olb.toAbsolutePath());
        try (java.nio.channels.SocketChannel channel = java.nio.channels.SocketChannel.open(
                java.net.UnixDomainSocketAddress.of(link.resolve("olbd.admin")))) {
            StringBuilder text = new StringBuilder("login u drain-test\n");
            for (String command : commands) {
                text.append(command).append('\n');
            }
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(text.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            // The cmsd reads the lines before it sees the end of the stream.
            DaemonRun.sleep(Duration.ofMillis(500));
        } finally {
            Files.delete(link);
            Files.delete(link.getParent());
        }
    }

    /**
     * The placement switch 5.5.3 has (issue 17 §1), measured: the cmsd admin {@code suspend} of worker 3 keeps
     * new files off it, but a file only worker 3 holds can no longer be read through the redirectors until
     * {@code resume} (XrdCmsCluster's selectors skip a suspended node for reads as for writes): no use for
     * a drain, whose point is that every file stays readable. Worker 3 is resumed afterwards.
     */
    @Test
    @Order(4)
    @Timeout(180)
    void aSuspendedWorkerTakesNoNewFilesButHidesItsOwnSoTheDrainCannotUseIt() throws Exception {
        LocalPod w3 = cluster.workers.get(3);
        LocalPod r0 = cluster.redirectors.get(0);
        String onlyOnW3 = filesOn(w3).get(0);
        cmsdAdmin(w3, "suspend t");
        try {
            DaemonRun.sleep(Duration.ofSeconds(2));
            Path back = run.clientFile("suspended-read");
            Procs.Result read = cluster.client(Duration.ofSeconds(15), "xrdcp", "-f", "-s", cluster.rootUrl(r0, onlyOnW3), back.toString());
            run.timings.put("cmsd suspend of worker 3: read of one of its files through a redirector",
                    read.ok() ? "ok after " + seconds(read.took()) : (read.timedOut() ? "stalled, killed after 15 s" : "failed: exit " + read.exit()));
            List<String> probes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String lfn = "/data/suspended/file-" + i + ".txt";
                Procs.Result put = run.write(cluster.redirectors.get(i % 2), lfn, Duration.ofSeconds(60));
                assertTrue(put.ok(), put.toString());
                probes.add(lfn);
            }
            long onW3 = probes.stream().filter(lfn -> filesOnQuietly(w3).contains(lfn)).count();
            run.timings.put("cmsd suspend of worker 3: new files written (8) that landed on it", Long.toString(onW3));
            assertEquals(0, onW3, "a suspended worker takes no new file");
            assertFalse(read.ok(), "a suspended worker's own files are not served: " + read);
        } finally {
            cmsdAdmin(w3, "resume t");
        }
        long start = System.nanoTime();
        DaemonRun.waitFor(Duration.ofSeconds(60), () -> cluster.client(CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(r0, onlyOnW3),
                run.clientFile("resumed-read").toString()).ok(), "worker 3's file readable again after resume");
        run.timings.put("cmsd resume of worker 3: its file readable again after", seconds(since(start)));
    }

    private List<String> filesOnQuietly(LocalPod worker) {
        try {
            return filesOn(worker);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Limit on the first create after a shrink: 1.06 s and 1.14 s measured with the retired step, 56.6-60.5 s without (the drop delay). */
    private static final Duration CREATE_AFTER_SHRINK = Duration.ofSeconds(10);

    /**
     * One pod step of the drain as the StatefulSet controller takes it: the draining pod is replaced from the
     * template the hook's answer gave it (only that pod: the partition), and the step waits until it is ready.
     */
    private Duration restart(LocalPod pod, JsonNode template, String what) throws IOException {
        long start = System.nanoTime();
        cluster.replaceWithNewAddress(pod, template);
        DaemonRun.waitFor(Duration.ofSeconds(90), () -> cluster.ready(pod), pod.name + " ready " + what);
        return since(start);
    }

    /**
     * Drains worker {@code ordinal} as the hook's answers lead it, while one client reads every file in turn
     * through both redirectors (checked byte for byte) and another writes {@value #WRITES_DURING} new files:
     * the pod restarts read-only for the managers, drain.sh moves its files, the pod restarts with no export,
     * then stops (the StatefulSet shrinks). Checks that no write during the drain landed on it, that it holds
     * no file, that every file is on exactly one worker that stays, that a create right after the shrink is
     * not held up, and that every file reads back identical through both redirectors.
     */
    private void drain(int ordinal) throws Exception {
        LocalPod draining = cluster.workers.get(ordinal);
        List<String> lfns = new ArrayList<>(run.written.keySet());
        int before = filesOn(draining).size();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger reads = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong longestRead = new java.util.concurrent.atomic.AtomicLong();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> {
            int i = 0;
            while (running.get()) {
                String lfn = lfns.get(i % lfns.size());
                LocalPod r = cluster.redirectors.get(i % 2);
                i++;
                Path back = run.clientFile("during-" + ordinal + lfn.replace('/', '_'));
                Procs.Result get = cluster.client(CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(r, lfn), back.toString());
                reads.incrementAndGet();
                longestRead.accumulateAndGet(get.took().toMillis(), Math::max);
                if (!get.ok() || !java.util.Arrays.equals(run.written.get(lfn), bytes(back))) {
                    failures.add(lfn + " through " + r.name + ": " + get);
                }
            }
        }, "reader-during-drain-" + ordinal);
        List<String> writtenDuring = Collections.synchronizedList(new ArrayList<>());
        List<String> writeFailures = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicLong longestWrite = new java.util.concurrent.atomic.AtomicLong();
        Thread writer = new Thread(() -> {
            for (int i = 0; i < WRITES_DURING; i++) {
                String lfn = "/data/during-" + ordinal + "/file-" + i + ".txt";
                Procs.Result put = run.write(cluster.redirectors.get(i % 2), lfn, Duration.ofSeconds(120));
                longestWrite.accumulateAndGet(put.took().toMillis(), Math::max);
                if (put.ok()) {
                    writtenDuring.add(lfn);
                } else {
                    writeFailures.add(put.toString());
                }
            }
        }, "writer-during-drain-" + ordinal);
        String w = "worker " + ordinal;
        long start = System.nanoTime();
        reader.start();
        Procs.Result drained;
        try {
            // The reads of its files wait while it restarts (cms.delay service): none may fail.
            run.timings.put("drain of " + w + ": restart read-only for the managers, until ready",
                    seconds(restart(draining, readOnlyTemplates.get(ordinal), "read-only")));
            writer.start();
            drained = runScript(jobEnvs.get(ordinal), Duration.ofSeconds(540));
            // Every write of this drain ends before the worker goes: none may have landed on it.
            writer.join(WRITES_DURING * 130_000L);
            Files.writeString(run.workDir.resolve("drain-" + ordinal + ".log"), drained.output());
            assertTrue(drained.ok(), "the drain script: " + drained);
            assertEquals(List.of(), filesOn(draining), w + " holds no file once its drain script is done and every write of the drain is through");
            run.timings.put("drain of " + w + ": restart with no export for the managers, until ready",
                    seconds(restart(draining, retiredTemplates.get(ordinal), "with no export")));
        } finally {
            running.set(false);
            reader.join(60_000);
        }
        Duration took = since(start);
        Matcher done = DONE.matcher(drained.output());
        assertTrue(done.find(), drained.output());
        run.timings.put("drain of " + w + " (two restarts, script: files moved and checked)", seconds(took));
        run.timings.put("drain of " + w + ": files on it before, moved (files, bytes)", before + ", " + done.group(1) + ", " + done.group(2));
        long landed = writtenDuring.stream().filter(lfn -> drained.output().contains("moved " + lfn + " ")).count();
        run.timings.put("drain of " + w + ": writes during it (ok, failed), of which landed on " + w,
                writtenDuring.size() + ", " + writeFailures.size() + ", " + landed);
        run.timings.put("drain of " + w + ": longest write during it", String.format("%.2f s", longestWrite.get() / 1000.0));
        run.timings.put("drain of " + w + ": reads through both redirectors during it (total, failed, longest)",
                reads.get() + ", " + failures.size() + ", " + String.format("%.2f s", longestRead.get() / 1000.0));
        assertEquals(List.of(), failures, "every read during the drain returns the written content");
        assertEquals(List.of(), writeFailures, "every write during the drain succeeds");
        assertEquals(WRITES_DURING, writtenDuring.size());
        assertEquals(0, landed, "no write during the drain landed on " + w + " (its cmsd exports read-only)");
        assertTrue(Integer.parseInt(done.group(1)) >= before, "every file that was on " + w + " moved: " + done.group());

        assertEquals(List.of(), filesOn(draining), w + " holds no file");
        for (String lfn : run.written.keySet()) {
            LocalPod holder = run.onlyHolder(lfn);
            assertTrue(cluster.workers.indexOf(holder) < ordinal, lfn + " on " + holder);
        }

        Duration stop = draining.stop();
        run.timings.put(w + " stopped (the StatefulSet shrunk)", seconds(stop));
        Procs.Result create = run.write(cluster.redirectors.get(ordinal % 2), "/data/after-" + ordinal + "/first.txt", Duration.ofSeconds(120));
        run.timings.put("first create after " + w + " went", create.ok() ? seconds(create.took()) : "failed: " + create);
        assertTrue(create.ok(), create.toString());
        assertTrue(create.took().compareTo(CREATE_AFTER_SHRINK) <= 0, "the first create after the shrink is not held for the drop of "
                + w + " (cms.delay drop 60): " + seconds(create.took()));
        long readStart = System.nanoTime();
        List<String> bad = new ArrayList<>();
        for (LocalPod r : cluster.redirectors) {
            bad.addAll(readAllThrough(r, "after-" + ordinal + "-" + r.name));
        }
        run.timings.put("read back of all " + run.written.size() + " files through both redirectors after " + w + " went",
                seconds(since(readStart)) + ", failed " + bad.size());
        assertEquals(List.of(), bad, "every file reads back identical through both redirectors after " + w + " went");
    }

    @Test
    @Order(5)
    @Timeout(900)
    void theFirstDrainMovesWorkerThreeWhileClientsReadAndWrite() {
        run.explain(() -> {
            try {
                drain(3);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    @Order(6)
    @Timeout(900)
    void theSecondDrainMovesWorkerTwoWhileClientsReadAndWrite() {
        run.explain(() -> {
            try {
                drain(2);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    @Order(7)
    void theTwoWorkersThatStayHoldEveryFile() throws IOException {
        int onStaying = filesOn(cluster.workers.get(0)).size() + filesOn(cluster.workers.get(1)).size();
        assertEquals(run.written.size(), onStaying, "every file once on workers 0 and 1");
        run.timings.put("files on workers 0 and 1 after both drains", filesOn(cluster.workers.get(0)).size() + " + "
                + filesOn(cluster.workers.get(1)).size());
    }
}
