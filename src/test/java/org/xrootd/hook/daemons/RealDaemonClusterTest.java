package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
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
import org.xrootd.hook.Json;
import org.xrootd.hook.http.HookServer;

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
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealDaemonClusterTest {
    private static final String NAMESPACE = "xrd";
    private static final String NAME = "proof";
    private static final String VERSION = "5.5.3";
    private static final int REDIRECTORS = 2;
    private static final int WORKERS = 3;
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(100);
    /** The issue's goal for a cold start; asserted loosely (see coldStartToFirstWrite) and reported. */
    private static final Duration FIRST_WRITE_GOAL = Duration.ofSeconds(5);

    private Procs procs;
    private HookServer hook;
    private LocalCluster cluster;
    private Path workDir;
    private String export;
    private String localRoot;
    private int dropSeconds;
    private final Map<String, byte[]> written = new LinkedHashMap<>();
    private final Map<String, String> timings = new LinkedHashMap<>();
    private LocalPod killed;
    private long killedAt;
    private int serial;

    @BeforeAll
    void startHookAndBuildCluster() throws Exception {
        procs = new Procs();
        Prerequisites.Account account = Prerequisites.requireOrSkip(procs);
        hook = HookServer.start("127.0.0.1", 0);
        JsonNode response = sync(hook.port(), account);
        workDir = Path.of("target", "real-daemons",
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))).toAbsolutePath();
        Files.createDirectories(workDir);
        Files.writeString(workDir.resolve("sync-response.json"), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(response));
        cluster = LocalCluster.create(response, workDir, procs);
        export = match(cluster.xrootdConfig, "(?m)^\\s*all\\.export\\s+(\\S+)", "all.export");
        localRoot = match(cluster.xrootdConfig, "(?m)^\\s*oss\\.localroot\\s+(\\S+)", "oss.localroot");
        dropSeconds = Integer.parseInt(match(cluster.xrootdConfig, "(?m)^\\s*cms\\.delay\\s.*\\bdrop\\s+([0-9]+)", "cms.delay drop"));
        assertEquals(REDIRECTORS, cluster.redirectors.size());
        assertEquals(WORKERS, cluster.workers.size());
        System.out.println("real-daemon cluster in " + workDir + ": " + cluster.allPods());
    }

    @AfterAll
    void stopEverything() throws IOException {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (hook != null) {
                hook.close();
            }
            if (procs != null) {
                procs.close();
            }
        }
        if (!timings.isEmpty()) {
            StringBuilder report = new StringBuilder("Real-daemon timings (xrootd " + VERSION + ", "
                    + REDIRECTORS + " redirectors, " + WORKERS + " workers, cms.delay drop " + dropSeconds + "):\n");
            timings.forEach((k, v) -> report.append("  ").append(k).append(": ").append(v).append('\n'));
            System.out.print(report);
            Files.writeString(workDir.resolve("timings.txt"), report.toString());
            Files.writeString(workDir.getParent().resolve("timings.txt"), report.toString());
        }
    }

    /** The hook's own answer, over real HTTP, for an Xrootd with a catalog entry for its version. */
    private static JsonNode sync(int port, Prerequisites.Account account) throws Exception {
        ObjectNode request = Json.MAPPER.createObjectNode();
        ObjectNode parent = request.putObject("parent");
        parent.put("apiVersion", "xrootd.org/v1alpha1");
        parent.put("kind", "Xrootd");
        parent.putObject("metadata").put("name", NAME).put("namespace", NAMESPACE).put("uid", "real-daemons").put("generation", 1);
        ObjectNode spec = parent.putObject("spec");
        spec.put("version", VERSION);
        spec.putObject("redirector").put("replicas", REDIRECTORS);
        spec.putObject("worker").put("replicas", WORKERS).putObject("storage").put("capacity", "1Gi");
        // The image's unprivileged user: here the account of the Debian package.
        spec.putObject("securityContext").put("runAsUser", account.uid()).put("runAsGroup", account.gid());
        request.putObject("children");
        ObjectNode version = request.putObject("related").putObject("XrootdVersion.catalog.xrootd.org/v1alpha1").putObject(VERSION);
        version.put("apiVersion", "catalog.xrootd.org/v1alpha1");
        version.put("kind", "XrootdVersion");
        version.putObject("metadata").put("name", VERSION).put("namespace", NAMESPACE);
        version.putObject("spec").put("version", VERSION).put("image", "debian-bookworm/xrootd:" + VERSION);

        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sync"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(request)))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return Json.MAPPER.readTree(response.body());
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
                // Both manager cmsds connected and suspended ("/s"): the daemons are up, the cluster is not.
                waitFor(Duration.ofSeconds(30), () -> cmsState(r).matches("(\\S+/s\\s*){" + REDIRECTORS + "}"), r + " connected to both manager cmsds");
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
    @Timeout(60)
    void everyWorkerLogsInToEveryRedirector() {
        explain(() -> {
            Set<String> workerIps = new TreeSet<>();
            cluster.workers.forEach(w -> workerIps.add(w.host.ip()));
            for (LocalPod r : cluster.redirectors) {
                waitFor(Duration.ofSeconds(30), () -> cluster.subscribedServers(r).equals(workerIps),
                        r + " lists every worker (xrdmapc)");
            }
            for (LocalPod w : cluster.workers) {
                String log = read(w.log("cmsd"));
                for (LocalPod r : cluster.redirectors) {
                    assertTrue(log.contains("Protocol: Logged into " + r.host.fqdn()), w + " cmsd logged in to " + r);
                }
            }
            for (LocalPod r : cluster.redirectors) {
                String log = read(r.log("cmsd"));
                for (LocalPod w : cluster.workers) {
                    Pattern login = Pattern.compile("Primary server\\.[0-9]+:[0-9]+@" + Pattern.quote(w.host.fqdn())
                            + ":" + cluster.xrootdPort + " logged in");
                    assertTrue(login.matcher(log).find(), r + " cmsd saw " + w + " log in");
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
                assertEquals(Set.of(holder.host.ip()), LocalCluster.ipsIn(locate.output()), "xrdfs locate through " + r + ": " + locate.output());
            }

            for (LocalPod r : cluster.redirectors) {
                Path viaHttp = workDir.resolve("client").resolve("proof.http");
                Procs.Result http = cluster.client(CLIENT_TIMEOUT, "curl", "-sS", "-L", "--max-time", "20",
                        "-o", viaHttp.toString(), "-w", "%{http_code} %{num_redirects} %{url_effective}", cluster.httpUrl(r, lfn));
                assertTrue(http.ok(), http.toString());
                assertTrue(http.output().startsWith("200 1 "), "HTTP GET through " + r + ": " + http.output());
                assertTrue(http.output().contains("//" + holder.host.ip() + ":" + cluster.xrootdPort + "/"), "redirected to the holder: " + http.output());
                assertArrayEquals(written.get(lfn), bytes(viaHttp), "HTTP GET through " + r);
            }
        });
    }

    @Test
    @Order(6)
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
    @Order(7)
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
    @Order(8)
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
        String lfn = export + "/" + name;
        byte[] content = ("written through " + redirector.name + " as " + lfn + " at " + System.nanoTime() + "\n")
                .repeat(64).getBytes(StandardCharsets.UTF_8);
        Path source = workDir.resolve("client").resolve(name);
        try {
            Files.write(source, content);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Procs.Result result = cluster.client(timeout, "xrdcp", "-s", source.toString(), cluster.rootUrl(redirector, lfn));
        if (result.ok()) {
            written.put(lfn, content);
        }
        return result;
    }

    /** The one worker whose volume holds the file, with exactly the written content. */
    private LocalPod onlyHolder(String lfn) {
        List<LocalPod> holders = new ArrayList<>();
        for (LocalPod w : cluster.workers) {
            Path file = w.hostPath("xrootd", localRoot + lfn);
            if (Files.exists(file)) {
                holders.add(w);
                assertArrayEquals(written.get(lfn), bytes(file), "content of " + lfn + " on " + w);
            }
        }
        assertEquals(1, holders.size(), lfn + " must be on exactly one worker, is on " + holders);
        return holders.get(0);
    }

    private boolean everyWorkerHoldsAFile() {
        Set<LocalPod> holders = new java.util.HashSet<>();
        written.keySet().forEach(lfn -> holders.add(onlyHolder(lfn)));
        return holders.size() == cluster.workers.size();
    }

    /** Descriptions of the pod's probes of one kind that fail right now; empty when all pass. */
    private List<String> failing(LocalPod pod, String probeField) {
        List<String> failures = new ArrayList<>();
        for (String container : pod.containerNames()) {
            if (pod.container(container).has(probeField)) {
                Procs.Result result = pod.probe(container, probeField, cluster.client);
                if (!result.ok()) {
                    failures.add(container + ": " + result);
                }
            }
        }
        return failures;
    }

    /** What the pod's xrootd reports about its cmsd links (xrootd-ops.md 3.10). */
    private String cmsState(LocalPod pod) {
        return pod.exec("xrootd", List.of("xrdfs", "localhost:" + cluster.xrootdPort, "query", "config", "cms"),
                Duration.ofSeconds(5)).output().strip();
    }

    /** Runs a step; on failure adds every container's last log lines to the message. */
    private void explain(Runnable step) {
        try {
            step.run();
        } catch (AssertionError | RuntimeException e) {
            String logs = cluster == null ? "" : cluster.logTails(25);
            System.out.println(logs);
            fail(e.getMessage() + "\n(container logs: " + (workDir == null ? "none" : workDir.resolve("logs")) + ")", e);
        }
    }

    private static void waitFor(Duration limit, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + limit.toSeconds() + " s: " + what);
            }
            sleep(POLL);
        }
    }

    private static boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String match(String text, String regex, String what) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("the generated xrootd.cf has no " + what + ":\n" + text);
        }
        return m.group(1);
    }

    private static byte[] bytes(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + path, e);
        }
    }

    private static String read(Path path) {
        return new String(bytes(path), StandardCharsets.UTF_8);
    }

    private static String seconds(Duration duration) {
        return String.format("%.2f s", duration.toMillis() / 1000.0);
    }
}
