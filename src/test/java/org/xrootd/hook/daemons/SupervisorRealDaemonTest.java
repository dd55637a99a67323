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
        ObjectNode spec = run.spec(1, WORKERS);
        JsonNode response = run.sync(NAME, spec, 1);
        cluster = run.cluster(response, Map.of());
        export = run.configValue("(?m)^\\s*all\\.export\\s+(\\S+)", "all.export");
        assertEquals(1, cluster.redirectors.size());
        assertEquals(WORKERS, cluster.workers.size());
        assertEquals(Supervisors.required(WORKERS), cluster.supervisors.size(), "supervisors the hook derived");
        run.timingsHeader("Real-daemon timings (xrootd " + DaemonRun.VERSION + ", 1 redirector, "
                + cluster.supervisors.size() + " supervisors, " + WORKERS + " workers):");
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
            run.startAllAndWaitReady("cold start");
            long start = System.nanoTime();
            waitForEveryWorker("every worker in the redirector's cluster map (xrdmapc --list all)");
            run.timings.put("every pod ready -> every worker in the cluster map", seconds(since(start)));
            Map<String, List<String>> map = clusterMap();
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
        run.explain(() -> assertWriteBehindSupervisor("formed cluster"));
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
            waitForEveryWorker("every worker back in the cluster map");
            run.timings.put("supervisor killed and restarted -> every worker in the cluster map", seconds(since(killedAt)));
            Map<String, List<String>> after = clusterMap();
            run.timings.put("after the restart: workers behind " + victim.name + " / behind the others",
                    after.getOrDefault(victim.host.ip(), List.of()).size() + " / " + (behindSupervisors(after).size()
                            - after.getOrDefault(victim.host.ip(), List.of()).size()));
            // The restarted supervisor gets no workers back (they moved to the spare at once) and its cmsd
            // stays suspended; xrdmapc's query of its subscribers then expires.
            run.timings.put("xrdmapc --list all after the restart", lastMapTook + (lastMap.contains("[op expired]")
                    ? "; the empty supervisor answers no subscriber list ([op expired])" : ""));
            assertWriteBehindSupervisor("after a supervisor restart");
            // Everything written before is still readable through the redirector.
            for (String lfn : new ArrayList<>(run.written.keySet())) {
                run.readBack(cluster.redirectors.get(0), lfn);
            }
        });
    }

    /**
     * Writes new files through the redirector until one lands on a worker attached behind a supervisor
     * (placement is round robin over the manager's subscribers, a supervisor counting as one), then reads
     * it back through the redirector.
     */
    private void assertWriteBehindSupervisor(String when) {
        LocalPod redirector = cluster.redirectors.get(0);
        Set<String> behind = behindSupervisors(clusterMap());
        long start = System.nanoTime();
        for (int attempt = 1; attempt <= 20; attempt++) {
            String lfn = export + "/wide-" + serial++ + ".txt";
            Procs.Result write = run.write(redirector, lfn, Duration.ofSeconds(30));
            assertTrue(write.ok(), "write of " + lfn + " through " + redirector + ": " + write);
            LocalPod holder = run.onlyHolder(lfn);
            if (behind.contains(holder.host.ip())) {
                run.readBack(redirector, lfn);
                Procs.Result locate = cluster.client(Duration.ofSeconds(20), "xrdfs",
                        LocalCluster.dnsName(redirector) + ":" + cluster.xrootdPort, "locate", lfn);
                run.timings.put(when + ": writes until one landed behind a supervisor", attempt + " in "
                        + seconds(since(start)) + " (" + lfn + " on " + holder.name + "; locate through the redirector: "
                        + locate.output().strip().replace('\n', ' ') + ")");
                return;
            }
        }
        throw new AssertionError("20 writes, none landed behind a supervisor (" + behind + ")");
    }

    private void waitForEveryWorker(String what) {
        try {
            waitFor(Duration.ofSeconds(60), () -> missingWorkers().isEmpty(), what);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; missing " + missingWorkers() + " from:\n" + lastMap, e);
        }
    }

    /** Worker IPs the redirector's cluster map does not list (at either level). */
    private Set<String> missingWorkers() {
        Set<String> listed = new TreeSet<>();
        clusterMap().forEach((top, below) -> {
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
