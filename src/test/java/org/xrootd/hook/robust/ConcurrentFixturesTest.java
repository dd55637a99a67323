package org.xrootd.hook.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.http.HookServer;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Http;
import org.xrootd.hook.testkit.Repo;

/**
 * The hook keeps no state between requests: every fixture, replayed by many threads at once in a
 * different shuffled order each, gets exactly its stored response from one running server.
 */
class ConcurrentFixturesTest {
    static final Path FIXTURES = Repo.path("tests/fixtures");
    static final int THREADS = 8;
    static final int ROUNDS = 2;

    record Fixture(String name, String path, int status, byte[] request, String response) {}

    static List<Fixture> fixtures() throws IOException {
        List<Fixture> fixtures = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(FIXTURES)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                Properties meta = new Properties();
                try (Reader reader = Files.newBufferedReader(dir.resolve("case.properties"), StandardCharsets.UTF_8)) {
                    meta.load(reader);
                }
                Path json = dir.resolve("request.json");
                byte[] request = Files.readAllBytes(Files.exists(json) ? json : dir.resolve("request.txt"));
                fixtures.add(new Fixture(dir.getFileName().toString(), meta.getProperty("path"),
                        Integer.parseInt(meta.getProperty("status")), request,
                        Files.readString(dir.resolve("response.json"), StandardCharsets.UTF_8)));
            }
        }
        return fixtures;
    }

    static String pretty(byte[] body) throws IOException {
        return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(Json.MAPPER.readTree(body)) + "\n";
    }

    @Test
    void everyFixtureGetsItsStoredResponseUnderConcurrency() throws Exception {
        List<Fixture> fixtures = fixtures();
        assertTrue(fixtures.size() >= 20, "found " + fixtures.size() + " fixtures");
        ConcurrentLinkedQueue<String> mismatches = new ConcurrentLinkedQueue<>();
        AtomicInteger sent = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (HookServer server = HookServer.start("127.0.0.1", 0)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long seed = 1000L + t;
                workers.add(pool.submit(() -> {
                    List<Fixture> order = new ArrayList<>();
                    for (int r = 0; r < ROUNDS; r++) {
                        order.addAll(fixtures);
                    }
                    Collections.shuffle(order, new Random(seed));
                    start.await();
                    for (Fixture fixture : order) {
                        Http.Reply reply = Http.post(server.port(), fixture.path(), fixture.request());
                        sent.incrementAndGet();
                        if (reply.status() != fixture.status()) {
                            mismatches.add(fixture.name() + ": HTTP " + reply.status());
                        } else if (!fixture.response().equals(pretty(reply.body()))) {
                            mismatches.add(fixture.name() + ": different body");
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(THREADS * ROUNDS * fixtures.size(), sent.get());
        assertEquals(List.of(), List.copyOf(mismatches), "responses that differ from the stored ones under concurrency");
    }
}
