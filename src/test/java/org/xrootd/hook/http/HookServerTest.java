package org.xrootd.hook.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;

class HookServerTest {
    static HookServer server;
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = HookServer.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> send(String method, String path, String body) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthzAnswers() throws Exception {
        assertEquals(200, send("GET", "/healthz", null).statusCode());
    }

    @Test
    void badInputGetsAJsonErrorAndTheServiceKeepsServing() throws Exception {
        for (String body : new String[] {"", "{", "null", "[]", "{\"parent\": 1}", "{\"parent\": {\"metadata\": {}}}",
                "{\"parent\": {\"metadata\": {\"name\": \"x\"}}, \"finalizing\": \"yes\"}", "{\"a\":1,\"a\":2}"}) {
            HttpResponse<String> response = send("POST", "/sync", body);
            assertEquals(400, response.statusCode(), body);
            assertEquals("bad request", Json.MAPPER.readTree(response.body()).get("error").asText(), body);
        }
        assertEquals(200, send("GET", "/healthz", null).statusCode());
    }

    @Test
    void unknownPathsAndMethodsAreJsonToo() throws Exception {
        HttpResponse<String> missing = send("GET", "/nope", null);
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("\"error\""));
    }

    @Test
    void customizeAsksForTheCatalogEntryOfTheVersion() throws Exception {
        HttpResponse<String> response = send("POST", "/customize",
                "{\"controller\": {}, \"parent\": {\"metadata\": {\"name\": \"x\"}, \"spec\": {\"version\": \"5.5.3\"}}}");
        assertEquals(200, response.statusCode());
        assertEquals(Json.MAPPER.readTree(
                "{\"relatedResources\":[{\"apiVersion\":\"catalog.xrootd.org/v1alpha1\",\"resource\":\"xrootdversions\",\"names\":[\"5.5.3\"]}]}"),
                Json.MAPPER.readTree(response.body()));
    }

    @Test
    void customizeWithoutAVersionAsksForNothing() throws Exception {
        HttpResponse<String> response = send("POST", "/customize", "{\"parent\": {\"metadata\": {\"name\": \"x\"}, \"spec\": {}}}");
        assertEquals("{\"relatedResources\":[]}", response.body());
    }
}
