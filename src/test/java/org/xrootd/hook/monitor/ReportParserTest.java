package org.xrootd.hook.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.monitor.Report.NodeState;
import org.xrootd.hook.monitor.Report.Role;

/** Golden reports from real 5.5.3 daemons of every role, then everything a datagram can be instead. */
class ReportParserTest {
    @Test
    void everySampleParsesWithItsProgramInstanceAndRole() {
        for (String name : Samples.ALL) {
            Report r = Samples.report(name);
            String[] parts = name.replace(".xml", "").split("-");
            assertEquals(parts[2], r.program(), name);
            assertEquals(parts[1], r.instance(), name);
            assertEquals("vm", r.host(), name);
            assertEquals("v5.5.3", r.version(), name);
            assertEquals("capture", r.site(), name);
            Role expected = switch (parts[1]) {
                case "manager" -> Role.REDIRECTOR;
                case "supervisor" -> Role.SUPERVISOR;
                default -> Role.WORKER;
            };
            assertEquals(expected, r.role(), name);
            assertNotNull(r.link(), name);
            assertNotNull(r.sched(), name);
            assertNotNull(r.proc(), name);
            assertTrue(r.reportedAt() >= r.startedAt() && r.startedAt() > 1_700_000_000L, name);
        }
    }

    @Test
    void managerCmsdListsEverySubscribedNodeWithItsState() {
        Report steady = Samples.report("steady-manager-cmsd.xml");
        assertEquals(1319, Samples.bytes("steady-manager-cmsd.xml").length);
        assertEquals("M", steady.cms().role());
        assertEquals(List.of("S", "S", "S", "R"), steady.cms().nodes().stream().map(Report.Node::role).toList());
        assertEquals(List.of(0, 1, 2, 3), steady.cms().nodes().stream().map(Report.Node::slot).toList());
        for (Report.Node node : steady.cms().nodes()) {
            assertEquals(NodeState.ACTIVE, node.state());
            assertTrue(node.readWrite());
            assertTrue(node.noStage());
            assertEquals("vm", node.host());
        }
        assertEquals(List.of(NodeState.ACTIVE, NodeState.ACTIVE, NodeState.SUSPENDED, NodeState.ACTIVE),
                states("suspended-manager-cmsd.xml"));
        assertEquals(List.of(NodeState.ACTIVE, NodeState.ACTIVE, NodeState.OFFLINE, NodeState.ACTIVE),
                states("offline-manager-cmsd.xml"));
        assertEquals(5, steady.link().connections());
        assertEquals(834, steady.link().inBytes());
        assertEquals(707, steady.link().outBytes());
        assertEquals(8, steady.sched().threads());
    }

    @Test
    void supervisorCmsdListsTheServerBehindIt() {
        Report sup = Samples.report("steady-supervisor-cmsd.xml");
        assertEquals("R", sup.cms().role());
        assertEquals(1, sup.cms().nodes().size());
        assertEquals(NodeState.ACTIVE, sup.cms().nodes().get(0).state());
        assertEquals("S", sup.cms().nodes().get(0).role());
    }

    @Test
    void dataServerCmsdHasNoNodesAndPortZero() {
        Report ds1 = Samples.report("steady-ds1-cmsd.xml");
        assertEquals(0, ds1.port());
        assertEquals("S", ds1.cms().role());
        assertEquals(List.of(), ds1.cms().nodes());
        assertEquals(List.of(), ds1.paths());
    }

    @Test
    void dataServerXrootdHasSpaceInBytesLoginsAndTpc() {
        Report ds3 = Samples.report("steady-ds3-xrootd.xml");
        assertEquals(1, ds3.paths().size());
        Report.OssPath path = ds3.paths().get(0);
        assertEquals("/data", path.localPath());
        assertTrue(path.realPath().endsWith("/ds3/data"), path.realPath());
        // The report has KiB: <tot>264212084</tot><free>80524656</free>.
        assertEquals(264212084L * 1024, path.totalBytes());
        assertEquals(80524656L * 1024, path.freeBytes());
        assertEquals(16777216L, path.inodes());
        assertEquals(200679, ds3.link().inBytes());
        assertEquals(200581, ds3.link().outBytes());
        assertEquals(2, ds3.xrootd().logins());
        assertEquals(0, ds3.xrootd().authFailures());
        assertEquals("server", ds3.ofs().role());
        assertEquals(0, ds3.ofs().tpcErrors());
        assertEquals(0, ds3.sched().threadLimitHits());
        assertNull(ds3.cms());
    }

    @Test
    void cacheSectionWithTheStrayGreaterThanParses() {
        byte[] raw = Samples.bytes("steady-cache-xrootd.xml");
        assertTrue(new String(raw, StandardCharsets.US_ASCII).contains("<hits>0></hits>"), "the 5.5.3 defect is in the sample");
        Report cache = Samples.report("steady-cache-xrootd.xml");
        assertEquals(270553174016L, cache.cache().storeBytes());
        assertEquals(0, cache.cache().usedBytes());
        assertEquals(Role.WORKER, cache.role());
    }

    @Test
    void equalUserAndSystemTimeIsAcceptedAsReported() {
        String xml = "<statistics tod=\"2\" ver=\"v5.5.3\" src=\"w-0.svc:1094\" tos=\"1\" pgm=\"xrootd\" ins=\"worker\" pid=\"7\">"
                + "<stats id=\"proc\"><usr><s>3</s><u>500000</u></usr><sys><s>3</s><u>500000</u></sys></stats></statistics>";
        Report r = ReportParser.parse(xml.getBytes(StandardCharsets.US_ASCII)).report();
        assertEquals(3.5, r.proc().userSeconds());
        assertEquals(3.5, r.proc().systemSeconds());
        assertEquals("w-0.svc", r.host());
        assertEquals(1094, r.port());
        assertEquals(Role.UNKNOWN, r.role());
    }

    @Test
    void everyTruncationOfEverySampleIsAnErrorNotACrash() {
        for (String name : Samples.ALL) {
            byte[] raw = Samples.bytes(name);
            for (int length = 0; length < raw.length; length++) {
                ReportParser.Parsed parsed = ReportParser.parse(raw, length);
                assertFalse(parsed.ok(), name + " cut at " + length + " parsed");
                assertNotNull(parsed.error());
            }
            assertTrue(ReportParser.parse(raw, raw.length).ok());
        }
    }

    @Test
    void garbageIsAnErrorNotACrash() {
        List<String> bad = List.of("", " ", "hello", "<", "<>", "</statistics>", "<statistics", "<statistics>",
                "<statistics pgm=\"xrootd\" src=\"h:1\">", "<statistics pgm=xrootd src=h:1></statistics>",
                "<stats id=\"link\"></stats>", "<statistics></statistics>", "<a><b></a></b>",
                "<statistics pgm=\"cmsd\" src=\"h:1\"></statistics>trailing",
                "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><statistics pgm=\"cmsd\" src=\"h:1\">&e;</statistics>",
                "<a>" + "<b>".repeat(100) + "</b>".repeat(100) + "</a>");
        for (String s : bad) {
            ReportParser.Parsed parsed = ReportParser.parse(s.getBytes(StandardCharsets.ISO_8859_1));
            assertFalse(parsed.ok(), s);
            assertNotNull(parsed.error(), s);
        }
        Random random = new Random(16);
        byte[] sample = Samples.bytes("steady-manager-cmsd.xml");
        for (int i = 0; i < 2000; i++) {
            byte[] noisy = sample.clone();
            for (int k = 0; k < 1 + random.nextInt(8); k++) {
                noisy[random.nextInt(noisy.length)] = (byte) random.nextInt(256);
            }
            ReportParser.Parsed parsed = ReportParser.parse(noisy);
            assertTrue(parsed.ok() ^ parsed.error() != null);
        }
    }

    @Test
    void unknownSectionsAndOddNumbersAreTolerated() {
        String xml = "<?xml version=\"1.0\"?><statistics tod=\"x\" src=\"[::ffff:10.0.0.7]:3121\" pgm=\"cmsd\" ins=\"manager\">"
                + "<stats id=\"future\"><a>1</a></stats>"
                + "<stats id=\"link\"><in>99999999999999999999999</in><out>-5</out></stats>"
                + "<stats id=\"cmsm\"><role>M</role><node>2<stats id=\"0\"><host>w-0</host><run>zz</run></stats>"
                + "<stats id=\"1\"><host>w-1</host><run></run></stats></node></stats></statistics>";
        Report r = ReportParser.parse(xml.getBytes(StandardCharsets.US_ASCII)).report();
        assertEquals("[::ffff:10.0.0.7]", r.host());
        assertEquals(3121, r.port());
        assertEquals(Report.ABSENT, r.reportedAt());
        assertEquals(Long.MAX_VALUE, r.link().inBytes());
        assertEquals(Report.ABSENT, r.link().outBytes());
        assertEquals(List.of(NodeState.UNKNOWN, NodeState.UNKNOWN), r.cms().nodes().stream().map(Report.Node::state).toList());
        assertEquals(Role.REDIRECTOR, r.role());
    }

    private static List<NodeState> states(String name) {
        return Samples.report(name).cms().nodes().stream().map(Report.Node::state).toList();
    }
}
