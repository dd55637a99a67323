package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.seconds;
import static org.xrootd.hook.daemons.DaemonRun.since;
import static org.xrootd.hook.daemons.DaemonRun.waitFor;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.xrootd.hook.testkit.Tiers;

/**
 * Issue 14, stable identity and clean stop, on real xrootd 5.5.3 (1 redirector, 2 workers). Each
 * container runs in a PID namespace of its own with start.sh as process 1, as under a container
 * runtime; a pod is deleted by SIGTERM to each container's process 1 and SIGKILL after
 * terminationGracePeriodSeconds, and re-created with a new IP (a rescheduled pod).
 *
 * <ul>
 *   <li>A SIGTERM'd pod stops within a few seconds, every container with the daemon's status 143 (not
 *       137, SIGKILL after the grace period): xrootd and cmsd ignore SIGTERM as process 1.
 *   <li>A worker re-created with a new IP is the same member (cms.vnid = pod name): the next new-file
 *       write through the redirector succeeds within 3 s of the worker being ready (goal 2 s: one write). Without it creates
 *       stall until the manager drops the old address (cms.delay drop 60).
 *   <li>Every worker replaced one at a time, each with a new IP, under a steady write load: the slowest
 *       write is reported and bounded well below the drop delay.
 * </ul>
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IdentityRealDaemonTest {
    private static final Duration STOP_LIMIT = Duration.ofSeconds(3);
    /**
     * The goal is 2 s; a new-file write alone takes 1.0-2.4 s on a loaded 2-core machine
     * (cms.delay lookup 1: the manager waits a second for "I have it" answers), so the assertion allows
     * one such write after the worker is ready. Without a stable identity it is about 60 s.
     */
    private static final Duration NEXT_CREATE_LIMIT = Duration.ofSeconds(3);

    private DaemonRun run;
    private LocalCluster cluster;
    private LocalPod redirector;
    private int files;

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open("identity");
        JsonNode response = run.sync("ident", run.spec(1, 2), 1);
        String config = response.toString();
        assertTrue(config.contains("cms.vnid =$(podname)"), "the hook's xrootd.cf gives members a vnid");
        cluster = run.cluster(response, Map.of());
        redirector = cluster.redirectors.get(0);
        run.timingsHeader("Identity real-daemon timings (xrootd " + DaemonRun.VERSION + ", 1 redirector, 2 workers):");
        run.explain(() -> run.startAllAndWaitReady("cold start"));
        run.explain(() -> assertTrue(run.write(redirector, next(), DaemonRun.CLIENT_TIMEOUT).ok(), "warm-up write"));
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    private String next() {
        return "/data/identity-" + ++files + ".txt";
    }

    @Test
    @Order(1)
    void aWorkerBackWithANewAddressTakesNewFilesAtOnce() {
        run.explain(() -> {
            LocalPod worker = cluster.workers.get(0);
            String oldIp = worker.host.ip();
            Duration stopped;
            try {
                stopped = cluster.recreateWithNewAddress(worker);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            run.timings.put("SIGTERM -> worker pod stopped (both containers)", seconds(stopped));
            assertTrue(stopped.compareTo(STOP_LIMIT) < 0, "stop took " + seconds(stopped));
            assertEquals(Map.of("cmsd", "terminated, exit code 143", "xrootd", "terminated, exit code 143"), worker.lastExit);
            assertFalse(oldIp.equals(worker.host.ip()), "a new address");
            long restarted = System.nanoTime();
            waitFor(Duration.ofSeconds(60), () -> cluster.ready(worker), worker + " ready again");
            Duration ready = since(restarted);
            long readyAt = System.nanoTime();
            List<String> attempts = new ArrayList<>();
            boolean ok = false;
            while (!ok && since(readyAt).compareTo(Duration.ofSeconds(90)) < 0) {
                long t = System.nanoTime();
                Procs.Result write = run.write(redirector, next(), Duration.ofSeconds(90));
                ok = write.ok();
                attempts.add(seconds(since(t)) + (ok ? " ok" : " failed"));
            }
            Duration nextCreate = since(readyAt);
            run.timings.put("worker re-created with a new IP: start -> ready", seconds(ready));
            run.timings.put("worker ready -> next new-file write done (limit " + seconds(NEXT_CREATE_LIMIT) + ")",
                    seconds(nextCreate) + " (" + String.join(", ", attempts) + ")");
            assertTrue(ok, "no write succeeded: " + attempts);
            assertTrue(nextCreate.compareTo(NEXT_CREATE_LIMIT) <= 0,
                    "next create " + seconds(nextCreate) + " after the worker was ready: " + attempts);
            waitFor(Duration.ofSeconds(10), () -> cluster.subscribedServers(redirector).contains(worker.host.ip()),
                    "the redirector lists the worker at its new address");
            assertFalse(cluster.subscribedServers(redirector).contains(oldIp), "the old address is gone at once");
            // The cluster DNS follows the pod as CoreDNS does: its name gives the new address, the old
            // address has no PTR left (getent, the C library's resolver, is the oracle).
            Procs.Result forward = cluster.client(Duration.ofSeconds(5), "getent", "ahostsv4", worker.host.fqdn());
            assertTrue(forward.ok() && forward.output().startsWith(worker.host.ip() + " "), forward.toString());
            Procs.Result reverse = cluster.client(Duration.ofSeconds(5), "getent", "hosts", worker.host.ip());
            assertTrue(reverse.ok() && reverse.output().contains(worker.host.fqdn()), reverse.toString());
            assertFalse(cluster.client(Duration.ofSeconds(5), "getent", "hosts", oldIp).ok(), "a PTR left for " + oldIp);
            for (String lfn : new ArrayList<>(run.written.keySet())) {
                run.readBack(redirector, lfn);
            }
        });
    }

    @Test
    @Order(2)
    void everyWorkerReplacedUnderAWriteLoad() throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Duration> writes = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread load = new Thread(() -> {
            int n = 0;
            while (writing.get()) {
                long t = System.nanoTime();
                Procs.Result write = run.write(redirector, "/data/load-" + ++n + ".txt", Duration.ofSeconds(90));
                writes.add(since(t));
                if (!write.ok()) {
                    failures.add(write.toString());
                }
            }
        }, "write-load");
        long begin = System.nanoTime();
        load.start();
        try {
            run.explain(() -> {
                for (int i = cluster.workers.size() - 1; i >= 0; i--) {
                    LocalPod worker = cluster.workers.get(i);
                    try {
                        Duration stopped = cluster.recreateWithNewAddress(worker);
                        assertTrue(stopped.compareTo(STOP_LIMIT) < 0, worker + " stop took " + seconds(stopped));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    waitFor(Duration.ofSeconds(60), () -> cluster.ready(worker), worker + " ready again");
                }
                DaemonRun.sleep(Duration.ofSeconds(3));
            });
        } finally {
            writing.set(false);
            load.join(Duration.ofSeconds(120).toMillis());
        }
        Duration slowest = writes.stream().max(Duration::compareTo).orElse(Duration.ZERO);
        run.timings.put("rolling replacement of every worker (new IPs) under a write load",
                seconds(since(begin)) + ", " + writes.size() + " writes, slowest " + seconds(slowest) + ", " + failures.size() + " failed");
        assertEquals(List.of(), failures);
        assertTrue(writes.size() >= 3, "writes during the roll: " + writes.size());
        // Without a stable identity a write waits for the drop delay (60 s) after each replacement.
        assertTrue(slowest.compareTo(Duration.ofSeconds(10)) < 0, "slowest write " + seconds(slowest));
    }
}
