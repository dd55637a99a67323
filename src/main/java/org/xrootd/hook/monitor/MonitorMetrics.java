package org.xrootd.hook.monitor;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.xrootd.hook.monitor.Report.NodeState;

/**
 * The collector's {@code /metrics}: one series per source and field of its latest report, labelled
 * {@code cluster}, {@code pod} (the host name's first label), {@code role} (redirector, supervisor,
 * worker), {@code program} (xrootd, cmsd) and {@code instance_name} (the daemon's {@code -n}). Counters
 * are the daemons' own cumulative counters; a daemon restart resets them, which {@code rate()} handles.
 * {@link #NAMES} lists every metric name (the dashboard and rule tests check against it).
 *
 * <p>The text (Prometheus text format 0.0.4) is written directly as bytes, only when scraped: at 1000
 * workers a scrape is about 55,000 series and 7 MiB, and building the client library's snapshots (a
 * {@code Labels} object and a data point per series, every value through {@code Double.toString}) cost
 * more than receiving the reports. Each source's labels are escaped once per scrape; integers are
 * written as integers. Families come in name order, each source's series in the store's order (host,
 * program, instance); sources whose labels coincide (two hosts of one pod name) are one series: the last
 * value for a field, the sum for the node counts. {@code MetricsEquivalenceTest} checks the output against
 * the library's rendering.
 */
public final class MonitorMetrics {
    /** Every metric this collector exports, as Prometheus names it (counters with {@code _total}). */
    public static final List<String> NAMES = List.of(
            "xrootd_report_age_seconds", "xrootd_report_stale", "xrootd_report_interval_seconds", "xrootd_start_time_seconds",
            "xrootd_link_in_bytes_total", "xrootd_link_out_bytes_total", "xrootd_link_connections",
            "xrootd_link_connections_accepted_total", "xrootd_link_max_connections", "xrootd_link_timeouts_total", "xrootd_link_stalls_total",
            "xrootd_process_cpu_seconds_total",
            "xrootd_sched_threads", "xrootd_sched_idle_threads", "xrootd_sched_queued_jobs", "xrootd_sched_jobs_total",
            "xrootd_sched_thread_limit_hits_total", "xrootd_buffer_memory_bytes",
            "xrootd_xrootd_logins_total", "xrootd_xrootd_auth_failures_total", "xrootd_xrootd_errors_total",
            "xrootd_xrootd_redirects_total", "xrootd_xrootd_opens_total",
            "xrootd_ofs_errors_total", "xrootd_ofs_tpc_granted_total", "xrootd_ofs_tpc_denied_total", "xrootd_ofs_tpc_errors_total",
            "xrootd_ofs_tpc_expired_total",
            "xrootd_oss_space_total_bytes", "xrootd_oss_space_free_bytes", "xrootd_oss_inodes_free",
            "xrootd_cache_store_bytes", "xrootd_cache_used_bytes",
            "xrootd_cms_nodes", "xrootd_cms_node_state",
            "xrootd_monitor_datagrams_total", "xrootd_monitor_sources");

    /** The source is stale after this many silent intervals. */
    public static final int STALE_INTERVALS = 3;

    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final NodeState[] STATES = NodeState.values();

    private enum Kind {
        /** One series per source, a number of its report. */
        FIELD,
        AGE, STALE, CPU, PATH_TOTAL, PATH_FREE, PATH_INODES_FREE, CMS_NODES, CMS_NODE_STATE,
        /** The collector's own, labelled by cluster only. */
        INTERVAL, SOURCES, DATAGRAMS
    }

    /** One metric family: its name as exported, its header lines, and how its series are found. */
    private record Family(String name, Kind kind, ToLongFunction<Report> field, byte[] header, byte[] nameBytes) {
        static Family of(String base, boolean counter, Kind kind, ToLongFunction<Report> field) {
            String name = counter ? base + "_total" : base;
            String header = "# HELP " + name + " " + help(base) + "\n# TYPE " + name + " " + (counter ? "counter" : "gauge") + "\n";
            return new Family(name, kind, field, header.getBytes(StandardCharsets.UTF_8), name.getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static Family gauge(String name, ToLongFunction<Report> field) {
        return Family.of(name, false, Kind.FIELD, field);
    }

    private static Family counter(String name, ToLongFunction<Report> field) {
        return Family.of(name, true, Kind.FIELD, field);
    }

    private static Family gauge(String name, Kind kind) {
        return Family.of(name, false, kind, null);
    }

    private static Family counter(String name, Kind kind) {
        return Family.of(name, true, kind, null);
    }

    private static final long ABSENT = Report.ABSENT;

    /** In the order of their exported names, as the library sorted them. */
    private static final List<Family> FAMILIES = List.of(
            gauge("xrootd_buffer_memory_bytes", r -> r.buff() == null ? ABSENT : r.buff().memoryBytes()),
            gauge("xrootd_cache_store_bytes", r -> r.cache() == null ? ABSENT : r.cache().storeBytes()),
            gauge("xrootd_cache_used_bytes", r -> r.cache() == null ? ABSENT : r.cache().usedBytes()),
            gauge("xrootd_cms_node_state", Kind.CMS_NODE_STATE),
            gauge("xrootd_cms_nodes", Kind.CMS_NODES),
            gauge("xrootd_link_connections", r -> r.link() == null ? ABSENT : r.link().connections()),
            counter("xrootd_link_connections_accepted", r -> r.link() == null ? ABSENT : r.link().connectionsTotal()),
            counter("xrootd_link_in_bytes", r -> r.link() == null ? ABSENT : r.link().inBytes()),
            gauge("xrootd_link_max_connections", r -> r.link() == null ? ABSENT : r.link().maxConnections()),
            counter("xrootd_link_out_bytes", r -> r.link() == null ? ABSENT : r.link().outBytes()),
            counter("xrootd_link_stalls", r -> r.link() == null ? ABSENT : r.link().stalls()),
            counter("xrootd_link_timeouts", r -> r.link() == null ? ABSENT : r.link().timeouts()),
            counter("xrootd_monitor_datagrams", Kind.DATAGRAMS),
            gauge("xrootd_monitor_sources", Kind.SOURCES),
            counter("xrootd_ofs_errors", r -> r.ofs() == null ? ABSENT : r.ofs().errors()),
            counter("xrootd_ofs_tpc_denied", r -> r.ofs() == null ? ABSENT : r.ofs().tpcDenied()),
            counter("xrootd_ofs_tpc_errors", r -> r.ofs() == null ? ABSENT : r.ofs().tpcErrors()),
            counter("xrootd_ofs_tpc_expired", r -> r.ofs() == null ? ABSENT : r.ofs().tpcExpired()),
            counter("xrootd_ofs_tpc_granted", r -> r.ofs() == null ? ABSENT : r.ofs().tpcGranted()),
            gauge("xrootd_oss_inodes_free", Kind.PATH_INODES_FREE),
            gauge("xrootd_oss_space_free_bytes", Kind.PATH_FREE),
            gauge("xrootd_oss_space_total_bytes", Kind.PATH_TOTAL),
            counter("xrootd_process_cpu_seconds", Kind.CPU),
            gauge("xrootd_report_age_seconds", Kind.AGE),
            gauge("xrootd_report_interval_seconds", Kind.INTERVAL),
            gauge("xrootd_report_stale", Kind.STALE),
            gauge("xrootd_sched_idle_threads", r -> r.sched() == null ? ABSENT : r.sched().idle()),
            counter("xrootd_sched_jobs", r -> r.sched() == null ? ABSENT : r.sched().jobs()),
            gauge("xrootd_sched_queued_jobs", r -> r.sched() == null ? ABSENT : r.sched().queued()),
            counter("xrootd_sched_thread_limit_hits", r -> r.sched() == null ? ABSENT : r.sched().threadLimitHits()),
            gauge("xrootd_sched_threads", r -> r.sched() == null ? ABSENT : r.sched().threads()),
            gauge("xrootd_start_time_seconds", Report::startedAt),
            counter("xrootd_xrootd_auth_failures", r -> r.xrootd() == null ? ABSENT : r.xrootd().authFailures()),
            counter("xrootd_xrootd_errors", r -> r.xrootd() == null ? ABSENT : r.xrootd().errors()),
            counter("xrootd_xrootd_logins", r -> r.xrootd() == null ? ABSENT : r.xrootd().logins()),
            counter("xrootd_xrootd_opens", r -> r.xrootd() == null ? ABSENT : r.xrootd().opens()),
            counter("xrootd_xrootd_redirects", r -> r.xrootd() == null ? ABSENT : r.xrootd().redirects()));

    private final ReportStore store;
    private final Duration interval;
    /** {@code cluster="…"}, escaped. */
    private final String clusterText;
    private final byte[] clusterLabel;
    /** The size of the last scrape: the next one's buffer starts there. */
    private volatile int lastSize = 1 << 16;

    public MonitorMetrics(ReportStore store, String cluster, Duration interval) {
        this.store = store;
        this.interval = interval;
        this.clusterText = labelText("cluster", cluster);
        this.clusterLabel = clusterText.getBytes(StandardCharsets.UTF_8);
    }

    /** The text of one scrape. */
    public byte[] scrape() {
        Text text = render();
        return Arrays.copyOf(text.bytes, text.length);
    }

    /** The text of one scrape as a stream over its buffer (no copy: the HTTP handler's). */
    public InputStream scrapeStream() {
        Text text = render();
        return new ByteArrayInputStream(text.bytes, 0, text.length);
    }

    public String contentType() {
        return CONTENT_TYPE;
    }

    /**
     * The sources whose labels are equal, in the store's order; {@code before} are the labels that sort
     * before the ones a family adds ({@code cluster}, {@code instance_name}), {@code after} the others
     * ({@code pod}, {@code program}, {@code role}), so that every series has its labels in name order.
     */
    private static final class Group {
        final byte[] before;
        final byte[] after;
        final List<ReportStore.Entry> entries = new ArrayList<>(1);

        Group(byte[] before, byte[] after) {
            this.before = before;
            this.after = after;
        }
    }

    private Text render() {
        List<ReportStore.Entry> entries = store.entries();
        long now = store.now();
        Map<String, Group> byLabels = new LinkedHashMap<>();
        for (ReportStore.Entry e : entries) {
            Report r = e.report();
            String before = clusterText + "," + labelText("instance_name", r.instance());
            String after = labelText("pod", Names.pod(r.host())) + "," + labelText("program", r.program()) + ","
                    + labelText("role", r.role().label());
            byLabels.computeIfAbsent(before + "\u0000" + after, k -> new Group(before.getBytes(StandardCharsets.UTF_8),
                    after.getBytes(StandardCharsets.UTF_8))).entries.add(e);
        }
        List<Group> groups = new ArrayList<>(byLabels.values());
        Text out = new Text(lastSize + (lastSize >> 3));
        for (Family f : FAMILIES) {
            int start = out.length;
            out.write(f.header());
            int series = out.length;
            switch (f.kind()) {
                case FIELD -> {
                    for (Group g : groups) {
                        long v = ABSENT;
                        for (ReportStore.Entry e : g.entries) {
                            long x = f.field().applyAsLong(e.report());
                            if (x >= 0) {
                                v = x;
                            }
                        }
                        if (v >= 0) {
                            out.series(f, g, null, null);
                            out.number(v);
                        }
                    }
                }
                case AGE, STALE -> {
                    long staleAfter = STALE_INTERVALS * interval.toMillis();
                    for (Group g : groups) {
                        long ageMillis = Math.max(0, now - g.entries.get(g.entries.size() - 1).receivedMillis());
                        out.series(f, g, null, null);
                        if (f.kind() == Kind.AGE) {
                            out.number(ageMillis / 1000.0);
                        } else {
                            out.number(ageMillis / 1000.0 > staleAfter / 1000.0 ? 1 : 0);
                        }
                    }
                }
                case CPU -> {
                    for (Group g : groups) {
                        double user = -1;
                        double system = -1;
                        for (ReportStore.Entry e : g.entries) {
                            Report.Proc p = e.report().proc();
                            if (p != null) {
                                user = p.userSeconds() >= 0 ? p.userSeconds() : user;
                                system = p.systemSeconds() >= 0 ? p.systemSeconds() : system;
                            }
                        }
                        if (system >= 0) {
                            out.series(f, g, MODE_SYSTEM, null);
                            out.number(system);
                        }
                        if (user >= 0) {
                            out.series(f, g, MODE_USER, null);
                            out.number(user);
                        }
                    }
                }
                case PATH_TOTAL, PATH_FREE, PATH_INODES_FREE -> {
                    for (Group g : groups) {
                        paths(out, f, g);
                    }
                }
                case CMS_NODES -> {
                    for (Group g : groups) {
                        long[] counts = null;
                        for (ReportStore.Entry e : g.entries) {
                            if (nodeCounting(e.report())) {
                                counts = counts == null ? new long[STATES.length] : counts;
                                for (Report.Node node : e.report().cms().nodes()) {
                                    counts[node.state().ordinal()]++;
                                }
                            }
                        }
                        if (counts != null) {
                            for (NodeState state : SORTED_STATES) {
                                out.series(f, g, null, STATE_LABELS[state.ordinal()]);
                                out.number(counts[state.ordinal()]);
                            }
                        }
                    }
                }
                case CMS_NODE_STATE -> {
                    for (Group g : groups) {
                        nodeStates(out, f, g);
                    }
                }
                case INTERVAL -> {
                    out.own(f, null);
                    out.number(interval.toMillis() / 1000.0);
                }
                case SOURCES -> {
                    out.own(f, null);
                    out.number(entries.size());
                }
                case DATAGRAMS -> {
                    out.own(f, RESULT_DRAIN);
                    out.number(store.drainLines());
                    out.own(f, RESULT_DROPPED);
                    out.number(store.dropped());
                    out.own(f, RESULT_ERROR);
                    out.number(store.rejected());
                    out.own(f, RESULT_REPORT);
                    out.number(store.accepted());
                }
                default -> throw new IllegalStateException(f.kind().toString());
            }
            if (out.length == series) {
                out.length = start;   // no series: no family
            }
        }
        lastSize = out.length;
        return out;
    }

    private static boolean nodeCounting(Report r) {
        return r.cms() != null && (r.role() == Report.Role.REDIRECTOR || r.role() == Report.Role.SUPERVISOR) && "cmsd".equals(r.program());
    }

    /** One series per exported path of the group's reports; a path listed twice keeps its last value. */
    private static void paths(Text out, Family f, Group g) {
        if (g.entries.size() == 1) {
            List<Report.OssPath> paths = g.entries.get(0).report().paths();
            boolean distinct = true;
            for (int i = 1; i < paths.size() && distinct; i++) {
                for (int j = 0; j < i; j++) {
                    distinct &= !paths.get(i).localPath().equals(paths.get(j).localPath());
                }
            }
            if (distinct) {
                for (Report.OssPath p : paths) {
                    long v = pathValue(f.kind(), p);
                    if (v >= 0) {
                        out.series(f, g, label("path", p.localPath()), null);
                        out.number(v);
                    }
                }
                return;
            }
        }
        Map<String, Long> values = new LinkedHashMap<>();
        for (ReportStore.Entry e : g.entries) {
            for (Report.OssPath p : e.report().paths()) {
                long v = pathValue(f.kind(), p);
                if (v >= 0) {
                    values.put(p.localPath(), v);
                }
            }
        }
        values.forEach((path, v) -> {
            out.series(f, g, label("path", path), null);
            out.number(v);
        });
    }

    private static long pathValue(Kind kind, Report.OssPath p) {
        return switch (kind) {
            case PATH_TOTAL -> p.totalBytes();
            case PATH_FREE -> p.freeBytes();
            default -> p.freeInodes();
        };
    }

    /** Per node (by pod name and role) of the group's manager reports: 1 for its state, 0 for the others (summed if listed twice). */
    private static void nodeStates(Text out, Family f, Group g) {
        Map<String, long[]> nodes = null;
        for (ReportStore.Entry e : g.entries) {
            if (!nodeCounting(e.report())) {
                continue;
            }
            nodes = nodes == null ? new LinkedHashMap<>() : nodes;
            for (Report.Node node : e.report().cms().nodes()) {
                String labels = labelText("node", Names.pod(node.host())) + "," + labelText("node_role", nodeRole(node.role()));
                nodes.computeIfAbsent(labels, k -> new long[STATES.length])[node.state().ordinal()]++;
            }
        }
        if (nodes == null) {
            return;
        }
        nodes.forEach((labels, counts) -> {
            byte[] node = labels.getBytes(StandardCharsets.UTF_8);
            for (NodeState state : SORTED_STATES) {
                out.series(f, g, node, STATE_LABELS[state.ordinal()]);
                out.number(counts[state.ordinal()]);
            }
        });
    }

    private static String nodeRole(String cmsRole) {
        if (cmsRole == null) {
            return "unknown";
        }
        return switch (cmsRole) {
            case "S" -> "worker";
            case "R" -> "supervisor";
            case "M" -> "redirector";
            default -> "unknown";
        };
    }

    /** The states in the order of their labels (the order the library wrote them in). */
    private static final List<NodeState> SORTED_STATES;
    /** {@code state="…"} by ordinal. */
    private static final byte[][] STATE_LABELS = new byte[STATES.length][];

    static {
        List<NodeState> sorted = new ArrayList<>(List.of(STATES));
        sorted.sort((a, b) -> a.label().compareTo(b.label()));
        SORTED_STATES = List.copyOf(sorted);
        for (NodeState s : STATES) {
            STATE_LABELS[s.ordinal()] = label("state", s.label());
        }
    }

    private static final byte[] MODE_USER = label("mode", "user");
    private static final byte[] MODE_SYSTEM = label("mode", "system");
    private static final byte[] RESULT_REPORT = label("result", "report");
    private static final byte[] RESULT_DRAIN = label("result", "drain");
    private static final byte[] RESULT_ERROR = label("result", "error");
    private static final byte[] RESULT_DROPPED = label("result", "dropped");

    static byte[] label(String name, String value) {
        return labelText(name, value).getBytes(StandardCharsets.UTF_8);
    }

    /** {@code name="value"}, the value escaped as the text format asks (backslash, double quote, line feed). */
    static String labelText(String name, String value) {
        StringBuilder b = new StringBuilder(name.length() + value.length() + 3).append(name).append("=\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '"' -> b.append("\\\"");
                case '\n' -> b.append("\\n");
                default -> b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** A growing byte buffer with the writes a series line needs. */
    private final class Text {
        byte[] bytes;
        int length;

        Text(int capacity) {
            bytes = new byte[Math.max(4096, capacity)];
        }

        private void room(int n) {
            if (length + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
            }
        }

        void write(byte[] b) {
            room(b.length);
            System.arraycopy(b, 0, bytes, length, b.length);
            length += b.length;
        }

        void write(char c) {
            room(1);
            bytes[length++] = (byte) c;
        }

        /** {@code name{before,middle,after,last} } (the value follows). */
        void series(Family f, Group g, byte[] middle, byte[] last) {
            write(f.nameBytes());
            write('{');
            write(g.before);
            write(',');
            if (middle != null) {
                write(middle);
                write(',');
            }
            write(g.after);
            if (last != null) {
                write(',');
                write(last);
            }
            write('}');
            write(' ');
        }

        /** A series of the collector's own: {@code name{cluster="…"[,extra]} }. */
        void own(Family f, byte[] extra) {
            write(f.nameBytes());
            write('{');
            write(clusterLabel);
            if (extra != null) {
                write(',');
                write(extra);
            }
            write('}');
            write(' ');
        }

        private void writeAscii(String s) {
            room(s.length());
            for (int i = 0; i < s.length(); i++) {
                bytes[length++] = (byte) s.charAt(i);
            }
        }

        /** A non-negative integer, then the line's end. */
        void number(long v) {
            room(21);
            if (v == 0) {
                bytes[length++] = '0';
            } else {
                int end = length + digits(v);
                int i = end;
                while (v > 0) {
                    bytes[--i] = (byte) ('0' + v % 10);
                    v /= 10;
                }
                length = end;
            }
            bytes[length++] = '\n';
        }

        /** A double as Java writes it (an integral one as an integer), then the line's end. */
        void number(double v) {
            if (v >= 0 && v < 1e15 && v == Math.rint(v)) {
                number((long) v);
            } else {
                writeAscii(Double.toString(v));
                write('\n');
            }
        }
    }

    private static int digits(long v) {
        int n = 1;
        while (v >= 10) {
            v /= 10;
            n++;
        }
        return n;
    }

    /** One line of help per metric; the report field it comes from in parentheses. */
    static String help(String name) {
        return switch (name) {
            case "xrootd_report_age_seconds" -> "Seconds since this source's latest summary report arrived";
            case "xrootd_report_stale" -> "1 when the source missed " + STALE_INTERVALS + " report intervals";
            case "xrootd_report_interval_seconds" -> "The report interval the collector expects (--interval)";
            case "xrootd_start_time_seconds" -> "When the daemon started, seconds since the epoch (tos)";
            case "xrootd_link_in_bytes" -> "Bytes received on all links (link.in)";
            case "xrootd_link_out_bytes" -> "Bytes sent on all links (link.out)";
            case "xrootd_link_connections" -> "Connections open now (link.num)";
            case "xrootd_link_connections_accepted" -> "Connections accepted since the daemon started (link.tot)";
            case "xrootd_link_max_connections" -> "Most connections open at once (link.maxn)";
            case "xrootd_link_timeouts" -> "Link read timeouts (link.tmo)";
            case "xrootd_link_stalls" -> "Times a link stalled for lack of data (link.stall)";
            case "xrootd_process_cpu_seconds" -> "CPU seconds of the daemon by mode (proc.usr, proc.sys)";
            case "xrootd_sched_threads" -> "Scheduler threads (sched.threads)";
            case "xrootd_sched_idle_threads" -> "Idle scheduler threads (sched.idle)";
            case "xrootd_sched_queued_jobs" -> "Jobs waiting for a thread (sched.inq)";
            case "xrootd_sched_jobs" -> "Jobs scheduled (sched.jobs)";
            case "xrootd_sched_thread_limit_hits" -> "Times the thread limit was reached (sched.tlimr)";
            case "xrootd_buffer_memory_bytes" -> "Memory in I/O buffers (buff.mem)";
            case "xrootd_xrootd_logins" -> "Logins (xrootd.lgn.num)";
            case "xrootd_xrootd_auth_failures" -> "Authentication failures (xrootd.lgn.af)";
            case "xrootd_xrootd_errors" -> "Requests that ended in an error (xrootd.err)";
            case "xrootd_xrootd_redirects" -> "Requests redirected (xrootd.rdr)";
            case "xrootd_xrootd_opens" -> "File opens (xrootd.ops.open)";
            case "xrootd_ofs_errors" -> "File system errors (ofs.err)";
            case "xrootd_ofs_tpc_granted" -> "Third-party copies granted (ofs.tpc.grnt)";
            case "xrootd_ofs_tpc_denied" -> "Third-party copies denied (ofs.tpc.deny)";
            case "xrootd_ofs_tpc_errors" -> "Third-party copies that failed (ofs.tpc.err)";
            case "xrootd_ofs_tpc_expired" -> "Third-party copies that expired (ofs.tpc.exp)";
            case "xrootd_oss_space_total_bytes" -> "Size of the file system holding an exported path (oss.paths.tot)";
            case "xrootd_oss_space_free_bytes" -> "Free bytes on the file system holding an exported path (oss.paths.free)";
            case "xrootd_oss_inodes_free" -> "Free inodes there (oss.paths.ifr)";
            case "xrootd_cache_store_bytes" -> "XCache store size (cache.store.size)";
            case "xrootd_cache_used_bytes" -> "XCache store used (cache.store.used)";
            case "xrootd_cms_nodes" -> "Nodes subscribed to this redirector or supervisor cmsd, by state (cmsm.node.run)";
            case "xrootd_cms_node_state" -> "1 for the state a redirector or supervisor cmsd sees a node in (cmsm.node.run)";
            case "xrootd_monitor_sources" -> "Daemons the collector holds a report of";
            case "xrootd_monitor_datagrams" -> "Datagrams received, by result: report, drain (a drain Job's progress line), error (neither), dropped (too many sources or drains)";
            default -> name;
        };
    }
}
