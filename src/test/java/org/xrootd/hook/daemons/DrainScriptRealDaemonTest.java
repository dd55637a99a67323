package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.CLIENT_TIMEOUT;
import static org.xrootd.hook.daemons.DaemonRun.bytes;
import static org.xrootd.hook.daemons.DaemonRun.seconds;
import static org.xrootd.hook.daemons.DaemonRun.since;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.children.DrainJobs;
import org.xrootd.hook.testkit.Tiers;

/**
 * drain.sh's safety cases on real xrootd/cmsd 5.5.3 (DrainScriptTest has them against stand-in clients;
 * DrainRealDaemonTest the whole scale-down): 1 redirector, 3 workers, worker 2 drained to workers 0 and 1
 * with the script run inside the redirector pod (the cluster's image), {@value #PARALLEL} copies at a time.
 * What 5.5.3's xrdcp does with {@code --cksum adler32 --rm-bad-cksum} when the checksums differ (the check
 * the script relies on); a file already on a target with other content stops the drain and removes nothing;
 * one with the same content (a rerun after a Job pod died between the rename and the removal) is not copied
 * again; the rerun moves every file, each once, checked byte for byte through the redirector.
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrainScriptRealDaemonTest {
    private static final int FILES = 36;
    private static final int PARALLEL = 4;

    private DaemonRun run;
    private LocalCluster cluster;
    private long startNanos;
    private String same;
    private String other;

    @BeforeAll
    void startCluster() throws Exception {
        startNanos = System.nanoTime();
        run = DaemonRun.open("drain-script");
        cluster = run.cluster(run.sync("drainscript", DaemonRun.spec(1, 3), 1), Map.of());
        run.timingsHeader("drain.sh real-daemon timings (xrootd " + DaemonRun.VERSION + ", 1 redirector, 3 workers, worker 2 drained, "
                + PARALLEL + " copies at a time):");
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.timings.put("whole test class", seconds(since(startNanos)));
            run.close();
        }
    }

    private String address(LocalPod pod) {
        return LocalCluster.dnsName(pod) + ":" + cluster.xrootdPort;
    }

    private Path onWorker(int worker, String lfn) {
        return cluster.workers.get(worker).hostPath("xrootd", run.localRoot() + lfn);
    }

    private List<String> filesOn(int worker) throws IOException {
        Path data = onWorker(worker, "/data");
        if (!Files.isDirectory(data)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(data)) {
            return walk.filter(Files::isRegularFile).map(p -> "/data/" + data.relativize(p)).sorted().toList();
        }
    }

    /**
     * Writes a file straight to a worker through its own xrootd (so its cmsd reports it to the redirector,
     * as after the rename of an earlier run), not through the redirector.
     */
    private void putOn(int worker, String lfn, byte[] content) {
        Path local = run.clientFile("put-" + worker + lfn.replace('/', '_'), content);
        Procs.Result put = cluster.client(CLIENT_TIMEOUT, "xrdcp", "-s", "-f", local.toString(),
                "root://" + address(cluster.workers.get(worker)) + "/" + lfn);
        assertTrue(put.ok(), put.toString());
    }

    /** The script as the hook ships it, with the drain Job's parameters, inside the redirector pod. */
    private Procs.Result drain() throws IOException {
        LocalPod pod = cluster.redirectors.get(0);
        Files.writeString(pod.hostPath("xrootd", "/tmp/drain.sh"), DrainJobs.script());
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DRAIN_SOURCE", address(cluster.workers.get(2)));
        env.put("DRAIN_TARGETS", address(cluster.workers.get(0)) + " " + address(cluster.workers.get(1)));
        env.put("DRAIN_REDIRECTOR", address(pod));
        env.put("DRAIN_EXPORTS", "/data");
        env.put("DRAIN_CHECKSUM", "adler32");
        env.put("DRAIN_PARALLEL", Integer.toString(PARALLEL));
        env.put("DRAIN_TERMINATION_LOG", "/tmp/drain-termination");
        List<String> argv = new ArrayList<>(List.of("env"));
        env.forEach((k, v) -> argv.add(k + "=" + v));
        argv.addAll(List.of("/bin/sh", "/tmp/drain.sh"));
        return pod.exec("xrootd", argv, Duration.ofSeconds(240));
    }

    @Test
    @Order(1)
    @Timeout(300)
    void filesWrittenAcrossTheWorkers() {
        run.explain(() -> {
            run.startAllAndWaitReady("drain-script cluster");
            for (int i = 0; i < FILES; i++) {
                Procs.Result put = run.write(cluster.redirectors.get(0), "/data/d" + (i % 3) + "/file-" + i + ".txt", CLIENT_TIMEOUT);
                assertTrue(put.ok(), put.toString());
            }
            try {
                List<String> onSource = filesOn(2);
                run.timings.put("files on worker 2", Integer.toString(onSource.size()));
                assertTrue(onSource.size() >= 2, "worker 2 holds files to drain: " + onSource);
                same = onSource.get(0);
                other = onSource.get(onSource.size() - 1);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The premise of the script's copy check, on 5.5.3's own client: a checksum mismatch fails the copy and deletes it. */
    @Test
    @Order(2)
    void xrdcpFailsAMismatchingCopyAndDeletesIt() throws IOException {
        Path local = run.clientFile("mismatch", "checked content\n".getBytes(StandardCharsets.UTF_8));
        String target = "root://" + address(cluster.workers.get(0)) + "//data/mismatch.xrdrain-part";
        // A preset source checksum that cannot match: xrdcp compares it with the one the target computes.
        Procs.Result bad = cluster.client(CLIENT_TIMEOUT, "xrdcp", "--nopbar", "--force", "--silent", "--cksum", "adler32:00000001",
                "--rm-bad-cksum", local.toString(), target);
        assertFalse(bad.ok(), bad.toString());
        assertTrue(bad.output().contains("CheckSum error"), bad.toString());
        assertFalse(Files.exists(onWorker(0, "/data/mismatch.xrdrain-part")), "the mismatching copy is deleted");
        Procs.Result good = cluster.client(CLIENT_TIMEOUT, "xrdcp", "--nopbar", "--force", "--silent", "--cksum", "adler32", "--rm-bad-cksum",
                local.toString(), target);
        assertTrue(good.ok(), good.toString());
        assertArrayEquals(bytes(local), bytes(onWorker(0, "/data/mismatch.xrdrain-part")), "the checked copy is kept");
        Files.delete(onWorker(0, "/data/mismatch.xrdrain-part"));
    }

    @Test
    @Order(3)
    @Timeout(300)
    void aFileOnATargetWithOtherContentStopsTheDrainAndRemovesNothing() throws IOException {
        List<String> before = filesOn(2);
        // The same name on worker 1 with content of the same size: only the checksum tells them apart.
        byte[] written = run.written.get(other);
        byte[] different = written.clone();
        different[0] = (byte) (different[0] == 'x' ? 'y' : 'x');
        putOn(1, other, different);
        // And the first file already in place on worker 0, as a run that stopped before the removal leaves it.
        putOn(0, same, run.written.get(same));
        long start = System.nanoTime();
        Procs.Result failed = drain();
        run.timings.put("drain stopped by the other file after", seconds(since(start)));
        assertFalse(failed.ok(), failed.toString());
        assertTrue(failed.output().contains("drain: failed: " + other + " is on " + address(cluster.workers.get(1)) + " already with adler32"),
                failed.output());
        assertEquals(before, filesOn(2), "nothing removed from worker 2");
        assertArrayEquals(different, bytes(onWorker(1, other)), "the file there untouched");
        Procs.Result rm = cluster.client(CLIENT_TIMEOUT, "xrdfs", address(cluster.workers.get(1)), "rm", other);
        assertTrue(rm.ok(), rm.toString());
    }

    @Test
    @Order(4)
    @Timeout(300)
    void theRerunMovesEveryFileOnceAndEachReadsBackIdentical() throws IOException {
        int before = filesOn(2).size();
        long start = System.nanoTime();
        Procs.Result drained = drain();
        String took = seconds(since(start));
        Files.writeString(run.workDir.resolve("drain.log"), drained.output());
        assertTrue(drained.ok(), drained.toString());
        assertTrue(drained.output().contains("drain: already on " + address(cluster.workers.get(0)) + " (an earlier run): " + same),
                drained.output());
        assertTrue(drained.output().contains("drain: done: files=" + before + " "), drained.output());
        run.timings.put("drain of worker 2 (" + before + " files, one already in place)", took);
        assertEquals(List.of(), filesOn(2), "nothing left on worker 2");
        for (String lfn : run.written.keySet()) {
            assertTrue(run.onlyHolder(lfn) != cluster.workers.get(2), lfn);
            run.readBack(cluster.redirectors.get(0), lfn);
        }
        for (int w = 0; w < 2; w++) {
            assertTrue(filesOn(w).stream().noneMatch(f -> f.endsWith(".xrdrain-part")), "no part left on worker " + w + ": " + filesOn(w));
        }
    }
}
