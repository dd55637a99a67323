package org.xrootd.hook.metacontroller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.reconcile.SyncHandler;
import org.xrootd.hook.testkit.Repo;

/**
 * The request reader that builds trees only of what the hook reads ({@link RequestReader}) against the one
 * that built the whole request ({@link ReferenceRequestReader}, the previous reader kept as the oracle): every
 * request, whatever it holds where, gets the same answer from the hook, byte for byte, and every request one
 * refuses the other refuses with the same words. And what the reader skips does not change an answer.
 */
class RequestReaderOracleTest {
    private static final String LAST_APPLIED = ObservedChildren.LAST_APPLIED;

    /** What the hook answers: 400 and its message, or the sync's result and the response's bytes. */
    private static String answer(byte[] body, HookRequest.Reader reader) {
        HookRequest request;
        try {
            request = HookRequest.parse(body, reader);
        } catch (BadRequestException e) {
            return "400 " + e.getMessage();
        }
        try {
            SyncHandler.Outcome outcome = SyncHandler.handle(request);
            return outcome.result() + " " + Json.MAPPER.writeValueAsString(outcome.response().toJson());
        } catch (Exception | StackOverflowError e) {
            return "failed " + e;
        }
    }

    private static String lean(byte[] body) {
        return answer(body, RequestReader::read);
    }

    private static String reference(byte[] body) {
        return answer(body, ReferenceRequestReader::read);
    }

    /** The sync and finalize requests of the golden fixtures (customize requests are not read by this reader). */
    static List<byte[]> fixtureRequests() throws IOException {
        List<byte[]> requests = new ArrayList<>();
        List<Path> dirs;
        try (Stream<Path> files = Files.list(Repo.path("tests/fixtures"))) {
            dirs = files.sorted().toList();
        }
        for (Path dir : dirs) {
            Properties meta = new Properties();
            try (var in = Files.newInputStream(dir.resolve("case.properties"))) {
                meta.load(in);
            }
            Path request = Files.exists(dir.resolve("request.json")) ? dir.resolve("request.json") : dir.resolve("request.txt");
            if (!meta.getProperty("path").equals("/customize")) {
                requests.add(Files.readAllBytes(request));
            }
        }
        return requests;
    }

    /** The fixture requests that are JSON objects, to derive others from. */
    static List<byte[]> fixtureObjects() throws IOException {
        List<byte[]> objects = new ArrayList<>();
        for (byte[] body : fixtureRequests()) {
            try {
                if (Json.MAPPER.readTree(body).isObject()) {
                    objects.add(body);
                }
            } catch (IOException e) {
                // not JSON: only compared as it is
            }
        }
        return objects;
    }

    @Test
    void everyFixtureGetsTheSameAnswerAsFromTheWholeTree() throws Exception {
        List<byte[]> requests = fixtureRequests();
        int synced = 0;
        for (byte[] body : requests) {
            String expected = reference(body);
            assertEquals(expected, lean(body), new String(body, java.nio.charset.StandardCharsets.UTF_8));
            synced += expected.startsWith("400 ") ? 0 : 1;
        }
        assertTrue(requests.size() > 80 && synced > 70, requests.size() + " requests, " + synced + " answered");
    }

    /**
     * Seeded random requests derived from the fixtures: fields removed, retyped, renamed or replaced by
     * garbage anywhere (the observed children's skipped parts above all), last-applied annotations removed or
     * broken, duplicate keys written at random places, bodies cut short.
     */
    @Test
    void randomRequestsGetTheSameAnswerOrTheSameRefusal() throws Exception {
        List<byte[]> fixtures = fixtureObjects();
        Random random = new Random(19);
        int refused = 0;
        int duplicates = 0;
        int answered = 0;
        int requests = 1500;
        for (int i = 0; i < requests; i++) {
            JsonNode tree = Json.MAPPER.readTree(fixtures.get(random.nextInt(fixtures.size())));
            int mutations = 1 + random.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                mutate(tree, random);
            }
            boolean duplicate = random.nextInt(3) == 0;
            byte[] body = write(tree, random, duplicate);
            if (random.nextInt(20) == 0) {
                body = java.util.Arrays.copyOf(body, random.nextInt(body.length));
            }
            String expected = reference(body);
            assertEquals(expected, lean(body), "request " + i + ": " + new String(body, java.nio.charset.StandardCharsets.UTF_8));
            if (expected.startsWith("400 ")) {
                refused++;
                duplicates += expected.contains("duplicate key") ? 1 : 0;
            } else {
                answered++;
            }
        }
        assertTrue(answered > requests / 3 && refused > requests / 10 && duplicates > requests / 20,
                answered + " answered, " + refused + " refused (" + duplicates + " duplicate keys)");
    }

    /**
     * Huge managedFields (a real API server's fieldsV1, with duplicate keys, which the reader skips as it
     * always did) and pod specs grown by garbage, valid JSON: the answer is the one without them, or where the
     * hook returns an observed template as it is, the same as from the whole tree.
     */
    @Test
    void whatTheReaderSkipsDoesNotChangeTheAnswer() throws Exception {
        Random random = new Random(7);
        int unchanged = 0;
        int statefulSets = 0;
        for (byte[] body : fixtureObjects()) {
            JsonNode tree = Json.MAPPER.readTree(body);
            String original = lean(body);
            if (original.startsWith("400 ")) {
                continue;
            }
            // managedFields: never in an answer, only their times are read.
            JsonNode managed = tree.deepCopy();
            List<JsonNode> metadatas = new ArrayList<>();
            metadatas.add(managed.path("parent").path("metadata"));
            managed.path("children").forEach(kind -> kind.forEach(child -> metadatas.add(child.path("metadata"))));
            for (JsonNode metadata : metadatas) {
                if (metadata.path("managedFields").isArray()) {
                    for (JsonNode entry : metadata.get("managedFields")) {
                        if (entry instanceof ObjectNode object) {
                            ObjectNode fields = object.putObject("fieldsV1");
                            for (int f = 0; f < 40; f++) {
                                fields.set("f:" + f, garbage(random, 6));
                            }
                        }
                    }
                }
            }
            byte[] managedBody = writeWithDuplicateInFieldsV1(managed);
            assertEquals(original, lean(managedBody));
            assertEquals(reference(managedBody), lean(managedBody));
            unchanged++;
            // Pod specs: the hook reads only each container's name, image and env; the template is returned as
            // observed only while a roll holds it, then from the whole tree.
            JsonNode grown = tree.deepCopy();
            for (JsonNode statefulSet : grown.path("children").path(ObservedChildren.STATEFUL_SET)) {
                JsonNode podSpec = statefulSet.path("spec").path("template").path("spec");
                if (podSpec instanceof ObjectNode object) {
                    object.set("zzGarbage", garbage(random, 6));
                    for (JsonNode container : object.path("containers")) {
                        ((ObjectNode) container).set("zzGarbage", garbage(random, 4));
                    }
                    statefulSets++;
                }
            }
            byte[] grownBody = Json.MAPPER.writeValueAsBytes(grown);
            String answer = lean(grownBody);
            assertEquals(reference(grownBody), answer);
            assertEquals(status(original), status(answer));
        }
        assertTrue(unchanged > 70 && statefulSets > 100, unchanged + " requests, " + statefulSets + " StatefulSets grown");
    }

    /** The lean tree leaves out what the hook never reads, and the whole child has it all. */
    @Test
    void theLeanTreeHoldsOnlyWhatTheHookReads() throws Exception {
        String body = "{\"parent\":{\"metadata\":{\"name\":\"p\"}},\"children\":{"
                + "\"StatefulSet.apps/v1\":{\"s\":{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"s\"},"
                + "\"spec\":{\"replicas\":3,\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"volumes\":[{\"name\":\"v\"}],"
                + "\"containers\":[{\"name\":\"xrootd\",\"image\":\"i\",\"env\":[{\"name\":\"E\"}],\"args\":[\"a\"]},7]}}},\"status\":{\"replicas\":3},\"extra\":{\"x\":1}}},"
                + "\"ConfigMap.v1\":{\"c\":{\"metadata\":{\"name\":\"c\"},\"data\":{\"k\":\"v\"}}},"
                + "\"Service.v1\":{\"v\":{\"metadata\":{\"name\":\"v\"},\"spec\":{\"ports\":[]}}}}}";
        RequestReader.Result read = RequestReader.read(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        JsonNode children = read.root().path("children");
        assertEquals(Json.MAPPER.readTree("{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"s\"},"
                + "\"spec\":{\"replicas\":3,\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{"
                + "\"containers\":[{\"name\":\"xrootd\",\"image\":\"i\",\"env\":[{\"name\":\"E\"}]},7]}}},\"status\":{\"replicas\":3}}"),
                children.path("StatefulSet.apps/v1").path("s"));
        assertFalse(children.path("ConfigMap.v1").path("c").has("data"));
        assertFalse(children.path("Service.v1").path("v").has("spec"));
        JsonNode whole = Json.MAPPER.readTree(body).path("children");
        for (String[] child : new String[][] {{"StatefulSet.apps/v1", "s"}, {"ConfigMap.v1", "c"}, {"Service.v1", "v"}}) {
            RequestReader.Slice slice = read.observed().get(children.path(child[0]).path(child[1]));
            assertEquals(whole.path(child[0]).path(child[1]), slice.tree());
        }
        assertEquals(3, read.observed().size());
    }

    private static JsonNode status(String answer) throws IOException {
        return Json.MAPPER.readTree(answer.substring(answer.indexOf(' ') + 1)).path("status");
    }

    /** Valid JSON of every kind, {@code depth} levels at most. */
    private static JsonNode garbage(Random random, int depth) {
        int pick = random.nextInt(depth <= 0 ? 5 : 8);
        return switch (pick) {
            case 0 -> Json.MAPPER.getNodeFactory().textNode("g\"\\\u00e9\n" + "x".repeat(random.nextInt(50)));
            case 1 -> Json.MAPPER.getNodeFactory().numberNode(random.nextLong());
            case 2 -> Json.MAPPER.getNodeFactory().numberNode(random.nextDouble() * 1e300);
            case 3 -> Json.MAPPER.getNodeFactory().booleanNode(random.nextBoolean());
            case 4 -> Json.MAPPER.getNodeFactory().nullNode();
            case 5 -> {
                ArrayNode array = Json.MAPPER.createArrayNode();
                for (int i = random.nextInt(6); i > 0; i--) {
                    array.add(garbage(random, depth - 1));
                }
                yield array;
            }
            default -> {
                ObjectNode object = Json.MAPPER.createObjectNode();
                for (int i = random.nextInt(8); i > 0; i--) {
                    object.set("f:" + random.nextInt(1000), garbage(random, depth - 1));
                }
                yield object;
            }
        };
    }

    /** Every container of the tree with the field that holds it, for picking a place to mutate. */
    private record Place(JsonNode container, String field, int index) {}

    private static void places(JsonNode node, List<Place> into, int depth) {
        if (depth > 12) {
            return;
        }
        if (node instanceof ObjectNode object) {
            for (var fields = object.fields(); fields.hasNext(); ) {
                var field = fields.next();
                into.add(new Place(object, field.getKey(), -1));
                places(field.getValue(), into, depth + 1);
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                into.add(new Place(array, null, i));
                places(array.get(i), into, depth + 1);
            }
        }
    }

    private static void mutate(JsonNode tree, Random random) {
        List<Place> places = new ArrayList<>();
        // Mostly the observed children, where the reader now skips.
        JsonNode region = random.nextInt(4) > 0 && tree.path("children").isObject() ? tree.get("children") : tree;
        places(region, places, 0);
        if (places.isEmpty()) {
            return;
        }
        Place place = places.get(random.nextInt(places.size()));
        JsonNode replacement = switch (random.nextInt(10)) {
            case 0, 1 -> null;   // removed
            case 2 -> garbage(random, 0);
            case 3 -> garbage(random, 4);
            case 4 -> Json.MAPPER.createObjectNode();
            case 5 -> Json.MAPPER.createArrayNode();
            case 6 -> Json.MAPPER.getNodeFactory().textNode("{\"spec\":" + random.nextInt(3) + "}");
            default -> null;
        };
        int kind = random.nextInt(10);
        if (place.container() instanceof ObjectNode object) {
            if (kind == 7) {   // renamed
                JsonNode value = object.remove(place.field());
                object.set(place.field() + "x", value);
            } else if (kind == 8 && object.path("metadata").path("annotations").isObject()) {
                ((ObjectNode) object.get("metadata").get("annotations")).remove(LAST_APPLIED);
            } else if (kind == 9 && object.path("metadata").path("annotations").isObject()) {
                ((ObjectNode) object.get("metadata").get("annotations")).put(LAST_APPLIED, "{\"spec\":{\"template\":" + random.nextInt(9));
            } else if (replacement == null) {
                object.remove(place.field());
            } else {
                object.set(place.field(), replacement);
            }
        } else {
            ArrayNode array = (ArrayNode) place.container();
            if (replacement == null) {
                array.remove(place.index());
            } else {
                array.set(place.index(), replacement);
            }
        }
    }

    /** Compact JSON of the tree, with one object's field written a second time if {@code duplicate}. */
    private static byte[] write(JsonNode tree, Random random, boolean duplicate) throws IOException {
        List<Place> places = new ArrayList<>();
        places(tree, places, 0);
        JsonNode twice = null;
        String field = null;
        if (duplicate && !places.isEmpty()) {
            for (int tries = 0; tries < 20 && twice == null; tries++) {
                Place place = places.get(random.nextInt(places.size()));
                if (place.container() instanceof ObjectNode) {
                    twice = place.container();
                    field = place.field();
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator generator = Json.MAPPER.getFactory().createGenerator(out)) {
            write(generator, tree, twice, field, random.nextBoolean() ? null : garbage(random, 2));
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator generator, JsonNode node, JsonNode twice, String field, JsonNode otherValue) throws IOException {
        if (node instanceof ObjectNode object) {
            generator.writeStartObject();
            for (var fields = object.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = fields.next();
                generator.writeFieldName(entry.getKey());
                write(generator, entry.getValue(), twice, field, otherValue);
                if (node == twice && entry.getKey().equals(field)) {
                    generator.writeFieldName(entry.getKey());
                    write(generator, otherValue == null ? entry.getValue() : otherValue, twice, field, otherValue);
                }
            }
            generator.writeEndObject();
        } else if (node instanceof ArrayNode array) {
            generator.writeStartArray();
            for (JsonNode element : array) {
                write(generator, element, twice, field, otherValue);
            }
            generator.writeEndArray();
        } else {
            Json.MAPPER.writeTree(generator, node);
        }
    }

    /**
     * The tree as JSON with a duplicate key in each fieldsV1 written above (not in the related objects', which
     * are read whole, so that a duplicate key there is refused, as it always was).
     */
    private static byte[] writeWithDuplicateInFieldsV1(JsonNode tree) throws IOException {
        String json = Json.MAPPER.writeValueAsString(tree);
        return json.replace("\"fieldsV1\":{\"f:0\":", "\"fieldsV1\":{\"f:dup\":1,\"f:dup\":{\"x\":[1,2]},\"f:0\":")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
