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
import org.xrootd.hook.testkit.Tiers;

/**
 * More than 64 workers on real daemons, in the default shape of 2 redirectors: the hook's own answer for
 * {@value #REDIRECTORS} redirectors and {@value #WORKERS} workers, with the supervisors it derives from
 * that count, run as in {@link RealDaemonClusterTest} (one network namespace per pod, the generated
 * xrootd.cf and start.sh, the pods' probes).
 *
 * <p>Each manager keeps 64 subscribers of its own. Workers and supervisors list both redirectors in
 * all.manager and subscribe to each; a worker that a full manager turns away subscribes to one
 * supervisor instead and drops its direct logins (XRootD's cmsd connects either to every root or to one
 * interior node), and that supervisor serves both managers. The test shows every worker in each
 * manager's cluster map, files written through one redirector landing behind a supervisor and reading
 * back through both, and the same after one supervisor pod is killed and started again. Last, a worker
 * logged in directly to the managers comes back with a new IP (a rescheduled pod): with its pod name as
 * identity (cms.vnid, at every size) the next new-file write through each redirector takes one write's
 * time, not the managers' cms.delay drop; then three such workers at once, each taking back its own slot.
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SupervisorRealDaemonTest {
    private static final String NAME = "wide";
    /** The default and recommended shape: every worker and supervisor subscribes to both. */
    static final int REDIRECTORS = 2;
    /** Two past a manager's 64 slots plus the slots the supervisors themselves take. */
    static final int WORKERS = 68;
    /** A subscriber line of xrdmapc: its kind and its entry (name:port, or [address]:port). */
    private static final Pattern ENTRY = Pattern.compile(" (Man|Srv) (\\S+)");

    private DaemonRun run;
    private LocalCluster cluster;
    private String export;
    private int serial;

    @BeforeAll
    void startHookAndBuildCluster() throws Exception {
        run = DaemonRun.open("supervisors");
        // First as many workers as a manager holds, no supervisors; step 1 scales past 64. Above 64 workers
        // the redirectors run with a shorter cms.delay drop, so crossing 64 rolls them once
        // (SupervisorChildrenTest). This proof is about the supervisors: its redirectors and
        // 64 workers start with the configuration they have above 64 (the hook's answer for 68 workers with
        // 64 replicas and no supervisors yet), so that the step replaces no pod.
        ObjectNode response = (ObjectNode) run.sync(NAME, run.spec(REDIRECTORS, WORKERS), 1).deepCopy();
        var children = (com.fasterxml.jackson.databind.node.ArrayNode) response.get("children");
        for (int i = children.size() - 1; i >= 0; i--) {
            JsonNode child = children.get(i);
            String name = child.path("metadata").path("name").asText();
            if (name.endsWith("-xrootd-supervisor")) {
                children.remove(i);
            } else if (child.path("kind").asText().equals("StatefulSet") && name.endsWith("-xrootd-worker")) {
                ((ObjectNode) child.get("spec")).put("replicas", Supervisors.CMSD_SLOTS);
            }
        }
        cluster = run.cluster(response, Map.of());
        export = run.configValue("(?m)^all\\.export\\s+(\\S+)", "all.export");
        assertEquals(REDIRECTORS, cluster.redirectors.size());
        assertEquals(Supervisors.CMSD_SLOTS, cluster.workers.size());
        assertEquals(List.of(), cluster.supervisors);
        run.timingsHeader("Real-daemon timings (xrootd " + DaemonRun.VERSION + ", " + REDIRECTORS + " redirectors, 64 workers, then "
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
    // The supervisors now start one at a time, at least 15 s apart (minReadySeconds), on top of a cold
    // start of 144 daemons that took 93-160 s on a machine loaded 14 times over, and 207 s once at a load of
    // 11-14 (the update then ran out of a 300 s limit before the second supervisor was created).
    @Timeout(480)
    void everyWorkerJoinsEachManagerDirectlyOrThroughASupervisor() {
        run.explain(() -> {
            run.startAllAndWaitReady("cold start, 64 workers");
            waitForEveryWorker("all 64 workers on both managers");
            // Scaling past 64 adds the supervisors' children and the new workers; no running pod is
            // replaced (the workers already run the configuration they have above 64).
            JsonNode wider;
            try {
                wider = run.sync(NAME, run.spec(REDIRECTORS, WORKERS), 2);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
            long scaled = System.nanoTime();
            List<String> events;
            try {
                // 46-79 s at loads up to 16; at a load of 24 supervisor-0 was created only after 42 s (probe
                // passes over 72 pods) and supervisor-1 after 120 s.
                events = cluster.rollingUpdate(wider, Duration.ofSeconds(180));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            run.timings.put("64 -> " + WORKERS + " workers: new pods created -> all ready", seconds(since(scaled)));
            System.out.println("scale 64 -> " + WORKERS + ":\n" + String.join("\n", events));
            assertTrue(events.stream().noneMatch(e -> e.contains("replaced")), "no running pod replaced: " + events);
            // Supervisors start one at a time (OrderedReady, minReadySeconds): their logins are that far apart.
            List<String> supervisorEvents = events.stream().filter(e -> e.contains("-supervisor-")).map(String::strip).toList();
            run.timings.put("supervisors created / ready (s after the update began)", String.join("; ", supervisorEvents));
            List<Double> created = supervisorEvents.stream().filter(e -> e.contains("created"))
                    .map(e -> Double.parseDouble(e.substring(0, e.indexOf(' ')))).toList();
            for (int i = 1; i < created.size(); i++) {
                assertTrue(created.get(i) - created.get(i - 1) >= 15, "supervisors created at least minReadySeconds apart: " + supervisorEvents);
            }
            assertEquals(WORKERS, cluster.workers.size());
            assertEquals(Supervisors.required(WORKERS), cluster.supervisors.size(), "supervisors the hook derived");
            long start = System.nanoTime();
            Map<String, Map<String, List<String>>> maps = waitForEveryWorker(
                    "every worker in each redirector's cluster map (xrdmapc --list all)");
            run.timings.put("every new pod ready -> every worker in both cluster maps", seconds(since(start)));
            maps.forEach((redirector, map) -> {
                System.out.println(redirector + ": cluster map (xrdmapc --list all), supervisors and the workers behind them: " + map);
                int behind = behindSupervisors(map).size();
                run.timings.put(redirector + ": workers directly on it / behind supervisors (per supervisor)",
                        (WORKERS - behind) + " / " + behind + " " + perSupervisor(map));
                assertTrue(behind >= 1, redirector + ": some worker must be attached through a supervisor: " + map);
                assertTrue(WORKERS - behind + cluster.supervisors.size() <= Supervisors.CMSD_SLOTS,
                        redirector + " holds at most 64 subscribers: " + map);
            });
            run.timings.put("daemons running, their resident memory", residentMemory());
            for (LocalPod s : cluster.supervisors) {
                run.timings.put(s.name + ": query config cms", run.queryConfig(s, "cms"));
            }
        });
    }

    @Test
    @Order(2)
    @Timeout(200)
    void writesThroughOneRedirectorLandBehindASupervisorAndReadBackThroughBoth() {
        run.explain(() -> {
            assertWriteBehindSupervisor("formed cluster", cluster.redirectors.get(0), clusterMaps());
            for (LocalPod redirector : cluster.redirectors) {
                run.timings.put(redirector.name + ": workers it logged out as disconnected and kept offline (so far)",
                        keptOffline(redirector));
            }
        });
    }

    @Test
    @Order(3)
    // Room for the slow case: a restarted supervisor that comes back empty makes each map query wait
    // about 30 s for it (see clusterMap), and stalled reads wait 10 s per redirector.
    @Timeout(300)
    void aKilledSupervisorComesBackAndBothRedirectorsStillWork() {
        run.explain(() -> {
            Map<String, List<String>> before = clusterMaps().get(cluster.redirectors.get(0).name);
            LocalPod victim = cluster.supervisors.stream()
                    .filter(s -> !before.getOrDefault(s.host.ip(), List.of()).isEmpty())
                    .findFirst().orElseThrow(() -> new AssertionError("no supervisor holds workers: " + before));
            victim.kill();
            long killedAt = System.nanoTime();
            victim.start();
            waitFor(Duration.ofSeconds(60), () -> cluster.ready(victim), victim + " ready again");
            run.timings.put("supervisor killed and restarted -> ready", seconds(since(killedAt))
                    + " (query config cms: " + run.queryConfig(victim, "cms") + ")");
            Map<String, Map<String, List<String>>> after = waitForEveryWorker("every worker back in both cluster maps");
            run.timings.put("supervisor killed and restarted -> every worker in both cluster maps", seconds(since(killedAt)));
            after.forEach((redirector, map) -> {
                int behindVictim = map.getOrDefault(victim.host.ip(), List.of()).size();
                run.timings.put(redirector + " after the restart: workers directly on it / behind " + victim.name + " / behind the others",
                        (WORKERS - behindSupervisors(map).size()) + " / " + behindVictim + " / " + (behindSupervisors(map).size() - behindVictim));
                MapView view = lastViews.get(redirector);
                // A restarted supervisor that got no worker back stays suspended and does not answer
                // xrdmapc's subscriber query, which then expires.
                run.timings.put(redirector + ": xrdmapc --list all after the restart", view.took() + (view.output().contains("[op expired]")
                        ? "; an empty supervisor answers no subscriber list ([op expired])" : ""));
            });
            List<String> earlier = new ArrayList<>(run.written.keySet());
            for (LocalPod through : cluster.redirectors) {
                assertWriteBehindSupervisor("after a supervisor restart", through, after);
            }
            assertEarlierFilesReadable(earlier, before.getOrDefault(victim.host.ip(), List.of()));
        });
    }

    /**
     * The goal for a worker that comes back with a new IP (a rescheduled pod): the next new-file
     * write within 2 s of the worker being ready. One write alone takes 1-2.4 s on this shared 2-core
     * machine at a load of 10-24 (cms.delay lookup 1), so 2 s flat failed on load, not identity (second
     * attempt, docs/real-daemons.md). The bound is therefore the larger of 2.5 s and a baseline write
     * through the same redirector just before the re-address plus 1 s. Writes here fall in two groups,
     * 1.1-1.4 s and 2.1-2.3 s (one or two 1 s lookup windows), so a baseline from the first group plus 1 s
     * can fall short of a write from the second (third attempt, run 3: baseline 1.17 s, next write 2.17 s
     * against 2.18 s); the 2.5 s floor covers the second group: a loaded machine meets it (same cluster,
     * same load, one write's time plus margin), while a manager that kept the old address offline until
     * cms.delay drop (10 s above 64 workers, counted from the disconnect) would hold new-file creates back
     * for seconds after the worker is ready. (The control run without vnids showed no such stall here
     * either: a full manager gives the new login the disconnected slot at once; docs/real-daemons.md.)
     */
    private static final Duration NEXT_CREATE_FLOOR = Duration.ofMillis(2500);
    private static final Duration NEXT_CREATE_MARGIN = Duration.ofSeconds(1);

    /**
     * A worker logged in directly to both managers (62 of 68 are) deleted as the kubelet deletes it and
     * re-created with a new IP, as a rescheduled StatefulSet pod is. With its pod name as identity
     * (cms.vnid, at every size) the new login is the same member and takes its own slot back on both managers
     * (recorded; asserted: a manager or supervisor logs it as *s-<pod name>). From the moment it is ready,
     * the next new-file write through each redirector (both at once) is done on the first attempt within
     * max(2.5 s, baseline + 1 s). Then every worker is in both maps again, at the new address only, and the
     * files written before still read. (A worker behind a supervisor has no such stall even without a vnid:
     * the supervisor drops it at logout; see docs/real-daemons.md.)
     */
    @Test
    @Order(4)
    @Timeout(240)
    void aWorkerLoggedInToTheManagersBackWithANewAddressTakesNewFilesAtOnce() {
        run.explain(() -> {
            assertTrue(run.configValue("(?m)^\\s*cms\\.vnid\\s+(\\S+)", "cms.vnid").equals("=$(podname)"),
                    "the hook's xrootd.cf gives the workers a vnid above 64 workers");
            readdress(1);
        });
    }

    /**
     * Three workers logged in directly to both managers re-created at once with new IPs, as when their node
     * fails and the pods are rescheduled together: each takes its own slot back by its pod name (without a
     * vnid, a full manager gives a new login the first disconnected slot, which may be another's), the next
     * new-file write through each redirector meets the same bound as for one, and every worker is in both
     * maps at its new address.
     */
    @Test
    @Order(5)
    @Timeout(240)
    void severalWorkersBackWithNewAddressesAtOnceTakeNewFilesAtOnce() {
        run.explain(() -> readdress(3));
    }

    /**
     * Re-creates {@code count} workers that are logged in directly to both managers, at once, with new IPs;
     * asserts what the two tests above describe and records the figures.
     */
    private void readdress(int count) {
        Map<String, Map<String, List<String>>> before = waitForEveryWorker("every worker in both maps before the re-address");
        // Directly on every manager: its address is a top-level entry of each map (not a supervisor's).
        List<LocalPod> direct = cluster.workers.stream()
                .filter(w -> before.values().stream().allMatch(m -> m.containsKey(w.host.ip())))
                .toList();
        assertTrue(direct.size() >= count, "fewer than " + count + " workers logged in directly to both managers: " + before);
        // From the middle of the list, away from the worker an earlier test re-created.
        List<LocalPod> victims = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            victims.add(direct.get((direct.size() / 2 + 7 * i + 3 * (count - 1)) % direct.size()));
        }
        assertEquals(count, new TreeSet<>(victims.stream().map(v -> v.name).toList()).size(), "distinct workers: " + victims);
        String label = victims.size() == 1 ? victims.get(0).name : victims.stream().map(v -> v.name).toList() + " at once";
        Map<String, String> oldIps = new TreeMap<>();
        victims.forEach(v -> oldIps.put(v.name, v.host.ip()));
        List<String> names = cluster.redirectors.stream().map(r -> r.name).toList();
        // Baseline: one new-file write through each redirector at once, same cluster, same load.
        List<Duration> baselines = parallel(names, name -> {
            long t = System.nanoTime();
            Procs.Result write = run.write(cluster.redirectors.get(names.indexOf(name)), nextFile(), Duration.ofSeconds(60));
            assertTrue(write.ok(), "baseline write through " + name + ": " + write);
            return since(t);
        });
        Duration baseline = baselines.stream().max(Duration::compareTo).orElseThrow();
        Duration limit = baseline.plus(NEXT_CREATE_MARGIN).compareTo(NEXT_CREATE_FLOOR) > 0
                ? baseline.plus(NEXT_CREATE_MARGIN) : NEXT_CREATE_FLOOR;
        run.timings.put(label + ": baseline new-file write just before the re-address, via each redirector",
                baselines.stream().map(DaemonRun::seconds).toList() + " -> limit " + seconds(limit));
        List<String> stopped = parallel(victims.stream().map(v -> v.name).toList(), name -> {
            LocalPod victim = victims.stream().filter(v -> v.name.equals(name)).findFirst().orElseThrow();
            try {
                return seconds(cluster.recreateWithNewAddress(victim));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        victims.forEach(v -> assertTrue(!oldIps.get(v.name).equals(v.host.ip()), v.name + " has a new address"));
        long restarted = System.nanoTime();
        waitFor(Duration.ofSeconds(60), () -> victims.stream().allMatch(cluster::ready), victims + " ready again");
        String ready = seconds(since(restarted));
        long readyAt = System.nanoTime();
        List<String> nextCreates = parallel(names, name -> {
            LocalPod through = cluster.redirectors.get(names.indexOf(name));
            List<String> attempts = new ArrayList<>();
            boolean ok = false;
            while (!ok && since(readyAt).compareTo(Duration.ofSeconds(60)) < 0) {
                long t = System.nanoTime();
                Procs.Result write = run.write(through, nextFile(), Duration.ofSeconds(60));
                ok = write.ok();
                attempts.add(seconds(since(t)) + (ok ? " ok" : " failed: " + write.output().strip()));
            }
            Duration took = since(readyAt);
            boolean within = ok && attempts.size() == 1 && took.compareTo(limit) <= 0;
            return (within ? "" : "OVER ") + name + " " + seconds(took) + " (" + String.join(", ", attempts) + ")";
        });
        run.timings.put(label + " (directly on the managers) re-created with new IPs: SIGTERM -> stopped (each) / start -> all ready",
                stopped + " / " + ready);
        run.timings.put(label + ": ready -> next new-file write done through each redirector (limit "
                + seconds(limit) + ", first attempt)", String.join("; ", nextCreates));
        assertTrue(nextCreates.stream().noneMatch(c -> c.startsWith("OVER ")),
                "next create on the first attempt within " + seconds(limit) + " of the workers being ready: " + nextCreates);
        Map<String, Map<String, List<String>>> after = waitForEveryWorker("every worker in both maps after the re-address");
        for (LocalPod worker : victims) {
            // The manager or supervisor it subscribed to knows it by its own pod name, not its address.
            String identity = "system ID: *s-" + worker.name + " ";
            List<String> knownBy = cluster.allPods().stream().filter(p -> !cluster.workers.contains(p))
                    .filter(p -> read(p.log("cmsd")).contains(identity)).map(p -> p.name).toList();
            run.timings.put(worker.name + " logged in with " + identity.strip() + " to", knownBy.toString());
            assertTrue(!knownBy.isEmpty(), "no supervisor or redirector logged " + identity);
            after.forEach((redirector, m) -> {
                List<String> listed = new ArrayList<>(m.keySet());
                m.values().forEach(listed::addAll);
                String oldIp = oldIps.get(worker.name);
                assertTrue(!listed.contains(oldIp), redirector + " still lists " + worker.name + "'s old address " + oldIp + ": " + m);
                String where = m.containsKey(worker.host.ip()) ? "directly" : cluster.supervisors.stream()
                        .filter(s -> m.getOrDefault(s.host.ip(), List.of()).contains(worker.host.ip()))
                        .map(s -> "behind " + s.name).findFirst().orElse("nowhere");
                run.timings.put(redirector + " after the re-address: " + worker.name + " is", where);
            });
        }
        for (LocalPod redirector : cluster.redirectors) {
            run.timings.put(redirector.name + ": workers it logged out as disconnected and kept offline (after " + label + ")",
                    keptOffline(redirector));
        }
        // Their files (same claims) read through both redirectors; a manager that remembered them behind
        // another supervisor (cms.fxhold) needs a location refresh, as after a supervisor restart.
        List<String> theirs = run.written.keySet().stream().filter(lfn -> victims.contains(run.onlyHolder(lfn))).toList();
        List<String> refreshed = new ArrayList<>();
        for (LocalPod redirector : cluster.redirectors) {
            for (String lfn : theirs) {
                Procs.Result read = cluster.client(Duration.ofSeconds(10), "xrdcp", "-f", "-s", cluster.rootUrl(redirector, lfn),
                        run.clientFile(lfn.replace('/', '_') + ".readdressed-" + redirector.name).toString());
                if (!read.ok()) {
                    refreshed.add(lfn + " via " + redirector.name);
                    Procs.Result refresh = cluster.client(Duration.ofSeconds(20), "xrdfs",
                            LocalCluster.dnsName(redirector) + ":" + cluster.xrootdPort, "locate", "-r", lfn);
                    assertTrue(refresh.ok(), "locate -r " + lfn + " through " + redirector.name + ": " + refresh);
                }
                run.readBack(redirector, lfn);
            }
        }
        run.timings.put(label + ": their files after the re-address, read through both redirectors", theirs.size()
                + (refreshed.isEmpty() ? ", none needed xrdfs locate -r" : "; needed xrdfs locate -r: " + refreshed));
    }

    private synchronized String nextFile() {
        return export + "/wide-" + serial++ + ".txt";
    }

    /**
     * Files written before the supervisor restart, read through each redirector. With one redirector,
     * those on workers that had been behind the killed supervisor stalled: the manager remembered their
     * location as that supervisor (cms.fxhold, 8 h by default), which came back empty and suspended, so
     * clients were told to wait. A location refresh ({@code xrdfs locate -r}) finds them behind the
     * other supervisor; every other file must read at once.
     */
    private void assertEarlierFilesReadable(List<String> earlier, List<String> wereBehindVictim) {
        long onVictimsWorkers = earlier.stream().filter(lfn -> wereBehindVictim.contains(run.onlyHolder(lfn).host.ip())).count();
        for (LocalPod redirector : cluster.redirectors) {
            List<Procs.Result> reads = parallel(earlier, lfn -> cluster.client(Duration.ofSeconds(10), "xrdcp", "-f", "-s",
                    cluster.rootUrl(redirector, lfn), run.clientFile(lfn.replace('/', '_') + ".again-" + redirector.name).toString()));
            List<String> stalled = new ArrayList<>();
            for (int i = 0; i < earlier.size(); i++) {
                if (!reads.get(i).ok()) {
                    String lfn = earlier.get(i);
                    stalled.add(lfn);
                    assertTrue(wereBehindVictim.contains(run.onlyHolder(lfn).host.ip()), lfn + " does not read through "
                            + redirector.name + ", and its worker was not behind the killed supervisor: " + reads.get(i));
                }
            }
            long start = System.nanoTime();
            for (String lfn : stalled) {
                Procs.Result refresh = cluster.client(Duration.ofSeconds(20), "xrdfs",
                        LocalCluster.dnsName(redirector) + ":" + cluster.xrootdPort, "locate", "-r", lfn);
                assertTrue(refresh.ok(), "locate -r " + lfn + " through " + redirector.name + ": " + refresh);
                run.readBack(redirector, lfn);
            }
            run.timings.put("after the restart: files written before, read through " + redirector.name, earlier.size() + " ("
                    + onVictimsWorkers + " on workers that were behind the killed supervisor), of which " + stalled.size()
                    + " stalled until xrdfs locate -r"
                    + (stalled.isEmpty() ? "" : "; refreshed and read in " + seconds(since(start))));
        }
    }

    /**
     * Writes 66 new files through one redirector at once and checks that some landed on workers behind a
     * supervisor, then reads those back through every redirector. The manager places new files round
     * robin over its 64 subscribers (each supervisor is one of them), so 66 writes reach every
     * subscriber: deterministic, where writing one file at a time could take up to 64 tries.
     */
    private void assertWriteBehindSupervisor(String when, LocalPod through, Map<String, Map<String, List<String>>> maps) {
        Set<String> behind = behindSupervisors(maps.get(through.name));
        List<String> lfns = new ArrayList<>();
        for (int i = 0; i < Supervisors.CMSD_SLOTS + 2; i++) {
            lfns.add(nextFile());
        }
        long start = System.nanoTime();
        // Creates wait while a manager keeps a worker offline (see keptOffline); with the 60 s drop delay
        // of clusters up to 64 workers they waited 56-63 s after the supervisors' logins.
        List<Procs.Result> writes = parallel(lfns, lfn -> run.write(through, lfn, Duration.ofSeconds(40)));
        String took = seconds(since(start));
        for (int i = 0; i < lfns.size(); i++) {
            assertTrue(writes.get(i).ok(), "write of " + lfns.get(i) + " through " + through + ": " + writes.get(i));
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
        assertTrue(!landed.isEmpty(), lfns.size() + " writes through " + through.name + ", none landed behind a supervisor ("
                + behind + "); holders " + holders);
        long read = System.nanoTime();
        for (LocalPod redirector : cluster.redirectors) {
            parallel(landed, lfn -> run.readBack(redirector, lfn));
        }
        String readTook = seconds(since(read));
        StringBuilder locates = new StringBuilder();
        for (LocalPod redirector : cluster.redirectors) {
            Procs.Result locate = cluster.client(Duration.ofSeconds(20), "xrdfs",
                    LocalCluster.dnsName(redirector) + ":" + cluster.xrootdPort, "locate", landed.get(0));
            assertTrue(locate.ok(), "locate " + landed.get(0) + " through " + redirector.name + ": " + locate);
            locates.append("; locate through ").append(redirector.name).append(": ").append(locate.output().strip().replace('\n', ' '));
        }
        run.timings.put(when + ": " + lfns.size() + " writes at once through " + through.name, took + "; on " + holders.size()
                + " workers, " + landed.size() + " behind a supervisor, read back through both redirectors in " + readTook
                + " (" + landed.get(0) + locates + ")");
    }

    private static final Pattern LEFT = Pattern.compile(
            "(?m)^(\\d{6} \\d\\d:\\d\\d:\\d\\d) \\d+ Protocol: server\\.[0-9:]+@(\\S+) logged out; disconnected$");
    private static final Pattern DROPPED = Pattern.compile(
            "(?m)^(\\d{6} \\d\\d:\\d\\d:\\d\\d) \\d+ Drop_Node: server\\.[0-9:]+@(\\S+):\\d+ dropped\\.$");
    private static final java.time.format.DateTimeFormatter LOG_TIME = java.time.format.DateTimeFormatter.ofPattern("yyMMdd HH:mm:ss");

    /**
     * Workers that a manager logged out as "disconnected" and dropped later, with the seconds in between.
     * A worker that one manager turns away for a supervisor drops its login to every other manager (one
     * interior node or all roots); those managers see a plain disconnect and keep the worker offline for
     * cms.delay drop, and while it is offline they delay every new-file create (the file might be on it).
     * It happens when a supervisor's login bumps different workers on the two managers.
     */
    private String keptOffline(LocalPod redirector) {
        String log = read(redirector.log("cmsd"));
        List<String> found = new ArrayList<>();
        Matcher left = LEFT.matcher(log);
        while (left.find()) {
            String host = left.group(2);
            if (cluster.workers.stream().noneMatch(w -> w.host.fqdn().equals(host))) {
                continue;
            }
            java.time.LocalDateTime at = java.time.LocalDateTime.parse(left.group(1), LOG_TIME);
            String until = "not dropped yet";
            Matcher dropped = DROPPED.matcher(log);
            while (dropped.find()) {
                java.time.LocalDateTime when = java.time.LocalDateTime.parse(dropped.group(1), LOG_TIME);
                if (dropped.group(2).equals(host) && !when.isBefore(at)) {
                    until = "dropped after " + Duration.between(at, when).toSeconds() + " s";
                    break;
                }
            }
            found.add(host.substring(0, host.indexOf('.')) + " at " + left.group(1).substring(7) + ", " + until);
        }
        return found.isEmpty() ? "none" : found.size() + ": " + String.join("; ", found);
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
     * Waits until each redirector's cluster map lists every worker and both agree on which workers sit
     * behind which supervisor (a worker is either on every manager or behind one supervisor that serves
     * them all); returns the maps by redirector name. Once, under a loaded machine, a redirector listed
     * a supervisor as {@code [::ffff:<ip>]:0 [invalid addr]} and xrdmapc could not descend to its
     * workers; for such a supervisor its own map ({@code xrdmapc --list s}) is used, and the event is
     * recorded in the timings.
     */
    private Map<String, Map<String, List<String>>> waitForEveryWorker(String what) {
        try {
            waitFor(Duration.ofSeconds(90), () -> {
                Map<String, Map<String, List<String>>> maps = clusterMaps();
                return maps.values().stream().allMatch(map -> missing(map).isEmpty())
                        && maps.values().stream().map(SupervisorRealDaemonTest::sorted).distinct().count() == 1;
            }, what);
            return lastMaps;
        } catch (AssertionError e) {
            StringBuilder views = new StringBuilder();
            lastViews.forEach((redirector, view) -> views.append("\n").append(redirector).append(": missing ")
                    .append(missing(lastMaps.get(redirector))).append(", map ").append(lastMaps.get(redirector))
                    .append(" from:\n").append(view.output()));
            throw new AssertionError(e.getMessage() + views, e);
        }
    }

    private static Map<String, Set<String>> sorted(Map<String, List<String>> map) {
        Map<String, Set<String>> sorted = new TreeMap<>();
        map.forEach((top, below) -> sorted.put(top, new TreeSet<>(below)));
        return sorted;
    }

    private Map<String, List<String>> withUnlistedSupervisors(LocalPod redirector, MapView view) {
        Map<String, List<String>> map = view.tree();
        for (LocalPod supervisor : cluster.supervisors) {
            // By address when it has no PTR record; by the PTR name otherwise: xrdmapc 5.5.3 cannot
            // address a name longer than 63 characters (MAXHOSTNAMELEN), as the cluster DNS names of
            // supervisors are, so it never lists their workers.
            // Seen with port 0 after the name too (runs 1 and 6 of the one-at-a-time start): the map then
            // lacked the workers behind that supervisor although they were logged in to it.
            if (view.output().contains(supervisor.host.ip() + "]:0 [invalid addr]")
                    || view.output().contains(supervisor.host.fqdn() + ":" + cluster.xrootdPort + " [invalid addr]")
                    || view.output().contains(supervisor.host.fqdn() + ":0 [invalid addr]")) {
                List<String> own = new ArrayList<>(cluster.subscribedServers(supervisor));
                map.put(supervisor.host.ip(), own);
                run.timings.put(redirector.name + "'s map listed " + supervisor.name + " as [invalid addr]; its own map",
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

    private String perSupervisor(Map<String, List<String>> map) {
        Map<String, Integer> counts = new TreeMap<>();
        for (LocalPod s : cluster.supervisors) {
            counts.put(s.name, map.getOrDefault(s.host.ip(), List.of()).size());
        }
        return counts.toString();
    }

    /**
     * The cluster map of every redirector, by redirector name, each read with {@link #clusterMap}. The
     * redirectors are asked at once: an empty supervisor costs each query about 30 s.
     */
    private Map<String, Map<String, List<String>>> clusterMaps() {
        List<String> names = cluster.redirectors.stream().map(r -> r.name).toList();
        List<MapView> views = parallel(names, name -> clusterMap(cluster.redirectors.get(names.indexOf(name))));
        Map<String, Map<String, List<String>>> maps = new TreeMap<>();
        for (int i = 0; i < names.size(); i++) {
            lastViews.put(names.get(i), views.get(i));
            maps.put(names.get(i), withUnlistedSupervisors(cluster.redirectors.get(i), views.get(i)));
        }
        lastMaps = maps;
        return maps;
    }

    /** One {@code xrdmapc --list all} answer: the output, how long it took, and the tree read from it. */
    private record MapView(String output, String took, Map<String, List<String>> tree) {}

    /**
     * {@code xrdmapc --list all} through one redirector, as subscriber IP to the IPs listed below it (a
     * supervisor, "Man", with its workers; a worker with none). The exit code is always 0: only the output
     * counts. A supervisor without workers (suspended) does not answer the subscriber query: xrdmapc
     * gives up on it after about 30 s ("[op expired]") and prints the rest.
     */
    private MapView clusterMap(LocalPod redirector) {
        Procs.Result map = cluster.client(Duration.ofSeconds(60), "xrdmapc", "--list", "all",
                LocalCluster.dnsName(redirector) + ":" + cluster.xrootdPort);
        Map<String, List<String>> tree = new TreeMap<>();
        String supervisor = null;
        for (String line : map.output().split("\n")) {
            // xrdmapc prints a subscriber by its PTR name, or by address when it has none.
            Matcher entry = ENTRY.matcher(line);
            if (!entry.find()) {
                continue;
            }
            java.util.Optional<String> address = cluster.addressOf(entry.group(2));
            if (address.isEmpty()) {
                continue;
            }
            int man = line.indexOf(" Man ");
            int srv = line.indexOf(" Srv ");
            if (man >= 0) {
                supervisor = address.get();
                tree.putIfAbsent(supervisor, new ArrayList<>());
            } else if (srv >= 0 && srv > TOP_LEVEL_COLUMN && supervisor != null) {
                tree.get(supervisor).add(address.get());
            } else if (srv >= 0) {
                tree.putIfAbsent(address.get(), new ArrayList<>());
            }
        }
        return new MapView(map.output(), seconds(map.took()), tree);
    }

    /** Where xrdmapc puts a subscriber of the redirector itself; those of a supervisor are indented further. */
    private static final int TOP_LEVEL_COLUMN = 5;

    private Map<String, Map<String, List<String>>> lastMaps = Map.of();
    private final Map<String, MapView> lastViews = new TreeMap<>();

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
