package org.xrootd.hook.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The generated rule files against their committed copies (tests/monitor/rules-*.yaml), every metric they
 * use against what the collector exports, every alert against its runbook, and Debian's promtool:
 * {@code check rules} on each file and {@code test rules} on tests/monitor/*.test.yaml (alerts firing after
 * their {@code for:}, and not before). Set -Dmonitor.regenerate=true to rewrite the committed rule files.
 */
class AlertRulesTest {
    static final Path DIR = Path.of("tests/monitor");
    static final long SPACE_MIN = 51L << 20;
    static final AlertRules DEMO = AlertRules.of(new AlertRules.Spec("demo", "ns", 2, 3, 0, SPACE_MIN, Duration.ofSeconds(10)));
    static final AlertRules WIDE = AlertRules.of(new AlertRules.Spec("wide", "ns", 2, 70, 3, SPACE_MIN, Duration.ofSeconds(30)));

    @Test
    void generatedFilesAreTheCommittedOnes() throws IOException {
        for (var entry : List.of(List.of("rules-demo.yaml", DEMO), List.of("rules-wide.yaml", WIDE))) {
            Path file = DIR.resolve((String) entry.get(0));
            String yaml = ((AlertRules) entry.get(1)).yaml();
            if (Boolean.getBoolean("monitor.regenerate")) {
                Files.writeString(file, yaml, StandardCharsets.UTF_8);
            }
            assertEquals(Files.readString(file, StandardCharsets.UTF_8), yaml,
                    file + " differs from the generated rules; review, then -Dmonitor.regenerate=true");
        }
    }

    @Test
    void expectedSubscribersFollowTheShape() {
        assertEquals(3, DEMO.expectedActivePerRedirector());
        assertEquals(64, WIDE.expectedActivePerRedirector());
        assertTrue(DEMO.yaml().contains("state=\"active\"}) < 3'"));
        assertTrue(!DEMO.yaml().contains("XrootdWorkersNotActive"));
        assertTrue(WIDE.yaml().contains("< 70 or absent"));
        assertEquals("5m", DEMO.window());
        assertEquals("10m", AlertRules.of(new AlertRules.Spec("x", "ns", 1, 1, 0, 1, Duration.ofSeconds(150))).window());
    }

    @Test
    void everyMetricUsedIsExportedAndEveryAlertHasARunbook() throws IOException {
        Pattern metric = Pattern.compile("\\b(xrootd_[a-z_]+)\\{");
        Set<String> used = new TreeSet<>();
        for (String yaml : List.of(DEMO.yaml(), WIDE.yaml())) {
            Matcher m = metric.matcher(yaml);
            while (m.find()) {
                used.add(m.group(1));
            }
        }
        assertTrue(used.size() >= 6, used.toString());
        for (String name : used) {
            assertTrue(MonitorMetrics.NAMES.contains(name), name + " is not exported by the collector");
        }
        String docs = Files.readString(Path.of("docs/monitoring.md"), StandardCharsets.UTF_8);
        for (String alert : AlertRules.ALERTS) {
            assertTrue(docs.contains("#### " + alert + "\n"), "docs/monitoring.md lacks a runbook section #### " + alert);
            assertTrue(WIDE.yaml().contains("alert: " + alert), alert);
        }
    }

    @Test
    void promtoolChecksAndTestsTheRules() throws Exception {
        requirePromtool();
        for (String file : List.of("rules-demo.yaml", "rules-wide.yaml")) {
            Path rules = Files.createTempFile("rules", ".yaml");
            Files.writeString(rules, (file.equals("rules-demo.yaml") ? DEMO : WIDE).yaml(), StandardCharsets.UTF_8);
            run(List.of("promtool", "check", "rules", rules.toString()), "SUCCESS");
            Files.delete(rules);
        }
        List<String> tests = new ArrayList<>();
        try (var files = Files.list(DIR)) {
            files.filter(p -> p.getFileName().toString().endsWith(".test.yaml")).sorted().forEach(p -> tests.add(p.toString()));
        }
        assertTrue(tests.size() >= 2, tests.toString());
        List<String> command = new ArrayList<>(List.of("promtool", "test", "rules"));
        command.addAll(tests);
        run(command, "SUCCESS");
    }

    static void requirePromtool() {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            found |= Files.isExecutable(Path.of(dir, "promtool"));
        }
        if (!found) {
            String message = "promtool is not installed: apt-get install prometheus (tests/run-all.sh does)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message + " (CI=true: this test must run in CI)");
            }
            Assumptions.abort(message);
        }
    }

    static void run(List<String> command, String expect) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), command + " did not finish");
        assertEquals(0, p.exitValue(), command + ":\n" + output);
        assertTrue(output.contains(expect), output);
    }
}
