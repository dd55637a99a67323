package org.xrootd.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The {@code monitor} subcommand's options: every default parses, bad values are refused. */
class MonitorCommandTest {
    private static MonitorCommand parse(String... args) {
        CommandLine.ParseResult result = Main.commandLine().parseArgs(args);
        return (MonitorCommand) result.subcommand().commandSpec().userObject();
    }

    @Test
    void defaults() {
        MonitorCommand m = parse("monitor", "--cluster", "demo");
        assertEquals("demo", m.cluster);
        assertEquals(9931, m.reportPort);
        assertEquals(9100, m.port);
        assertEquals(Duration.ofSeconds(10), m.interval);
        assertEquals(Duration.ofMinutes(60), m.forget);
        assertEquals(Duration.ofSeconds(10), m.insightMinInterval);
        assertEquals(MonitorCommand.InsightMode.auto, m.insight);
    }

    @Test
    void options() {
        MonitorCommand m = parse("monitor", "--cluster", "c", "--report-port", "1", "--port", "2", "--interval", "30s",
                "--namespace", "ns", "--insight", "off", "--owner-uid", "u");
        assertEquals(1, m.reportPort);
        assertEquals(2, m.port);
        assertEquals(Duration.ofSeconds(30), m.interval);
        assertEquals("ns", m.namespace);
        assertEquals(MonitorCommand.InsightMode.off, m.insight);
    }

    @Test
    void missingClusterAndBadValuesAreRefused() {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine().setErr(new PrintWriter(err));
        assertNotEquals(0, cl.execute("monitor"));
        assertTrue(err.toString().contains("--cluster"), err.toString());
        assertNotEquals(0, Main.commandLine().setErr(new PrintWriter(new StringWriter())).execute("monitor", "--cluster", "c",
                "--interval", "soon"));
        assertNotEquals(0, Main.commandLine().setErr(new PrintWriter(new StringWriter())).execute("monitor", "--cluster", "c",
                "--insight", "maybe"));
    }
}
