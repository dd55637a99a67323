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
                List<String> missing = new ArrayList<>();
                System.out.print(report(Path.of(args[1]), missing, smoke));
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
     * written back). The 100- and 500-worker requests are the same steady state derived with that many
     * workers (and so with their supervisors).
     */
    static void inputs(Path dir) throws IOException {
        if (SpecParser.MAX_WORKERS < 500) {
            throw new IllegalStateException("the worker cap (" + SpecParser.MAX_WORKERS + ") is below 500: the 500-worker input would be invalid");
        }
        Files.createDirectories(dir);
        JsonNode sample = Json.MAPPER.readTree(Repo.path("tests/fixtures/steady-ready/request.json").toFile());
        Files.write(dir.resolve("sample.json"), Json.MAPPER.writeValueAsBytes(sample));
        for (int workers : new int[] {100, 500}) {
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
        out.append(table.out);
        return out.toString();
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
