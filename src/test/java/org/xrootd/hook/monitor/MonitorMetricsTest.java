package org.xrootd.hook.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** /metrics from the real samples: names, labels, values, staleness, errors counted. */
class MonitorMetricsTest {
    private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)(\\{[^}]*\\})? (\\S+)$");

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final ReportStore store = new ReportStore(clock::get, Duration.ofHours(1));
    private final MonitorMetrics metrics = new MonitorMetrics(store, "demo", Duration.ofSeconds(10));

    private String scrape() {
        return new String(metrics.scrape(), StandardCharsets.UTF_8);
    }

    /** Lines of one metric whose label text contains every fragment, e.g. {@code pod="vm"}. */
    private static List<String> lines(String text, String name, String... fragments) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (m.matches() && m.group(1).equals(name)) {
                String labels = m.group(2) == null ? "" : m.group(2);
                boolean all = true;
                for (String f : fragments) {
                    all &= labels.contains(f);
                }
                if (all) {
                    out.add(line);
                }
            }
        }
        return out;
    }

    private static double value(String text, String name, String... fragments) {
        List<String> found = lines(text, name, fragments);
        assertEquals(1, found.size(), name + " " + List.of(fragments) + ": " + found);
        String line = found.get(0);
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    private void feedAll() {
        for (String name : Samples.ALL) {
            if (!name.startsWith("steady-")) {
                continue;
            }
            byte[] raw = Samples.bytes(name);
            assertTrue(store.offer(raw, raw.length).ok(), name);
        }
    }

    @Test
    void everyListedNameIsExportedAndNothingElse() {
        feedAll();
        String text = scrape();
        Set<String> exported = new TreeSet<>();
        for (String line : text.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (m.matches()) {
                exported.add(m.group(1));
            }
        }
        assertEquals(new TreeSet<>(MonitorMetrics.NAMES), exported);
        assertTrue(text.contains("# TYPE xrootd_link_in_bytes_total counter") || text.contains("# TYPE xrootd_link_in_bytes counter"), text);
    }

    @Test
    void valuesAndLabelsComeFromTheReports() {
        feedAll();
        String text = scrape();
        String ds3 = "instance_name=\"ds3\"";
        assertEquals(200679, value(text, "xrootd_link_in_bytes_total", ds3, "program=\"xrootd\""));
        assertEquals(264212084.0 * 1024, value(text, "xrootd_oss_space_total_bytes", ds3, "path=\"/data\""));
        assertEquals(80524656.0 * 1024, value(text, "xrootd_oss_space_free_bytes", ds3, "path=\"/data\""));
        assertEquals(1, lines(text, "xrootd_link_in_bytes_total", ds3, "cluster=\"demo\"", "pod=\"vm\"", "role=\"worker\"",
                "program=\"xrootd\"").size());
        // The manager's cmsd sees 3 servers and a supervisor, all active; the supervisor sees ds3.
        String manager = "instance_name=\"manager\"";
        assertEquals(4, value(text, "xrootd_cms_nodes", manager, "state=\"active\""));
        assertEquals(0, value(text, "xrootd_cms_nodes", manager, "state=\"offline\""));
        assertEquals(3, value(text, "xrootd_cms_node_state", manager, "node_role=\"worker\"", "state=\"active\""));
        assertEquals(1, value(text, "xrootd_cms_node_state", manager, "node_role=\"supervisor\"", "state=\"active\""));
        assertEquals(1, value(text, "xrootd_cms_nodes", "instance_name=\"supervisor\"", "role=\"supervisor\"", "state=\"active\""));
        assertEquals(0, value(text, "xrootd_report_stale", manager, "program=\"cmsd\""));
        assertEquals(12, value(text, "xrootd_monitor_sources"));
        assertEquals(12, value(text, "xrootd_monitor_datagrams_total", "result=\"report\""));
        assertEquals(0, value(text, "xrootd_monitor_datagrams_total", "result=\"error\""));
        assertEquals(270553174016.0, value(text, "xrootd_cache_store_bytes", "instance_name=\"cache\""));
    }

    @Test
    void offlineNodeAndStaleSource() {
        byte[] offline = Samples.bytes("offline-manager-cmsd.xml");
        store.offer(offline, offline.length);
        String text = scrape();
        assertEquals(3, value(text, "xrootd_cms_nodes", "state=\"active\""));
        assertEquals(1, value(text, "xrootd_cms_nodes", "state=\"offline\""));
        clock.addAndGet(30_000);
        assertEquals(0, value(scrape(), "xrootd_report_stale"));
        clock.addAndGet(1);
        text = scrape();
        assertEquals(1, value(text, "xrootd_report_stale"));
        assertEquals(30.001, value(text, "xrootd_report_age_seconds"));
    }

    @Test
    void garbageIsCountedNotKept() {
        byte[] junk = "<statistics pgm=\"xrootd\" src=\"h:1\"><stats id=\"link\">".getBytes(StandardCharsets.US_ASCII);
        assertTrue(!store.offer(junk, junk.length).ok());
        String text = scrape();
        assertEquals(1, value(text, "xrootd_monitor_datagrams_total", "result=\"error\""));
        assertEquals(0, value(text, "xrootd_monitor_sources"));
    }

    @Test
    void forgottenSourcesDisappear() {
        ReportStore short1 = new ReportStore(clock::get, Duration.ofMinutes(1));
        byte[] raw = Samples.bytes("steady-ds1-xrootd.xml");
        short1.offer(raw, raw.length);
        assertEquals(1, short1.entries().size());
        clock.addAndGet(60_001);
        assertEquals(0, short1.entries().size());
    }
}
