package org.xrootd.hook.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The insight view: who sees whom in which state, space per worker, deterministic and quiet when steady. */
class InsightTest {
    private static final Duration INTERVAL = Duration.ofSeconds(10);

    private static String report(String pgm, String host, String body) {
        return "<statistics tod=\"2\" ver=\"v5.5.3\" src=\"" + host + ":1094\" tos=\"1\" pgm=\"" + pgm + "\" ins=\"x\">" + body
                + "</statistics>";
    }

    private static String manager(String host, String... nodes) {
        StringBuilder b = new StringBuilder("<stats id=\"cmsm\"><role>M</role><node>" + nodes.length);
        for (int i = 0; i < nodes.length; i++) {
            String[] hs = nodes[i].split("=");
            b.append("<stats id=\"").append(i).append("\"><host>").append(hs[0]).append("</host><role>S</role><run>").append(hs[1])
                    .append("</run></stats>");
        }
        return report("cmsd", host, b.append("</node></stats>").toString());
    }

    private static String worker(String host, long totKib, long freeKib) {
        return report("xrootd", host, "<stats id=\"ofs\"><role>server</role></stats><stats id=\"oss\" v=\"2\"><paths>1<stats id=\"0\">"
                + "<lp>\"/data\"</lp><rp>\"/xrootd/data/data\"</rp><tot>" + totKib + "</tot><free>" + freeKib
                + "</free><ino>1</ino><ifr>1</ifr></stats></paths></stats>");
    }

    private static void put(ReportStore store, String xml) {
        byte[] raw = xml.getBytes(StandardCharsets.US_ASCII);
        assertTrue(store.offer(raw, raw.length).ok(), xml);
    }

    @Test
    void redirectorViewAndWorkerSpace() {
        AtomicLong clock = new AtomicLong(0);
        ReportStore store = new ReportStore(clock::get, Duration.ofHours(1));
        put(store, manager("demo-xrootd-redirector-0.demo-xrootd-redirector.ns.svc.cluster.local",
                "demo-xrootd-worker-1.demo-xrootd-worker.ns.svc.cluster.local=own",
                "demo-xrootd-worker-0.demo-xrootd-worker.ns.svc.cluster.local=awn"));
        put(store, worker("demo-xrootd-worker-0.demo-xrootd-worker.ns.svc.cluster.local", 1024 * 1024, 512 * 1024 + 3));
        Insight insight = Insight.of("demo", store.entries(), clock.get(), INTERVAL);
        assertEquals("{\"format\":1,\"cluster\":\"demo\",\"redirectors\":[{\"pod\":\"demo-xrootd-redirector-0\",\"role\":\"redirector\","
                + "\"stale\":false,\"active\":1,\"nodes\":[{\"pod\":\"demo-xrootd-worker-0\",\"role\":\"worker\",\"state\":\"active\"},"
                + "{\"pod\":\"demo-xrootd-worker-1\",\"role\":\"worker\",\"state\":\"offline\"}]}],"
                + "\"workers\":[{\"pod\":\"demo-xrootd-worker-0\",\"stale\":false,\"freeBytes\":536870500,\"totalBytes\":1073741824}]}\n",
                insight.toJson());
        assertEquals("demo-xrootd-insight", Insight.name("demo"));
    }

    @Test
    void steadyReportsGiveTheSameBytesAndStalenessChangesThem() {
        AtomicLong clock = new AtomicLong(0);
        ReportStore store = new ReportStore(clock::get, Duration.ofHours(1));
        put(store, manager("r-0.s", "w-0.s=awn"));
        put(store, worker("w-0.s", 10L * 1024 * 1024, 5L * 1024 * 1024 + 5000));
        String first = Insight.of("c", store.entries(), clock.get(), INTERVAL).toJson();
        // A few KiB written on the volume (a log line) and 10 s later: the same view.
        clock.addAndGet(10_000);
        put(store, manager("r-0.s", "w-0.s=awn"));
        put(store, worker("w-0.s", 10L * 1024 * 1024, 5L * 1024 * 1024 + 4993));
        assertEquals(first, Insight.of("c", store.entries(), clock.get(), INTERVAL).toJson());
        // 31 s without a report from anyone: both stale.
        clock.addAndGet(30_001);
        Insight stale = Insight.of("c", store.entries(), clock.get(), INTERVAL);
        assertTrue(stale.redirectors().get(0).stale());
        assertTrue(stale.workers().get(0).stale());
    }

    @Test
    void samplesFromRealDaemons() {
        AtomicLong clock = new AtomicLong(0);
        ReportStore store = new ReportStore(clock::get, Duration.ofHours(1));
        for (String name : List.of("offline-manager-cmsd.xml", "steady-supervisor-cmsd.xml", "steady-ds1-xrootd.xml")) {
            byte[] raw = Samples.bytes(name);
            store.offer(raw, raw.length);
        }
        Insight insight = Insight.of("capture", store.entries(), 0, INTERVAL);
        // Both cmsds run on host "vm": one entry per pod name, the first in sort order (the manager) kept.
        assertEquals(1, insight.redirectors().size());
        assertEquals(List.of("active", "active", "offline", "active").stream().sorted().toList(),
                insight.redirectors().get(0).nodes().stream().map(Insight.Node::state).sorted().toList());
        assertEquals(1, insight.workers().size());
        assertEquals(264212084L * 1024, insight.workers().get(0).totalBytes());
    }

    /**
     * The collector computes the insight again only when {@link ReportStore#viewVersion()} moves (or time
     * makes a source stale): so whenever the version stays, the view computed from scratch must be the
     * same; and steady reports (counters only, space within a step) must not move it.
     */
    @Test
    void viewVersionMovesWheneverTheViewDoes() {
        AtomicLong clock = new AtomicLong(0);
        ReportStore store = new ReportStore(clock::get, Duration.ofHours(1), INTERVAL.multipliedBy(MonitorMetrics.STALE_INTERVALS));
        java.util.Random random = new java.util.Random(7);
        String[] states = {"awn", "own", "swn", "dwn"};
        String before = Insight.of("c", store.entries(), clock.get(), INTERVAL).toJson();
        long version = store.viewVersion();
        int moves = 0;
        int steady = 0;
        for (int step = 0; step < 3_000; step++) {
            if (random.nextInt(100) == 0) {
                clock.addAndGet(30_001); // everyone silent for 3 intervals: stale by time, the version need not move
                before = Insight.of("c", store.entries(), clock.get(), INTERVAL).toJson();
                version = store.viewVersion();
                continue;
            }
            clock.addAndGet(random.nextInt(1000));
            String r = "r-" + random.nextInt(2) + ".s";
            switch (random.nextInt(3)) {
                case 0 -> put(store, manager(r, "w-0.s=" + states[random.nextInt(random.nextInt(10) == 0 ? 4 : 1)],
                        "w-1.s=" + states[random.nextInt(random.nextInt(10) == 0 ? 4 : 1)]));
                case 1 -> put(store, worker("w-" + random.nextInt(2) + ".s", 10L * 1024 * 1024,
                        5L * 1024 * 1024 + (random.nextInt(10) == 0 ? 2048 : 0) + random.nextInt(100)));
                default -> put(store, report("cmsd", "w-" + random.nextInt(2) + ".s", "<stats id=\"cms\"><role>S</role></stats>"
                        + "<stats id=\"link\"><in>" + random.nextInt(1 << 20) + "</in></stats>"));
            }
            String now = Insight.of("c", store.entries(), clock.get(), INTERVAL).toJson();
            if (store.viewVersion() == version) {
                assertEquals(before, now, "step " + step + ": the view changed but the version did not");
                steady++;
            } else {
                moves++;
            }
            before = now;
            version = store.viewVersion();
        }
        assertTrue(moves > 50 && steady > 1_000, "moves " + moves + ", steady " + steady);
    }
}
