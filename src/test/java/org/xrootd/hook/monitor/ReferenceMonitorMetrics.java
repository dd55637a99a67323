package org.xrootd.hook.monitor;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.xrootd.hook.monitor.Report.NodeState;

/**
 * The oracle of {@link MonitorMetrics}: the collector's /metrics as it was rendered before it wrote the
 * text itself, through the Prometheus client library's snapshots and its text writer (one {@code Labels}
 * object per series, every value a double). {@code MetricsEquivalenceTest} compares the two on every
 * sample and on random stores. Self-contained on purpose (its own pod names), except the help lines, which
 * are text it does not check: {@link MonitorMetrics#help}.
 */
final class ReferenceMonitorMetrics {
    private static final String[] SOURCE_LABELS = {"cluster", "pod", "role", "program", "instance_name"};

    private final ReportStore store;
    private final String cluster;
    private final Duration interval;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    ReferenceMonitorMetrics(ReportStore store, String cluster, Duration interval) {
        this.store = store;
        this.cluster = cluster;
        this.interval = interval;
        registry.register((MultiCollector) this::collect);
    }

    /** The source is stale after this many silent intervals. */
    public static final int STALE_INTERVALS = 3;

    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16384);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public String contentType() {
        return writer.getContentType();
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Series of one metric, by label set; equal label sets (two hosts of one name) add up or keep the last. */
    private static final class Series {
        final Map<Labels, Double> points = new LinkedHashMap<>();

        void set(Labels labels, double value) {
            points.put(labels, value);
        }

        void add(Labels labels, double value) {
            points.merge(labels, value, Double::sum);
        }
    }

    private MetricSnapshots collect() {
        List<ReportStore.Entry> entries = store.entries();
        long now = store.now();
        Map<String, Series> gauges = new TreeMap<>();
        Map<String, Series> counters = new TreeMap<>();
        Function<String, Series> gauge = name -> gauges.computeIfAbsent(name, k -> new Series());
        Function<String, Series> counter = name -> counters.computeIfAbsent(name, k -> new Series());
        for (ReportStore.Entry e : entries) {
            Report r = e.report();
            Labels labels = Labels.of(SOURCE_LABELS, new String[] {cluster, pod(r.host()), r.role().label(), r.program(),
                    r.instance()});
            double age = Math.max(0, now - e.receivedMillis()) / 1000.0;
            gauge.apply("xrootd_report_age_seconds").set(labels, age);
            gauge.apply("xrootd_report_stale").set(labels, age > STALE_INTERVALS * interval.toMillis() / 1000.0 ? 1 : 0);
            setIf(gauge.apply("xrootd_start_time_seconds"), labels, r.startedAt());
            if (r.link() != null) {
                Report.Link l = r.link();
                setIf(counter.apply("xrootd_link_in_bytes"), labels, l.inBytes());
                setIf(counter.apply("xrootd_link_out_bytes"), labels, l.outBytes());
                setIf(gauge.apply("xrootd_link_connections"), labels, l.connections());
                setIf(counter.apply("xrootd_link_connections_accepted"), labels, l.connectionsTotal());
                setIf(gauge.apply("xrootd_link_max_connections"), labels, l.maxConnections());
                setIf(counter.apply("xrootd_link_timeouts"), labels, l.timeouts());
                setIf(counter.apply("xrootd_link_stalls"), labels, l.stalls());
            }
            if (r.proc() != null) {
                Series cpu = counter.apply("xrootd_process_cpu_seconds");
                setIf(cpu, labels.add("mode", "user"), r.proc().userSeconds());
                setIf(cpu, labels.add("mode", "system"), r.proc().systemSeconds());
            }
            if (r.sched() != null) {
                Report.Sched s = r.sched();
                setIf(gauge.apply("xrootd_sched_threads"), labels, s.threads());
                setIf(gauge.apply("xrootd_sched_idle_threads"), labels, s.idle());
                setIf(gauge.apply("xrootd_sched_queued_jobs"), labels, s.queued());
                setIf(counter.apply("xrootd_sched_jobs"), labels, s.jobs());
                setIf(counter.apply("xrootd_sched_thread_limit_hits"), labels, s.threadLimitHits());
            }
            if (r.buff() != null) {
                setIf(gauge.apply("xrootd_buffer_memory_bytes"), labels, r.buff().memoryBytes());
            }
            if (r.xrootd() != null) {
                Report.Xrootd x = r.xrootd();
                setIf(counter.apply("xrootd_xrootd_logins"), labels, x.logins());
                setIf(counter.apply("xrootd_xrootd_auth_failures"), labels, x.authFailures());
                setIf(counter.apply("xrootd_xrootd_errors"), labels, x.errors());
                setIf(counter.apply("xrootd_xrootd_redirects"), labels, x.redirects());
                setIf(counter.apply("xrootd_xrootd_opens"), labels, x.opens());
            }
            if (r.ofs() != null) {
                Report.Ofs o = r.ofs();
                setIf(counter.apply("xrootd_ofs_errors"), labels, o.errors());
                setIf(counter.apply("xrootd_ofs_tpc_granted"), labels, o.tpcGranted());
                setIf(counter.apply("xrootd_ofs_tpc_denied"), labels, o.tpcDenied());
                setIf(counter.apply("xrootd_ofs_tpc_errors"), labels, o.tpcErrors());
                setIf(counter.apply("xrootd_ofs_tpc_expired"), labels, o.tpcExpired());
            }
            for (Report.OssPath p : r.paths()) {
                Labels withPath = labels.add("path", p.localPath());
                setIf(gauge.apply("xrootd_oss_space_total_bytes"), withPath, p.totalBytes());
                setIf(gauge.apply("xrootd_oss_space_free_bytes"), withPath, p.freeBytes());
                setIf(gauge.apply("xrootd_oss_inodes_free"), withPath, p.freeInodes());
            }
            if (r.cache() != null) {
                setIf(gauge.apply("xrootd_cache_store_bytes"), labels, r.cache().storeBytes());
                setIf(gauge.apply("xrootd_cache_used_bytes"), labels, r.cache().usedBytes());
            }
            if (r.cms() != null && (r.role() == Report.Role.REDIRECTOR || r.role() == Report.Role.SUPERVISOR)
                    && "cmsd".equals(r.program())) {
                Series nodes = gauge.apply("xrootd_cms_nodes");
                Series nodeState = gauge.apply("xrootd_cms_node_state");
                for (NodeState state : NodeState.values()) {
                    nodes.add(labels.add("state", state.label()), 0);
                }
                for (Report.Node node : r.cms().nodes()) {
                    nodes.add(labels.add("state", node.state().label()), 1);
                    Labels nodeLabels = labels.add("node", pod(node.host())).add("node_role", nodeRole(node.role()));
                    for (NodeState state : NodeState.values()) {
                        nodeState.add(nodeLabels.add("state", state.label()), state == node.state() ? 1 : 0);
                    }
                }
            }
        }
        List<MetricSnapshot> out = new ArrayList<>();
        gauges.forEach((name, series) -> out.add(gaugeSnapshot(name, series)));
        counters.forEach((name, series) -> out.add(counterSnapshot(name, series)));
        Labels own = Labels.of("cluster", cluster);
        out.add(GaugeSnapshot.builder().name("xrootd_report_interval_seconds").help(help("xrootd_report_interval_seconds"))
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(own).value(interval.toMillis() / 1000.0).build())
                .build());
        out.add(GaugeSnapshot.builder().name("xrootd_monitor_sources").help(help("xrootd_monitor_sources"))
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(own).value(entries.size()).build()).build());
        out.add(CounterSnapshot.builder().name("xrootd_monitor_datagrams").help(help("xrootd_monitor_datagrams"))
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(own.add("result", "report"))
                        .value(store.accepted()).build())
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(own.add("result", "drain"))
                        .value(store.drainLines()).build())
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(own.add("result", "error"))
                        .value(store.rejected()).build())
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(own.add("result", "dropped"))
                        .value(store.dropped()).build())
                .build());
        return new MetricSnapshots(out);
    }

    private static final java.util.regex.Pattern IPV4 = java.util.regex.Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");

    static String pod(String host) {
        if (host == null || host.isEmpty()) {
            return "unknown";
        }
        if (host.startsWith("[") || host.indexOf(':') >= 0 || IPV4.matcher(host).matches()) {
            return host;
        }
        int dot = host.indexOf('.');
        return dot > 0 ? host.substring(0, dot) : host;
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

    private static void setIf(Series series, Labels labels, double value) {
        if (value >= 0) {
            series.set(labels, value);
        }
    }

    private static GaugeSnapshot gaugeSnapshot(String name, Series series) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help(name));
        series.points.forEach((labels, value) -> b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels)
                .value(value).build()));
        return b.build();
    }

    private static CounterSnapshot counterSnapshot(String name, Series series) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help(name));
        series.points.forEach((labels, value) -> b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels)
                .value(value).build()));
        return b.build();
    }

    /** The help lines are the production table's: text, not the rendering this oracle checks. */
    static String help(String name) {
        return MonitorMetrics.help(name);
    }
}
