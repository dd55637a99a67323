package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.seconds;
import static org.xrootd.hook.daemons.DaemonRun.since;
import static org.xrootd.hook.daemons.DaemonRun.waitFor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.fixtures.Cluster;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Tiers;

/**
 * Seamless, measured (#17 §4): a full rolling update of every role under a client load, on real xrootd/cmsd
 * 5.5.3 (2 redirectors, 3 workers). First a version change through the catalog, then a configuration change
 * every role reads, each applied as the hook renders it, step by step: the hook's answer to the observed
 * cluster moves the redirectors and holds the workers (asserted), the redirectors roll, the hook's next answer
 * releases the workers (asserted), the workers roll. Each pod is replaced as on a real cluster: SIGTERM with
 * its grace period, then created again from the new template with a new IP, highest ordinal first, the next
 * only once it is ready.
 *
 * <p>The load, all through the client Service: a reader reading existing files back and comparing them, a
 * writer writing new files (each with up to 3 attempts, as a client retries a failed xrdcp). The Service is
 * emulated as Kubernetes keeps its endpoints: a redirector leaves it when its pod is deleted and comes back
 * when the new one is ready; each request goes to the next endpoint. Goals: no failed read, no failed write
 * after retries, the longest write (first attempt to success) at most 5 s. Reported every run; asserted: no
 * failed write; reads and the write stall against the bounds 5.5.3 was measured at (see the assertions). The
 * redirectors drain before they stop (the preStop hook the hook renders, run here as the kubelet runs it).
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpgradeUnderLoadRealDaemonTest {
    private static final String NAME = "upgrade";
    private static final int REDIRECTORS = 2;
    private static final int WORKERS = 3;
    private static final int EXISTING = 30;
    private static final int ATTEMPTS = 3;
    private static final Duration STALL_GOAL = Duration.ofSeconds(5);
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(30);

    private DaemonRun run;
    private LocalCluster cluster;
    /** The client Service's ready endpoints. */
    private final List<LocalPod> endpoints = new CopyOnWriteArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private final Map<String, byte[]> existing = new ConcurrentHashMap<>();
    /** Each redirector's replacement: from its endpoint's removal to its new pod's readiness (System.nanoTime). */
    private final List<Span> redirectorReplacements = new CopyOnWriteArrayList<>();
    /** Each worker's replacement: from its stop to its new pod's readiness. */
    private final List<Span> workerReplacements = new CopyOnWriteArrayList<>();

    /** A request or a replacement, from {@code from} to {@code to} (System.nanoTime). */
    private record Span(String what, long from, long to) {
        /** True when {@code request} began inside this span. */
        boolean began(Span request) {
            return from <= request.from && request.from <= to;
        }

        /** True when this span began less than {@code margin} after {@code request} began. */
        boolean beganSoonAfter(Span request, Duration margin) {
            return request.from <= from && from - request.from < margin.toNanos();
        }
    }

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open("upgrade");
        cluster = run.cluster(run.sync(NAME, DaemonRun.spec(REDIRECTORS, WORKERS), 1), Map.of());
        run.timingsHeader("Rolling update of every role under load (xrootd " + DaemonRun.VERSION + ", " + REDIRECTORS
                + " redirectors, " + WORKERS + " workers; version change, then configuration change; pods re-created with new IPs):");
        run.startAllAndWaitReady("upgrade");
        endpoints.addAll(cluster.redirectors);
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    /** The client's environment with XrdCl's debug log in {@code trace} (one file per thread, rewritten by each request). */
    private List<String> traced(Path trace) throws RuntimeException {
        try {
            Files.deleteIfExists(trace);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return List.of("XRD_LOGLEVEL=Debug", "XRD_LOGFILE=" + trace);
    }

    private LocalPod endpoint() {
        List<LocalPod> now = new ArrayList<>(endpoints);
        return now.get(Math.floorMod(next.getAndIncrement(), now.size()));
    }

    @Test
    @Timeout(900)
    void aVersionChangeThenAConfigurationChangeUnderReadsAndWrites() throws Exception {
        for (int i = 0; i < EXISTING; i++) {
            String lfn = "/data/existing-" + i;
            byte[] content = ("existing file " + i + "\n").repeat(2000).getBytes(StandardCharsets.UTF_8);
            Procs.Result put = cluster.client(ATTEMPT_TIMEOUT, "xrdcp", "-s", run.clientFile("existing-" + i, content).toString(),
                    cluster.rootUrl(endpoint(), lfn));
            assertTrue(put.ok(), put.toString());
            existing.put(lfn, content);
        }

        AtomicBoolean loading = new AtomicBoolean(true);
        List<String> failedReads = Collections.synchronizedList(new ArrayList<>());
        List<String> failedWrites = Collections.synchronizedList(new ArrayList<>());
        List<Duration> readTimes = Collections.synchronizedList(new ArrayList<>());
        List<Duration> goodReadTimes = Collections.synchronizedList(new ArrayList<>());
        List<Duration> writeTimes = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger retried = new AtomicInteger();
        List<String> slowWrites = Collections.synchronizedList(new ArrayList<>());
        List<String> slowReads = Collections.synchronizedList(new ArrayList<>());
        // Every failed read and every write over the goal, with its time span.
        List<Span> waited = new CopyOnWriteArrayList<>();
        Map<String, byte[]> written = new ConcurrentHashMap<>();
        List<String> order = new ArrayList<>(existing.keySet());
        Collections.sort(order);
        Thread reader = new Thread(() -> {
            for (int i = 0; loading.get(); i++) {
                String lfn = order.get(i % order.size());
                Path back = run.clientFile("read-back");
                long t = System.nanoTime();
                Path trace = run.clientFile("trace-read");
                Procs.Result get = cluster.clientWith(traced(trace), ATTEMPT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(endpoint(), lfn),
                        back.toString());
                readTimes.add(since(t));
                if (!get.ok() || !java.util.Arrays.equals(existing.get(lfn), DaemonRun.bytes(back))) {
                    failedReads.add(String.format("%s started %s, failed after %s: %s%s", lfn,
                            java.time.LocalTime.now().minus(since(t)), seconds(since(t)), get, ClientTrace.summary(trace)));
                    waited.add(new Span("failed read of " + lfn, t, System.nanoTime()));
                } else {
                    goodReadTimes.add(since(t));
                }
                if (get.ok() && since(t).compareTo(STALL_GOAL) > 0) {
                    slowReads.add(String.format("%s took %s:%s", lfn, seconds(since(t)), ClientTrace.summary(trace)));
                    waited.add(new Span("read of " + lfn + " in " + seconds(since(t)), t, System.nanoTime()));
                }
            }
        }, "reader");
        Thread writer = new Thread(() -> {
            for (int i = 0; loading.get(); i++) {
                String lfn = "/data/new-" + i;
                byte[] content = ("new file " + i + "\n").repeat(2000).getBytes(StandardCharsets.UTF_8);
                Path source = run.clientFile("new-" + i, content);
                long t = System.nanoTime();
                Procs.Result put = null;
                List<String> attempts = new ArrayList<>();
                for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                    // -f: a retry replaces what a failed attempt may have left (xrdcp --force).
                    LocalPod to = endpoint();
                    long a = System.nanoTime();
                    Path trace = run.clientFile("trace-write");
                    put = cluster.clientWith(traced(trace), ATTEMPT_TIMEOUT, "xrdcp", "-f", "-s", source.toString(), cluster.rootUrl(to, lfn));
                    attempts.add(String.format("attempt %d at %s via %s: %s in %s %s%s", attempt, java.time.LocalTime.now().minus(since(a)),
                            to.name, put.ok() ? "ok" : "failed", seconds(since(a)), put.ok() ? "" : put.output().strip(),
                            since(a).compareTo(STALL_GOAL) > 0 || !put.ok() ? ClientTrace.summary(trace) : ""));
                    if (put.ok()) {
                        break;
                    }
                    retried.incrementAndGet();
                }
                writeTimes.add(since(t));
                if (since(t).compareTo(STALL_GOAL) > 0) {
                    slowWrites.add(lfn + " took " + seconds(since(t)) + ": " + attempts);
                    waited.add(new Span("write of " + lfn + " in " + seconds(since(t)), t, System.nanoTime()));
                }
                if (put.ok()) {
                    written.put(lfn, content);
                } else {
                    failedWrites.add(lfn + ": " + put);
                }
            }
        }, "writer");
        reader.start();
        writer.start();
        DaemonRun.sleep(Duration.ofSeconds(5));

        List<String> steps = new ArrayList<>();
        long begin = System.nanoTime();
        JsonNode applied = Json.MAPPER.readTree(Files.readString(run.workDir.resolve("sync-response-1.json")));
        try {
            // 1. A version change through the catalog (a new XrootdVersion, the same image here: every pod's
            //    template changes through its version label).
            ObjectNode upgraded = DaemonRun.spec(REDIRECTORS, WORKERS);
            upgraded.put("version", DaemonRun.VERSION + "-1");
            applied = rollInOrder("version change", upgraded, 2, applied, steps, begin);
            double versionSeconds = since(begin).toMillis() / 1000.0;

            // 2. A configuration change every role reads (spec.config.all).
            long configBegin = System.nanoTime();
            ObjectNode reconfigured = upgraded.deepCopy();
            reconfigured.putObject("config").putArray("all").add("xrootd.trace emsg login");
            applied = rollInOrder("configuration change", reconfigured, 3, applied, steps, configBegin);
            double configSeconds = since(configBegin).toMillis() / 1000.0;
            run.timings.put("version change: every role rolled, in order", String.format("%.1f s", versionSeconds));
            run.timings.put("configuration change: every role rolled, in order", String.format("%.1f s", configSeconds));
            DaemonRun.sleep(Duration.ofSeconds(3));
        } finally {
            loading.set(false);
            reader.join(Duration.ofSeconds(120).toMillis());
            writer.join(Duration.ofSeconds(200).toMillis());
        }
        Duration total = since(begin);
        Duration longestWrite = writeTimes.stream().max(Duration::compareTo).orElse(Duration.ZERO);
        Duration longestRead = readTimes.stream().max(Duration::compareTo).orElse(Duration.ZERO);
        Duration longestGoodRead = goodReadTimes.stream().max(Duration::compareTo).orElse(Duration.ZERO);
        long overGoal = writeTimes.stream().filter(d -> d.compareTo(STALL_GOAL) > 0).count();
        run.timings.put("total update time (both changes, every pod of every role)", seconds(total));
        run.timings.put("reads", readTimes.size() + ", failed " + failedReads.size() + " (goal 0), longest " + seconds(longestRead)
                + ", longest that succeeded " + seconds(longestGoodRead));
        run.timings.put("writes", writeTimes.size() + ", failed after " + ATTEMPTS + " attempts " + failedWrites.size()
                + " (goal 0), attempts retried " + retried.get() + ", longest (first attempt to success) " + seconds(longestWrite)
                + " (goal <= 5 s), over 5 s: " + overGoal);
        run.timings.put("steps (seconds since the update began)", "\n      " + String.join("\n      ", steps));
        failedReads.forEach(f -> System.out.println("failed read: " + f));
        failedWrites.forEach(f -> System.out.println("failed write: " + f));
        slowWrites.forEach(f -> System.out.println("write over 5 s: " + f));
        run.timings.put("failed reads", failedReads.isEmpty() ? "none" : "\n      " + String.join("\n      ", failedReads));
        run.timings.put("writes over 5 s", slowWrites.isEmpty() ? "none" : "\n      " + String.join("\n      ", slowWrites));
        run.timings.put("reads over 5 s", slowReads.isEmpty() ? "none" : "\n      " + String.join("\n      ", slowReads));
        // The failed reads and the reads and writes over 5 s that began while a redirector was replaced, at least 1 s
        // before the next worker's replacement began (the workers roll right after the last redirector is ready).
        List<String> redirectorWaits = waited.stream()
                .filter(request -> redirectorReplacements.stream().anyMatch(r -> r.began(request)))
                .filter(request -> workerReplacements.stream().noneMatch(w -> w.beganSoonAfter(request, Duration.ofSeconds(1))))
                .map(request -> request.what() + ", begun during the replacement of " + redirectorReplacements.stream()
                        .filter(r -> r.began(request)).map(Span::what).toList())
                .toList();
        run.timings.put("failed or over 5 s, begun while a redirector was replaced", redirectorWaits.isEmpty() ? "none"
                : "\n      " + String.join("\n      ", redirectorWaits));

        // Everything written before and during the update reads back identical afterwards.
        for (Map.Entry<String, byte[]> file : written.entrySet()) {
            Path back = run.clientFile("final-back");
            Procs.Result get = cluster.client(ATTEMPT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(endpoint(), file.getKey()), back.toString());
            assertTrue(get.ok(), file.getKey() + ": " + get);
            assertArrayEquals(file.getValue(), DaemonRun.bytes(back), file.getKey());
        }
        // A write takes about 1 s; the update about 90 s (each redirector drains 3-8 s before it stops).
        assertTrue(readTimes.size() >= 20 && writeTimes.size() >= 10, "the load ran: " + readTimes.size() + " reads, " + writeTimes.size() + " writes");
        assertEquals(List.of(), failedWrites, "failed writes after retries");
        // Before the redirectors' preStop drain every redirector replacement reset the requests in flight on it,
        // and XrdCl retried them at the same redirector until the 30 s attempt timeout (XrdClXRootDMsgHandler.cc,
        // HandleError: a connection error at the load balancer itself is retried there): 0-2 failed reads and
        // 1-2 writes of 32-41 s per run. With the drain, every redirector's xrootd still asked redirector-0's cmsd
        // (XRootD sorts all.manager), also while it was suspended after its restart: in the five traced runs of
        // 2026-12-06 before the change every write over 5 s (6.1-12.1 s, two per run) and all six failed reads
        // ([3011]) fell in redirector-0's restart. Each redirector's xrootd asks its own pod's cmsd since
        // (docs/real-daemons.md, five runs): none in the 20 redirector replacements; 0, 1, 0, 0 and 0 failed reads
        // of 617-1413 (the one: a read in flight on a worker when it stopped, retried with that worker excluded as
        // tried: [3011] after 0.11 s), longest read 2.1-6.5 s and longest write 4.1-6.6 s, each over 5 s in a
        // worker's replacement (a worker's files have no other copy; it is away 5-7 s), no retried write.
        // Bounds: no failed read and no read or write over 5 s begun while a redirector was replaced, at least 1 s
        // before a worker's replacement (three and four in two runs before the change: it failed there); at most
        // 3 failed reads, and only by waiting for the server ([3011] or the timeout); at most one retried attempt;
        // no read that succeeded and no write over 10 s (6.6 s seen; a redirector-0 wait as before took 6.1-12.1 s,
        // a `cms.delay service` of 15 s or a write that hung for the client's 30 s fails it).
        assertEquals(List.of(), redirectorWaits, "failed or over 5 s, begun while a redirector was replaced");
        assertTrue(failedReads.size() <= 3, "failed reads: " + failedReads);
        for (String failed : failedReads) {
            assertTrue(failed.contains("[3011] No servers are available to read the file") || failed.contains("timed out"),
                    "a read that failed otherwise than by waiting for its server (wrong content?): " + failed);
        }
        assertTrue(retried.get() <= 1, retried.get() + " write attempts retried: " + slowWrites);
        assertTrue(longestGoodRead.compareTo(Duration.ofSeconds(10)) <= 0, "longest read that succeeded " + seconds(longestGoodRead)
                + ": " + slowReads);
        assertTrue(longestWrite.compareTo(Duration.ofSeconds(10)) <= 0, "longest write " + seconds(longestWrite) + ": " + slowWrites);
    }

    /**
     * One change as the hook rolls it: its answer for the cluster as applied moves the redirectors and holds the
     * workers; the redirectors are replaced; its answer once they are done releases the workers; they are
     * replaced. Returns the response the cluster now runs.
     */
    private JsonNode rollInOrder(String what, ObjectNode spec, long generation, JsonNode applied, List<String> steps, long begin)
            throws Exception {
        JsonNode first = run.sync(NAME, spec, generation, observed(applied, "2026-12-01T00:00:00Z"));
        JsonNode redirectorTemplate = template(first, "redirector");
        assertNotEquals(template(applied, "redirector"), redirectorTemplate, what + ": the redirectors move first");
        assertEquals(label(applied, "worker"), label(first, "worker"), what + ": the workers' template is held");
        assertEquals(hash(applied, "worker"), hash(first, "worker"), what + ": the workers' template is held");
        // The cluster as the API server then holds it: the redirectors' new template, the workers' old one.
        ObjectNode asApplied = ((ObjectNode) first).deepCopy();
        setTemplate(asApplied, "worker", template(applied, "worker"));
        cluster.adopt(asApplied);
        steps.add(String.format("%6.1f s  %s: the hook moves the redirectors, holds the workers", since(begin).toMillis() / 1000.0, what));
        roll(cluster.redirectors, redirectorTemplate, true, steps, begin);

        JsonNode second = run.sync(NAME, spec, generation, observed(asApplied, "2026-12-01T00:01:00Z"));
        assertEquals(redirectorTemplate, template(second, "redirector"));
        assertNotEquals(hash(applied, "worker") + label(applied, "worker"), hash(second, "worker") + label(second, "worker"),
                what + ": the workers follow once the redirectors are ready");
        cluster.adopt(second);
        steps.add(String.format("%6.1f s  %s: the hook releases the workers", since(begin).toMillis() / 1000.0, what));
        roll(cluster.workers, template(second, "worker"), false, steps, begin);
        return second;
    }

    /** A StatefulSet's rolling update: highest ordinal first, each pod re-created with a new IP, the next once it is ready. */
    private void roll(List<LocalPod> pods, JsonNode template, boolean serviceEndpoints, List<String> steps, long begin) throws IOException {
        for (int i = pods.size() - 1; i >= 0; i--) {
            LocalPod pod = pods.get(i);
            long leaving = System.nanoTime();
            if (serviceEndpoints) {
                endpoints.remove(pod);
            }
            Duration stopped = cluster.replaceWithNewAddress(pod, template);
            long started = System.nanoTime();
            // The preStop drain the hook renders for redirectors (start.sh stop) ran in each container and returned.
            String drained = "";
            if (serviceEndpoints) {
                assertEquals(Set.of("cmsd", "xrootd"), pod.preStops.keySet(), pod + ": a preStop hook in each container");
                for (Map.Entry<String, Procs.Result> hook : new java.util.TreeMap<>(pod.preStops).entrySet()) {
                    assertTrue(hook.getValue().ok(), pod + " preStop " + hook.getKey() + ": " + hook.getValue());
                    drained += ", preStop " + hook.getKey() + " " + seconds(hook.getValue().took());
                }
                pod.preStops.clear();
            }
            waitFor(Duration.ofSeconds(90), () -> cluster.ready(pod), pod + " ready after its replacement");
            if (serviceEndpoints) {
                endpoints.add(pod);
                redirectorReplacements.add(new Span(pod.name, leaving, System.nanoTime()));
            } else {
                workerReplacements.add(new Span(pod.name, leaving, System.nanoTime()));
            }
            steps.add(String.format("%6.1f s  %s replaced (stopped in %s%s, new IP %s, ready after %s)", since(begin).toMillis() / 1000.0,
                    pod.name, seconds(stopped), drained, pod.host.ip(), seconds(since(started))));
        }
    }

    /**
     * The children of {@code response} as Metacontroller would send them once applied and every pod is ready
     * (the fixtures' model of the API server), owned by this run's parent.
     */
    private static List<ObjectNode> observed(JsonNode response, String time) {
        List<ObjectNode> children = Cluster.applied((ObjectNode) response.deepCopy(), time, REDIRECTORS, WORKERS);
        for (ObjectNode child : children) {
            ObjectNode metadata = (ObjectNode) child.get("metadata");
            ((ObjectNode) metadata.get("labels")).put("controller-uid", "real-daemons-" + NAME);
            metadata.get("ownerReferences").forEach(owner -> ((ObjectNode) owner).put("uid", "real-daemons-" + NAME));
        }
        return children;
    }

    private static JsonNode statefulSet(JsonNode response, String component) {
        for (JsonNode child : response.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText())
                    && component.equals(child.path("metadata").path("labels").path("app.kubernetes.io/component").asText())) {
                return child;
            }
        }
        throw new AssertionError("no " + component + " StatefulSet");
    }

    private static JsonNode template(JsonNode response, String component) {
        return statefulSet(response, component).path("spec").path("template");
    }

    private static void setTemplate(ObjectNode response, String component, JsonNode template) {
        ((ObjectNode) statefulSet(response, component).get("spec")).set("template", template.deepCopy());
    }

    private static String hash(JsonNode response, String component) {
        return template(response, component).path("metadata").path("annotations").path("xrootd.org/config-hash").asText();
    }

    private static String label(JsonNode response, String component) {
        return template(response, component).path("metadata").path("labels").path("app.kubernetes.io/version").asText();
    }
}
