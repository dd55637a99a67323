package org.xrootd.hook.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The insight writer against a mock API server: create, then update, never an unchanged write, at most one per 10 s. */
class InsightWriterTest {
    private static final String PATH = "/api/v1/namespaces/ns/configmaps";

    private MockWebServer api;
    private KubernetesClient client;
    private final AtomicLong clock = new AtomicLong(0);
    private InsightWriter writer;

    @BeforeEach
    void start() throws Exception {
        api = new MockWebServer();
        api.start();
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(api.url("/").toString()).withNamespace("ns")
                .withRequestRetryBackoffLimit(0).build();
        client = new KubernetesClientBuilder().withConfig(config).build();
        writer = new InsightWriter(client, "ns", "demo-xrootd-insight", Map.of("app.kubernetes.io/instance", "demo"), List.of(),
                Duration.ofSeconds(10), clock::get);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        api.shutdown();
    }

    private static MockResponse configMap(String resourceVersion) {
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                .setBody("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"demo-xrootd-insight\",\"namespace\":\"ns\","
                        + "\"resourceVersion\":\"" + resourceVersion + "\"},\"data\":{}}");
    }

    private RecordedRequest next() throws InterruptedException {
        RecordedRequest r = api.takeRequest(5, TimeUnit.SECONDS);
        assertTrue(r != null, "expected a request");
        return r;
    }

    @Test
    void createsThenUpdatesOnlyOnChangeAndAtMostOncePer10s() throws Exception {
        api.enqueue(new MockResponse().setResponseCode(404).setBody("{\"kind\":\"Status\",\"code\":404}"));
        api.enqueue(configMap("1").setResponseCode(201));
        assertEquals(InsightWriter.Outcome.CREATED, writer.offer("A"));
        RecordedRequest get = next();
        assertEquals("GET", get.getMethod());
        assertEquals(PATH + "/demo-xrootd-insight", get.getPath());
        RecordedRequest post = next();
        assertEquals("POST", post.getMethod());
        assertEquals(PATH, post.getPath());
        String body = post.getBody().readUtf8();
        assertTrue(body.contains("\"insight.json\":\"A\""), body);
        assertTrue(body.contains("\"app.kubernetes.io/instance\":\"demo\""), body);

        // Steady: the same view makes no request, however often it is offered.
        for (int i = 0; i < 5; i++) {
            clock.addAndGet(20_000);
            assertEquals(InsightWriter.Outcome.UNCHANGED, writer.offer("A"));
        }
        assertEquals(2, api.getRequestCount());

        // A change right after a write waits for the rest of the 10 s.
        api.enqueue(configMap("2"));
        assertEquals(InsightWriter.Outcome.UPDATED, writer.offer("B"));
        RecordedRequest put = next();
        assertEquals("PUT", put.getMethod());
        assertEquals(PATH + "/demo-xrootd-insight", put.getPath());
        String putBody = put.getBody().readUtf8();
        assertTrue(putBody.contains("\"resourceVersion\":\"1\""), putBody);
        assertTrue(putBody.contains("\"insight.json\":\"B\""), putBody);
        clock.addAndGet(9_999);
        assertEquals(InsightWriter.Outcome.DEFERRED, writer.offer("C"));
        assertEquals(3, api.getRequestCount());
        clock.addAndGet(1);
        api.enqueue(configMap("3"));
        assertEquals(InsightWriter.Outcome.UPDATED, writer.offer("C"));
        assertTrue(next().getBody().readUtf8().contains("\"resourceVersion\":\"2\""));
        assertEquals(2, writer.writes() - 1);
    }

    @Test
    void existingConfigMapIsReplacedAndAConflictRereads() throws Exception {
        api.enqueue(configMap("7"));
        api.enqueue(new MockResponse().setResponseCode(409).setBody("{\"kind\":\"Status\",\"code\":409,\"reason\":\"Conflict\"}"));
        api.enqueue(configMap("8"));
        api.enqueue(configMap("9"));
        assertEquals(InsightWriter.Outcome.UPDATED, writer.offer("A"));
        assertEquals(List.of("GET", "PUT", "GET", "PUT"), List.of(next().getMethod(), next().getMethod(), next().getMethod(),
                next().getMethod()));
    }

    @Test
    void aFailureIsRetriedAfterTheIntervalNotBefore() throws Exception {
        api.enqueue(new MockResponse().setResponseCode(403).setBody("{\"kind\":\"Status\",\"code\":403}"));
        assertEquals(InsightWriter.Outcome.FAILED, writer.offer("A"));
        assertEquals(InsightWriter.Outcome.DEFERRED, writer.offer("A"));
        assertEquals(1, api.getRequestCount());
        clock.addAndGet(10_000);
        api.enqueue(new MockResponse().setResponseCode(404).setBody("{\"kind\":\"Status\",\"code\":404}"));
        api.enqueue(configMap("1").setResponseCode(201));
        assertEquals(InsightWriter.Outcome.CREATED, writer.offer("A"));
        assertEquals(1, writer.failures());
    }
}
