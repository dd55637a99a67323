package org.xrootd.hook.metacontroller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Repo;

class RequestReaderTest {
    private static final String LAST_APPLIED = ObservedChildren.LAST_APPLIED;

    /** The tree Jackson reads, from what the reader gives: its tree with the set-aside annotations put back. */
    private static JsonNode reassembled(RequestReader.Result read) {
        JsonNode root = read.root().deepCopy();
        for (Map.Entry<ObjectNode, RequestReader.LastApplied> entry : read.lastApplied().entrySet()) {
            boolean placed = false;
            for (JsonNode kind : read.root().path("children")) {
                for (var object = kind.fields(); object.hasNext(); ) {
                    var child = object.next();
                    if (child.getValue() == entry.getKey()) {
                        ObjectNode copy = (ObjectNode) root.path("children").path(kindKeyOf(read.root(), kind)).path(child.getKey());
                        ((ObjectNode) copy.path("metadata").path("annotations")).put(LAST_APPLIED, entry.getValue().text());
                        placed = true;
                    }
                }
            }
            assertTrue(placed, "every set-aside annotation belongs to an observed child");
        }
        return root;
    }

    private static String kindKeyOf(JsonNode root, JsonNode kind) {
        for (var kinds = root.path("children").fields(); kinds.hasNext(); ) {
            var entry = kinds.next();
            if (entry.getValue() == kind) {
                return entry.getKey();
            }
        }
        throw new AssertionError();
    }

    @Test
    void everyFixtureRequestReadsAsJacksonReadsIt() throws Exception {
        List<Path> requests = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Repo.path("tests/fixtures"))) {
            files.filter(f -> f.getFileName().toString().equals("request.json")).forEach(requests::add);
        }
        int setAside = 0;
        for (Path request : requests) {
            byte[] body = Files.readAllBytes(request);
            JsonNode expected;
            try {
                expected = Json.MAPPER.readTree(body);
            } catch (JacksonException e) {
                assertThrows(JacksonException.class, () -> RequestReader.read(body), request.toString());
                continue;
            }
            RequestReader.Result read = RequestReader.read(body);
            setAside += read.lastApplied().size();
            assertEquals(expected, reassembled(read), request.toString());
        }
        assertTrue(requests.size() > 30 && setAside > 100, requests.size() + " requests, " + setAside + " annotations set aside");
    }

    @Test
    void annotationsWithEscapesUnicodeAndAnyLayoutDecodeExactly() throws Exception {
        String[] texts = {"", "{}", "{\"a\":\"b\\\"c\"}", "tab\tnew\nline \\ back", "caf\u00e9 \ud83d\ude00 \u0000\u001f", "\"", "x".repeat(70_000)};
        for (String text : texts) {
            ObjectNode request = Json.MAPPER.createObjectNode();
            request.putObject("parent").putObject("metadata").put("name", "p");
            ObjectNode annotations = request.putObject("children").putObject("ConfigMap.v1").putObject("c")
                    .putObject("metadata").putObject("annotations");
            annotations.put("before", "1");
            annotations.put(LAST_APPLIED, text);
            for (String layout : List.of(Json.MAPPER.writeValueAsString(request), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(request),
                    Json.MAPPER.writeValueAsString(request).replace("\"" + LAST_APPLIED + "\":", "\"" + LAST_APPLIED + "\" :\n\t "))) {
                for (String ending : List.of(layout, layout.replace(",\"" + LAST_APPLIED, ",\"z\":2,\"" + LAST_APPLIED).replace("\"before\":\"1\",", ""))) {
                    byte[] body = ending.getBytes(StandardCharsets.UTF_8);
                    RequestReader.Result read = RequestReader.read(body);
                    assertEquals(1, read.lastApplied().size(), ending);
                    assertEquals(text, read.lastApplied().values().iterator().next().text());
                    assertFalse(read.root().at("/children/ConfigMap.v1/c/metadata/annotations").has(LAST_APPLIED));
                    assertEquals(Json.MAPPER.readTree(body), reassembled(read));
                }
            }
        }
    }

    @Test
    void aLastAppliedThatIsNotAStringStaysInTheTree() throws Exception {
        byte[] body = "{\"children\":{\"ConfigMap.v1\":{\"c\":{\"metadata\":{\"annotations\":{\"metacontroller.k8s.io/last-applied-configuration\":{\"x\":1}}}}}}}"
                .getBytes(StandardCharsets.UTF_8);
        RequestReader.Result read = RequestReader.read(body);
        assertTrue(read.lastApplied().isEmpty());
        assertEquals(Json.MAPPER.readTree(body), read.root());
    }

    @Test
    void duplicatesBadEscapesAndTrailingContentAreRefused() {
        String annotations = "{\"children\":{\"ConfigMap.v1\":{\"c\":{\"metadata\":{\"annotations\":%s}}}}}";
        for (String bad : List.of(
                String.format(annotations, "{\"" + LAST_APPLIED + "\":\"a\",\"" + LAST_APPLIED + "\":\"b\"}"),
                String.format(annotations, "{\"" + LAST_APPLIED + "\":1,\"" + LAST_APPLIED + "\":\"b\"}"),
                String.format(annotations, "{\"" + LAST_APPLIED + "\":\"a\\qb\"}"),
                String.format(annotations, "{\"" + LAST_APPLIED + "\":\"a\nb\"}"),
                String.format(annotations, "{\"" + LAST_APPLIED + "\":\"a\"") ,
                String.format(annotations, "{\"k\":\"a\",\"k\":\"b\"}"),
                "{\"children\":{\"ConfigMap.v1\":{\"c\":{},\"c\":{}}}}",
                "{\"parent\":{}}{}",
                "{\"parent\":{}} x")) {
            assertThrows(JacksonException.class, () -> RequestReader.read(bad.getBytes(StandardCharsets.UTF_8)), bad);
        }
    }
}
