package org.xrootd.hook.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.Quantities;
import org.xrootd.hook.testkit.Http;
import org.xrootd.hook.testkit.Repo;
import org.xrootd.hook.testkit.Tiers;

/**
 * The hook in the memory limit k8s/deployment.yaml gives it, enforced by the kernel: a memory cgroup with
 * the container's limit, the JVM started inside it with the container's JAVA_TOOL_OPTIONS (so it sizes its
 * heap from that limit, as in the pod), then requests at the size limit, many at once, and realistic syncs.
 * Exceeding the limit gets the JVM killed by the kernel; running out of heap makes it exit
 * (ExitOnOutOfMemoryError): either way it would not be alive at the end. Needs root and a writable memory
 * cgroup (v1 or v2): skipped without them, except in CI.
 */
@Tiers.Cgroup
class ContainerMemoryTest {
    private static final Path DEPLOYMENT = Repo.path("k8s/deployment.yaml");

    @Test
    void theDeploymentsJvmServesConcurrentRequestsAtTheSizeLimitWithinItsMemoryLimit(@TempDir Path dir) throws Exception {
        JsonNode container = new YAMLMapper().readTree(DEPLOYMENT.toFile()).at("/spec/template/spec/containers/0");
        long limit = Quantities.parseBytes(container.at("/resources/limits/memory").asText()).bytes().longValueExact();
        String javaOptions = env(container, "JAVA_TOOL_OPTIONS");

        Cgroup cgroup = Cgroup.create("xrootd-hook-test-" + ProcessHandle.current().pid(), limit);
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path log = dir.resolve("hook.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The shell joins the cgroup, then becomes the JVM: the JVM starts inside the limit and reads it.
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", "echo $$ > \"$1\" && shift && exec \"$@\"", "sh",
                cgroup.procs().toString(), java, "-cp", System.getProperty("java.class.path"),
                "-Dlogback.configurationFile=logback.xml", "org.xrootd.hook.Main", "serve", "--host", "127.0.0.1",
                "--port", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_TOOL_OPTIONS", javaOptions);
        builder.environment().put("LOG_LEVEL", "WARN");
        Process process = builder.start();
        try {
            assertEquals(200, OperabilityTest.waitForStatus(port, "/readyz", 200, Duration.ofSeconds(60)),
                    () -> "the service did not become ready: " + read(log));
            long heap = maxHeap(process.pid());
            assertTrue(heap > 0 && heap <= limit / 2, "the JVM sized its heap from the cgroup's limit: " + heap + " of " + limit);

            URI sync = Http.uri(port, "/sync");
            byte[] largest = atTheSizeLimit();
            for (int round = 0; round < 3; round++) {
                assertAllAnswered(sync, largest, 16, 1);
            }
            assertAllAnswered(sync, RealisticRequest.workers(64).bytes(), 16, 100);

            assertTrue(process.isAlive(), "the JVM was neither killed at the memory limit nor out of heap: " + read(log));
            System.out.printf("ContainerMemoryTest: limit %d MiB, heap %d MiB, peak cgroup usage %d MiB%n",
                    limit >> 20, heap >> 20, cgroup.peak() >> 20);
        } finally {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            cgroup.remove();
        }
    }

    /** Clients at once, each sending the body this many times; every answer must be 200. */
    private static void assertAllAnswered(URI sync, byte[] body, int clients, int times) throws Exception {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            all.add(CompletableFuture.runAsync(() -> {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                for (int i = 0; i < times; i++) {
                    try {
                        HttpResponse<Void> answer = client.send(HttpRequest.newBuilder(sync).timeout(Duration.ofSeconds(60))
                                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                                HttpResponse.BodyHandlers.discarding());
                        assertEquals(200, answer.statusCode());
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException("request failed: " + e, e);
                    }
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    }

    /** A valid sync request just under the 8 MiB limit: every observed child carries a large annotation. */
    private static byte[] atTheSizeLimit() throws Exception {
        ObjectNode request = RealisticRequest.workers(64).json();
        List<ObjectNode> children = new ArrayList<>();
        request.path("children").forEach(kind -> kind.forEach(child -> children.add((ObjectNode) child)));
        int base = Json.MAPPER.writeValueAsBytes(request).length;
        int each = (int) ((HookServer.MAX_REQUEST_BYTES - base - 64 * 1024) / children.size());
        for (ObjectNode child : children) {
            ((ObjectNode) child.path("metadata").path("annotations")).put("example.org/blob", "x".repeat(each));
        }
        byte[] body = Json.MAPPER.writeValueAsBytes(request);
        assertTrue(body.length < HookServer.MAX_REQUEST_BYTES && body.length > HookServer.MAX_REQUEST_BYTES - 128 * 1024, "size " + body.length);
        return body;
    }

    private static long maxHeap(long pid) throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid), "VM.flags").redirectErrorStream(true).start();
        String flags = new String(jcmd.getInputStream().readAllBytes());
        jcmd.waitFor(30, TimeUnit.SECONDS);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("-XX:MaxHeapSize=(\\d+)").matcher(flags);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String env(JsonNode container, String name) {
        for (JsonNode env : container.path("env")) {
            if (name.equals(env.path("name").asText())) {
                return env.path("value").asText();
            }
        }
        throw new AssertionError("no " + name + " in " + DEPLOYMENT);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    /** A memory cgroup of its own, v2 or v1, whichever this machine has writable. */
    private record Cgroup(Path dir, boolean v2) {
        static Cgroup create(String name, long limit) throws IOException {
            Path v2Root = Path.of("/sys/fs/cgroup");
            Path v1Root = Path.of("/sys/fs/cgroup/memory");
            Cgroup cgroup;
            if (Files.exists(v2Root.resolve("cgroup.controllers")) && Files.readString(v2Root.resolve("cgroup.controllers")).contains("memory")
                    && Files.isWritable(v2Root)) {
                cgroup = new Cgroup(v2Root.resolve(name), true);
            } else if (Files.isDirectory(v1Root) && Files.isWritable(v1Root)) {
                cgroup = new Cgroup(v1Root.resolve(name), false);
            } else {
                unavailable("no writable memory cgroup (needs root and cgroup v1 or v2 with the memory controller)");
                return null;
            }
            try {
                Files.createDirectories(cgroup.dir());
                Files.writeString(cgroup.dir().resolve(cgroup.v2() ? "memory.max" : "memory.limit_in_bytes"), Long.toString(limit));
                if (!cgroup.v2() && Files.exists(cgroup.dir().resolve("memory.memsw.limit_in_bytes"))) {
                    Files.writeString(cgroup.dir().resolve("memory.memsw.limit_in_bytes"), Long.toString(limit));
                }
            } catch (IOException e) {
                unavailable("cannot set up a memory cgroup at " + cgroup.dir() + ": " + e);
            }
            return cgroup;
        }

        Path procs() {
            return dir.resolve("cgroup.procs");
        }

        long peak() {
            try {
                Path file = dir.resolve(v2 ? "memory.peak" : "memory.max_usage_in_bytes");
                return Files.exists(file) ? Long.parseLong(Files.readString(file).trim()) : -1;
            } catch (IOException | NumberFormatException e) {
                return -1;
            }
        }

        void remove() throws InterruptedException {
            for (int attempt = 0; attempt < 50; attempt++) {
                try {
                    Files.deleteIfExists(dir);
                    return;
                } catch (IOException e) {
                    Thread.sleep(100); // the killed JVM leaves the cgroup a moment after it exits
                }
            }
        }

        private static void unavailable(String message) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(message + " (CI=true: this test must run in CI)");
            }
            Assumptions.assumeTrue(false, message);
        }
    }
}
