package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.read;
import static org.xrootd.hook.daemons.DaemonRun.seconds;
import static org.xrootd.hook.daemons.DaemonRun.since;
import static org.xrootd.hook.daemons.DaemonRun.waitFor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.model.Supervisors;

/**
 * More than 64 workers on real daemons: the hook's own answer for 1 redirector and {@value #WORKERS}
 * workers, with the supervisors it derives from that count, run as in {@link RealDaemonClusterTest}
 * (one network namespace per pod, the generated xrootd.cf and start.sh, the pods' probes).
 *
 * <p>A manager keeps 64 subscribers. Workers list only the redirectors in all.manager; the ones the full
 * manager turns away must reach it through a supervisor. The test shows every worker in the redirector's
 * cluster map, files written through the redirector landing behind a supervisor and reading back through
 * the redirector, and the same after one supervisor pod is killed and started again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SupervisorRealDaemonTest {
    private static final String NAME = "wide";
    /** Two past a manager's 64 slots plus the slots the supervisors themselves take. */
    static final int WORKERS = 68;
    private static final Pattern ADDRESS = Pattern.compile("\\[(?:::ffff:|::)?([0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+)\\]:([0-9]+)");

    private DaemonRun run;
    private LocalCluster cluster;
    private String export;
    private int serial;

    @BeforeAll
    void startHookAndBuildCluster() throws Exception {
        run = DaemonRun.open("supervisors");
        // First as many workers as a manager holds: no supervisors; step 1 scales past 64.
        JsonNode response = run.sync(NAME, run.spec(1, Supervisors.CMSD_SLOTS), 1);
        cluster = run.cluster(response, Map.of());
        export = run.configValue("(?m)^\\s*all\\.export\\s+(\\S+)", "all.export");
        assertEquals(1, cluster.redirectors.size());
        assertEquals(Supervisors.CMSD_SLOTS, cluster.workers.size());
        assertEquals(List.of(), cluster.supervisors);
        run.timingsHeader("Real-daemon timings (xrootd " + DaemonRun.VERSION + ", 1 redirector, 64 workers, then "
                + Supervisors.required(WORKERS) + " supervisors and " + WORKERS + " workers):");
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    @Test
    @Order(1)
    @Timeout(150)
    void everyWorkerJoinsDirectlyOrThroughASupervisor() {
        run.explain(() -> {
            run.startAllAndWaitReady("cold start, 64 workers");
            waitForEveryWorker("all 64 workers on the manager");
            // Scaling past 64 adds the supervisors' children and the new workers; no running pod is
            // replaced (the redirector and worker configuration hashes stay the same).
            JsonNode wider;
            try {
                wider = run.sync(NAME, run.spec(1, WORKERS), 2);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
            long scaled = System.nanoTime();
            List<String> events;
            try {
                events = cluster.rollingUpdate(wider, Duration.ofSeconds(90));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            run.timings.put("64 -> " + WORKERS + " workers: new pods created -> all ready", seconds(since(scaled)));
            System.out.println("scale 64 -> " + WORKERS + ":\n" + String.join("\n", events));
            assertTrue(events.stream().noneMatch(e -> e.contains("replaced")), "no running pod replaced: " + events);
            assertEquals(WORKERS, cluster.workers.size());
            assertEquals(Supervisors.required(WORKERS), cluster.supervisors.size(), "supervisors the hook derived");
            long start = System.nanoTime();
            Map<String, List<String>> map = waitForEveryWorker("every worker in the redirector's cluster map (xrdmapc --list all)");
            run.timings.put("every new pod ready -> every worker in the cluster map", seconds(since(start)));
            System.out.println("cluster map (xrdmapc --list all), supervisors and the workers behind them: " + map);
            int behind = behindSupervisors(map).size();
            run.timings.put("workers behind supervisors / directly on the manager", behind + " / " + (WORKERS - behind));
            assertTrue(behind >= 1, "some worker must be attached through a supervisor: " + map);
            assertTrue(WORKERS - behind <= Supervisors.CMSD_SLOTS, "the manager holds at most 64: " + map);
            run.timings.put("daemons running, their resident memory", residentMemory());
            for (LocalPod s : cluster.supervisors) {
                run.timings.put(s.name + ": query config cms", run.queryConfig(s, "cms"));
            }
        });
    }

    @Test
    @Order(2)
    @Timeout(120)
    void writesThroughTheRedirectorLandBehindASupervisorAndReadBack() {
        run.explain(() -> assertWriteBehindSupervisor("formed cluster", clusterMap()));
    }

    @Test
    @Order(3)
    @Timeout(150)
    void aKilledSupervisorComesBackAndTheClusterStillWorks() {
        run.explain(() -> {
            Map<String, List<String>> before = clusterMap();
            LocalPod victim = cluster.supervisors.stream()
                    .filter(s -> !before.getOrDefault(s.host.ip(), List.of()).isEmpty())
                    .findFirst().orElseThrow(() -> new AssertionError("no supervisor holds workers: " + before));
            victim.kill();
            long killedAt = System.nanoTime();
            victim.start();
            waitFor(Duration.ofSeconds(60), () -> cluster.ready(victim), victim + " ready again");
            run.timings.put("supervisor killed and restarted -> ready", seconds(since(killedAt))
                    + " (query config cms: " + run.queryConfig(victim, "cms") + ")");
            Map<String, List<String>> after = waitForEveryWorker("every worker back in the cluster map");
            run.timings.put("supervisor killed and restarted -> every worker in the cluster map", seconds(since(killedAt)));
            run.timings.put("after the restart: workers behind " + victim.name + " / behind the others",
                    after.getOrDefault(victim.host.ip(), List.of()).size() + " / " + (behindSupervisors(after).size()
                            - after.getOrDefault(victim.host.ip(), List.of()).size()));
            // The restarted supervisor gets no workers back (they moved to the spare at once) and its cmsd
            // stays suspended; xrdmapc's query of its subscribers then expires.
            run.timings.put("xrdmapc --list all after the restart", lastMapTook + (lastMap.contains("[op expired]")
                    ? "; the empty supervisor answers no subscriber list ([op expired])" : ""));
            List<String> earlier = new ArrayList<>(run.written.keySet());
            assertWriteBehindSupervisor("after a supervisor restart", after);
            assertEarlierFilesReadable(earlier, before.getOrDefault(victim.host.ip(), List.of()));
        });
    }

    /**
     * Files written before the supervisor restart, read through the redirector. Those on workers that
     * were behind the killed supervisor stall: the manager remembers their location as that supervisor
     * (cms.fxhold, 8 h by default), which came back empty and suspended, so clients are told to wait. A
     * location refresh ({@code xrdfs locate -r}) finds them behind the other supervisor; every other file
     * reads at once.
     */
    private void assertEarlierFilesReadable(List<String> earlier, List<String> wereBehindVictim) {
        LocalPod redirector = cluster.redirectors.get(0);
        List<Procs.Result> reads = parallel(earlier, lfn -> cluster.client(Duration.ofSeconds(10), "xrdcp", "-f", "-s",
                cluster.rootUrl(redirector, lfn), run.clientFile(lfn.replace('/', '_') + ".again").toString()));
        List<String> stalled = new ArrayList<>();
        for (int i = 0; i < earlier.size(); i++) {
            if (!reads.get(i).ok()) {
                String lfn = earlier.get(i);
                stalled.add(lfn);
                assertTrue(wereBehindVictim.contains(run.onlyHolder(lfn).host.ip()),
                        lfn + " does not read through the redirector, and its worker was not behind the killed supervisor: " + reads.get(i));
            }
        }
        long start = System.nanoTime();
        for (String lfn : stalled) {
            Procs.Result refresh = cluster.client(Duration.ofSeconds(20), "xrdfs",
                    LocalCluster.dnsName(redirector) + ":" + cluster.xrootdPort, "locate", "-r", lfn);
            assertTrue(refresh.ok(), "locate -r " + lfn + ": " + refresh);
            run.readBack(redirector, lfn);
        }
        run.timings.put("after the restart: files written before, read through the redirector", earlier.size() + ", of which "
                + stalled.size() + " (on workers that were behind the killed supervisor) stalled until xrdfs locate -r"
                + (stalled.isEmpty() ? "" : "; refreshed and read in " + seconds(since(start))));
    }

    /**
     * Writes 66 new files through the redirector at once and checks that some landed on workers behind a
     * supervisor, then reads those back through the redirector. The manager places new files round robin
     * over its 64 subscribers (each supervisor is one of them), so 66 writes reach every subscriber:
     * deterministic, where writing one file at a time could take up to 64 tries.
     */
    private void assertWriteBehindSupervisor(String when, Map<String, List<String>> map) {
        LocalPod redirector = cluster.redirectors.get(0);
        Set<String> behind = behindSupervisors(map);
        List<String> lfns = new ArrayList<>();
        for (int i = 0; i < Supervisors.CMSD_SLOTS + 2; i++) {
            lfns.add(export + "/wide-" + serial++ + ".txt");
        }
        long start = System.nanoTime();
        List<Procs.Result> writes = parallel(lfns, lfn -> run.write(redirector, lfn, Duration.ofSeconds(60)));
        String took = seconds(since(start));
        for (int i = 0; i < lfns.size(); i++) {
            assertTrue(writes.get(i).ok(), "write of " + lfns.get(i) + " through " + redirector + ": " + writes.get(i));
        }
        List<String> landed = new ArrayList<>();
        Set<String> holders = new TreeSet<>();
        for (String lfn : lfns) {
            LocalPod holder = run.onlyHolder(lfn);
            holders.add(holder.name);
            if (behind.contains(holder.host.ip())) {
                landed.add(lfn);
            }
        }
        assertTrue(!landed.isEmpty(), lfns.size() + " writes, none landed behind a supervisor (" + behind + "); holders " + holders);
        parallel(landed, lfn -> run.readBack(redirector, lfn));
        Procs.Result locate = cluster.client(Duration.ofSeconds(20), "xrdfs",
                LocalCluster.dnsName(redirector) + ":" + cluster.xrootdPort, "locate", landed.get(0));
        run.timings.put(when + ": " + lfns.size() + " writes at once through the redirector", took + "; on " + holders.size()
                + " workers, " + landed.size() + " behind a supervisor, read back through the redirector (locate "
                + landed.get(0) + " through the redirector: " + locate.output().strip().replace('\n', ' ') + ")");
    }

    /** Runs one client command per item, 22 at a time (most of each is the manager's 1 s lookup delay). */
    private static <T> List<T> parallel(List<String> items, java.util.function.Function<String, T> action) {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(22);
        try {
            List<java.util.concurrent.Future<T>> futures = new ArrayList<>();
            for (String item : items) {
                futures.add(pool.submit(() -> action.apply(item)));
            }
            List<T> results = new ArrayList<>();
            for (java.util.concurrent.Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof AssertionError failure) {
                throw failure;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Waits until the cluster map lists every worker; returns that map. Once, under a loaded machine, the
     * redirector listed a supervisor as {@code [::ffff:<ip>]:0 [invalid addr]} and xrdmapc could not
     * descend to its workers; for such a supervisor its own map ({@code xrdmapc --list s}) is used, and
     * the event is recorded in the timings.
     */
    private Map<String, List<String>> waitForEveryWorker(String what) {
        try {
            waitFor(Duration.ofSeconds(90), () -> missing(withUnlistedSupervisors(clusterMap())).isEmpty(), what);
            return lastTree;
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; missing " + missing(lastTree) + " from:\n" + lastMap, e);
        }
    }

    private Map<String, List<String>> withUnlistedSupervisors(Map<String, List<String>> map) {
        for (LocalPod supervisor : cluster.supervisors) {
            if (lastMap.contains(supervisor.host.ip() + "]:0 [invalid addr]")) {
                List<String> own = new ArrayList<>(cluster.subscribedServers(supervisor));
                map.put(supervisor.host.ip(), own);
                run.timings.put("redirector's map listed " + supervisor.name + " as port 0 ([invalid addr]); its own map",
                        own.size() + " workers");
            }
        }
        return map;
    }

    /** Worker IPs a cluster map does not list (at either level). */
    private Set<String> missing(Map<String, List<String>> map) {
        Set<String> listed = new TreeSet<>();
        map.forEach((top, below) -> {
            listed.add(top);
            listed.addAll(below);
        });
        Set<String> missing = new TreeSet<>();
        cluster.workers.forEach(w -> missing.add(w.host.ip()));
        missing.removeAll(listed);
        return missing;
    }

    private Set<String> behindSupervisors(Map<String, List<String>> map) {
        Set<String> behind = new TreeSet<>();
        for (LocalPod s : cluster.supervisors) {
            behind.addAll(map.getOrDefault(s.host.ip(), List.of()));
        }
        return behind;
    }

    /**
     * {@code xrdmapc --list all} through the redirector, as subscriber IP to the IPs listed below it (a
     * supervisor, "Man", with its workers; a worker with none). The exit code is always 0: only the output
     * counts. A supervisor without workers (suspended) does not answer the subscriber query: xrdmapc
     * gives up on it after about 30 s ("[op expired]") and prints the rest.
     */
    private Map<String, List<String>> clusterMap() {
        Procs.Result map = cluster.client(Duration.ofSeconds(60), "xrdmapc", "--list", "all",
                LocalCluster.dnsName(cluster.redirectors.get(0)) + ":" + cluster.xrootdPort);
        lastMap = map.output();
        lastMapTook = seconds(map.took());
        Map<String, List<String>> tree = new TreeMap<>();
        lastTree = tree;
        String supervisor = null;
        for (String line : map.output().split("\n")) {
            Matcher m = ADDRESS.matcher(line);
            if (!m.find()) {
                continue;
            }
            int man = line.indexOf(" Man ");
            int srv = line.indexOf(" Srv ");
            if (man >= 0) {
                supervisor = m.group(1);
                tree.putIfAbsent(supervisor, new ArrayList<>());
            } else if (srv >= 0 && srv > TOP_LEVEL_COLUMN && supervisor != null) {
                tree.get(supervisor).add(m.group(1));
            } else if (srv >= 0) {
                tree.putIfAbsent(m.group(1), new ArrayList<>());
            }
        }
        return tree;
    }

    /** Where xrdmapc puts a subscriber of the redirector itself; those of a supervisor are indented further. */
    private static final int TOP_LEVEL_COLUMN = 5;

    private String lastMapTook = "";
    private Map<String, List<String>> lastTree = Map.of();
    private String lastMap = "";

    /** How many daemons run and their summed VmRSS, read from /proc. */
    private String residentMemory() {
        long kib = 0;
        int daemons = 0;
        for (LocalPod pod : cluster.allPods()) {
            for (long pid : pod.pids().values()) {
                daemons++;
                try {
                    for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc", Long.toString(pid), "status"))) {
                        if (line.startsWith("VmRSS:")) {
                            kib += Long.parseLong(line.replaceAll("[^0-9]", ""));
                        }
                    }
                } catch (IOException e) {
                    // A daemon that exited has no memory left to count.
                }
            }
        }
        return daemons + " daemons, " + (kib / 1024) + " MiB resident in all";
    }
}
