package org.xrootd.hook.robust;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Http;

/**
 * Load soak over loopback against a running hook (tests/soak.sh starts one): CONCURRENCY threads, each
 * with its own keep-alive connection, send a mix of every golden fixture (half the requests) and the
 * hostile catalogue's small requests (the other half) for SECONDS. Counts status codes, 5xx, connection
 * errors and answers other than the expected status; measures latency and throughput; and reads the
 * server's heap (used after a full GC) with jcmd before and after. Exits non-zero on any 5xx, connection
 * error, unexpected status, or heap growth beyond 16 MiB + 25%.
 *
 * <p>Usage: {@code Soak PORT SECONDS CONCURRENCY SERVER_PID [REPORT.json]}
 */
public final class Soak {
    /** One request of the mix and the status it must get. */
    record Shot(String name, String path, byte[] body, int[] statuses) {}

    private Soak() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int seconds = Integer.parseInt(args[1]);
        int concurrency = Integer.parseInt(args[2]);
        long serverPid = Long.parseLong(args[3]);
        Path report = args.length > 4 ? Path.of(args[4]) : null;

        List<Shot> valid = fixtures();
        List<Shot> hostile = hostile();
        System.out.printf("soak: %d s, concurrency %d, %d fixture requests and %d hostile requests in the mix%n",
                seconds, concurrency, valid.size(), hostile.size());

        // Warm up (JIT, class loading) so that the heap baseline is not the cold start's.
        run(port, Math.min(10, Math.max(2, seconds / 6)), concurrency, valid, hostile);
        long heapBefore = heapAfterGc(serverPid);
        // While the load runs, the heap after a full GC is sampled four times (each GC pauses the server briefly).
        List<Long> samples = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread sampler = new Thread(() -> {
            try {
                for (int i = 1; i <= 4; i++) {
                    Thread.sleep(seconds * 1000L / 5);
                    samples.add(heapAfterGc(serverPid));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                System.err.println("soak: heap sample failed: " + e.getMessage());
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
        Result result = run(port, seconds, concurrency, valid, hostile);
        sampler.join(10_000);
        long heapAfter = heapAfterGc(serverPid);

        long[] latencies = result.latencies();
        Arrays.sort(latencies);
        double throughput = result.total() / (result.elapsedNanos() / 1e9);
        Map<String, Object> summary = new TreeMap<>();
        summary.put("seconds", seconds);
        summary.put("concurrency", concurrency);
        summary.put("requests", result.total());
        summary.put("throughputPerSecond", Math.round(throughput));
        summary.put("statusCounts", result.statuses());
        summary.put("status5xx", result.statuses().entrySet().stream().filter(e -> e.getKey() >= 500).mapToLong(Map.Entry::getValue).sum());
        summary.put("connectionErrors", result.connectionErrors());
        summary.put("unexpectedStatus", result.unexpected());
        summary.put("latencyMs", Map.of(
                "p50", ms(percentile(latencies, 0.50)), "p90", ms(percentile(latencies, 0.90)),
                "p99", ms(percentile(latencies, 0.99)), "max", ms(latencies.length == 0 ? 0 : latencies[latencies.length - 1])));
        summary.put("serverHeapUsedAfterGcKiB", Map.of("before", heapBefore, "duringLoad", List.copyOf(samples),
                "after", heapAfter, "growth", heapAfter - heapBefore));
        summary.put("firstErrors", result.firstErrors());
        String json = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(summary);
        System.out.println(json);
        if (report != null) {
            Files.writeString(report, json + "\n");
        }
        long fivexx = (long) summary.get("status5xx");
        boolean heapFlat = heapAfter <= heapBefore * 1.25 + 16 * 1024;
        boolean ok = fivexx == 0 && result.connectionErrors() == 0 && result.unexpected() == 0 && heapFlat && result.total() > 0;
        System.out.println(ok ? "soak: PASS" : "soak: FAIL (5xx " + fivexx + ", connection errors " + result.connectionErrors()
                + ", unexpected " + result.unexpected() + ", heap flat " + heapFlat + ")");
        System.exit(ok ? 0 : 1);
    }

    record Result(long total, long elapsedNanos, Map<Integer, Long> statuses, long connectionErrors, long unexpected,
                  long[] latencies, List<String> firstErrors) {}

    static Result run(int port, int seconds, int concurrency, List<Shot> valid, List<Shot> hostile) throws InterruptedException {
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        AtomicLong connectionErrors = new AtomicLong();
        AtomicLong unexpected = new AtomicLong();
        List<String> firstErrors = java.util.Collections.synchronizedList(new ArrayList<>());
        List<long[]> perThread = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(concurrency);
        long[] window = new long[2];
        for (int t = 0; t < concurrency; t++) {
            int id = t;
            Thread worker = new Thread(() -> {
                // One client per worker: a bounded pool of exactly CONCURRENCY keep-alive connections.
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                long[] latencies = new long[1 << 16];
                int count = 0;
                String previous = "nothing";
                java.util.Random random = new java.util.Random(id);
                try {
                    start.await();
                    long deadline = window[0] + seconds * 1_000_000_000L;
                    while (System.nanoTime() < deadline) {
                        List<Shot> from = random.nextBoolean() ? valid : hostile;
                        Shot shot = from.get(random.nextInt(from.size()));
                        long began = System.nanoTime();
                        try {
                            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(Http.uri(port, shot.path()))
                                            .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                                            .POST(HttpRequest.BodyPublishers.ofByteArray(shot.body())).build(),
                                    HttpResponse.BodyHandlers.ofByteArray());
                            statuses.computeIfAbsent(response.statusCode(), k -> new LongAdder()).increment();
                            if (Arrays.stream(shot.statuses()).noneMatch(s -> s == response.statusCode())) {
                                unexpected.incrementAndGet();
                                note(firstErrors, shot.name() + ": HTTP " + response.statusCode() + " "
                                        + new String(response.body(), 0, Math.min(200, response.body().length), StandardCharsets.UTF_8));
                            }
                        } catch (IOException e) {
                            connectionErrors.incrementAndGet();
                            note(firstErrors, shot.name() + " (after " + previous + ", " + (System.nanoTime() - window[0]) / 1_000_000 + " ms into the run): " + e);
                        }
                        previous = shot.name();
                        if (count == latencies.length) {
                            latencies = Arrays.copyOf(latencies, count * 2);
                        }
                        latencies[count++] = System.nanoTime() - began;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    perThread.add(Arrays.copyOf(latencies, count));
                    done.countDown();
                }
            }, "soak-" + t);
            worker.setDaemon(true);
            worker.start();
        }
        window[0] = System.nanoTime();
        start.countDown();
        if (!done.await(seconds + 60L, java.util.concurrent.TimeUnit.SECONDS)) {
            note(firstErrors, "workers did not finish within " + (seconds + 60) + " s");
            connectionErrors.incrementAndGet();
        }
        long elapsed = System.nanoTime() - window[0];
        long[] all = perThread.stream().flatMapToLong(Arrays::stream).toArray();
        Map<Integer, Long> counts = new TreeMap<>();
        statuses.forEach((status, adder) -> counts.put(status, adder.sum()));
        return new Result(all.length, elapsed, counts, connectionErrors.get(), unexpected.get(), all, List.copyOf(firstErrors));
    }

    private static void note(List<String> errors, String error) {
        if (errors.size() < 10) {
            errors.add(error);
        }
    }

    static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    static double ms(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }

    /** Every golden fixture with its stored status. */
    static List<Shot> fixtures() throws IOException {
        List<Shot> shots = new ArrayList<>();
        for (ConcurrentFixturesTest.Fixture f : ConcurrentFixturesTest.fixtures()) {
            shots.add(new Shot(f.name(), f.path(), f.request(), new int[] {f.status()}));
        }
        return shots;
    }

    /** The catalogue's requests that an HTTP client sends as they are, under 1 MiB each. */
    static List<Shot> hostile() throws IOException {
        HostileRequestCatalogTest.load();
        List<Shot> shots = new ArrayList<>();
        for (HostileRequestCatalogTest.Case c : HostileRequestCatalogTest.catalogue()) {
            if (c.raw() != null || c.body() == null || !"POST".equals(c.method()) || c.name().contains("MB") || c.name().contains("limit")) {
                continue;
            }
            byte[] body = c.body().get();
            if (body.length < (1 << 20)) {
                shots.add(new Shot(c.name(), c.path(), body, c.statuses()));
            }
        }
        return shots;
    }

    private static final Pattern USED = Pattern.compile("(generation|heap)\\s+total\\s+\\d+K,\\s+used\\s+(\\d+)K");

    /** The server's heap in use right after a full GC, in KiB, from jcmd. */
    static long heapAfterGc(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher matcher = USED.matcher(info);
        long used = 0;
        while (matcher.find()) {
            used += Long.parseLong(matcher.group(2));
        }
        if (used == 0) {
            throw new IOException("could not read the heap from jcmd GC.heap_info:\n" + info);
        }
        return used;
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("jcmd", String.valueOf(pid), command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("jcmd " + command + " failed: " + out);
        }
        return out;
    }

}
