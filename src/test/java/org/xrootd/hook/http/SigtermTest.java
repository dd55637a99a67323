package org.xrootd.hook.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Http;

/**
 * The service as it runs in a container: a separate JVM, sent SIGTERM while a sync is in flight. It must
 * turn unready, finish that sync, log JSON lines (one per sync with hook, namespace, name, result and
 * durationMs) and exit.
 */
class SigtermTest {

    @Test
    void sigtermDrainsInFlightSyncsAndEveryLogLineIsJson(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path stdout = dir.resolve("stdout.log");
        Path stderr = dir.resolve("stderr.log");
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                // The production logging configuration, not the test suite's logback-test.xml.
                "-Dlogback.configurationFile=logback.xml",
                "org.xrootd.hook.Main", "serve", "--host", "127.0.0.1", "--port", String.valueOf(port),
                "--drain-delay", "500ms", "--stop-timeout", "10s")
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        builder.environment().put("LOG_FORMAT", "json");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        Process process = builder.start();
        try {
            assertEquals(200, OperabilityTest.waitForStatus(port, "/readyz", 200, Duration.ofSeconds(60)),
                    () -> "the service did not become ready: " + read(stdout) + read(stderr));

            Http.Reply first = Http.post(port, "/sync", request("first"));
            assertEquals(200, first.status(), first.text());

            try (Socket slow = new Socket("127.0.0.1", port)) {
                slow.setSoTimeout(20_000);
                CompletableFuture<Void> upload = OperabilityTest.trickle(slow, request("in-flight"), Duration.ofSeconds(2));
                Thread.sleep(300);
                process.destroy(); // SIGTERM
                assertEquals(503, OperabilityTest.waitForStatus(port, "/readyz", 503, Duration.ofSeconds(5)),
                        "unready as soon as SIGTERM arrives");
                upload.get(10, TimeUnit.SECONDS);
                String response = OperabilityTest.readResponse(slow.getInputStream());
                assertTrue(response.startsWith("HTTP/1.1 200"), response);
                JsonNode answer = Json.MAPPER.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
                // The whole answer: as many children as the same request gets in-process (the renamed parent's
                // children are built anew; the observed NetworkPolicy of the other name is kept as a site's).
                assertEquals(org.xrootd.hook.reconcile.SyncHandler.handle(org.xrootd.hook.metacontroller.HookRequest.parse(
                        request("in-flight"))).response().children().size(), answer.path("children").size());
            }
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the process exits after draining");
            assertEquals(143, process.exitValue(), "exit status of a JVM ended by SIGTERM");
        } finally {
            process.destroyForcibly();
        }

        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(stdout)) {
            if (!line.isBlank()) {
                lines.add(Json.MAPPER.readTree(line)); // throws if any line is not JSON
            }
        }
        int draining = index(lines, "event", "draining");
        int inFlight = index(lines, "name", "in-flight");
        int stopped = index(lines, "event", "stopped");
        assertTrue(index(lines, "event", "started") >= 0, lines.toString());
        assertTrue(draining >= 0 && draining < inFlight && inFlight < stopped,
                "draining, then the in-flight sync, then stopped: " + lines);
        JsonNode sync = lines.get(index(lines, "name", "first"));
        assertEquals("sync", sync.path("hook").asText());
        assertEquals(RealisticRequest.NAMESPACE, sync.path("namespace").asText());
        assertEquals("synced", sync.path("result").asText());
        assertTrue(sync.path("durationMs").isIntegralNumber(), sync.toString());
        assertEquals("INFO", sync.path("level").asText());
        assertTrue(sync.path("time").isTextual() && sync.path("message").isTextual(), sync.toString());
    }

    private static byte[] request(String name) throws Exception {
        ObjectNode request = RealisticRequest.workers(2).json();
        ((ObjectNode) request.get("parent").get("metadata")).put("name", name);
        return Json.MAPPER.writeValueAsBytes(request);
    }

    private static int index(List<JsonNode> lines, String field, String value) {
        for (int i = 0; i < lines.size(); i++) {
            if (value.equals(lines.get(i).path(field).asText(null))) {
                return i;
            }
        }
        return -1;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (Exception e) {
            return "";
        }
    }
}
