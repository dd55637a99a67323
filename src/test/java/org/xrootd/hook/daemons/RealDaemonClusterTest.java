package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.bytes;
import static org.xrootd.hook.daemons.DaemonRun.read;
import static org.xrootd.hook.daemons.DaemonRun.seconds;
import static org.xrootd.hook.daemons.DaemonRun.sleep;
import static org.xrootd.hook.daemons.DaemonRun.waitFor;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.zip.Adler32;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.http.HookServer;
import org.xrootd.hook.testkit.Tiers;

/**
 * Proves the generated configuration with real xrootd and cmsd daemons (Debian's xrootd 5.5.3).
 *
 * <p>The hook runs for real ({@link HookServer} on a loopback port) and answers a sync request over HTTP
 * for an Xrootd with 2 redirectors and 3 workers. Every pod of both StatefulSets in that response then
 * runs as local processes ({@link LocalPod}): each container's own command, args and env, as the pod's
 * user, with the ConfigMap materialized where the pod mounts it. No configuration is written by the test.
 *
 * <p>Substituted, and only because Kubernetes would provide it:
 * <ul>
 *   <li>pod network: one network namespace per pod on a bridge, each with its own IP in a private range
 *       that exists only inside the test's namespaces; so all pods use the same ports, as in Kubernetes;
 *   <li>cluster DNS and the kubelet's /etc/hosts: per-namespace hosts files with every pod's DNS name
 *       ({@code <pod>.<headless service>.<namespace>.svc[.cluster.local]});
 *   <li>hostname: a UTS namespace per container, named after the pod;
 *   <li>volumes: bind mounts in a private mount namespace per container (ConfigMap files, emptyDirs,
 *       one persistent directory per volume claim);
 *   <li>the image: the host's xrootd packages; the client Service: clients address redirector pods by name.
 * </ul>
 *
 * <p>The steps run in order on one cluster; each starts from where the previous one left it. Every
 * process is stopped by its PID at the end, on failure too (and by a shutdown hook if the JVM is
 * interrupted); the namespaces are deleted. Measured times are printed and written to
 * {@code target/real-daemons/timings.txt}.
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealDaemonClusterTest {
    private static final String NAME = "proof";
    private static final int REDIRECTORS = 2;
    private static final int WORKERS = 3;
    private static final Duration CLIENT_TIMEOUT = DaemonRun.CLIENT_TIMEOUT;
    /** The goal for a cold start to the first write; reported, and asserted only loosely (see coldStartToFirstWrite). */
    private static final Duration FIRST_WRITE_GOAL = Duration.ofSeconds(5);

    private DaemonRun run;
    private LocalCluster cluster;
    private Path workDir;
    private String export;
    private int dropSeconds;
    private Map<String, byte[]> written;
    private Map<String, String> timings;
    private LocalPod killed;
    private long killedAt;
    private int serial;

    @BeforeAll
    void startHookAndBuildCluster() throws Exception {
        run = DaemonRun.open("cluster");
        workDir = run.workDir;
        written = run.written;
        timings = run.timings;
        cluster = run.cluster(run.sync(NAME, run.spec(REDIRECTORS, WORKERS), 1), Map.of());
        export = run.configValue("(?m)^all\\.export\\s+(\\S+)", "all.export");
        dropSeconds = Integer.parseInt(run.configValue("(?m)^\\s*cms\\.delay\\s.*\\bdrop\\s+([0-9]+)", "cms.delay drop"));
        run.localRoot();
        assertEquals(REDIRECTORS, cluster.redirectors.size());
        assertEquals(WORKERS, cluster.workers.size());
        run.timingsHeader("Real-daemon timings (xrootd " + DaemonRun.VERSION + ", " + REDIRECTORS + " redirectors, "
                + WORKERS + " workers, cms.delay drop " + dropSeconds + "):");
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    // ----------------------------------------------------------------------------------------------
    // The steps
    // ----------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    @Timeout(120)
    void probesReportNotReadyBeforeTheClusterForms() {
        explain(() -> {
            // Redirectors alone: alive, and their cmsd port answers, but no worker has subscribed.
            cluster.redirectors.forEach(LocalPod::start);
            for (LocalPod r : cluster.redirectors) {
                waitFor(Duration.ofSeconds(30), () -> failing(r, "livenessProbe").isEmpty(), r + " live");
                // Its xrootd connected to its own pod's cmsd alone, the only manager it asks, and that one suspended
                // ("/s"): the daemons are up, the cluster is not.
                waitFor(Duration.ofSeconds(30), () -> cmsState(r).matches(java.util.regex.Pattern.quote(r.name) + "\\.\\S+/s\\s*"),
                        r + " connected to its own pod's cmsd alone");
                assertFalse(failing(r, "readinessProbe").isEmpty(), r + " must not be ready without workers");
            }
            cluster.redirectors.forEach(LocalPod::kill);

            // Workers alone: alive and attached to their own cmsd ("/a"), but logged in to no redirector.
            cluster.workers.forEach(LocalPod::start);
            for (LocalPod w : cluster.workers) {
                waitFor(Duration.ofSeconds(30), () -> failing(w, "livenessProbe").isEmpty(), w + " live");
                waitFor(Duration.ofSeconds(30), () -> cmsState(w).contains("/a"), w + " xrootd attached to its cmsd");
                assertFalse(failing(w, "readinessProbe").isEmpty(), w + " must not be ready without redirectors");
            }
            cluster.workers.forEach(LocalPod::kill);
        });
    }

    @Test
    @Order(2)
    @Timeout(120)
    void coldStartToFirstWrite() {
        explain(() -> {
            LocalPod r0 = cluster.redirectors.get(0);
            long start = System.nanoTime();
            // Both StatefulSets created at once; each pod's containers start in template order.
            cluster.allPods().forEach(LocalPod::start);
            waitFor(Duration.ofSeconds(30), () -> cluster.accepts(r0, cluster.xrootdPort), r0 + " accepting connections");
            long deadline = start + Duration.ofSeconds(60).toNanos();
            Duration portOpen = Duration.ofNanos(System.nanoTime() - start);
            Procs.Result result;
            int attempts = 0;
            do {
                attempts++;
                result = write(r0, "coldstart-" + serial++ + ".txt", Duration.ofSeconds(20));
                if (!result.ok()) {
                    System.out.println("cold-start write attempt " + attempts + " failed: " + result);
                }
            } while (!result.ok() && System.nanoTime() < deadline && sleep(Duration.ofMillis(200)));
            Duration firstWrite = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(result.ok(), "no write succeeded within 60 s of starting the pods: " + result);
            timings.put("cold start: all pods started -> first successful write", seconds(firstWrite)
                    + (firstWrite.compareTo(FIRST_WRITE_GOAL) <= 0 ? " (goal <= 5 s met)" : " (goal <= 5 s MISSED)")
                    + "; redirector port open after " + seconds(portOpen) + ", " + attempts + " xrdcp attempt(s), the last "
                    + seconds(result.took()));
            // Far below the 10 s a worker's xrootd waits when it misses its cmsd (fixed in start.sh): a
            // regression of that fix fails here, whatever the machine's speed.
            assertTrue(firstWrite.compareTo(Duration.ofSeconds(15)) < 0, "first write after " + seconds(firstWrite));
        });
    }

    @Test
    @Order(3)
    @Timeout(90)
    void everyWorkerLogsInToEveryRedirector() {
        explain(() -> {
            Set<String> workerIps = new TreeSet<>();
            cluster.workers.forEach(w -> workerIps.add(w.host.ip()));
            for (LocalPod r : cluster.redirectors) {
                waitFor(Duration.ofSeconds(30), () -> cluster.subscribedServers(r).equals(workerIps),
                        r + " lists every worker (xrdmapc)");
            }
            // xrdmapc through a redirector lists what that redirector's own cmsd knows (its xrootd asks no
            // other); each worker's login to each redirector is waited for in both logs too.
            for (LocalPod w : cluster.workers) {
                for (LocalPod r : cluster.redirectors) {
                    waitFor(Duration.ofSeconds(20), () -> LocalCluster.loggedInto(read(w.log("cmsd")), r),
                            w + " cmsd logged in to " + r);
                }
            }
            for (LocalPod r : cluster.redirectors) {
                for (LocalPod w : cluster.workers) {
                    Pattern login = Pattern.compile("Primary server\\.[0-9]+:[0-9]+@" + Pattern.quote(w.host.fqdn())
                            + ":" + cluster.xrootdPort + " logged in");
                    waitFor(Duration.ofSeconds(20), () -> login.matcher(read(r.log("cmsd"))).find(), r + " cmsd saw " + w + " log in");
                }
            }
        });
    }

    @Test
    @Order(4)
    @Timeout(60)
    void probesReportReadyOnceTheClusterHasFormed() {
        explain(() -> {
            for (LocalPod pod : cluster.allPods()) {
                waitFor(Duration.ofSeconds(20), () -> failing(pod, "readinessProbe").isEmpty(), pod + " ready");
                List<String> liveness = failing(pod, "livenessProbe");
                assertTrue(liveness.isEmpty(), pod + " liveness: " + liveness);
            }
        });
    }

    @Test
    @Order(5)
    @Timeout(120)
    void aFileWrittenThroughOneRedirectorReadsBackThroughTheOther() {
        explain(() -> {
            LocalPod r0 = cluster.redirectors.get(0);
            LocalPod r1 = cluster.redirectors.get(1);
            String lfn = export + "/proof.txt";
            Procs.Result put = write(r0, "proof.txt", CLIENT_TIMEOUT);
            assertTrue(put.ok(), put.toString());
            timings.put("write of a new file through a redirector (formed cluster)", seconds(put.took()));

            Path back = workDir.resolve("client").resolve("proof.back");
            Procs.Result get = cluster.client(CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(r1, lfn), back.toString());
            assertTrue(get.ok(), get.toString());
            assertArrayEquals(written.get(lfn), bytes(back), "read back through " + r1);
            timings.put("read of that file through the other redirector", seconds(get.took()));

            LocalPod holder = onlyHolder(lfn);
            for (LocalPod r : cluster.redirectors) {
                Procs.Result locate = cluster.client(CLIENT_TIMEOUT, "xrdfs", LocalCluster.dnsName(r) + ":" + cluster.xrootdPort, "locate", lfn);
                assertTrue(locate.ok(), locate.toString());
                // locate answers with the holder's address even with name-based redirects (rpipa changes redirects only).
                assertEquals(Set.of(holder.host.ip()), LocalCluster.ipsIn(locate.output()), "xrdfs locate through " + r + ": " + locate.output());
            }

            for (LocalPod r : cluster.redirectors) {
                Path viaHttp = workDir.resolve("client").resolve("proof.http");
                Procs.Result http = cluster.client(CLIENT_TIMEOUT, "curl", "-sS", "-L", "--max-time", "20",
                        "-o", viaHttp.toString(), "-w", "%{http_code} %{num_redirects} %{url_effective}", cluster.httpUrl(r, lfn));
                assertTrue(http.ok(), http.toString());
                assertTrue(http.output().startsWith("200 1 "), "HTTP GET through " + r + ": " + http.output());
                assertTrue(http.output().contains("//" + holder.host.fqdn() + ":" + cluster.xrootdPort + "/"), "redirected to the holder by name: " + http.output());
                assertArrayEquals(written.get(lfn), bytes(viaHttp), "HTTP GET through " + r);
            }
        });
    }

    @Test
    @Order(6)
    @Timeout(120)
    void checksumsThroughEveryRedirectorAndOnTheWorkerEqualTheClientsValues() {
        explain(() -> {
            // The hook's default spec.checksums reaches every role.
            for (LocalPod pod : cluster.allPods()) {
                assertEquals("0:adler32,1:crc32c", run.queryConfig(pod, "chksum"), "xrootd.chksum on " + pod);
            }
            LocalPod r0 = cluster.redirectors.get(0);
            String lfn = export + "/checksums.txt";
            Procs.Result put = write(r0, "checksums.txt", CLIENT_TIMEOUT);
            assertTrue(put.ok(), put.toString());
            byte[] content = written.get(lfn);
            // Computed here, independently of the daemons and of the hook.
            Adler32 adler32 = new Adler32();
            adler32.update(content);
            CRC32C crc32c = new CRC32C();
            crc32c.update(content);
            Map<String, String> expected = Map.of("adler32", String.format("%08x", adler32.getValue()),
                    "crc32c", String.format("%08x", crc32c.getValue()));
            assertNotEquals(expected.get("adler32"), expected.get("crc32c"), "the file must tell the two algorithms apart");

            LocalPod holder = onlyHolder(lfn);
            List<LocalPod> servers = new java.util.ArrayList<>(cluster.redirectors);
            servers.add(holder);
            Duration slowest = Duration.ZERO;
            for (LocalPod server : servers) {
                for (String algorithm : List.of("adler32", "crc32c")) {
                    Procs.Result sum = checksum(server, lfn + "?cks.type=" + algorithm);
                    assertTrue(sum.ok(), algorithm + " through " + server + ": " + sum);
                    assertEquals(algorithm + " " + expected.get(algorithm), sum.output().strip(), algorithm + " of " + lfn + " through " + server);
                    // The failure seen with 'xrootd.chksum adler32' alone: any type answered with adler32.
                    assertFalse(algorithm.equals("crc32c") && sum.output().contains(expected.get("adler32")),
                            "a crc32c query answered with the adler32 value through " + server + ": " + sum);
                    slowest = sum.took().compareTo(slowest) > 0 ? sum.took() : slowest;
                }
                // No type asked: the first of spec.checksums.
                Procs.Result plain = checksum(server, lfn);
                assertEquals("adler32 " + expected.get("adler32"), plain.output().strip(), "default checksum through " + server + ": " + plain);
                // A type the cluster does not compute is refused, never answered with another.
                Procs.Result md5 = checksum(server, lfn + "?cks.type=md5");
                assertFalse(md5.ok(), "md5 through " + server + " must be refused: " + md5);
                assertTrue(md5.output().contains("md5 checksum not supported"), "md5 through " + server + ": " + md5);
            }
            timings.put("checksum query (adler32, crc32c) through a redirector or on the worker, slowest", seconds(slowest));
        });
    }

    @Test
    @Order(7)
    @Timeout(120)
    void namespaceOperationsThroughARedirectorReachOneWorker() {
        explain(() -> {
            // xrootd 5.5.3 forwards mkdir/rmdir to every worker (ofs.forward) only with authorization on:
            // without it a redirector sends the client to one worker. Recorded in docs/xrootd-configuration.md;
            // if this fails, the behaviour changed and the documentation must change with it.
            LocalPod r0 = cluster.redirectors.get(0);
            String dir = export + "/namespace-op";
            Procs.Result mkdir = cluster.client(CLIENT_TIMEOUT, "xrdfs", LocalCluster.dnsName(r0) + ":" + cluster.xrootdPort, "mkdir", "-p", dir);
            assertTrue(mkdir.ok(), mkdir.toString());
            List<LocalPod> holding = workersWith(dir);
            assertEquals(1, holding.size(), "mkdir through " + r0 + " created " + dir + " on " + holding);
            Procs.Result rmdir = cluster.client(CLIENT_TIMEOUT, "xrdfs", LocalCluster.dnsName(r0) + ":" + cluster.xrootdPort, "rmdir", dir);
            assertTrue(rmdir.ok(), rmdir.toString());
            assertEquals(List.of(), workersWith(dir), "rmdir through " + r0 + " of a directory on one worker");
            timings.put("mkdir -p / rmdir through a redirector", "reach 1 of " + WORKERS + " workers; took "
                    + seconds(mkdir.took()) + " / " + seconds(rmdir.took()));
        });
    }

    @Test
    @Order(8)
    @Timeout(300)
    void losingAWorkerLeavesTheOthersServingReadsAndWrites() {
        explain(() -> {
            // Give every worker at least one file, alternating redirectors (placement is round robin).
            for (int i = 0; i < 4 * WORKERS && !everyWorkerHoldsAFile(); i++) {
                Procs.Result put = write(cluster.redirectors.get(i % REDIRECTORS), "spread-" + i + ".txt", CLIENT_TIMEOUT);
                assertTrue(put.ok(), put.toString());
            }
            assertTrue(everyWorkerHoldsAFile(), "placement never reached every worker");

            killed = onlyHolder(export + "/proof.txt");
            killed.kill();
            killedAt = System.nanoTime();

            // Files on the other workers: served at once, through either redirector.
            for (Map.Entry<String, byte[]> file : written.entrySet()) {
                if (onlyHolder(file.getKey()) == killed) {
                    continue;
                }
                for (LocalPod r : cluster.redirectors) {
                    Path back = workDir.resolve("client").resolve("after-kill.back");
                    Procs.Result get = cluster.client(Duration.ofSeconds(10), "xrdcp", "-f", "-s", cluster.rootUrl(r, file.getKey()), back.toString());
                    assertTrue(get.ok(), "read of " + file.getKey() + " through " + r + " with " + killed + " gone: " + get);
                    assertArrayEquals(file.getValue(), bytes(back));
                }
            }
            // A new file: the redirector holds creates until it drops the lost worker (cms.delay drop).
            Procs.Result put = write(cluster.redirectors.get(0), "after-kill.txt", Duration.ofSeconds(dropSeconds + 60));
            Duration sinceKill = Duration.ofNanos(System.nanoTime() - killedAt);
            assertTrue(put.ok(), "write with " + killed + " gone: " + put);
            assertTrue(onlyHolder(export + "/after-kill.txt") != killed);
            timings.put("worker killed -> next new-file write succeeds (cms.delay drop " + dropSeconds + ")", seconds(sinceKill));
            // The drop delay bounds the stall; the client then still waits out the stall it was last
            // given (up to a few seconds: 60.2-62.5 s measured with drop 60).
            assertTrue(sinceKill.compareTo(Duration.ofSeconds(dropSeconds + 10)) <= 0,
                    "write took " + seconds(sinceKill) + ", more than drop " + dropSeconds + " s + 10 s");
            for (LocalPod r : cluster.redirectors) {
                assertTrue(failing(r, "readinessProbe").isEmpty(), r + " stays ready with the remaining workers");
            }
        });
    }

    @Test
    @Order(9)
    @Timeout(120)
    void theKilledWorkerRejoinsAfterRestart() {
        explain(() -> {
            assertTrue(killed != null, "the previous step killed no worker");
            // The StatefulSet recreates the pod: same name, address and volume claim, fresh emptyDirs.
            long start = System.nanoTime();
            killed.start();
            for (LocalPod r : cluster.redirectors) {
                waitFor(Duration.ofSeconds(60), () -> cluster.subscribedServers(r).contains(killed.host.ip()), killed + " back in " + r + "'s cluster map");
            }
            Duration rejoined = Duration.ofNanos(System.nanoTime() - start);
            timings.put("restarted worker: pod started -> listed by every redirector", seconds(rejoined));
            String lfn = export + "/proof.txt";
            Path back = workDir.resolve("client").resolve("rejoin.back");
            Procs.Result get = cluster.client(CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(cluster.redirectors.get(1), lfn), back.toString());
            assertTrue(get.ok(), "read of " + lfn + " from the restarted " + killed + ": " + get);
            assertArrayEquals(written.get(lfn), bytes(back));
            timings.put("restarted worker: pod started -> its file read through a redirector", seconds(Duration.ofNanos(System.nanoTime() - start)));
            waitFor(Duration.ofSeconds(20), () -> failing(killed, "readinessProbe").isEmpty(), killed + " ready again");
        });
    }

    @Test
    @Order(10)
    @Timeout(180)
    void aWorkerBackWithinTheDropDelayEndsTheWriteStallAtOnce() {
        explain(() -> {
            // What a rolling update or a kubelet restart does: the pod is gone only for seconds.
            LocalPod worker = cluster.workers.stream().filter(w -> w != killed).findFirst().orElseThrow();
            worker.kill();
            long killedNow = System.nanoTime();
            worker.start();
            Procs.Result put = write(cluster.redirectors.get(1), "after-restart.txt", Duration.ofSeconds(dropSeconds + 60));
            Duration sinceKill = Duration.ofNanos(System.nanoTime() - killedNow);
            assertTrue(put.ok(), "write while " + worker + " restarts: " + put);
            onlyHolder(export + "/after-restart.txt");
            timings.put("worker killed and restarted at once -> next new-file write succeeds", seconds(sinceKill));
            // Not held until the drop: the returning worker ends the stall.
            assertTrue(sinceKill.compareTo(Duration.ofSeconds(dropSeconds / 2)) < 0, "write took " + seconds(sinceKill));
            for (LocalPod r : cluster.redirectors) {
                waitFor(Duration.ofSeconds(30), () -> cluster.subscribedServers(r).contains(worker.host.ip()), worker + " back in " + r + "'s cluster map");
            }
        });
    }

    // ----------------------------------------------------------------------------------------------
    // Helpers
    // ----------------------------------------------------------------------------------------------

    /** Writes a new file of distinct content through a redirector; remembers it when the write succeeds. */
    private Procs.Result write(LocalPod redirector, String name, Duration timeout) {
        return run.write(redirector, export + "/" + name, timeout);
    }

    /** {@code xrdfs <server> query checksum <path[?cks.type=...]>} from the client namespace. */
    private Procs.Result checksum(LocalPod server, String pathAndCgi) {
        return cluster.client(CLIENT_TIMEOUT, "xrdfs", LocalCluster.dnsName(server) + ":" + cluster.xrootdPort, "query", "checksum", pathAndCgi);
    }

    /** The workers whose volume has this directory. */
    private List<LocalPod> workersWith(String dir) {
        String localRoot = run.localRoot();
        return cluster.workers.stream().filter(w -> java.nio.file.Files.isDirectory(w.hostPath("xrootd", localRoot + dir))).toList();
    }

    private LocalPod onlyHolder(String lfn) {
        return run.onlyHolder(lfn);
    }

    private boolean everyWorkerHoldsAFile() {
        Set<LocalPod> holders = new java.util.HashSet<>();
        written.keySet().forEach(lfn -> holders.add(onlyHolder(lfn)));
        return holders.size() == cluster.workers.size();
    }

    private List<String> failing(LocalPod pod, String probeField) {
        return cluster.failing(pod, probeField);
    }

    /**
     * What the pod's xrootd reports about its cmsd links ({@code xrdfs query config cms}): one
     * {@code host/state} per link: {@code /a} attached to its own cmsd, {@code /c} connected to a manager,
     * {@code /s} connected but suspended (docs/xrootd-configuration.md, readiness).
     */
    private String cmsState(LocalPod pod) {
        return run.queryConfig(pod, "cms");
    }

    private void explain(DaemonRun.Action step) {
        run.explain(step);
    }

}
