package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.testkit.Tiers;

/**
 * What the daemons use, the basis of the default resource requests (#17 §5): a cluster of 1 redirector and 2
 * workers on real xrootd/cmsd 5.5.3, measured from /proc of each daemon process (resident set, VmRSS and its
 * peak VmHWM; CPU time, utime + stime) at rest and under a client load through the redirector (4 clients, each
 * writing a new 4 MiB file and reading it back, for 30 s). Prints and records the figures; asserts only that
 * the load ran and the daemons stayed up (the figures depend on the machine).
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResourceUsageRealDaemonTest {
    private static final String NAME = "usage";
    private static final int CLIENTS = 4;
    private static final Duration REST = Duration.ofSeconds(15);
    private static final Duration LOAD = Duration.ofSeconds(30);
    private static final int FILE_BYTES = 4 << 20;
    /** USER_HZ: /proc CPU times are in these ticks on Linux (sysconf(_SC_CLK_TCK), 100 on every supported arch). */
    private static final double TICKS = 100.0;

    private DaemonRun run;
    private LocalCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open("usage");
        cluster = run.cluster(run.sync(NAME, DaemonRun.spec(1, 2), 1), Map.of());
        run.timingsHeader("Daemon resource use (xrootd " + DaemonRun.VERSION + ", 1 redirector, 2 workers; " + CLIENTS
                + " clients writing and reading " + (FILE_BYTES >> 20) + " MiB files for " + LOAD.toSeconds() + " s):");
        run.startAllAndWaitReady("usage");
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    /** One daemon's counters at one moment. */
    record Sample(long rssKiB, long peakKiB, long ticks) {}

    @Test
    @Timeout(300)
    void measureAtRestAndUnderLoad() throws Exception {
        Map<String, Sample> restStart = sample();
        DaemonRun.sleep(REST);
        Map<String, Sample> restEnd = sample();

        byte[] content = new byte[FILE_BYTES];
        new java.util.Random(17).nextBytes(content);
        Path source = run.clientFile("load-source", content);
        LocalPod redirector = cluster.redirectors.get(0);
        AtomicInteger writes = new AtomicInteger();
        AtomicInteger reads = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        Map<String, Sample> loadStart = sample();
        long loadBegan = System.nanoTime();
        long until = loadBegan + LOAD.toNanos();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            done.add(clients.submit(() -> {
                for (int i = 0; System.nanoTime() < until; i++) {
                    String lfn = "/data/load-" + client + "-" + i;
                    Procs.Result put = cluster.client(DaemonRun.CLIENT_TIMEOUT, "xrdcp", "-s", source.toString(), cluster.rootUrl(redirector, lfn));
                    if (!put.ok()) {
                        failures.incrementAndGet();
                        continue;
                    }
                    writes.incrementAndGet();
                    Path back = run.clientFile("load-back-" + client);
                    Procs.Result get = cluster.client(DaemonRun.CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(redirector, lfn), back.toString());
                    if (get.ok() && sameSize(back)) {
                        reads.incrementAndGet();
                    } else {
                        failures.incrementAndGet();
                    }
                }
            }));
        }
        Map<String, Sample> peak = new LinkedHashMap<>(loadStart);
        while (System.nanoTime() < until) {
            DaemonRun.sleep(Duration.ofSeconds(1));
            sample().forEach((daemon, now) -> peak.merge(daemon, now, (a, b) -> a.rssKiB() >= b.rssKiB() ? a : b));
        }
        for (Future<?> f : done) {
            f.get();
        }
        clients.shutdownNow();
        double loadSeconds = (System.nanoTime() - loadBegan) / 1e9;
        Map<String, Sample> loadEnd = sample();

        StringBuilder table = new StringBuilder("\n      daemon                        rest RSS  rest CPU   load RSS max  peak (VmHWM)  load CPU");
        for (String daemon : restEnd.keySet()) {
            Sample a = restStart.get(daemon);
            Sample b = restEnd.get(daemon);
            Sample c = loadStart.get(daemon);
            Sample d = loadEnd.get(daemon);
            if (a == null || c == null || d == null) {
                continue;
            }
            table.append(String.format("%n      %-28s %6.1f MiB %5.1f m    %6.1f MiB    %6.1f MiB    %6.1f m", daemon,
                    b.rssKiB() / 1024.0, millicores(b.ticks() - a.ticks(), REST.toNanos() / 1e9),
                    Math.max(peak.get(daemon).rssKiB(), d.rssKiB()) / 1024.0, d.peakKiB() / 1024.0,
                    millicores(d.ticks() - c.ticks(), loadSeconds)));
        }
        String throughput = String.format("%d writes and %d reads of %d MiB in %.1f s (%.1f MiB/s through the cluster), %d failed",
                writes.get(), reads.get(), FILE_BYTES >> 20, loadSeconds, (writes.get() + reads.get()) * (FILE_BYTES >> 20) / loadSeconds,
                failures.get());
        run.timings.put("load", throughput);
        run.timings.put("per daemon (CPU in millicores = ms of CPU per s)", table.toString());
        System.out.println("daemon resource use: " + throughput + table);
        assertTrue(writes.get() >= CLIENTS, "the load ran: " + throughput);
        assertEquals(0, failures.get(), throughput);
        assertEquals(restEnd.keySet(), loadEnd.keySet(), "every daemon still runs");
    }

    private static boolean sameSize(Path path) {
        try {
            return Files.size(path) == FILE_BYTES;
        } catch (IOException e) {
            return false;
        }
    }

    private static double millicores(long ticks, double seconds) {
        return ticks / TICKS / seconds * 1000.0;
    }

    /** "pod/container" to the daemon's counters, for every running daemon. */
    private Map<String, Sample> sample() {
        Map<String, Sample> samples = new LinkedHashMap<>();
        for (LocalPod pod : cluster.allPods()) {
            pod.pids().forEach((container, pid) -> {
                try {
                    String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
                    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    samples.put(pod.name + "/" + container, new Sample(kib(status, "VmRSS"), kib(status, "VmHWM"), ticks));
                } catch (IOException | RuntimeException e) {
                    // gone between listing and reading: left out, and the final check sees it
                }
            });
        }
        return samples;
    }

    private static long kib(String status, String field) {
        for (String line : status.split("\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no " + field);
    }
}
