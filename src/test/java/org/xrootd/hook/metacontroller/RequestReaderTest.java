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

    /**
     * The tree Jackson reads, from what the reader gives: its tree with each observed child read whole from its
     * place in the body and the set-aside annotations put back.
     */
    private static JsonNode reassembled(RequestReader.Result read) {
        JsonNode root = read.root().deepCopy();
        int whole = 0;
        for (var kinds = read.root().path("children").fields(); kinds.hasNext(); ) {
            var kind = kinds.next();
            for (var objects = kind.getValue().fields(); objects.hasNext(); ) {
                var child = objects.next();
                RequestReader.Slice slice = read.observed().get(child.getValue());
                if (slice != null) {
                    ((ObjectNode) root.path("children").path(kind.getKey())).set(child.getKey(), slice.tree());
                    whole++;
                }
            }
        }
        assertEquals(read.observed().size(), whole, "every slice belongs to an observed child");
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

    /**
     * The tree Jackson reads with the managedFields of the parent and of the observed children cut down as
     * the reader reads them: each object entry to its "time" alone. Written here from the tree.
     */
    private static JsonNode timesOnly(JsonNode root) {
        JsonNode copy = root.deepCopy();
        List<JsonNode> metadata = new ArrayList<>();
        metadata.add(copy.path("parent").path("metadata"));
        copy.path("children").forEach(kind -> kind.forEach(child -> metadata.add(child.path("metadata"))));
        for (JsonNode meta : metadata) {
            JsonNode managed = meta.path("managedFields");
            if (!managed.isArray()) {
                continue;
            }
            com.fasterxml.jackson.databind.node.ArrayNode cut = Json.MAPPER.createArrayNode();
            for (JsonNode entry : managed) {
                if (!entry.isObject()) {
                    cut.add(entry);
                } else {
                    ObjectNode time = cut.addObject();
                    if (entry.has("time")) {
                        time.set("time", entry.get("time"));
                    }
                }
            }
            ((ObjectNode) meta).set("managedFields", cut);
        }
        return copy;
    }

    @Test
    void managedFieldsAreReadForTheirTimesOnly() throws Exception {
        String managed = "[{\"manager\":\"kubectl\",\"operation\":\"Apply\",\"time\":\"2026-01-02T03:04:05Z\","
                + "\"fieldsV1\":{\"f:spec\":{\"f:a\":{},\"f:a\":{}}}},{\"manager\":\"x\"},7,{\"time\":null,\"fieldsType\":\"FieldsV1\"}]";
        String body = "{\"parent\":{\"metadata\":{\"name\":\"p\",\"managedFields\":" + managed + "}},"
                + "\"children\":{\"ConfigMap.v1\":{\"c\":{\"metadata\":{\"name\":\"c\",\"managedFields\":" + managed + "},"
                + "\"data\":{\"managedFields\":[{\"f\":1}]}}}},"
                + "\"related\":{\"Secret.v1\":{\"s\":{\"metadata\":{\"managedFields\":[{\"f\":1}]}}}}}";
        RequestReader.Result read = RequestReader.read(body.getBytes(StandardCharsets.UTF_8));
        JsonNode times = Json.MAPPER.readTree("[{\"time\":\"2026-01-02T03:04:05Z\"},{},7,{\"time\":null}]");
        assertEquals(times, read.root().at("/parent/metadata/managedFields"));
        assertEquals(times, read.root().at("/children/ConfigMap.v1/c/metadata/managedFields"));
        // Elsewhere a field of that name is an ordinary value.
        assertEquals(Json.MAPPER.readTree("[{\"f\":1}]"), read.observed().get(read.root().at("/children/ConfigMap.v1/c"))
                .tree().at("/data/managedFields"));
        assertEquals(Json.MAPPER.readTree("[{\"f\":1}]"), read.root().at("/related/Secret.v1/s/metadata/managedFields"));
        // Not a list: read as it is.
        String object = "{\"parent\":{\"metadata\":{\"managedFields\":{\"time\":5,\"x\":{\"y\":1}}}}}";
        assertEquals(Json.MAPPER.readTree(object), RequestReader.read(object.getBytes(StandardCharsets.UTF_8)).root());
        // What is skipped is still parsed: broken JSON and a second time are refused.
        for (String bad : List.of(
                "{\"parent\":{\"metadata\":{\"managedFields\":[{\"fieldsV1\":{\"f:a\" 1}}]}}}",
                "{\"parent\":{\"metadata\":{\"managedFields\":[{\"fieldsV1\":\"a\\qb\"}]}}}",
                "{\"parent\":{\"metadata\":{\"managedFields\":[{\"time\":\"a\",\"time\":\"b\"}]}}}",
                "{\"parent\":{\"metadata\":{\"managedFields\":[],\"managedFields\":[]}}}")) {
            assertThrows(JacksonException.class, () -> RequestReader.read(bad.getBytes(StandardCharsets.UTF_8)), bad);
        }
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
            assertEquals(timesOnly(expected), reassembled(read), request.toString());
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
