package org.xrootd.hook.monitor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.monitor.Report.NodeState;

/**
 * {@link MonitorMetrics} writes the text itself; {@link ReferenceMonitorMetrics} is the rendering it
 * replaced (the Prometheus client library's snapshots and text writer). On every store below both must
 * give the same families in the same order with the same HELP and TYPE lines, and the same series: the
 * same label sets (parsed, unescaped) with the same values as numbers ({@code 64} and {@code 64.0} are
 * one value; the library writes every value as a double). Stores: the real samples, stale and forgotten
 * sources, garbage counted, an empty store, and seeded random reports with what a renderer can get wrong:
 * label values to escape (quotes, backslashes, line feeds, non-ASCII), two hosts of one pod name (one
 * series), a node or a path listed twice, absent sections and values, large and fractional numbers.
 */
class MetricsEquivalenceTest {
    private final AtomicLong clock = new AtomicLong(1_000_000);

    @Test
    void realSamples() {
        ReportStore store = new ReportStore(clock::get, Duration.ofHours(1));
        for (String name : Samples.ALL) {
            byte[] raw = Samples.bytes(name);
            store.offer(raw, raw.length);
            clock.addAndGet(1_234);
        }
        byte[] junk = "<statistics pgm=\"xrootd\"".getBytes(StandardCharsets.US_ASCII);
        store.offer(junk, junk.length);
        int series = same(store, "demo", Duration.ofSeconds(10));
        assertTrue(series > 300, "series: " + series);
        clock.addAndGet(25_000);
        same(store, "demo", Duration.ofSeconds(10));
        clock.addAndGet(3_600_000 - 30_000);
        same(store, "demo", Duration.ofSeconds(10));
    }

    @Test
    void emptyStore() {
        same(new ReportStore(clock::get, Duration.ofHours(1)), "c", Duration.ofSeconds(10));
    }

    @Test
    void randomStores() {
        Random random = new Random(16);
        int series = 0;
        for (int round = 0; round < 300; round++) {
            ReportStore store = new ReportStore(clock::get, Duration.ofMinutes(10));
            int sources = 1 + random.nextInt(12);
            for (int i = 0; i < sources; i++) {
                store.put(randomReport(random));
                clock.addAndGet(random.nextInt(20_000));
            }
            for (int i = random.nextInt(3); i > 0; i--) {
                byte[] junk = {'<', 'x'};
                store.offer(junk, junk.length);
            }
            series += same(store, random.nextBoolean() ? "demo" : "we\"ird\\clu\nster", Duration.ofSeconds(1 + random.nextInt(60)));
        }
        assertTrue(series > 10_000, "series compared: " + series);
    }

    @Test
    void scrapeStreamIsTheScrape() throws IOException {
        ReportStore store = new ReportStore(clock::get, Duration.ofHours(1));
        for (String name : Samples.ALL) {
            byte[] raw = Samples.bytes(name);
            store.offer(raw, raw.length);
        }
        MonitorMetrics metrics = new MonitorMetrics(store, "demo", Duration.ofSeconds(10));
        try (InputStream in = metrics.scrapeStream()) {
            assertArrayEquals(metrics.scrape(), in.readAllBytes());
        }
        assertEquals("text/plain; version=0.0.4; charset=utf-8", metrics.contentType());
    }

    private static final String[] WORDS = {"a", "ds1", "x\"y", "back\\slash", "line\nfeed", "caf\u00e9", "", "10.1.2.3", "[::1]"};

    private static String pick(Random random, String... values) {
        return values[random.nextInt(values.length)];
    }

    private static long number(Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> Report.ABSENT;
            case 1 -> 0;
            case 2 -> random.nextInt(1000);
            case 3 -> Long.MAX_VALUE;
            case 4 -> (1L << 53) + random.nextInt(1000);
            default -> Math.abs(random.nextLong() >> random.nextInt(60));
        };
    }

    private static double seconds(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> Report.ABSENT;
            case 1 -> 0;
            case 2 -> random.nextInt(100) + random.nextInt(1_000_000) / 1e6;
            default -> random.nextInt(1 << 20);
        };
    }

    private static Report randomReport(Random random) {
        // Few host names, so that sources collide: same host (replaced), same pod name (one series).
        String host = pick(random, "w-0.svc.ns", "w-0.other", "w-1.svc.ns", "10.1.2.3", "x\"q.svc", "caf\u00e9.svc", "r-0.svc.ns");
        String program = pick(random, "xrootd", "cmsd");
        String instance = pick(random, WORDS);
        Report.Role role = Report.Role.values()[random.nextInt(Report.Role.values().length)];
        List<Report.OssPath> paths = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            paths.add(new Report.OssPath(pick(random, "/data", "/data", "/x\"y", "/caf\u00e9", ""), "/rp", number(random), number(random),
                    number(random), number(random)));
        }
        Report.Cms cms = null;
        if (random.nextInt(3) > 0) {
            List<Report.Node> nodes = new ArrayList<>();
            for (int i = random.nextInt(6); i > 0; i--) {
                nodes.add(new Report.Node(i, pick(random, "w-0.svc.ns", "w-0.other", "w-1.svc.ns", "10.9.9.9", "", "n\"x"),
                        pick(random, "S", "R", "M", "Q", null), NodeState.values()[random.nextInt(NodeState.values().length)],
                        random.nextBoolean(), random.nextBoolean()));
            }
            cms = new Report.Cms(pick(random, "M", "R", "S"), number(random), nodes);
        }
        return new Report(host, 1094, program, instance, "site", "v5.5.3", number(random), number(random), number(random), role,
                random.nextInt(4) == 0 ? null : new Report.Link(number(random), number(random), number(random), number(random),
                        number(random), number(random), number(random), number(random)),
                random.nextInt(4) == 0 ? null : new Report.Proc(seconds(random), seconds(random)),
                random.nextInt(4) == 0 ? null : new Report.Sched(number(random), number(random), number(random), number(random),
                        number(random), number(random), number(random), number(random)),
                random.nextInt(4) == 0 ? null : new Report.Buff(number(random), number(random), number(random)),
                random.nextInt(4) == 0 ? null : new Report.Xrootd(number(random), number(random), number(random), number(random),
                        number(random), number(random), number(random), number(random), number(random), number(random), number(random)),
                random.nextInt(4) == 0 ? null : new Report.Ofs(pick(random, "manager", "server", null), number(random), number(random),
                        number(random), number(random), number(random)),
                paths, cms,
                random.nextInt(4) == 0 ? null : new Report.Cache(number(random), number(random)));
    }

    /** Both renderings of the store compare equal; returns the number of series. */
    private static int same(ReportStore store, String cluster, Duration interval) {
        byte[] actual = new MonitorMetrics(store, cluster, interval).scrape();
        byte[] expected = new ReferenceMonitorMetrics(store, cluster, interval).scrape();
        String actualText = new String(actual, StandardCharsets.UTF_8);
        String expectedText = new String(expected, StandardCharsets.UTF_8);
        Map<String, Family> want = families(expectedText);
        Map<String, Family> got = families(actualText);
        assertEquals(new ArrayList<>(want.keySet()), new ArrayList<>(got.keySet()), actualText);
        int series = 0;
        for (Map.Entry<String, Family> e : want.entrySet()) {
            Family w = e.getValue();
            Family g = got.get(e.getKey());
            assertEquals(w.header, g.header, e.getKey());
            assertEquals(w.series.keySet(), g.series.keySet(), e.getKey() + "\n" + actualText + "\n---\n" + expectedText);
            for (Map.Entry<String, Double> s : w.series.entrySet()) {
                assertEquals(s.getValue(), g.series.get(s.getKey()), e.getKey() + s.getKey());
            }
            series += w.series.size();
        }
        assertArrayEquals(actual, new MonitorMetrics(store, cluster, interval).scrape(), "the same store, the same bytes");
        return series;
    }

    private static final class Family {
        final List<String> header = new ArrayList<>();
        /** Series name and its labels, parsed and sorted (name=value, unescaped) → value. */
        final Map<String, Double> series = new LinkedHashMap<>();
    }

    /** The text format, read strictly: HELP and TYPE before a family's series, each series once. */
    private static Map<String, Family> families(String text) {
        Map<String, Family> out = new LinkedHashMap<>();
        Family current = null;
        String currentName = null;
        assertTrue(text.isEmpty() || text.endsWith("\n"));
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# HELP ")) {
                currentName = line.substring(7, line.indexOf(' ', 7));
                assertTrue(!out.containsKey(currentName), "family twice: " + currentName);
                current = new Family();
                out.put(currentName, current);
                current.header.add(line);
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                current.header.add(line);
                continue;
            }
            int brace = line.indexOf('{');
            String name = line.substring(0, brace);
            assertTrue(name.equals(currentName), line + " outside " + currentName);
            Map<String, String> labels = new TreeMap<>();
            int i = brace + 1;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = line.substring(i, eq);
                assertEquals('"', line.charAt(eq + 1), line);
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char n = line.charAt(++j);
                        value.append(n == 'n' ? '\n' : n);
                    } else {
                        value.append(c);
                    }
                    j++;
                }
                assertTrue(labels.put(label, value.toString()) == null, "label twice: " + line);
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            assertEquals(' ', line.charAt(i + 1), line);
            double value = Double.parseDouble(line.substring(i + 2));
            String key = name + labels;
            assertTrue(current.series.put(key, value) == null, "series twice: " + line);
        }
        return out;
    }
}
