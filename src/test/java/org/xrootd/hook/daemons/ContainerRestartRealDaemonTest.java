package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.seconds;
import static org.xrootd.hook.daemons.DaemonRun.since;
import static org.xrootd.hook.daemons.DaemonRun.waitFor;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.testkit.Tiers;

/**
 * The harness restarts a container whose process exits, as the kubelet does with {@code restartPolicy:
 * Always} (LocalPod, {@link LocalPod#RESTART_BACKOFF}): a worker's cmsd crashes (SIGSEGV, as the 5.5.3
 * cmsd did in XrdCmsManList::Add), its container ends with exit code 139, stays down for the back-off
 * (never restarted sooner than the kubelet would), and comes back in the same pod: same network
 * namespace and IP, so the redirector lists the worker at its old address again and new files reach it.
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerRestartRealDaemonTest {
    private DaemonRun run;
    private LocalCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open("restart");
        JsonNode response = run.sync("crash", DaemonRun.spec(1, 1), 1);
        cluster = run.cluster(response, Map.of());
        run.timingsHeader("Container restart real-daemon timings (xrootd " + DaemonRun.VERSION + ", 1 redirector, 1 worker):");
        run.explain(() -> run.startAllAndWaitReady("cold start"));
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    @Test
    @Timeout(180)
    void aCrashedDaemonIsRestartedInItsPodAfterTheBackoff() {
        run.explain(() -> {
            LocalPod redirector = cluster.redirectors.get(0);
            LocalPod worker = cluster.workers.get(0);
            String ip = worker.host.ip();
            waitFor(Duration.ofSeconds(30), () -> cluster.subscribedServers(redirector).contains(ip), "the worker in the redirector's map");
            long cmsd = worker.pids().get("cmsd");
            long crashed = System.nanoTime();
            assertTrue(ProcessHandle.of(cmsd).isPresent(), "cmsd " + cmsd + " runs");
            try {
                assertEquals(0, new ProcessBuilder("kill", "-SEGV", Long.toString(cmsd)).inheritIO().start().waitFor(), "kill -SEGV " + cmsd);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
            waitFor(Duration.ofSeconds(5), () -> worker.containerStates().get("cmsd").startsWith("terminated"), "the cmsd container ends");
            assertEquals("terminated, exit code 139", worker.containerStates().get("cmsd"), "a segfault's exit code, as the kubelet reports it");
            assertEquals("running", worker.containerStates().get("xrootd"), "the other container goes on");
            waitFor(Duration.ofSeconds(40), () -> worker.restartCounts().get("cmsd") == 1, "the cmsd container restarted");
            Duration restartedAfter = since(crashed);
            run.timings.put("worker cmsd SIGSEGV -> container restarted (back-off " + seconds(LocalPod.RESTART_BACKOFF) + ")",
                    seconds(restartedAfter));
            assertTrue(restartedAfter.compareTo(LocalPod.RESTART_BACKOFF) >= 0, "restarted before the back-off: " + seconds(restartedAfter));
            assertEquals(Map.of("cmsd", 1, "xrootd", 0), worker.restartCounts());
            assertTrue(worker.pids().get("cmsd") != cmsd, "a new cmsd process");
            List<String> events = cluster.restartEvents();
            assertEquals(1, events.size(), events.toString());
            assertTrue(events.get(0).startsWith(worker.name + "/cmsd ") && events.get(0).contains("exit code 139"), events.get(0));
            assertEquals("{" + worker.name + "/cmsd=1}", cluster.restartSummary());
            // Same pod, same network namespace: the new cmsd logs in from the same IP.
            long restarted = System.nanoTime();
            waitFor(Duration.ofSeconds(60), () -> cluster.ready(worker) && cluster.subscribedServers(redirector).contains(ip),
                    "the restarted worker ready and in the redirector's map at " + ip);
            run.timings.put("worker cmsd restarted -> ready and in the redirector's map again", seconds(since(restarted)));
            String lfn = "/data/after-restart.txt";
            assertTrue(run.write(redirector, lfn, DaemonRun.CLIENT_TIMEOUT).ok(), "a new file through the redirector");
            assertEquals(worker, run.onlyHolder(lfn));
            run.readBack(redirector, lfn);
        });
    }
}
