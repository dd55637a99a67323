package org.xrootd.hook.monitor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.xrootd.hook.json.Json;

/**
 * The cluster's view, a pure function of the latest reports: per redirector (and supervisor) cmsd, the
 * nodes it sees and their state; per worker, free and total bytes. It is what the collector writes to
 * the ConfigMap {@code <cluster>-xrootd-insight} (key {@value #KEY}), so it holds nothing that changes
 * while the cluster does not: no timestamps, no counters, space rounded down to a step of
 * {@link #spaceStep} so that a log line written on a worker's volume does not rewrite it.
 */
public record Insight(String cluster, List<Redirector> redirectors, List<Worker> workers, List<Drain> drains) {
    /** The ConfigMap key that holds {@link #toJson()}. */
    public static final String KEY = "insight.json";
    /** Bump when the format changes incompatibly. */
    public static final int FORMAT = 1;

    public Insight {
        redirectors = List.copyOf(redirectors);
        workers = List.copyOf(workers);
        drains = List.copyOf(drains);
    }

    public Insight(String cluster, List<Redirector> redirectors, List<Worker> workers) {
        this(cluster, redirectors, workers, List.of());
    }

    /** A redirector's or supervisor's cmsd ({@code pod}), whether its reports are stale, and what it sees. */
    public record Redirector(String pod, String role, boolean stale, List<Node> nodes) {
        public Redirector {
            nodes = List.copyOf(nodes);
        }
    }

    /** A subscribed node by pod name, its role (worker, supervisor) and state (active, suspended, disabled, offline). */
    public record Node(String pod, String role, String state) {}

    /** A worker's xrootd: free and total bytes summed over its exported paths' file systems. */
    public record Worker(String pod, boolean stale, long freeBytes, long totalBytes) {}

    /**
     * A drain Job's latest progress line ({@link DrainProgress}) for worker {@code pod}: stale after 3
     * intervals without one (the Job's pod is gone or stuck).
     */
    public record Drain(String pod, String job, String state, boolean stale, long pass, long filesDone, long bytesDone, long filesLeft,
                        long bytesLeft) {}

    public static String name(String cluster) {
        return cluster + "-xrootd-insight";
    }

    /** The view of {@code entries} at {@code nowMillis}; a source is stale after 3 silent intervals. */
    public static Insight of(String cluster, List<ReportStore.Entry> entries, long nowMillis, Duration interval) {
        return of(cluster, entries, List.of(), nowMillis, interval);
    }

    /** As above, with the drains' progress lines; those of another cluster are left out. */
    public static Insight of(String cluster, List<ReportStore.Entry> entries, List<ReportStore.Drain> progress, long nowMillis,
                             Duration interval) {
        Map<String, Redirector> redirectors = new TreeMap<>();
        Map<String, Worker> workers = new TreeMap<>();
        long staleAfter = MonitorMetrics.STALE_INTERVALS * interval.toMillis();
        for (ReportStore.Entry e : entries) {
            Report r = e.report();
            boolean stale = nowMillis - e.receivedMillis() > staleAfter;
            String pod = Names.pod(r.host());
            if ("cmsd".equals(r.program()) && r.cms() != null
                    && (r.role() == Report.Role.REDIRECTOR || r.role() == Report.Role.SUPERVISOR)) {
                List<Node> nodes = new ArrayList<>();
                for (Report.Node n : r.cms().nodes()) {
                    nodes.add(new Node(Names.pod(n.host()), "R".equals(n.role()) ? "supervisor" : "S".equals(n.role()) ? "worker"
                            : "unknown", n.state().label()));
                }
                nodes.sort(Comparator.comparing(Node::pod).thenComparing(Node::role).thenComparing(Node::state));
                redirectors.merge(pod, new Redirector(pod, r.role().label(), stale, nodes), Insight::keepFresh);
            } else if ("xrootd".equals(r.program()) && r.role() == Report.Role.WORKER && !r.paths().isEmpty()) {
                long free = 0;
                long total = 0;
                for (Report.OssPath p : r.paths()) {
                    free = saturatedAdd(free, Math.max(0, p.freeBytes()));
                    total = saturatedAdd(total, Math.max(0, p.totalBytes()));
                }
                long step = spaceStep(total);
                workers.merge(pod, new Worker(pod, stale, free / step * step, total), (a, b) -> a.stale() && !b.stale() ? b : a);
            }
        }
        List<Drain> drains = new ArrayList<>();
        for (ReportStore.Drain d : progress) {
            DrainProgress p = d.progress();
            if (p.cluster().equals(cluster)) {
                drains.add(new Drain(p.worker(), p.job(), p.state(), nowMillis - d.receivedMillis() > staleAfter, p.pass(), p.filesDone(),
                        p.bytesDone(), p.filesLeft(), p.bytesLeft()));
            }
        }
        drains.sort(Comparator.comparing(Drain::pod));
        return new Insight(cluster, new ArrayList<>(redirectors.values()), new ArrayList<>(workers.values()), drains);
    }

    /**
     * Whether two reports of one source contribute the same to the view (stale aside): for a redirector's
     * or supervisor's cmsd its nodes (name, role, state), for a worker's xrootd its space as the view rounds
     * it. Counters and times do not count.
     */
    static boolean sameView(Report a, Report b) {
        if (!a.program().equals(b.program()) || a.role() != b.role() || !a.host().equals(b.host())) {
            return false;
        }
        boolean aCms = a.cms() != null;
        if (aCms != (b.cms() != null)) {
            return false;
        }
        if (aCms) {
            List<Report.Node> x = a.cms().nodes();
            List<Report.Node> y = b.cms().nodes();
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                Report.Node m = x.get(i);
                Report.Node n = y.get(i);
                if (m.state() != n.state() || !m.host().equals(n.host()) || !java.util.Objects.equals(m.role(), n.role())) {
                    return false;
                }
            }
        }
        if (a.paths().size() != b.paths().size()) {
            return false;
        }
        long[] spaceA = space(a);
        long[] spaceB = space(b);
        return spaceA[0] == spaceB[0] && spaceA[1] == spaceB[1];
    }

    /** {free rounded down to the step, total}, as {@link #of} computes them. */
    private static long[] space(Report r) {
        long free = 0;
        long total = 0;
        for (Report.OssPath p : r.paths()) {
            free = saturatedAdd(free, Math.max(0, p.freeBytes()));
            total = saturatedAdd(total, Math.max(0, p.totalBytes()));
        }
        long step = spaceStep(total);
        return new long[] {free / step * step, total};
    }

    private static Redirector keepFresh(Redirector a, Redirector b) {
        return a.stale() && !b.stale() ? b : a;
    }

    /** 1 MiB, or 0.1% of the volume when that is more. */
    static long spaceStep(long totalBytes) {
        return Math.max(1L << 20, totalBytes / 1000);
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /** Deterministic JSON: fields in a fixed order, lists sorted. */
    public String toJson() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("cluster", cluster);
        ArrayNode rs = root.putArray("redirectors");
        for (Redirector r : redirectors) {
            ObjectNode o = rs.addObject();
            o.put("pod", r.pod());
            o.put("role", r.role());
            o.put("stale", r.stale());
            o.put("active", r.nodes().stream().filter(n -> n.state().equals("active")).count());
            ArrayNode nodes = o.putArray("nodes");
            for (Node n : r.nodes()) {
                nodes.addObject().put("pod", n.pod()).put("role", n.role()).put("state", n.state());
            }
        }
        ArrayNode ws = root.putArray("workers");
        for (Worker w : workers) {
            ws.addObject().put("pod", w.pod()).put("stale", w.stale()).put("freeBytes", w.freeBytes()).put("totalBytes", w.totalBytes());
        }
        // Only while a drain reports: an insight without one reads as before drains existed.
        if (!drains.isEmpty()) {
            ArrayNode ds = root.putArray("drains");
            for (Drain d : drains) {
                ds.addObject().put("pod", d.pod()).put("job", d.job()).put("state", d.state()).put("stale", d.stale()).put("pass", d.pass())
                        .put("filesDone", d.filesDone()).put("bytesDone", d.bytesDone()).put("filesLeft", d.filesLeft())
                        .put("bytesLeft", d.bytesLeft());
            }
        }
        try {
            return Json.MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
