package org.xrootd.hook.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xrootd.hook.fixtures.Scenarios;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.SpecParser;
import org.xrootd.hook.testkit.Repo;

/**
 * The benchmark's helpers, called by tests/bench/run.sh:
 * <ul>
 *   <li>{@code inputs DIR}: writes the request bodies, compact as Metacontroller sends them;</li>
 *   <li>{@code respond DIR INPUT...}: writes what the hook answers to each, computed in-process, so the
 *       script can check the server answers the same bytes over HTTP;</li>
 *   <li>{@code loop REQUEST SECONDS}: syncs one request in a loop, to profile (BENCHMARKS.md says how);</li>
 *   <li>{@code report DIR [--smoke]}: prints the one Markdown table from JMH's JSON, wrk's output and the
 *       script's measurements, and fails if any figure is missing.</li>
 * </ul>
 */
public final class BenchTool {
    /** Inputs, in table order: the golden sample and the scaled steady states. */
    static final List<String> INPUTS = List.of("sample", "workers-100", "workers-500");

    private BenchTool() {}

    public static void main(String[] args) throws Exception {
        switch (args.length == 0 ? "" : args[0]) {
            case "inputs" -> inputs(Path.of(args[1]));
            case "respond" -> {
                for (int i = 2; i < args.length; i++) {
                    Path dir = Path.of(args[1]);
                    Files.write(dir.resolve(args[i] + ".response.json"),
                            SyncBench.sync(Files.readAllBytes(dir.resolve(args[i] + ".json"))));
                }
            }
            case "loop" -> {
                // For profilers (JFR, jcmd Thread.print): sync one input in a loop for the given seconds.
                byte[] body = Files.readAllBytes(Path.of(args[1]));
                long end = System.nanoTime() + Long.parseLong(args[2]) * 1_000_000_000L;
                long count = 0;
                while (System.nanoTime() < end) {
                    count += SyncBench.sync(body).length > 0 ? 1 : 0;
                }
                System.out.println(count + " syncs");
            }
            case "report" -> {
                boolean smoke = args.length > 2 && args[2].equals("--smoke");
                boolean onlyPeers = args.length > 2 && args[2].equals("--peers");
                List<String> missing = new ArrayList<>();
                System.out.print(onlyPeers ? header(Path.of(args[1])) + peers(Path.of(args[1]), missing, false)
                        : report(Path.of(args[1]), missing, smoke));
                if (!missing.isEmpty()) {
                    System.err.println("benchmark produced no figure for: " + String.join(", ", missing));
                    System.exit(1);
                }
                if (smoke) {
                    System.err.println("smoke: every step produced numbers");
                }
            }
            default -> {
                System.err.println("usage: BenchTool inputs DIR | respond DIR INPUT... | report DIR [--smoke]");
                System.exit(2);
            }
        }
    }

    /**
     * The sample is the golden steady-ready request (2 redirectors, 3 workers, every pod ready, status
     * written back). The 100-, 500- and 1000-worker requests are the same steady state derived with that
     * many workers (and so with their supervisors). {@code related} is the golden monitor-steady-all-connected
     * request: the sample's cluster with the monitor on, the insight ConfigMap among its related objects.
     */
    static void inputs(Path dir) throws IOException {
        if (SpecParser.MAX_WORKERS < 1000) {
            throw new IllegalStateException("the worker cap (" + SpecParser.MAX_WORKERS + ") is below 1000: the 1000-worker input would be invalid");
        }
        Files.createDirectories(dir);
        JsonNode sample = Json.MAPPER.readTree(Repo.path("tests/fixtures/steady-ready/request.json").toFile());
        Files.write(dir.resolve("sample.json"), Json.MAPPER.writeValueAsBytes(sample));
        // Related objects beyond the catalog entry: the golden steady state with the monitor on, whose request
        // also carries the insight ConfigMap the collector writes (and the monitor's own children).
        JsonNode related = Json.MAPPER.readTree(Repo.path("tests/fixtures/monitor-steady-all-connected/request.json").toFile());
        Files.write(dir.resolve("related.json"), Json.MAPPER.writeValueAsBytes(related));
        for (int workers : new int[] {100, 500, 1000}) {
            ObjectNode request = Scenarios.steadyRequest(workers);
            Files.write(dir.resolve("workers-" + workers + ".json"), Json.MAPPER.writeValueAsBytes(request));
        }
    }

    // ---------------------------------------------------------------- report

    private static final class Table {
        final StringBuilder out = new StringBuilder();
        final List<String> missing;
        final boolean smoke;

        Table(List<String> missing, boolean smoke) {
            this.missing = missing;
            this.smoke = smoke;
            out.append("| measurement | input | server path | result | goal | met | load (1 min) |\n");
            out.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        }

        void row(String what, String input, String path, String result, String goal, Boolean met, String load) {
            out.append("| ").append(what).append(" | ").append(input).append(" | ").append(path).append(" | ")
                    .append(result).append(" | ").append(goal).append(" | ")
                    .append(met == null || smoke ? "" : met ? "yes" : "**no**").append(" | ").append(load).append(" |\n");
        }
    }

    static String report(Path dir, List<String> missing, boolean smoke) throws IOException {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(dir.resolve("results.properties"), StandardCharsets.UTF_8)) {
            props.load(reader);
        }
        StringBuilder out = new StringBuilder();
        out.append("Machine: ").append(props.getProperty("machine", "?")).append('\n');
        out.append("Run: ").append(props.getProperty("run", "?")).append("\n\n");
        Table table = new Table(missing, smoke);

        jmh(dir, props, table);

        for (int i = 1; props.containsKey("http." + i + ".file"); i++) {
            http(dir, "http." + i, props, table);
        }

        String endpoint = props.getProperty("startup.endpoint", "?");
        String[] starts = props.getProperty("startup.ms", "").split(",");
        List<Long> ms = new ArrayList<>();
        for (String s : starts) {
            if (!s.isBlank()) {
                ms.add(Long.parseLong(s.trim()));
            }
        }
        if (ms.isEmpty()) {
            missing.add("startup");
            table.row("start to first 200 on " + endpoint, "", "", "missing", "", null, "");
        } else {
            List<Long> sorted = new ArrayList<>(ms);
            sorted.sort(null);
            String result = sorted.get(sorted.size() / 2) + " ms median of " + ms.size()
                    + (ms.size() > 1 ? " (" + sorted.get(0) + "–" + sorted.get(sorted.size() - 1) + ")" : "");
            table.row("start to first 200 on `" + endpoint + "` (`java -Xmx128m -jar`)", "", "", result, "", null,
                    props.getProperty("startup.load", ""));
        }

        nmt(dir, props, table);

        for (String server : List.of("default", "serial")) {
            String rss = props.getProperty("rss." + server + ".kib");
            String hwm = props.getProperty("rss." + server + ".hwm.kib");
            if (rss == null || hwm == null) {
                missing.add("rss " + server);
                continue;
            }
            double rssMib = Long.parseLong(rss) / 1024.0;
            double hwmMib = Long.parseLong(hwm) / 1024.0;
            // The goal is the container's footprint, and a JVM in a 256 MiB container runs Serial: G1's row
            // says what this machine's default costs, for comparison.
            boolean container = server.equals("serial");
            table.row("resident memory after its load runs, `-Xmx128m`" + gcOf(server),
                    props.getProperty("rss." + server + ".inputs", ""), "", String.format(Locale.ROOT, "%.0f MiB (peak %.0f MiB)", rssMib, hwmMib),
                    container ? "< 256 MiB" : "none (a 256 MiB container runs Serial)", container ? hwmMib < 256 : null,
                    props.getProperty("rss." + server + ".load", ""));
        }
        monitor(dir, props, table);
        out.append(table.out);
        out.append('\n').append(peers(dir, missing, smoke));
        return out.toString();
    }

    private static String header(Path dir) throws IOException {
        Properties props = properties(dir);
        return "Machine: " + props.getProperty("machine", "?") + "\nRun: " + props.getProperty("run", "?") + "\n\n";
    }

    private static Properties properties(Path dir) throws IOException {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(dir.resolve("results.properties"), StandardCharsets.UTF_8)) {
            props.load(reader);
        }
        return props;
    }

    /** One wrk run of a server: syncs/s, p99 (ms), requests, errors, server CPU per sync (µs). */
    record Load(double perSecond, double p99, long requests, long errors, double cpuMicros, String load) {}

    private static Load load(Path dir, Properties props, String key) throws IOException {
        Path file = dir.resolve(props.getProperty(key + ".file"));
        String text = Files.exists(file) ? Files.readString(file) : "";
        Matcher rps = RPS.matcher(text);
        Double p99 = percentile(text, "99");
        Matcher total = TOTAL.matcher(text);
        if (!rps.find() || p99 == null || !total.find()) {
            return null;
        }
        long errors = 0;
        Matcher non2xx = NON_2XX.matcher(text);
        if (non2xx.find()) {
            errors += Long.parseLong(non2xx.group(1));
        }
        Matcher socket = SOCKET.matcher(text);
        if (socket.find()) {
            for (int g = 1; g <= 4; g++) {
                errors += Long.parseLong(socket.group(g));
            }
        }
        long requests = Long.parseLong(total.group(1));
        double cpu = requests == 0 ? Double.NaN : Long.parseLong(props.getProperty(key + ".cpu.ticks", "0")) * 1e6
                / Long.parseLong(props.getProperty("clock.ticks.per.second", "100")) / requests;
        return new Load(Double.parseDouble(rps.group(1)), p99, requests, errors, cpu, props.getProperty(key + ".load", ""));
    }

    /**
     * The side-by-side table (issue #19): per input, the hook and each peer's server CPU per sync, syncs/s
     * and p99 at 16 connections, and the ratios against the leanest (CPU) and best (throughput, p99) peer.
     */
    static String peers(Path dir, List<String> missing, boolean smoke) throws IOException {
        Properties props = properties(dir);
        java.util.Map<String, java.util.Map<String, Load>> byInput = new java.util.LinkedHashMap<>();
        for (int i = 1; props.containsKey("peer." + i + ".file"); i++) {
            String key = "peer." + i;
            Load l = load(dir, props, key);
            if (l == null) {
                missing.add("peer " + props.getProperty(key + ".server") + " " + props.getProperty(key + ".input"));
                continue;
            }
            byInput.computeIfAbsent(props.getProperty(key + ".input"), k -> new java.util.LinkedHashMap<>())
                    .put(props.getProperty(key + ".server"), l);
        }
        if (byInput.isEmpty()) {
            missing.add("peers");
            return "";
        }
        StringBuilder out = new StringBuilder();
        out.append("Side by side (16 connections, ").append(props.getProperty("peer.1.seconds", "?"))
                .append(" s each; server CPU per sync from /proc/PID/stat; Java hook -Xmx128m, Serial GC)")
                .append(props.containsKey("peer.skipped.node") ? ": **no Node.js peer** (" + props.getProperty("peer.skipped.node") + ")" : "")
                .append("\n\n");
        out.append("| input | request / response | server | CPU per sync | syncs/s | p99 | errors | load (1 min) | hook CPU ÷ leanest peer's | hook syncs/s ÷ best peer's | hook p99 ÷ best peer's |\n");
        out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        byInput.forEach((input, servers) -> {
            Load hook = servers.get("hook");
            double leanest = Double.MAX_VALUE;
            double best = 0;
            double bestP99 = Double.MAX_VALUE;
            for (var e : servers.entrySet()) {
                if (!e.getKey().equals("hook")) {
                    leanest = Math.min(leanest, e.getValue().cpuMicros());
                    best = Math.max(best, e.getValue().perSecond());
                    bestP99 = Math.min(bestP99, e.getValue().p99());
                }
            }
            String[] bytes = props.getProperty("peer.bytes." + input, "0 0").split(" ");
            boolean first = true;
            for (var e : servers.entrySet()) {
                Load l = e.getValue();
                boolean isHook = e.getKey().equals("hook");
                String ratios = isHook && hook != null && best > 0
                        ? String.format(Locale.ROOT, " **%.2f** | **%.2f** | %.2f |", l.cpuMicros() / leanest, l.perSecond() / best,
                                l.p99() / bestP99)
                        : " | | |";
                out.append(String.format(Locale.ROOT, "| %s | %s | %s | %.0f µs | %.0f | %.2f ms | %d | %s |%s\n",
                        first ? input : "", first ? String.format(Locale.ROOT, "%.1f / %.1f KiB", Long.parseLong(bytes[0]) / 1024.0,
                                Long.parseLong(bytes[1]) / 1024.0) : "",
                        e.getKey(), l.cpuMicros(), l.perSecond(), l.p99(), l.errors(), l.load(), ratios));
                first = false;
            }
        });
        out.append("\nGoals (issue #19): hook CPU ÷ leanest peer's ≤ 0.33; hook syncs/s ÷ best peer's ≥ 2; hook p99 ÷ best peer's ≤ 1; 0 errors.")
                .append(smoke ? " (smoke: the figures mean nothing)" : "").append('\n');
        for (String server : List.of("hook", "node", "python")) {
            String rss = props.getProperty("peer.rss." + server + ".kib");
            if (rss != null) {
                out.append(String.format(Locale.ROOT, "Resident memory of %s after its load: %.0f MiB. ", server, Long.parseLong(rss) / 1024.0));
            }
        }
        return out.append('\n').toString();
    }

    // ---------------------------------------------------------------- the monitor (issue 16)

    /** MonitorBench's inputs, in table order, with what each is. */
    private static final List<String[]> MONITOR_INPUTS = List.of(
            new String[] {"worker-xrootd", "a worker's xrootd (`steady-ds1-xrootd`)"},
            new String[] {"worker-cmsd", "a worker's cmsd (`steady-ds1-cmsd`)"},
            new String[] {"manager-cmsd", "a redirector's cmsd seeing 4 nodes (`steady-manager-cmsd`)"},
            new String[] {"manager-cmsd-64", "a redirector's cmsd seeing 64 nodes (`steady-manager-cmsd`, 1000 workers)"});

    /**
     * The server's CPU ticks in the measured window by thread name (numbered threads of a pool grouped:
     * {@code qtp…-12} and {@code qtp…-13} as one), from the script's two snapshots of {@code TID TICKS NAME}.
     */
    private static java.util.Map<String, Long> threadTicks(Path dir) throws IOException {
        Path before = dir.resolve("monitor-threads-before.txt");
        Path after = dir.resolve("monitor-threads-after.txt");
        if (!Files.exists(before) || !Files.exists(after)) {
            return null;
        }
        java.util.Map<String, Long> start = new java.util.HashMap<>();
        for (String line : Files.readAllLines(before)) {
            String[] f = line.split(" ", 3);
            if (f.length == 3) {
                start.put(f[0], Long.parseLong(f[1]));
            }
        }
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(after)) {
            String[] f = line.split(" ", 3);
            if (f.length < 3) {
                continue;
            }
            String name = f[2].trim().replaceAll("[-#\\s]*\\d+$", "");
            out.merge(name.isEmpty() ? "?" : name, Long.parseLong(f[1]) - start.getOrDefault(f[0], 0L), Long::sum);
        }
        return out.isEmpty() ? null : out;
    }

    private static final Pattern HEAP_USED = Pattern.compile("(?m)^\\s*(?:def new generation|tenured generation|garbage-first heap)\\s+total (\\d+)K, used (\\d+)K");

    private static void monitor(Path dir, Properties props, Table table) throws IOException {
        String jmhLoad = props.getProperty("jmh.monitor.load", "");
        Path file = dir.resolve("jmh-monitor.json");
        JsonNode results = Files.exists(file) ? Json.MAPPER.readTree(file.toFile()) : Json.MAPPER.createArrayNode();
        java.util.Map<String, Double> micros = new java.util.HashMap<>();
        for (String[] input : MONITOR_INPUTS) {
            JsonNode offer = find(results, "offer", input[0]);
            if (offer == null) {
                table.missing.add("JMH monitor " + input[0]);
                table.row("JMH monitor: parse + keep one report (µs/op, 1 thread)", input[1], "", "missing (see " + file + ")", "", null, "");
                continue;
            }
            micros.put(input[0], offer.path("primaryMetric").path("score").asDouble());
            table.row("JMH monitor: parse + keep one report (µs/op, 1 thread)",
                    input[1] + String.format(Locale.ROOT, ", %,d B", MonitorBench.size(input[0])), "`ReportStore.offer`",
                    score(offer) + " µs (" + allocated(offer) + ")", "", null, jmhLoad);
        }
        // One interval of the 1000-worker cluster from the JMH figures: every worker's cmsd and xrootd, each
        // supervisor's and redirector's cmsd priced as a 64-node one (a supervisor sees about 60) and their
        // xrootds as a worker's.
        int workers = 1000;
        int supervisors = org.xrootd.hook.model.Supervisors.required(workers);
        int redirectors = 2;
        if (micros.size() == MONITOR_INPUTS.size()) {
            double perInterval = workers * (micros.get("worker-xrootd") + micros.get("worker-cmsd"))
                    + (supervisors + redirectors) * (micros.get("manager-cmsd-64") + micros.get("worker-xrootd"));
            double share = perInterval / 10e6 * 100;
            table.row("JMH monitor: one 10 s interval of 1000 workers, from the rows above",
                    String.format(Locale.ROOT, "%,d reports (%d workers, %d supervisors, %d redirectors; a cmsd and an xrootd each)",
                            2 * (workers + supervisors + redirectors), workers, supervisors, redirectors),
                    "", String.format(Locale.ROOT, "%.1f ms of CPU per 10 s: **%.2f%% of a core**", perInterval / 1000, share),
                    "< 2% of a core", share < 2, jmhLoad);
        }

        String input = String.format(Locale.ROOT, "%s workers, %s supervisors, %s redirectors: %s daemons, a report each every %s s (mean %s B, largest %s B)",
                props.getProperty("monitor.workers", "?"), props.getProperty("monitor.supervisors", "?"),
                props.getProperty("monitor.redirectors", "?"), props.getProperty("monitor.daemons", "?"),
                props.getProperty("monitor.interval.seconds", "?"), props.getProperty("monitor.datagram.mean.bytes", "?"),
                props.getProperty("monitor.datagram.max.bytes", "?"));
        String jar = "`java -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar … monitor`";

        String ticks = props.getProperty("monitor.cpu.ticks");
        String window = props.getProperty("monitor.cpu.window.ms");
        String perSecondTicks = props.getProperty("clock.ticks.per.second");
        if (ticks == null || window == null || perSecondTicks == null) {
            table.missing.add("monitor CPU");
            table.row("monitor at 1000 workers: CPU", input, jar, "missing", "", null, "");
        } else {
            double cpuSeconds = Long.parseLong(ticks) / Double.parseDouble(perSecondTicks);
            double windowSeconds = Long.parseLong(window) / 1000.0;
            double share = cpuSeconds / windowSeconds * 100;
            table.row("monitor at 1000 workers: CPU (user + system, every thread, `/proc/PID/stat`)", input, jar,
                    String.format(Locale.ROOT, "**%.2f%% of one core** (%.2f s of CPU in %.1f s; /insight read every second, /metrics every 15 s)",
                            share, cpuSeconds, windowSeconds), "< 2% of a core", share < 2, props.getProperty("monitor.cpu.load", ""));
        }

        java.util.Map<String, Long> byThread = threadTicks(dir);
        if (byThread == null || window == null || perSecondTicks == null) {
            table.missing.add("monitor CPU by thread");
            table.row("monitor at 1000 workers: CPU by thread", input, jar, "missing", "", null, "");
        } else {
            double windowSeconds = Long.parseLong(window) / 1000.0;
            double tick = 1 / Double.parseDouble(perSecondTicks);
            StringBuilder parts = new StringBuilder();
            byThread.entrySet().stream().sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
                    .filter(e -> e.getValue() > 0)
                    .forEach(e -> parts.append(parts.length() == 0 ? "" : ", ").append('`').append(e.getKey()).append("` ")
                            .append(String.format(Locale.ROOT, "%.2f%%", e.getValue() * tick / windowSeconds * 100)));
            table.row("monitor at 1000 workers: CPU by thread (`/proc/PID/task/*/stat`, % of one core)", "the same window", jar,
                    parts.length() == 0 ? "no thread used a clock tick" : parts.toString(), "", null,
                    props.getProperty("monitor.cpu.load", ""));
        }

        Path heapFile = dir.resolve("monitor-heap.txt");
        String heapText = Files.exists(heapFile) ? Files.readString(heapFile) : "";
        Matcher heap = HEAP_USED.matcher(heapText);
        long usedK = 0;
        long totalK = 0;
        boolean found = false;
        while (heap.find()) {
            found = true;
            totalK += Long.parseLong(heap.group(1));
            usedK += Long.parseLong(heap.group(2));
        }
        String rss = props.getProperty("rss.monitor.kib");
        String hwm = props.getProperty("rss.monitor.hwm.kib");
        if (!found || rss == null || hwm == null) {
            table.missing.add("monitor heap");
            table.row("monitor at 1000 workers: heap after a full GC", input, jar, "missing (see " + heapFile + ")", "", null, "");
        } else {
            double usedMib = usedK / 1024.0;
            table.row("monitor at 1000 workers: heap in use after a full GC (`jcmd GC.run`, `GC.heap_info`), and resident memory",
                    "after the load", jar,
                    String.format(Locale.ROOT, "**%.1f MiB** heap in use (of %.0f MiB committed, 64 MiB max); resident %.0f MiB (peak %.0f MiB), %s threads",
                            usedMib, totalK / 1024.0, Long.parseLong(rss) / 1024.0, Long.parseLong(hwm) / 1024.0,
                            props.getProperty("monitor.threads", "?")),
                    "< 64 MiB heap", usedMib < 64, props.getProperty("monitor.heap.load", ""));
        }

        String sent = props.getProperty("monitor.sent");
        String received = props.getProperty("monitor.received");
        if (sent == null || received == null || received.isBlank()) {
            table.missing.add("monitor datagrams");
            table.row("monitor at 1000 workers: datagrams", input, jar, "missing", "", null, "");
        } else {
            long lost = Long.parseLong(sent) - Long.parseLong(received);
            table.row("monitor at 1000 workers: datagrams sent and received (`xrootd_monitor_datagrams_total`)",
                    props.getProperty("monitor.send.seconds", "?") + " s of reports", jar,
                    String.format(Locale.ROOT, "sent %s, received %s as reports, %s not reports, **%d lost**; %s sources held",
                            sent, received, props.getProperty("monitor.rejected", "?"), lost, props.getProperty("monitor.sources", "?")),
                    "0 lost", lost == 0, props.getProperty("monitor.cpu.load", ""));
        }

        String scrape = props.getProperty("monitor.scrape.seconds");
        String bytes = props.getProperty("monitor.scrape.bytes");
        if (scrape == null || bytes == null || scrape.isBlank() || bytes.isBlank()) {
            table.missing.add("monitor scrape");
            table.row("monitor at 1000 workers: a `/metrics` scrape", input, jar, "missing", "", null, "");
        } else {
            table.row("monitor at 1000 workers: a `/metrics` scrape (curl, after the load)", props.getProperty("monitor.sources", "?") + " daemons held", jar,
                    String.format(Locale.ROOT, "%.0f ms, %.1f MiB, %s series", Double.parseDouble(scrape) * 1000,
                            Long.parseLong(bytes) / 1048576.0, props.getProperty("monitor.scrape.series", "?")),
                    "", null, props.getProperty("monitor.scrape.load", ""));
        }
    }

    /** The JVM options a server ran with, beyond -Xmx128m. */
    private static String gcOf(String server) {
        return server.equals("default") ? ", this machine's default GC (G1)" : ", Serial GC (as in a 256 MiB container)";
    }

    private static String describe(Path dir, String input) throws IOException {
        String label = switch (input) {
            case "sample" -> "sample (2 redirectors, 3 workers)";
            case "workers-100" -> "100 workers";
            case "workers-500" -> "500 workers";
            default -> input;
        };
        Path request = dir.resolve("inputs").resolve(input + ".json");
        Path response = dir.resolve("responses").resolve(input + ".response.json");
        if (Files.exists(request) && Files.exists(response)) {
            label += String.format(Locale.ROOT, ", %.1f KiB in, %.1f KiB out",
                    Files.size(request) / 1024.0, Files.size(response) / 1024.0);
        }
        return label;
    }

    /**
     * What the hook did with an input, read from its in-process response: built the children, or found the
     * spec invalid and returned the observed children as they are.
     */
    private static String path(Path dir, String input) throws IOException {
        Path response = dir.resolve("responses").resolve(input + ".response.json");
        if (!Files.exists(response)) {
            return "?";
        }
        for (JsonNode condition : Json.MAPPER.readTree(response.toFile()).at("/status/conditions")) {
            if (condition.path("reason").asText().equals("InvalidSpec")) {
                return "InvalidSpec: children kept as they are";
            }
        }
        return "full build";
    }

    private static void jmh(Path dir, Properties props, Table table) throws IOException {
        Path file = dir.resolve("jmh.json");
        if (!Files.exists(file)) {
            table.missing.add("JMH");
            return;
        }
        JsonNode results = Json.MAPPER.readTree(file.toFile());
        for (String input : INPUTS) {
            JsonNode sync = find(results, "sync", input);
            JsonNode floor = find(results, "floor", input);
            if (sync == null && floor == null) {
                continue;
            }
            if (sync == null || floor == null) {
                table.missing.add("JMH " + input);
                continue;
            }
            double s = sync.path("primaryMetric").path("score").asDouble();
            double f = floor.path("primaryMetric").path("score").asDouble();
            double ratio = s / f;
            String result = String.format(Locale.ROOT, "sync %s µs (%s), floor %s µs (%s): ratio **%.2f**",
                    score(sync), allocated(sync), score(floor), allocated(floor), ratio);
            table.row("JMH sync vs floor (µs/op, 1 thread)", describe(dir, input), path(dir, input), result,
                    "ratio ≤ 2", ratio <= 2, props.getProperty("jmh.load", ""));
        }
    }

    /** Bytes allocated per operation (JMH -prof gc): unlike time, the same on a busy machine. */
    private static String allocated(JsonNode result) {
        JsonNode metrics = result.path("secondaryMetrics");
        JsonNode norm = metrics.has("gc.alloc.rate.norm") ? metrics.path("gc.alloc.rate.norm").path("score")
                : metrics.path("\u00b7gc.alloc.rate.norm").path("score");
        return norm.isNumber() ? String.format(Locale.ROOT, "%.0f KB/op", norm.asDouble() / 1000) : "? KB/op";
    }

    private static String score(JsonNode result) {
        JsonNode metric = result.path("primaryMetric");
        double error = metric.path("scoreError").asDouble(Double.NaN);
        String value = String.format(Locale.ROOT, "%.1f", metric.path("score").asDouble());
        return Double.isNaN(error) ? value : value + String.format(Locale.ROOT, " ± %.1f", error);
    }

    private static JsonNode find(JsonNode results, String method, String input) {
        for (JsonNode result : results) {
            if (result.path("benchmark").asText().endsWith("." + method)
                    && input.equals(result.path("params").path("input").asText())) {
                return result;
            }
        }
        return null;
    }

    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern TOTAL = Pattern.compile("(\\d+) requests in ([0-9.]+)(ms|s|m)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
    private static final Pattern SOCKET = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    private static void http(Path dir, String key, Properties props, Table table) throws IOException {
        String input = props.getProperty(key + ".input");
        String server = props.getProperty(key + ".server");
        String what = "HTTP load, " + props.getProperty(key + ".connections") + " connections, "
                + props.getProperty(key + ".seconds") + " s" + gcOf(server);
        Path file = dir.resolve(props.getProperty(key + ".file"));
        String text = Files.exists(file) ? Files.readString(file) : "";
        Matcher rps = RPS.matcher(text);
        Double p50 = percentile(text, "50");
        Double p99 = percentile(text, "99");
        if (!rps.find() || p50 == null || p99 == null) {
            table.missing.add(what + " " + input + " " + server);
            table.row(what, describe(dir, input), path(dir, input), "missing (see " + file + ")", "", null, "");
            return;
        }
        long errors = 0;
        Matcher non2xx = NON_2XX.matcher(text);
        if (non2xx.find()) {
            errors += Long.parseLong(non2xx.group(1));
        }
        Matcher socket = SOCKET.matcher(text);
        if (socket.find()) {
            for (int g = 1; g <= 4; g++) {
                errors += Long.parseLong(socket.group(g));
            }
        }
        Matcher total = TOTAL.matcher(text);
        long requests = total.find() ? Long.parseLong(total.group(1)) : 0;
        String count = requests > 0 ? requests + " requests, " : "";
        String ticks = props.getProperty(key + ".cpu.ticks");
        String perSecondTicks = props.getProperty("clock.ticks.per.second");
        String cpu = "";
        if (ticks != null && perSecondTicks != null && requests > 0) {
            double micros = Long.parseLong(ticks) * 1e6 / Long.parseLong(perSecondTicks) / requests;
            cpu = String.format(Locale.ROOT, "; server CPU %.0f µs a sync", micros);
        }
        double perSecond = Double.parseDouble(rps.group(1));
        String result = String.format(Locale.ROOT, "**%.0f syncs/s**, p50 %.2f ms, p99 %.2f ms, %s%d errors%s",
                perSecond, p50, p99, count, errors, cpu);
        boolean goalApplies = input.equals("workers-100");
        table.row(what, describe(dir, input), path(dir, input), result,
                goalApplies ? "≥ 2,000 syncs/s, 0 errors" : "0 errors",
                goalApplies ? perSecond >= 2000 && errors == 0 : errors == 0,
                props.getProperty(key + ".load", ""));
    }

    private static final Pattern NMT_CATEGORY = Pattern.compile("(?m)^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");

    /**
     * What the JVM's native memory tracking says the resident memory is made of, committed KB by category,
     * grouped: the heap, classes (metaspace and class data), the JIT (code cache and compiler arenas), thread
     * stacks, and everything else (GC structures, symbols, internal, the tracking itself).
     */
    private static void nmt(Path dir, Properties props, Table table) throws IOException {
        Path file = dir.resolve("nmt.txt");
        String text = Files.exists(file) ? Files.readString(file) : "";
        java.util.Map<String, Long> committed = new java.util.LinkedHashMap<>();
        Matcher m = NMT_CATEGORY.matcher(text);
        while (m.find()) {
            committed.put(m.group(1).trim(), Long.parseLong(m.group(3)));
        }
        String rss = props.getProperty("rss.nmt.kib");
        if (committed.isEmpty() || rss == null) {
            table.missing.add("native memory");
            table.row("JVM memory by category (native memory tracking)", "", "", "missing (see " + file + ")", "", null, "");
            return;
        }
        long heap = committed.getOrDefault("Java Heap", 0L);
        long classes = committed.getOrDefault("Class", 0L) + committed.getOrDefault("Metaspace", 0L)
                + committed.getOrDefault("Shared class space", 0L);
        long jit = committed.getOrDefault("Code", 0L) + committed.getOrDefault("Compiler", 0L);
        long threads = committed.getOrDefault("Thread", 0L);
        long total = committed.values().stream().mapToLong(Long::longValue).sum();
        long other = total - heap - classes - jit - threads;
        double rssMib = Long.parseLong(rss) / 1024.0;
        String result = String.format(Locale.ROOT,
                "heap %.0f, classes %.0f, JIT (code cache and compiler) %.0f, thread stacks %.0f (%s threads), other %.0f: "
                        + "%.0f MiB committed, %.0f MiB resident", heap / 1024.0, classes / 1024.0, jit / 1024.0,
                threads / 1024.0, props.getProperty("nmt.threads", "?"), other / 1024.0, total / 1024.0, rssMib);
        table.row("JVM memory by category after load (MiB, native memory tracking), `-Xmx128m`, Serial GC", "after 100 workers",
                "", result, "< 256 MiB", rssMib < 256, props.getProperty("rss.nmt.load", ""));
    }

    /** A latency percentile from wrk --latency, in milliseconds. */
    private static Double percentile(String text, String percent) {
        Matcher m = Pattern.compile("\\n\\s+" + percent + "%\\s+([0-9.]+)(us|ms|s)\\b").matcher(text);
        if (!m.find()) {
            return null;
        }
        double value = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> value / 1000;
            case "s" -> value * 1000;
            default -> value;
        };
    }
}
