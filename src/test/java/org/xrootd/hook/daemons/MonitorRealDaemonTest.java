package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private Path work;
    private MonitorServer monitor;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, List<Process>> daemons = new LinkedHashMap<>();
    /** Where the work directory appears inside the image's root. */
    private static final String INSIDE = "/tmp";
    private OperandImage image;
    private OperandImage.Account account;
    private long begin;

    @BeforeAll
    void start() throws Exception {
        procs = new Procs();
        begin = System.nanoTime();
        image = Prerequisites.requireOrSkip(procs);
        account = image.account(Prerequisites.DAEMON_USER).orElseThrow();
        work = Files.createTempDirectory("xrootd-monitor-");
        monitor = MonitorServer.start(new MonitorServer.Settings("127.0.0.1", 0, "127.0.0.1", 0, "loop", Duration.ofSeconds(1),
                Duration.ofHours(1)), null);
        int managerCms = freePort();
        int managerXrd = freePort();
        List<String> cf = new ArrayList<>(List.of(
                "all.export /data",
                "all.adminpath " + INSIDE + "/admin",
                "all.pidpath " + INSIDE + "/admin",
                "all.manager 127.0.0.1:" + managerCms,
                "xrd.report 127.0.0.1:" + monitor.reportPort() + " every 1s all",
                "if named manager",
                "   all.role manager",
                "   xrd.port " + managerCms + " if exec cmsd",
                "   xrd.port " + managerXrd + " if exec xrootd",
                "   cms.delay startup 1 servers 1 lookup 1 qdl 1 drop 600",
                "else",
                "   all.role server",
                "   oss.localroot " + INSIDE + "/data",
                "   cms.space min 1m 2m",
                "fi"));
        for (String ds : List.of("ds1", "ds2")) {
            cf.addAll(List.of("if named " + ds, "   xrd.port " + freePort() + " if exec xrootd", "fi"));
        }
        cf.addAll(List.of("if exec xrootd", "   cms.conwait 1", "fi"));
        Files.writeString(work.resolve("xrootd.cf"), String.join("\n", cf) + "\n");
        for (String dir : List.of("admin", "data/data", "manager", "ds1", "ds2")) {
            Files.createDirectories(work.resolve(dir));
        }
        procs.check(List.of("chown", "-R", account.uid() + ":" + account.gid(), work.toString()), Duration.ofSeconds(10));
        for (String instance : List.of("manager", "ds1", "ds2")) {
            startDaemons(instance);
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Both daemons of one instance, each chroot'ed into the operand image as its unprivileged account, in a
     * mount namespace of its own: an overlay over the unpacked image (which other tests share and which
     * stays untouched) with the host's /etc/hosts added as a kubelet adds one, the work directory bound at
     * {@value #INSIDE}, the host's /dev and a /proc. Every step execs the next, so the process the test
     * holds is the daemon itself.
     */
    private void startDaemons(String instance) {
        List<Process> started = new ArrayList<>();
        String script = String.join("\n",
                "set -e",
                "r=\"$1/.root-$4-$5\"; u=\"$1/.upper-$4-$5\"; w=\"$1/.ovl-$4-$5\"",
                "mkdir -p \"$r\" \"$u/etc\" \"$w\"",
                "cp /etc/hosts \"$u/etc/hosts\"",
                "mount -t overlay overlay -o \"lowerdir=$2,upperdir=$u,workdir=$w\" \"$r\"",
                "mount --bind \"$1\" \"$r" + INSIDE + "\"",
                "mount --rbind /dev \"$r/dev\"",
                "mount -t proc proc \"$r/proc\"",
                "exec chroot --userspec=\"$3\" \"$r\" /usr/bin/env -C " + INSIDE + "/\"$4\" HOME=" + INSIDE + " \"$5\" -n \"$4\" -c "
                        + INSIDE + "/xrootd.cf");
        for (String program : List.of("cmsd", "xrootd")) {
            List<String> command = List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh",
                    work.toString(), image.rootfs.toString(), account.uid() + ":" + account.gid(), instance, program);
            started.add(procs.start(command, work.resolve(instance + "-" + program + ".log")));
        }
        daemons.put(instance, started);
    }

    @AfterAll
    void stop() throws IOException {
        if (monitor != null) {
            monitor.close();
        }
        if (procs != null) {
            procs.close();
        }
        if (work != null) {
            procs.run(List.of("rm", "-rf", work.toString()), Duration.ofSeconds(30));
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
                throw new AssertionError("not within " + limit.toSeconds() + " s: " + what + "\n" + text + "\nlogs: " + logs());
            }
            Thread.sleep(250);
            text = get("/metrics");
        }
        System.out.printf("monitor real-daemon: %s after %.1f s%n", what, (System.nanoTime() - begin) / 1e9);
        return text;
    }

    private String logs() throws IOException {
        StringBuilder b = new StringBuilder();
        try (var files = Files.list(work)) {
            for (Path log : files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
                b.append("\n== ").append(log.getFileName()).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size())));
            }
        }
        return b.toString();
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
        for (Process p : daemons.get("ds1")) {
            Procs.kill(p);
        }
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
        startDaemons("ds1");
        await("the manager sees ds1 active again", Duration.ofSeconds(40), t ->
                value(t, "xrootd_cms_nodes", MANAGER, "state=\"active\"") == 2
                        && value(t, "xrootd_cms_nodes", MANAGER, "state=\"offline\"") == 0
                        && value(t, "xrootd_report_stale", "instance_name=\"ds1\"", "program=\"xrootd\"") == 0);
    }
}
