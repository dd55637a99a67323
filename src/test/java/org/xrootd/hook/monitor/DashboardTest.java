package org.xrootd.hook.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.xrootd.hook.testkit.Repo;

/**
 * The Grafana dashboard (docs/grafana/xrootd-cluster.json) queries only what the collector really exports. The
 * oracle is a real scrape, not {@link MonitorMetrics#NAMES}: a collector on loopback receives every steady
 * sample of the real 5.5.3 daemons over UDP, and the metric and label names are read from the series lines of
 * its {@code /metrics}. Every PromQL expression and the template's query must name only those metrics and labels.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardTest {
    static final String DASHBOARD = "docs/grafana/xrootd-cluster.json";
    private static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? \\S+$", Pattern.MULTILINE);
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Set<String> PROMQL_WORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right", "and",
            "or", "unless", "bool", "offset");

    private MonitorServer monitor;
    private final Set<String> metrics = new TreeSet<>();
    private final Set<String> labels = new TreeSet<>();

    @BeforeAll
    void scrape() throws Exception {
        monitor = MonitorServer.start(new MonitorServer.Settings("127.0.0.1", 0, "127.0.0.1", 0, "demo", Duration.ofSeconds(10),
                Duration.ofHours(1)), null);
        List<String> steady = Samples.ALL.stream().filter(n -> n.startsWith("steady-")).toList();
        try (DatagramSocket socket = new DatagramSocket()) {
            for (String sample : steady) {
                byte[] bytes = Samples.bytes(sample);
                socket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(), monitor.reportPort()));
            }
        }
        HttpClient http = HttpClient.newHttpClient();
        String text = "";
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!text.contains("xrootd_monitor_datagrams_total{cluster=\"demo\",result=\"report\"} " + steady.size())) {
            assertTrue(System.nanoTime() < deadline, "the collector did not take the " + steady.size() + " samples:\n" + text);
            Thread.sleep(50);
            text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitor.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
        Matcher m = SERIES.matcher(text);
        while (m.find()) {
            metrics.add(m.group(1));
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.add(l.group(1));
                }
            }
        }
    }

    @AfterAll
    void stop() {
        if (monitor != null) {
            monitor.close();
        }
    }

    /** What an expression names: its metrics and its labels (in matchers and in by/without/on/ignoring). */
    record Names(Set<String> metrics, Set<String> labels) {}

    static Names names(String expr) {
        Set<String> metricNames = new TreeSet<>();
        Set<String> labelNames = new TreeSet<>();
        Matcher values = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,\\s*([a-zA-Z_]\\w*)\\s*\\)")
                .matcher(expr);
        if (values.matches()) { // Grafana's template function, not PromQL
            return new Names(Set.of(values.group(1)), Set.of(values.group(2)));
        }
        String rest = expr.replaceAll("\\[[^\\]]*]", " "); // range selectors, $__rate_interval included
        Matcher matchers = Pattern.compile("\\{([^}]*)}").matcher(rest);
        while (matchers.find()) {
            Matcher label = Pattern.compile("([a-zA-Z_]\\w*)\\s*(?:=~|!~|!=|=)\\s*\"(?:[^\"\\\\]|\\\\.)*\"").matcher(matchers.group(1));
            while (label.find()) {
                labelNames.add(label.group(1));
            }
        }
        rest = rest.replaceAll("\\{[^}]*}", " ");
        Matcher grouping = Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)").matcher(rest);
        while (grouping.find()) {
            for (String name : grouping.group(1).split(",")) {
                if (!name.isBlank()) {
                    labelNames.add(name.strip());
                }
            }
        }
        rest = rest.replaceAll("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Matcher token = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?").matcher(rest);
        while (token.find()) {
            if (token.group(2) == null && !PROMQL_WORDS.contains(token.group(1))) {
                metricNames.add(token.group(1));
            }
        }
        return new Names(metricNames, labelNames);
    }

    /** Every expression of the dashboard: panel targets and template queries. */
    static List<String> expressions(JsonNode dashboard) {
        List<String> out = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                out.add(target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                JsonNode query = variable.path("query");
                out.add(query.isTextual() ? query.asText() : query.path("query").asText());
            }
        }
        return out;
    }

    @Test
    void theScrapeHoldsTheSeriesTheDashboardIsAbout() {
        // The oracle itself is not empty: the samples give the cmsd, space and traffic series.
        for (String name : List.of("xrootd_cms_nodes", "xrootd_oss_space_free_bytes", "xrootd_link_in_bytes_total")) {
            assertTrue(metrics.contains(name), name + " not in " + metrics);
        }
        assertTrue(labels.containsAll(List.of("cluster", "pod", "role", "program", "state")), labels.toString());
    }

    @Test
    void everyQueryUsesOnlyExportedMetricsAndLabels() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(Repo.path(DASHBOARD)));
        List<String> expressions = expressions(dashboard);
        assertTrue(expressions.size() >= 10, "the dashboard's queries: " + expressions);
        List<String> problems = new ArrayList<>();
        Set<String> used = new TreeSet<>();
        for (String expr : expressions) {
            Names names = names(expr);
            if (names.metrics().isEmpty()) {
                problems.add("no metric in: " + expr);
            }
            used.addAll(names.metrics());
            for (String metric : names.metrics()) {
                if (!metrics.contains(metric)) {
                    problems.add("metric " + metric + " is not exported, in: " + expr);
                }
            }
            for (String label : names.labels()) {
                if (!labels.contains(label)) {
                    problems.add("label " + label + " is not exported, in: " + expr);
                }
            }
        }
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher legend = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}").matcher(target.path("legendFormat").asText());
                while (legend.find()) {
                    if (!labels.contains(legend.group(1))) {
                        problems.add("legend label " + legend.group(1) + " is not exported, in panel " + panel.path("title").asText());
                    }
                }
            }
        }
        System.out.println("dashboard: " + expressions.size() + " queries over " + used.size() + " of the " + metrics.size()
                + " metrics a real scrape has: " + used);
        assertEquals(List.of(), problems);
    }

    @Test
    void everyQueryIsValidPromql() throws Exception {
        AlertRulesTest.requirePromtool();
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(Repo.path(DASHBOARD)));
        // promtool parses each panel expression as a recording rule's; Grafana's variables get values first.
        List<String> rules = new ArrayList<>(List.of("groups:", "  - name: dashboard", "    rules:"));
        int i = 0;
        for (String expr : expressions(dashboard)) {
            if (expr.startsWith("label_values(")) {
                continue;
            }
            String promql = expr.replace("$__rate_interval", "1m").replace("$cluster", "demo");
            rules.add("      - record: dashboard:query" + i++);
            rules.add("        expr: '" + promql.replace("'", "''") + "'");
        }
        Path file = Files.createTempFile("dashboard", ".yaml");
        try {
            Files.writeString(file, String.join("\n", rules) + "\n");
            AlertRulesTest.run(List.of("promtool", "check", "rules", file.toString()), "SUCCESS: " + i + " rules found");
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void theCheckRejectsWhatIsNotExported() {
        // The same checks on expressions that must fail them, so the test above can fail.
        Names unknown = names("sum by (pod) (rate(xrootd_no_such_metric_total{cluster=\"$cluster\"}[$__rate_interval]))");
        assertEquals(Set.of("xrootd_no_such_metric_total"), unknown.metrics());
        assertFalse(metrics.contains("xrootd_no_such_metric_total"));
        Names badLabel = names("max without (podd) (xrootd_link_connections{nodename=~\"a.*\"}) > 1");
        assertEquals(Set.of("xrootd_link_connections"), badLabel.metrics());
        assertEquals(Set.of("podd", "nodename"), badLabel.labels());
        assertFalse(labels.contains("podd") || labels.contains("nodename"));
        assertEquals(new Names(Set.of("xrootd_monitor_sources"), Set.of("cluster")), names("label_values(xrootd_monitor_sources, cluster)"));
    }
}
