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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.reconcile.SyncHandler;
import org.xrootd.hook.testkit.Tiers;

/**
 * The drain of a scale-down (reconcile/Drain) on real xrootd/cmsd 5.5.3: 1 redirector and 3 workers, files
 * written through the redirector across the workers, then spec.worker.replicas 2. The hook's answer to that
 * (the observed StatefulSets at 3) holds the workers and builds the drain Job; its script (the ConfigMap's
 * drain.sh) runs with the Job's environment inside a pod of the cluster's image against the running daemons,
 * while a client keeps reading every file through the redirector. Afterwards worker 2 holds no file, every
 * file is on exactly one of the workers that stay with its written content, and once worker 2 is gone every
 * file still reads back identical through the redirector.
 *
 * <p>Two stand-ins: the Job's pod is emulated by the redirector pod's xrootd container (same image, the
 * Job's environment, the cluster's DNS); and the redirectors' client Service (ClusterIP Services are not
 * emulated by this harness) by the redirector pod's own name in DRAIN_REDIRECTOR.
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrainRealDaemonTest {
    private static final String NAME = "drain";
    private static final int FILES = 30;

    private DaemonRun run;
    private LocalCluster cluster;
    private JsonNode initial;
    private Map<String, String> jobEnv;
    private String script;

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open("drain");
        initial = run.sync(NAME, DaemonRun.spec(1, 3), 1);
        cluster = run.cluster(initial, Map.of());
        run.timingsHeader("Drain real-daemon timings (xrootd " + DaemonRun.VERSION + ", 1 redirector, 3 workers -> 2, "
                + FILES + " files):");
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    /** The hook's answer to spec.worker.replicas 2 with the workers' StatefulSet observed at 3. */
    private JsonNode scaleDownResponse() throws Exception {
        ObjectNode request = Json.MAPPER.createObjectNode();
        ObjectNode parent = request.putObject("parent");
        parent.put("apiVersion", "xrootd.org/v1alpha1").put("kind", "Xrootd");
        parent.putObject("metadata").put("name", NAME).put("namespace", DaemonRun.NAMESPACE).put("uid", "real-daemons-" + NAME)
                .put("generation", 2);
        parent.set("spec", DaemonRun.spec(1, 2));
        ObjectNode statefulSets = request.putObject("children").putObject("StatefulSet.apps/v1");
        for (JsonNode child : initial.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText())) {
                statefulSets.set(child.at("/metadata/name").asText(), child.deepCopy());
            }
        }
        ObjectNode entry = request.putObject("related").putObject("XrootdVersion.catalog.xrootd.org/v1alpha1").putObject(DaemonRun.VERSION);
        entry.put("apiVersion", "catalog.xrootd.org/v1alpha1").put("kind", "XrootdVersion");
        entry.putObject("metadata").put("name", DaemonRun.VERSION).put("namespace", DaemonRun.NAMESPACE);
        entry.putObject("spec").put("version", DaemonRun.VERSION).put("image", run.image.reference());
        JsonNode response = SyncHandler.handle(HookRequest.parse(Json.MAPPER.writeValueAsBytes(request))).response().toJson();
        Files.writeString(run.workDir.resolve("sync-response-scale-down.json"),
                Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(response));
        return response;
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

    /** Runs drain.sh as the Job would, with {@code env}, inside the redirector pod. */
    private Procs.Result runScript(Map<String, String> env, Duration timeout) throws IOException {
        LocalPod pod = cluster.redirectors.get(0);
        Path hostScript = pod.hostPath("xrootd", "/tmp/drain.sh");
        Files.writeString(hostScript, script);
        List<String> argv = new ArrayList<>(List.of("env"));
        env.forEach((k, v) -> argv.add(k + "=" + v));
        argv.addAll(List.of("/bin/sh", "/tmp/drain.sh"));
        return pod.exec("xrootd", argv, timeout);
    }

    @Test
    @Order(1)
    @Timeout(180)
    void filesWrittenAcrossTheWorkers() {
        run.explain(() -> {
            run.startAllAndWaitReady("drain cluster");
            LocalPod r0 = cluster.redirectors.get(0);
            for (int i = 0; i < FILES; i++) {
                String lfn = "/data/set/file-" + i + ".txt";
                Procs.Result put = run.write(r0, lfn, CLIENT_TIMEOUT);
                assertTrue(put.ok(), put.toString());
            }
            try {
                for (LocalPod w : cluster.workers) {
                    run.timings.put("files on " + w.name + " before the drain", Integer.toString(filesOn(w).size()));
                }
                assertFalse(filesOn(cluster.workers.get(2)).isEmpty(), "worker 2 holds files to drain");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    @Order(2)
    void theHookHoldsTheWorkersAndRendersTheJob() throws Exception {
        JsonNode response = scaleDownResponse();
        JsonNode job = null;
        for (JsonNode child : response.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText()) && child.at("/metadata/name").asText().endsWith("-worker")) {
                assertEquals(3, child.at("/spec/replicas").asInt(), "held at 3 while worker 2 drains");
            }
            if ("Job".equals(child.path("kind").asText())) {
                job = child;
            }
            if ("ConfigMap".equals(child.path("kind").asText()) && child.at("/data/drain.sh").isTextual()) {
                script = child.at("/data/drain.sh").asText();
            }
        }
        assertNotNull(job, "the drain Job");
        assertNotNull(script, "the drain script");
        assertEquals(run.image.reference(), job.at("/spec/template/spec/containers/0/image").asText());
        jobEnv = new LinkedHashMap<>();
        for (JsonNode e : job.at("/spec/template/spec/containers/0/env")) {
            jobEnv.put(e.path("name").asText(), e.path("value").asText());
        }
        assertTrue(jobEnv.get("DRAIN_SOURCE").startsWith(cluster.workers.get(2).name + "."), jobEnv.toString());
        assertEquals("adler32", jobEnv.get("DRAIN_CHECKSUM"));
        // The stand-in for the client Service (see the class comment).
        jobEnv.put("DRAIN_REDIRECTOR", LocalCluster.dnsName(cluster.redirectors.get(0)) + ":" + cluster.xrootdPort);
    }

    @Test
    @Order(3)
    @Timeout(120)
    void aCopyThatCannotBeMadeRemovesNothing() throws Exception {
        List<String> before = filesOn(cluster.workers.get(2));
        Map<String, String> env = new LinkedHashMap<>(jobEnv);
        env.put("DRAIN_TARGETS", "no-such-worker.example.invalid:" + cluster.xrootdPort);
        Procs.Result failed = runScript(env, Duration.ofSeconds(90));
        assertFalse(failed.ok(), "a drain to an unreachable worker must fail: " + failed);
        assertTrue(failed.output().contains("drain: failed: copy of"), failed.output());
        assertEquals(before, filesOn(cluster.workers.get(2)), "nothing removed from worker 2");
    }

    @Test
    @Order(4)
    @Timeout(300)
    void theDrainMovesEveryFileWhileClientsReadThemThroughTheRedirector() throws Exception {
        LocalPod r0 = cluster.redirectors.get(0);
        List<String> lfns = new ArrayList<>(run.written.keySet());
        AtomicBoolean draining = new AtomicBoolean(true);
        AtomicInteger reads = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> {
            int i = 0;
            while (draining.get()) {
                String lfn = lfns.get(i++ % lfns.size());
                Path back = run.clientFile("during" + lfn.replace('/', '_'));
                Procs.Result get = cluster.client(CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(r0, lfn), back.toString());
                reads.incrementAndGet();
                if (!get.ok() || !java.util.Arrays.equals(run.written.get(lfn), bytes(back))) {
                    failures.add(lfn + ": " + get);
                }
            }
        }, "reader-during-drain");
        long start = System.nanoTime();
        reader.start();
        Procs.Result drained;
        try {
            drained = runScript(jobEnv, Duration.ofSeconds(240));
        } finally {
            draining.set(false);
            reader.join(60_000);
        }
        Duration took = since(start);
        Files.writeString(run.workDir.resolve("drain.log"), drained.output());
        assertTrue(drained.ok(), "the drain script: " + drained);
        assertTrue(drained.output().contains("drain: done:"), drained.output());
        run.timings.put("drain of worker 2 (script, files moved and checked)", seconds(took));
        run.timings.put("drain summary", drained.output().lines().filter(l -> l.contains("done:")).findFirst().orElse("?"));
        run.timings.put("reads through the redirector during the drain", reads.get() + ", failed " + failures.size());
        assertEquals(List.of(), failures, "every read during the drain returns the written content");

        assertEquals(List.of(), filesOn(cluster.workers.get(2)), "worker 2 holds no file");
        for (String lfn : lfns) {
            LocalPod holder = run.onlyHolder(lfn);
            assertFalse(holder == cluster.workers.get(2), lfn);
            run.readBack(r0, lfn);
        }
    }

    @Test
    @Order(5)
    @Timeout(300)
    void withWorkerTwoGoneEveryFileReadsBackIdentical() {
        run.explain(() -> {
            LocalPod w2 = cluster.workers.get(2);
            Duration stop = w2.stop();
            run.timings.put("worker 2 stopped (the StatefulSet shrunk)", seconds(stop));
            LocalPod r0 = cluster.redirectors.get(0);
            long start = System.nanoTime();
            for (Map.Entry<String, byte[]> file : run.written.entrySet()) {
                Path back = run.clientFile("after" + file.getKey().replace('/', '_'));
                Procs.Result get = cluster.client(CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(r0, file.getKey()), back.toString());
                assertTrue(get.ok(), file.getKey() + ": " + get);
                assertArrayEquals(file.getValue(), bytes(back), file.getKey());
            }
            run.timings.put("read back of every file after worker 2 went", seconds(since(start)));
        });
    }
}
