package org.xrootd.hook.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Http;

class HookServerTest {
    static HookServer server;

    @BeforeAll
    static void start() {
        server = HookServer.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void healthzAnswers() throws Exception {
        assertEquals(200, Http.get(server.port(), "/healthz").status());
    }

    @Test
    void badInputGetsAJsonErrorAndTheServiceKeepsServing() throws Exception {
        for (String body : new String[] {"", "{", "null", "[]", "{\"parent\": 1}", "{\"parent\": {\"metadata\": {}}}",
                "{\"parent\": {\"metadata\": {\"name\": \"x\"}}, \"finalizing\": \"yes\"}", "{\"a\":1,\"a\":2}"}) {
            Http.Reply response = Http.post(server.port(), "/sync", body);
            assertEquals(400, response.status(), body);
            assertEquals("bad request", Json.MAPPER.readTree(response.text()).get("error").asText(), body);
        }
        assertEquals(200, Http.get(server.port(), "/healthz").status());
    }

    @Test
    void unknownPathsAndMethodsAreJsonToo() throws Exception {
        Http.Reply missing = Http.get(server.port(), "/nope");
        assertEquals(404, missing.status());
        assertTrue(missing.text().contains("\"error\""));
    }

    @Test
    void customizeAsksForTheCatalogEntryOfTheVersion() throws Exception {
        Http.Reply response = Http.post(server.port(), "/customize",
                "{\"controller\": {}, \"parent\": {\"metadata\": {\"name\": \"x\"}, \"spec\": {\"version\": \"5.5.3\"}}}");
        assertEquals(200, response.status());
        assertEquals(Json.MAPPER.readTree(
                "{\"relatedResources\":[{\"apiVersion\":\"catalog.xrootd.org/v1alpha1\",\"resource\":\"xrootdversions\",\"names\":[\"5.5.3\"]}]}"),
                Json.MAPPER.readTree(response.text()));
    }

    @Test
    void customizeWithoutAVersionAsksForNothing() throws Exception {
        Http.Reply response = Http.post(server.port(), "/customize", "{\"parent\": {\"metadata\": {\"name\": \"x\"}, \"spec\": {}}}");
        assertEquals("{\"relatedResources\":[]}", response.text());
    }
}
