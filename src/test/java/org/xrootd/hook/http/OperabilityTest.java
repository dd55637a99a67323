package org.xrootd.hook.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Http;

/** Health, readiness, metrics and the request-size limit of a running server. */
class OperabilityTest {
    private static HookServer server;

    @BeforeAll
    static void start() {
        server = HookServer.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void healthAndReadinessAnswerOnceServing() throws Exception {
        assertEquals(HookServer.State.SERVING, server.state());
        Http.Reply health = Http.get(server.port(), "/healthz");
        assertEquals(200, health.status());
        assertEquals("ok", Json.MAPPER.readTree(health.text()).path("status").asText());
        Http.Reply ready = Http.get(server.port(), "/readyz");
        assertEquals(200, ready.status());
        assertEquals("serving", Json.MAPPER.readTree(ready.text()).path("status").asText());
    }

    @Test
    void metricsCountSyncsByResultErrorsByKindAndInvalidParents() throws Exception {
        assertEquals(200, Http.post(server.port(), "/sync", RealisticRequest.workers(64).bytes()).status());
        assertEquals(200, Http.post(server.port(), "/sync", RealisticRequest.workers(500).bytes()).status());
        // Past the ceiling of 1000 workers: the parent is invalid, and answered.
        com.fasterxml.jackson.databind.node.ObjectNode tooMany = RealisticRequest.workers(64).json();
        ((com.fasterxml.jackson.databind.node.ObjectNode) tooMany.at("/parent/spec/worker")).put("replicas", 1001);
        assertEquals(200, Http.post(server.port(), "/sync", org.xrootd.hook.json.Json.MAPPER.writeValueAsBytes(tooMany)).status());
        assertEquals(400, Http.post(server.port(), "/sync", "{\"parent\": 1}".getBytes()).status());
        assertEquals(200, Http.post(server.port(), "/customize", RealisticRequest.workers(3).bytes()).status());

        Http.Reply metrics = Http.get(server.port(), "/metrics");
        assertEquals(200, metrics.status());
        assertTrue(metrics.contentType().startsWith("text/plain"), metrics.contentType());
        String text = metrics.text();
        assertTrue(value(text, "xrootd_hook_syncs_total{hook=\"sync\",result=\"synced\"}") >= 1, text);
        assertTrue(value(text, "xrootd_hook_syncs_total{hook=\"sync\",result=\"invalid\"}") >= 1, text);
        assertTrue(value(text, "xrootd_hook_errors_total{hook=\"sync\",kind=\"bad-request\"}") >= 1, text);
        // The 1001-worker parent is invalid (above the supervisors' ceiling) and is counted once, by name.
        assertEquals(1.0, value(text, "xrootd_hook_invalid_parents{result=\"invalid\"}"), text);
        assertTrue(value(text, "xrootd_hook_request_duration_seconds_count{hook=\"sync\"}") >= 3, text);
        assertTrue(value(text, "xrootd_hook_request_duration_seconds_count{hook=\"customize\"}") >= 1, text);
        assertTrue(value(text, "xrootd_hook_request_size_bytes_sum{hook=\"sync\"}") > 80_000, text);
        assertEquals((double) HookServer.MAX_REQUEST_BYTES, value(text, "xrootd_hook_max_request_bytes"), text);
        assertTrue(text.contains("xrootd_hook_build_info{version=\"") && !text.contains("xrootd_hook_build_info{version=\"dev\"}"),
                "the build's version, filled in by Maven");
        assertTrue(text.contains("jvm_memory_used_bytes{area=\"heap\"}"), "JVM metrics are exported");
        assertTrue(text.contains("process_cpu_seconds_total"), "process metrics are exported");
        // No label names a parent: cardinality stays bounded whatever the cluster holds.
        assertTrue(!text.contains(RealisticRequest.NAME), "no per-parent labels");

        // The same parent, fixed, is no longer counted as invalid.
        assertEquals(200, Http.post(server.port(), "/sync", RealisticRequest.workers(64).bytes()).status());
        assertEquals(0.0, value(Http.get(server.port(), "/metrics").text(), "xrootd_hook_invalid_parents{result=\"invalid\"}"));
    }

    @Test
    void aRequestLargerThanTheLimitIsRefusedWith413BeforeItIsRead() throws Exception {
        // Declared length above the limit: refused from the headers alone.
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /sync HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                    + (HookServer.MAX_REQUEST_BYTES + 1) + "\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(response.startsWith("HTTP/1.1 413"), response);
            JsonNode body = Json.MAPPER.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
            assertEquals("request too large", body.path("error").asText());
            assertTrue(body.path("message").asText().contains(String.valueOf(HookServer.MAX_REQUEST_BYTES)), body.toString());
        }
        assertTrue(value(Http.get(server.port(), "/metrics").text(), "xrootd_hook_errors_total{hook=\"sync\",kind=\"too-large\"}") >= 1);
    }

    @Test
    void aChunkedRequestLargerThanTheLimitIsRefusedWith413() throws Exception {
        byte[] big = new byte[(int) HookServer.MAX_REQUEST_BYTES + 1];
        Arrays.fill(big, (byte) ' ');
        HttpRequest request = HttpRequest.newBuilder(Http.uri(server.port(), "/sync"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
                .build();
        HttpResponse<String> response = Http.CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(413, response.statusCode(), response.body());
        assertEquals("request too large", Json.MAPPER.readTree(response.body()).path("error").asText());
    }

    @Test
    void aRequestJustBelowTheLimitIsRead() throws Exception {
        // A real request padded with whitespace to the limit: read in full and answered.
        byte[] real = RealisticRequest.workers(64).bytes();
        byte[] padded = Arrays.copyOf(real, (int) HookServer.MAX_REQUEST_BYTES);
        Arrays.fill(padded, real.length, padded.length, (byte) ' ');
        Http.Reply response = Http.post(server.port(), "/sync", padded);
        assertEquals(200, response.status(), response.text());
    }

    @Test
    void unknownPathsAnswerJson404() throws Exception {
        Http.Reply response = Http.get(server.port(), "/nope");
        assertEquals(404, response.status());
        assertEquals("not found", Json.MAPPER.readTree(response.text()).path("error").asText());
    }

    @Test
    void answersAreNotCompressedEvenWhenTheClientAcceptsGzip() throws Exception {
        // What Go's HTTP client, and so Metacontroller, sends unless told otherwise.
        HttpResponse<byte[]> answer = Http.CLIENT.send(HttpRequest.newBuilder(Http.uri(server.port(), "/sync")).header("Content-Type", "application/json")
                .header("Accept-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofByteArray(RealisticRequest.workers(64).bytes())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, answer.statusCode());
        assertTrue(answer.headers().firstValue("Content-Encoding").isEmpty(), answer.headers().toString());
        assertEquals(RealisticRequest.workers(64).observedChildren(), Json.MAPPER.readTree(answer.body()).path("children").size());
    }

    @Test
    void theSmallestThreadPoolAnswersManyMoreClientsThanItHasThreads() throws Exception {
        HookServer small = HookServer.start(new HookServer.Settings("127.0.0.1", 0, Duration.ZERO, Duration.ofSeconds(10),
                HookServer.Settings.MIN_MAX_THREADS));
        try {
            byte[] body = RealisticRequest.workers(64).bytes();
            URI sync = Http.uri(small.port(), "/sync");
            // One client per request: 24 connections at once against 4 threads, two of them Jetty's acceptor and selector.
            List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                answers.add(HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(sync).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray()));
            }
            byte[] first = null;
            for (CompletableFuture<HttpResponse<byte[]>> answer : answers) {
                HttpResponse<byte[]> response = answer.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(200, response.statusCode());
                if (first == null) {
                    first = response.body();
                }
                assertTrue(Arrays.equals(first, response.body()), "every client gets the same answer");
            }
        } finally {
            small.close();
        }
    }

    @Test
    void aThreadPoolTooSmallForJettyIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new HookServer.Settings("127.0.0.1", 0, Duration.ZERO,
                Duration.ofSeconds(1), HookServer.Settings.MIN_MAX_THREADS - 1));
    }

    @Test
    void shutdownDrainsARequestInFlightAndTurnsUnreadyFirst() throws Exception {
        HookServer draining = HookServer.start(new HookServer.Settings("127.0.0.1", 0, Duration.ofMillis(500), Duration.ofSeconds(10)));
        int port = draining.port();
        byte[] body = RealisticRequest.workers(3).bytes();
        try (Socket slow = new Socket("127.0.0.1", port)) {
            slow.setSoTimeout(15_000);
            // A request in flight: a client that uploads its body slowly, over about two seconds.
            CompletableFuture<Void> upload = trickle(slow, body, Duration.ofSeconds(2));
            Thread.sleep(300);

            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(draining::shutdown);
            // Unready at once, while still listening during the drain delay.
            assertEquals(503, waitForStatus(port, "/readyz", 503, Duration.ofSeconds(5)));
            assertEquals(HookServer.State.DRAINING, draining.state());
            // After the drain delay the server stops accepting, but waits for the request in flight.
            Thread.sleep(700);
            assertTrue(refused(port), "no new connections once the server stops");
            assertTrue(!shutdown.isDone(), "shutdown waits for the request in flight");

            upload.get(10, java.util.concurrent.TimeUnit.SECONDS);
            String response = readResponse(slow.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            JsonNode answer = Json.MAPPER.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
            assertEquals(RealisticRequest.workers(3).observedChildren(), answer.path("children").size(), "the in-flight sync got its full answer");

            shutdown.get(15, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(HookServer.State.STOPPED, draining.state());
        } finally {
            draining.close();
        }
    }

    /** Sends a POST /sync with this body in small pieces spread over {@code over}. */
    static CompletableFuture<Void> trickle(Socket socket, byte[] body, Duration over) {
        return CompletableFuture.runAsync(() -> {
            try {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /sync HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                int pieces = 40;
                int piece = (body.length + pieces - 1) / pieces;
                for (int offset = 0; offset < body.length; offset += piece) {
                    out.write(body, offset, Math.min(piece, body.length - offset));
                    out.flush();
                    Thread.sleep(over.toMillis() / pieces);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Reads one HTTP/1.1 response: a Content-Length body, a chunked one, or one that ends with the connection. */
    static String readResponse(InputStream in) throws IOException {
        String head = readLine(in, "\r\n\r\n");
        int length = -1;
        boolean chunked = false;
        for (String line : head.split("\r\n")) {
            String lower = line.toLowerCase();
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            StringBuilder body = new StringBuilder();
            while (true) {
                int size = Integer.parseInt(readLine(in, "\r\n").trim().split(";")[0], 16);
                if (size == 0) {
                    break;
                }
                body.append(new String(in.readNBytes(size), StandardCharsets.UTF_8));
                readLine(in, "\r\n");
            }
            return head + body;
        }
        byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
        return head + new String(body, StandardCharsets.UTF_8);
    }

    private static String readLine(InputStream in, String end) throws IOException {
        StringBuilder line = new StringBuilder();
        while (!line.toString().endsWith(end)) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            line.append((char) b);
        }
        return line.toString();
    }

    static int waitForStatus(int port, String path, int wanted, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            try {
                last = Http.CLIENT.send(HttpRequest.newBuilder(Http.uri(port, path))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                if (last == wanted) {
                    return last;
                }
            } catch (IOException e) {
                last = -1;
            }
            Thread.sleep(20);
        }
        return last;
    }

    static boolean refused(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return true;
        }
    }

    /** The value of one sample line of the Prometheus text format, or NaN if absent. */
    static double value(String text, String sample) {
        for (String line : text.split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim().split(" ")[0]);
            }
        }
        return Double.NaN;
    }
}
