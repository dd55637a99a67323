package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.monitor.MonitorServer;

/**
 * The collector with real 5.5.3 daemons from the operand image on loopback: a manager and two data
 * servers (cmsd and xrootd each) send {@code xrd.report ... every 1s all} to a collector in this JVM, read over its HTTP
 * {@code /metrics} and {@code /insight}. Every worker is seen active; a worker killed (both daemons, as a
 * pod dies) is seen offline by the manager and its reports go stale after 3 intervals; started again it is
 * active again.
 */
@Tag("daemons")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
class MonitorRealDaemonTest {
    private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);

    private Procs procs;
    private ReportingDaemons daemons;
    private MonitorServer monitor;
    private final HttpClient http = HttpClient.newHttpClient();
    private long begin;

    @BeforeAll
    void start() throws Exception {
        procs = new Procs();
        begin = System.nanoTime();
        OperandImage image = Prerequisites.requireOrSkip(procs);
        monitor = MonitorServer.start(new MonitorServer.Settings("127.0.0.1", 0, "127.0.0.1", 0, "loop", Duration.ofSeconds(1),
                Duration.ofHours(1)), null);
        daemons = new ReportingDaemons(procs, image, monitor.reportPort(), 2, List.of("cms.space min 1m 2m"));
        for (String instance : List.of("manager", "ds1", "ds2")) {
            daemons.start(instance);
        }
    }

    @AfterAll
    void stop() {
        if (monitor != null) {
            monitor.close();
        }
        if (procs != null) {
            procs.close();
        }
        if (daemons != null) {
            daemons.close();
        }
    }

    private String get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitor.port() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode(), path);
        return r.body();
    }

    /** The value of the one series of {@code name} whose labels contain every fragment, or NaN. */
    private static double value(String text, String name, String... fragments) {
        Matcher m = SAMPLE.matcher(text);
        double found = Double.NaN;
        while (m.find()) {
            if (!m.group(1).equals(name)) {
                continue;
            }
            boolean all = true;
            for (String f : fragments) {
                all &= m.group(2).contains(f);
            }
            if (all) {
                found = Double.parseDouble(m.group(3));
            }
        }
        return found;
    }

    private String await(String what, Duration limit, Predicate<String> condition) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        String text = get("/metrics");
        while (!condition.test(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit.toSeconds() + " s: " + what + "\n" + text + "\nlogs: " + daemons.logs());
            }
            Thread.sleep(250);
            text = get("/metrics");
        }
        System.out.printf("monitor real-daemon: %s after %.1f s%n", what, (System.nanoTime() - begin) / 1e9);
        return text;
    }

    private static final String MANAGER = "instance_name=\"manager\"";

    @Test
    @Order(1)
    void everyWorkerIsSeenActive() throws Exception {
        String text = await("the manager sees both data servers active", Duration.ofSeconds(40), t ->
                value(t, "xrootd_cms_nodes", MANAGER, "state=\"active\"") == 2
                        && value(t, "xrootd_oss_space_total_bytes", "instance_name=\"ds1\"") > 0
                        && value(t, "xrootd_oss_space_total_bytes", "instance_name=\"ds2\"") > 0);
        assertEquals(0, value(text, "xrootd_cms_nodes", MANAGER, "state=\"offline\""));
        assertEquals(6, value(text, "xrootd_monitor_sources"));
        assertEquals(0, value(text, "xrootd_monitor_datagrams_total", "result=\"error\""));
        for (String program : List.of("cmsd", "xrootd")) {
            assertEquals(0, value(text, "xrootd_report_stale", MANAGER, "program=\"" + program + "\""));
            assertTrue(value(text, "xrootd_link_in_bytes_total", MANAGER, "program=\"" + program + "\"") >= 0, program);
        }
        // The data servers' cmsds are logged in to the manager's: bytes went in.
        assertTrue(value(text, "xrootd_link_in_bytes_total", MANAGER, "program=\"cmsd\"") > 0);
        assertEquals(2, value(text, "xrootd_cms_nodes", MANAGER, "role=\"redirector\"", "program=\"cmsd\"", "cluster=\"loop\"",
                "state=\"active\""));
        String insight = get("/insight");
        assertTrue(insight.contains("\"active\":2"), insight);
    }

    @Test
    @Order(2)
    void aKilledWorkerIsSeenOfflineAndItsReportsGoStale() throws Exception {
        daemons.kill("ds1");
        long killed = System.nanoTime();
        await("the manager sees ds1 offline", Duration.ofSeconds(20), t ->
                value(t, "xrootd_cms_nodes", MANAGER, "state=\"offline\"") == 1
                        && value(t, "xrootd_cms_nodes", MANAGER, "state=\"active\"") == 1);
        String text = await("ds1's reports are stale", Duration.ofSeconds(20), t ->
                value(t, "xrootd_report_stale", "instance_name=\"ds1\"", "program=\"xrootd\"") == 1);
        // Stale only after 3 silent intervals (the last report came at most one interval before the kill).
        assertTrue(value(text, "xrootd_report_age_seconds", "instance_name=\"ds1\"", "program=\"xrootd\"") > 3);
        assertTrue(System.nanoTime() - killed >= Duration.ofSeconds(2).toNanos());
        assertEquals(0, value(text, "xrootd_report_stale", "instance_name=\"ds2\"", "program=\"xrootd\""));
        assertTrue(get("/insight").contains("\"state\":\"offline\""));
    }

    @Test
    @Order(3)
    void theWorkerBackIsActiveAgain() throws Exception {
        daemons.start("ds1");
        await("the manager sees ds1 active again", Duration.ofSeconds(40), t ->
                value(t, "xrootd_cms_nodes", MANAGER, "state=\"active\"") == 2
                        && value(t, "xrootd_cms_nodes", MANAGER, "state=\"offline\"") == 0
                        && value(t, "xrootd_report_stale", "instance_name=\"ds1\"", "program=\"xrootd\"") == 0);
    }
}
