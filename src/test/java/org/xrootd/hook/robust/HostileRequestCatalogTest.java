package org.xrootd.hook.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.xrootd.hook.http.HookServer;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.ObservedChildren;
import org.xrootd.hook.model.SpecParser;
import org.xrootd.hook.testkit.Http;
import org.xrootd.hook.testkit.Repo;

/**
 * Malformed and hostile requests over HTTP. Each must get a 4xx with a JSON error, or a 200 whose children
 * include every observed child (so Metacontroller deletes nothing); never a 5xx, and the service stays up.
 * Each case also states the exact status it expects, so a change of behaviour is a visible decision.
 */
class HostileRequestCatalogTest {
    static final Path FIXTURES = Repo.path("tests/fixtures");
    static final String STS = ObservedChildren.STATEFUL_SET;
    static final String CM = ObservedChildren.CONFIG_MAP;
    static final String CM_NAME = "base-xrootd-xrootd-config";
    static final String LAST_APPLIED = ObservedChildren.LAST_APPLIED;
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static HookServer server;
    static ObjectNode steady;
    static ObjectNode create;

    /**
     * One hostile request. {@code body} builds the bytes lazily (some are tens of MB); {@code raw}, when set,
     * sends them over a plain socket instead. {@code dropsAllowed} lists observed children a 200 may omit:
     * only a genuine valid sync may, and none of the cases here needs it.
     */
    record Case(String name, String method, String path, Supplier<byte[]> body, Raw raw, int... statuses) {}

    /** A request sent over a socket, for what an HTTP client library would not send. */
    @FunctionalInterface
    interface Raw {
        Http.Reply send(int port) throws Exception;
    }

    @BeforeAll
    static void start() throws IOException {
        load();
        server = HookServer.start("127.0.0.1", 0);
    }

    /** Reads the requests the cases are built from (also used by the soak). */
    static void load() throws IOException {
        steady = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(FIXTURES.resolve("steady-ready/request.json")));
        create = (ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(FIXTURES.resolve("create/request.json")));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    // ---- building blocks --------------------------------------------------------------------------------

    static byte[] bytes(JsonNode node) {
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The steady-state request (six observed children) after {@code edit}. */
    static Supplier<byte[]> steadyWith(Consumer<ObjectNode> edit) {
        return () -> {
            ObjectNode request = steady.deepCopy();
            edit.accept(request);
            return bytes(request);
        };
    }

    static Supplier<byte[]> createWith(Consumer<ObjectNode> edit) {
        return () -> {
            ObjectNode request = create.deepCopy();
            edit.accept(request);
            return bytes(request);
        };
    }

    /** The steady request with a raw JSON literal (that a tree cannot hold, e.g. 1e400) at {@code pointer}. */
    static Supplier<byte[]> steadyWithLiteral(String pointer, String literal) {
        return () -> {
            ObjectNode request = steady.deepCopy();
            set(request, pointer, NODES.textNode("@@LITERAL@@"));
            return utf8(new String(bytes(request), StandardCharsets.UTF_8).replace("\"@@LITERAL@@\"", literal));
        };
    }

    static void set(ObjectNode root, String pointer, JsonNode value) {
        JsonPointer path = JsonPointer.compile(pointer);
        JsonNode parent = root.at(path.head());
        if (parent instanceof ObjectNode object) {
            object.set(path.last().getMatchingProperty(), value);
        } else if (parent instanceof ArrayNode array) {
            array.set(path.last().getMatchingIndex(), value);
        } else {
            throw new IllegalArgumentException("no container at " + path.head());
        }
    }

    static void remove(ObjectNode root, String pointer) {
        JsonPointer path = JsonPointer.compile(pointer);
        ((ObjectNode) root.at(path.head())).remove(path.last().getMatchingProperty());
    }

    /** A spec the hook refuses (negative workers): the path on which children are kept as they are. */
    static void invalidSpec(ObjectNode request) {
        set(request, "/parent/spec/worker/replicas", NODES.numberNode(-1));
    }

    static ObjectNode configMap(ObjectNode request) {
        return (ObjectNode) request.path("children").path(CM).path(CM_NAME);
    }

    static String nested(String open, String close, int depth, String inner) {
        return open.repeat(depth) + inner + close.repeat(depth);
    }

    static ArrayNode nestedArray(int depth) {
        ArrayNode root = NODES.arrayNode();
        ArrayNode current = root;
        for (int i = 1; i < depth; i++) {
            current = current.addArray();
        }
        return root;
    }

    static String repeat(char c, int n) {
        char[] chars = new char[n];
        Arrays.fill(chars, c);
        return new String(chars);
    }

    /** A valid request padded to about {@code size} bytes with 1 MB annotations on the parent. */
    static Supplier<byte[]> padded(long size) {
        return () -> {
            ObjectNode request = steady.deepCopy();
            ObjectNode annotations = (ObjectNode) request.at("/parent/metadata/annotations");
            long left = size - bytes(request).length;
            for (int i = 0; left > 0; i++) {
                int n = (int) Math.min(1 << 20, left - 40);
                annotations.put("example.org/padding-" + i, repeat('x', Math.max(n, 0)));
                left -= n + 40;
            }
            return bytes(request);
        };
    }

    /** A body of exactly {@code length} bytes, sent with a Content-Length header or chunked. */
    static Raw oversized(long length, boolean chunked) {
        return port -> {
            String head = "POST /sync HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    + (chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + length);
            return Wire.raw(port, head, out -> writeFiller(out, length, chunked));
        };
    }

    static void writeFiller(OutputStream out, long length, boolean chunked) throws IOException {
        byte[] block = new byte[64 * 1024];
        Arrays.fill(block, (byte) ' ');
        block[0] = '[';
        long left = length;
        boolean first = true;
        while (left > 0) {
            int n = (int) Math.min(block.length, left);
            if (chunked) {
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            out.write(block, 0, n);
            if (chunked) {
                out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            if (first) {
                block[0] = ' ';
                first = false;
            }
            left -= n;
        }
        if (chunked) {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    // ---- the catalogue ----------------------------------------------------------------------------------

    static List<Case> catalogue() {
        List<Case> cases = new ArrayList<>();
        Map<String, Supplier<byte[]>> bad = new LinkedHashMap<>();
        Map<String, Supplier<byte[]>> keep = new LinkedHashMap<>();

        // Not JSON, or not one JSON value.
        bad.put("empty body", () -> new byte[0]);
        bad.put("whitespace only", () -> utf8(" \n\t "));
        bad.put("truncated at half", () -> Arrays.copyOf(bytes(steady), bytes(steady).length / 2));
        bad.put("truncated after the first byte", () -> utf8("{"));
        bad.put("truncated inside a string", () -> utf8("{\"parent\": {\"metadata\": {\"name\": \"base-xr"));
        bad.put("trailing garbage", () -> utf8(new String(bytes(steady), StandardCharsets.UTF_8) + " }garbage"));
        bad.put("two JSON documents", () -> utf8(new String(bytes(steady), StandardCharsets.UTF_8).repeat(2)));
        bad.put("JSON null", () -> utf8("null"));
        bad.put("JSON string", () -> utf8("\"parent\""));
        bad.put("JSON number", () -> utf8("42"));
        bad.put("JSON array of requests", () -> utf8("[" + new String(bytes(steady), StandardCharsets.UTF_8) + "]"));
        bad.put("NaN literal", () -> utf8(new String(bytes(steady), StandardCharsets.UTF_8).replace("\"replicas\":3", "\"replicas\":NaN")));
        bad.put("comment", () -> utf8("/* hi */" + new String(bytes(steady), StandardCharsets.UTF_8)));
        bad.put("single quotes", () -> utf8("{'parent': {'metadata': {'name': 'a'}}}"));
        bad.put("unquoted keys", () -> utf8("{parent: {metadata: {name: \"a\"}}}"));
        bad.put("control character in a string", () -> utf8("{\"parent\":{\"metadata\":{\"name\":\"a\u0001b\"}}}"));
        bad.put("bad escape", () -> utf8("{\"parent\":{\"metadata\":{\"name\":\"a\\qb\"}}}"));

        // Invalid UTF-8.
        bad.put("invalid UTF-8 in a value", () -> utf8Bytes("{\"parent\":{\"metadata\":{\"name\":\"a", new byte[] {(byte) 0xC3, 0x28}, "\"}}}"));
        bad.put("lone continuation byte in a key", () -> utf8Bytes("{\"par", new byte[] {(byte) 0x80}, "ent\":{}}"));
        bad.put("overlong UTF-8 encoding of '/'", () -> utf8Bytes("{\"parent\":{\"metadata\":{\"name\":\"", new byte[] {(byte) 0xC0, (byte) 0xAF}, "\"}}}"));
        bad.put("truncated 4-byte UTF-8 sequence at the end", () -> utf8Bytes("{\"parent\":{\"metadata\":{\"name\":\"", new byte[] {(byte) 0xF0, (byte) 0x9F}, ""));
        bad.put("UTF-16 surrogate encoded in UTF-8", () -> utf8Bytes("{\"parent\":{\"metadata\":{\"name\":\"", new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, "\"}}}"));
        bad.put("invalid UTF-8 inside an observed child", () -> {
            byte[] body = bytes(steady);
            String text = new String(body, StandardCharsets.UTF_8);
            int at = text.indexOf("base-xrootd-xrootd-config\"") + 3;
            body[at] = (byte) 0xFF;
            return body;
        });

        // Duplicate keys.
        bad.put("duplicate top-level key", () -> utf8("{\"parent\":{\"metadata\":{\"name\":\"a\"}},\"parent\":{\"metadata\":{\"name\":\"b\"}}}"));
        bad.put("duplicate key in an observed child", () -> utf8(new String(bytes(steady), StandardCharsets.UTF_8)
                .replaceFirst("\"kind\":\"ConfigMap\"", "\"kind\":\"ConfigMap\",\"kind\":\"Secret\"")));
        bad.put("duplicate child key", () -> utf8(new String(bytes(steady), StandardCharsets.UTF_8)
                .replaceFirst("\"ConfigMap.v1\":\\{", "\"ConfigMap.v1\":{\"x\":{},\"x\":{},")));

        // Nesting and sizes beyond the parser's limits.
        bad.put("array nesting 100000 deep", () -> utf8(nested("[", "]", 100_000, "")));
        bad.put("object nesting 2000 deep in the spec", () -> utf8(new String(bytes(steady), StandardCharsets.UTF_8)
                .replace("\"exports\":[\"/data\"]", "\"exports\":" + nested("{\"a\":", "}", 2000, "1"))));
        bad.put("number of 5000 digits", steadyWithLiteral("/parent/spec/worker/replicas", "9".repeat(5000)));
        bad.put("key of 100000 characters", () -> utf8(new String(bytes(steady), StandardCharsets.UTF_8)
                .replaceFirst("\\{", "{\"" + repeat('k', 100_000) + "\":1,")));

        // Wrong shapes of what a hook request must have.
        bad.put("parent missing", steadyWith(r -> r.remove("parent")));
        bad.put("parent null", steadyWith(r -> r.putNull("parent")));
        bad.put("parent is an array", steadyWith(r -> r.putArray("parent")));
        bad.put("parent is a string", steadyWith(r -> r.put("parent", "base-xrootd")));
        bad.put("parent.metadata missing", steadyWith(r -> remove(r, "/parent/metadata")));
        bad.put("parent.metadata is a list", steadyWith(r -> set(r, "/parent/metadata", NODES.arrayNode())));
        bad.put("parent.metadata.name missing", steadyWith(r -> remove(r, "/parent/metadata/name")));
        bad.put("parent.metadata.name null", steadyWith(r -> set(r, "/parent/metadata/name", NODES.nullNode())));
        bad.put("parent.metadata.name empty", steadyWith(r -> set(r, "/parent/metadata/name", NODES.textNode(""))));
        bad.put("parent.metadata.name a number", steadyWith(r -> set(r, "/parent/metadata/name", NODES.numberNode(42))));
        bad.put("parent.metadata.name an object", steadyWith(r -> set(r, "/parent/metadata/name", NODES.objectNode())));
        bad.put("parent.metadata.namespace a number", steadyWith(r -> set(r, "/parent/metadata/namespace", NODES.numberNode(7))));
        bad.put("finalizing a string", steadyWith(r -> r.put("finalizing", "yes")));
        bad.put("finalizing a number", steadyWith(r -> r.put("finalizing", 1)));
        bad.put("children a string", steadyWith(r -> r.put("children", "none")));
        bad.put("children a list", steadyWith(r -> r.putArray("children").add(1)));
        bad.put("children of a kind a list", steadyWith(r -> set(r, "/children/ConfigMap.v1", NODES.arrayNode())));
        bad.put("observed child a string", steadyWith(r -> set(r, "/children/ConfigMap.v1/" + CM_NAME, NODES.textNode("x"))));
        bad.put("observed child null", steadyWith(r -> set(r, "/children/ConfigMap.v1/" + CM_NAME, NODES.nullNode())));
        bad.put("related a number", steadyWith(r -> r.put("related", 5)));
        bad.put("related entry a list", steadyWith(r -> set(r, "/related/XrootdVersion.catalog.xrootd.org~1v1alpha1/4.11.2", NODES.arrayNode())));
        bad.put("child controlled by another parent", steadyWith(r -> {
            ObjectNode owner = (ObjectNode) configMap(r).at("/metadata/ownerReferences/0");
            owner.put("uid", "00000000-0000-4000-8000-000000000000").put("name", "someone-else");
        }));
        bad.put("child controlled by another parent, spec invalid", steadyWith(r -> {
            invalidSpec(r);
            ((ObjectNode) configMap(r).at("/metadata/ownerReferences/0")).put("uid", "00000000-0000-4000-8000-000000000000");
        }));

        bad.put("child kind key without a dot", steadyWith(r ->
                ((ObjectNode) r.get("children")).set("Widget", NODES.objectNode().set("w", NODES.objectNode().put("a", 1)))));
        bad.put("child kind key ending in a dot", steadyWith(r -> ((ObjectNode) r.get("children")).set("Widget.", NODES.objectNode())));
        bad.put("child kind key with an empty kind", steadyWith(r -> ((ObjectNode) r.get("children")).set(".v1", NODES.objectNode())));
        bad.put("NUL byte before the body", () -> utf8Bytes("", new byte[] {0}, new String(bytes(steady), StandardCharsets.UTF_8)));
        bad.put("body in UTF-16", () -> new String(bytes(steady), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_16BE));
        if (HookServer.MAX_REQUEST_BYTES > 20_000_100L) {
            bad.put("one string longer than the parser allows", () -> utf8("{\"parent\":\"" + repeat('x', 20_000_001) + "\"}"));
        }

        // Parseable, but the parent cannot be acted on: 200 with every observed child kept as it is.
        keep.put("spec null", steadyWith(r -> set(r, "/parent/spec", NODES.nullNode())));
        keep.put("spec missing", steadyWith(r -> remove(r, "/parent/spec")));
        keep.put("spec a list", steadyWith(r -> set(r, "/parent/spec", NODES.arrayNode().add(1))));
        keep.put("spec.version a number", steadyWith(r -> set(r, "/parent/spec/version", NODES.numberNode(4.11))));
        keep.put("spec.version an object", steadyWith(r -> set(r, "/parent/spec/version", NODES.objectNode())));
        keep.put("spec.version 100 kB", steadyWith(r -> set(r, "/parent/spec/version", NODES.textNode(repeat('4', 100_000)))));
        keep.put("spec.version with a newline", steadyWith(r -> set(r, "/parent/spec/version", NODES.textNode("4.11.2\nall.export /"))));
        keep.put("spec.redirector a string", steadyWith(r -> set(r, "/parent/spec/redirector", NODES.textNode("two"))));
        keep.put("spec.worker.replicas a string", steadyWith(r -> set(r, "/parent/spec/worker/replicas", NODES.textNode("3"))));
        keep.put("spec.worker.replicas negative", steadyWith(HostileRequestCatalogTest::invalidSpec));
        keep.put("spec.worker.replicas 2^63", steadyWithLiteral("/parent/spec/worker/replicas", "9223372036854775808"));
        keep.put("spec.worker.replicas -2^63-1", steadyWithLiteral("/parent/spec/worker/replicas", "-9223372036854775809"));
        keep.put("spec.worker.replicas 2^31", steadyWithLiteral("/parent/spec/worker/replicas", "2147483648"));
        keep.put("spec.worker.replicas 1e400 (overflows a double)", steadyWithLiteral("/parent/spec/worker/replicas", "1e400"));
        keep.put("spec.worker.replicas -1e400", steadyWithLiteral("/parent/spec/worker/replicas", "-1e400"));
        keep.put("spec.worker.replicas 1e-400 (underflows)", steadyWithLiteral("/parent/spec/worker/replicas", "1e-400"));
        keep.put("spec.worker.replicas 3.5", steadyWithLiteral("/parent/spec/worker/replicas", "3.5"));
        keep.put("spec.worker.replicas 999 digits", steadyWithLiteral("/parent/spec/worker/replicas", "9".repeat(999)));
        keep.put("spec.redirector.replicas 0", steadyWith(r -> set(r, "/parent/spec/redirector/replicas", NODES.numberNode(0))));
        keep.put("spec.ports.xrootd 70000", steadyWith(r -> set(r, "/parent/spec/ports/xrootd", NODES.numberNode(70000))));
        keep.put("spec.ports equal", steadyWith(r -> set(r, "/parent/spec/ports/cmsd", NODES.numberNode(1094))));
        keep.put("spec.securityContext.runAsUser 0", steadyWith(r -> set(r, "/parent/spec/securityContext/runAsUser", NODES.numberNode(0))));
        keep.put("spec.securityContext.runAsUser 2^31", steadyWithLiteral("/parent/spec/securityContext/runAsUser", "2147483648"));
        keep.put("spec.imagePullPolicy unknown", steadyWith(r -> set(r, "/parent/spec/imagePullPolicy", NODES.textNode("Sometimes"))));
        keep.put("spec.image empty", steadyWith(r -> set(r, "/parent/spec/image", NODES.textNode(""))));
        keep.put("spec.image with a newline", steadyWith(r -> set(r, "/parent/spec/image", NODES.textNode("img:1\nall.export /"))));
        keep.put("spec.exports empty", steadyWith(r -> set(r, "/parent/spec/exports", NODES.arrayNode())));
        keep.put("spec.exports a string", steadyWith(r -> set(r, "/parent/spec/exports", NODES.textNode("/data"))));
        keep.put("spec.exports with ..", steadyWith(r -> set(r, "/parent/spec/exports", NODES.arrayNode().add("/data/../etc"))));
        keep.put("spec.exports nested 990 deep", steadyWith(r -> set(r, "/parent/spec/exports", nestedArray(990))));
        keep.put("spec.exports 100000 entries", steadyWith(r -> {
            ArrayNode exports = NODES.arrayNode();
            for (int i = 0; i < 100_000; i++) {
                exports.add("/d" + i);
            }
            set(r, "/parent/spec/exports", exports);
        }));
        keep.put("spec.exports one path of 1 MB", steadyWith(r -> set(r, "/parent/spec/exports", NODES.arrayNode().add("/" + repeat('a', 1 << 20)))));
        keep.put("resources request null (found by the fuzzer)", steadyWith(r -> ((ObjectNode) r.at("/parent/spec/worker"))
                .putObject("resources").putObject("requests").putNull("cpu")));
        keep.put("resources limit a number", steadyWith(r -> ((ObjectNode) r.at("/parent/spec/worker"))
                .putObject("resources").putObject("limits").put("memory", 1e300)));
        keep.put("resources a string", steadyWith(r -> ((ObjectNode) r.at("/parent/spec/redirector")).put("resources", "lots")));
        keep.put("resources request not a quantity", steadyWith(r -> ((ObjectNode) r.at("/parent/spec/worker"))
                .putObject("resources").putObject("requests").put("cpu", "fast")));
        keep.put("tolerations with a null element", steadyWith(r -> ((ObjectNode) r.at("/parent/spec/worker"))
                .putArray("tolerations").addNull()));
        keep.put("tolerations a map", steadyWith(r -> ((ObjectNode) r.at("/parent/spec/worker")).putObject("tolerations").put("a", 1)));
        keep.put("affinity a string", steadyWith(r -> ((ObjectNode) r.at("/parent/spec/redirector")).put("affinity", "close")));
        keep.put("affinity with null terms", steadyWith(r -> ((ObjectNode) r.at("/parent/spec/redirector")).putObject("affinity")
                .putObject("nodeAffinity").putObject("requiredDuringSchedulingIgnoredDuringExecution").putArray("nodeSelectorTerms").addNull()));
        keep.put("topologySpreadConstraints with a null element", steadyWith(r -> ((ObjectNode) r.at("/parent/spec/worker"))
                .putArray("topologySpreadConstraints").addNull().addObject()));
        keep.put("nodeSelector a list", steadyWith(r -> ((ObjectNode) r.at("/parent/spec/worker")).putArray("nodeSelector").add("a")));
        keep.put("podLabels reserved", steadyWith(r -> ((ObjectNode) r.at("/parent/spec/worker")).putObject("podLabels")
                .put("app.kubernetes.io/instance", "other")));
        keep.put("maxUnavailable 0", steadyWith(r -> ((ObjectNode) r.at("/parent/spec/worker")).put("maxUnavailable", 0)));
        keep.put("observed claim template size of 1 MB", steadyWith(r -> r.at("/children/StatefulSet.apps~1v1").forEach(sts -> sts
                .at("/spec/volumeClaimTemplates").forEach(t -> ((ObjectNode) t.at("/spec/resources/requests")).put("storage", repeat('9', 1 << 20))))));
        keep.put("observed claim template class of 1 MB", steadyWith(r -> r.at("/children/StatefulSet.apps~1v1").forEach(sts -> sts
                .at("/spec/volumeClaimTemplates").forEach(t -> ((ObjectNode) t.get("spec")).put("storageClassName", repeat('c', 1 << 20))))));
        keep.put("observed claim templates a string", steadyWith(r -> r.at("/children/StatefulSet.apps~1v1").forEach(sts ->
                ((ObjectNode) sts.get("spec")).put("volumeClaimTemplates", "data"))));
        keep.put("capacity 0", steadyWith(r -> set(r, "/parent/spec/worker/storage/capacity", NODES.textNode("0"))));
        keep.put("capacity -1Gi", steadyWith(r -> set(r, "/parent/spec/worker/storage/capacity", NODES.textNode("-1Gi"))));
        keep.put("capacity 1m (milli)", steadyWith(r -> set(r, "/parent/spec/worker/storage/capacity", NODES.textNode("1m"))));
        keep.put("capacity 0.1", steadyWith(r -> set(r, "/parent/spec/worker/storage/capacity", NODES.textNode("0.1"))));
        keep.put("capacity 8Ei (beyond int64)", steadyWith(r -> set(r, "/parent/spec/worker/storage/capacity", NODES.textNode("8Ei"))));
        keep.put("capacity 1e999999999", steadyWith(r -> set(r, "/parent/spec/worker/storage/capacity", NODES.textNode("1e999999999"))));
        keep.put("capacity 1e-999999999", steadyWith(r -> set(r, "/parent/spec/worker/storage/capacity", NODES.textNode("1e-999999999"))));
        keep.put("capacity 1E999999999", steadyWith(r -> set(r, "/parent/spec/worker/storage/capacity", NODES.textNode("1E999999999"))));
        keep.put("capacity 1 followed by 1000 zeros", steadyWith(r -> set(r, "/parent/spec/worker/storage/capacity", NODES.textNode("1" + "0".repeat(1000)))));
        keep.put("capacity ...", steadyWith(r -> set(r, "/parent/spec/worker/storage/capacity", NODES.textNode("..."))));
        keep.put("capacity 1Gi with spaces", steadyWith(r -> set(r, "/parent/spec/worker/storage/capacity", NODES.textNode(" 1Gi "))));
        keep.put("capacity a number", steadyWith(r -> set(r, "/parent/spec/worker/storage/capacity", NODES.numberNode(1073741824))));
        keep.put("capacity 1000 digits then x", steadyWith(r -> set(r, "/parent/spec/worker/storage/capacity", NODES.textNode("1".repeat(1000) + "x"))));
        keep.put("name too long by one", steadyWith(r -> set(r, "/parent/metadata/name", NODES.textNode("a".repeat(SpecParser.MAX_NAME_LENGTH + 1)))));
        keep.put("name of 1 MB", steadyWith(r -> set(r, "/parent/metadata/name", NODES.textNode(repeat('a', 1 << 20)))));
        keep.put("name 253 characters with dots", steadyWith(r -> set(r, "/parent/metadata/name", NODES.textNode(("a".repeat(62) + ".").repeat(4) + "b"))));
        keep.put("name upper case", steadyWith(r -> set(r, "/parent/metadata/name", NODES.textNode("Base-Xrootd"))));
        keep.put("name starting with a digit", steadyWith(r -> set(r, "/parent/metadata/name", NODES.textNode("9lives"))));
        keep.put("name with a newline", steadyWith(r -> set(r, "/parent/metadata/name", NODES.textNode("a\nall.export /"))));
        keep.put("name with non-ASCII letters", steadyWith(r -> set(r, "/parent/metadata/name", NODES.textNode("bäse-xrootd"))));
        keep.put("namespace with a newline", steadyWith(r -> set(r, "/parent/metadata/namespace", NODES.textNode("default\nall.export /"))));
        keep.put("namespace of 100 characters", steadyWith(r -> set(r, "/parent/metadata/namespace", NODES.textNode("n".repeat(100)))));
        keep.put("nulls in every field of the spec", steadyWith(r -> nullLeaves((ObjectNode) r.at("/parent/spec"))));
        keep.put("nulls in every field of every child, spec invalid", steadyWith(r -> {
            invalidSpec(r);
            r.get("children").forEach(kind -> kind.forEach(child -> nullLeaves((ObjectNode) child)));
        }));
        keep.put("observed children without metadata, spec invalid", steadyWith(r -> {
            invalidSpec(r);
            r.get("children").forEach(kind -> kind.forEach(child -> ((ObjectNode) child).remove("metadata")));
        }));
        keep.put("child key and metadata.name disagree, spec invalid", steadyWith(r -> {
            invalidSpec(r);
            ObjectNode services = (ObjectNode) r.at("/children/Service.v1");
            services.set("other", services.remove("base-xrootd-xrootd"));
        }));
        keep.put("two children whose names are objects, spec invalid", steadyWith(r -> {
            invalidSpec(r);
            r.get("children").get(ObservedChildren.SERVICE).forEach(child -> ((ObjectNode) child.get("metadata")).putObject("name"));
        }));
        bad.put("two children of one kind with the same name", steadyWith(r -> {
            invalidSpec(r);
            ObjectNode services = (ObjectNode) r.at("/children/Service.v1");
            ObjectNode first = (ObjectNode) services.get("base-xrootd-xrootd");
            services.set("other", first.deepCopy());
            ((ObjectNode) first.get("metadata")).put("name",
                    r.at("/children/StatefulSet.apps~1v1/base-xrootd-xrootd-worker/spec/serviceName").asText());
        }));
        keep.put("last-applied names another object, spec invalid", steadyWith(r -> {
            invalidSpec(r);
            ObjectNode annotations = (ObjectNode) configMap(r).at("/metadata/annotations");
            annotations.put(LAST_APPLIED, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"evil\"}}");
        }));
        keep.put("last-applied without a name, spec invalid", steadyWith(r -> {
            invalidSpec(r);
            ((ObjectNode) configMap(r).at("/metadata/annotations")).put(LAST_APPLIED, "{\"data\":{}}");
        }));
        keep.put("last-applied of another kind, spec invalid", steadyWith(r -> {
            invalidSpec(r);
            ((ObjectNode) configMap(r).at("/metadata/annotations")).put(LAST_APPLIED,
                    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"" + CM_NAME + "\"}}");
        }));
        keep.put("last-applied not JSON, spec invalid", steadyWith(r -> {
            invalidSpec(r);
            ((ObjectNode) configMap(r).at("/metadata/annotations")).put(LAST_APPLIED, "{\"apiVersion\":");
        }));
        keep.put("last-applied a JSON list, spec invalid", steadyWith(r -> {
            invalidSpec(r);
            ((ObjectNode) configMap(r).at("/metadata/annotations")).put(LAST_APPLIED, "[1,2]");
        }));
        keep.put("last-applied nested 999 deep, spec invalid", steadyWith(r -> {
            invalidSpec(r);
            ((ObjectNode) configMap(r).at("/metadata/annotations")).put(LAST_APPLIED,
                    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + CM_NAME + "\"},\"data\":"
                            + nested("{\"a\":", "}", 997, "1") + "}");
        }));
        keep.put("observed child nested 990 deep, spec invalid", steadyWith(r -> {
            invalidSpec(r);
            ObjectNode child = configMap(r);
            ((ObjectNode) child.get("metadata").get("annotations")).remove(LAST_APPLIED);
            child.set("data", nestedArray(990));
        }));
        keep.put("child kind disagrees with its map key, spec invalid", steadyWith(r -> {
            invalidSpec(r);
            configMap(r).put("kind", "Secret");
            ((ObjectNode) configMap(r).at("/metadata/annotations")).remove(LAST_APPLIED);
        }));
        keep.put("undeclared child kind with a valid spec (never tracked, may be left out)", steadyWith(r -> ((ObjectNode) r.get("children")).set("Pod.v1",
                NODES.objectNode().set("stray", Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Pod")
                        .set("metadata", NODES.objectNode().put("name", "stray").put("namespace", "default"))))));
        keep.put("declared child kind the hook does not build, valid spec", steadyWith(r -> {
            ((ArrayNode) r.at("/controller/spec/childResources")).addObject().put("apiVersion", "v1").put("resource", "pods");
            ((ObjectNode) r.get("children")).set("Pod.v1", NODES.objectNode().set("stray", Json.MAPPER.createObjectNode()
                    .put("apiVersion", "v1").put("kind", "Pod").set("metadata", NODES.objectNode().put("name", "stray").put("namespace", "default"))));
        }));
        keep.put("declared child kind the hook does not build, no StatefulSets, version unresolved", steadyWith(r -> {
            ((ArrayNode) r.at("/controller/spec/childResources")).addObject().put("apiVersion", "v1").put("resource", "pods");
            ((ObjectNode) r.get("children")).putObject(STS);
            r.putObject("related");
            ((ObjectNode) r.get("children")).set("Pod.v1", NODES.objectNode().set("stray", Json.MAPPER.createObjectNode()
                    .put("apiVersion", "v1").put("kind", "Pod").set("metadata", NODES.objectNode().put("name", "stray").put("namespace", "default"))));
        }));
        keep.put("unknown child kind, spec invalid", steadyWith(r -> {
            invalidSpec(r);
            ((ObjectNode) r.get("children")).set("Secret.v1", NODES.objectNode().set("s",
                    Json.MAPPER.createObjectNode().put("apiVersion", "v1").put("kind", "Secret").set("metadata", NODES.objectNode().put("name", "s"))));
        }));
        keep.put("catalog entry image a number, version unresolved", steadyWith(r ->
                set(r, "/related/XrootdVersion.catalog.xrootd.org~1v1alpha1/4.11.2/spec/image", NODES.numberNode(4))));
        keep.put("related empty, version unresolved", steadyWith(r -> r.putObject("related")));
        keep.put("related kind null, version unresolved", steadyWith(r -> r.putObject("related").putNull("XrootdVersion.catalog.xrootd.org/v1alpha1")));

        // Valid syncs with odd but harmless content: 200, and still nothing observed is dropped.
        keep.put("valid: UTF-8 byte order mark", () -> utf8Bytes("", new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                new String(bytes(steady), StandardCharsets.UTF_8)));
        keep.put("valid: controller a string", steadyWith(r -> r.put("controller", "metacontroller")));
        keep.put("valid: kind map null", steadyWith(r -> ((ObjectNode) r.get("children")).putNull("Secret.v1")));
        keep.put("valid: replicas 3.0", steadyWithLiteral("/parent/spec/worker/replicas", "3.0"));
        keep.put("valid: replicas 3e0", steadyWithLiteral("/parent/spec/worker/replicas", "3e0"));
        keep.put("valid: generation negative", steadyWith(r -> set(r, "/parent/metadata/generation", NODES.numberNode(-5))));
        keep.put("valid: generation 1e400", steadyWithLiteral("/parent/metadata/generation", "1e400"));
        keep.put("valid: generation a string", steadyWith(r -> set(r, "/parent/metadata/generation", NODES.textNode("one"))));
        keep.put("valid: status conditions a string", steadyWith(r -> set(r, "/parent/status/conditions", NODES.textNode("x"))));
        keep.put("valid: status conditions with garbage", steadyWith(r -> ((ArrayNode) r.at("/parent/status/conditions"))
                .add(1).add(NODES.nullNode()).addObject().put("type", "Ready").put("status", "True").put("lastTransitionTime", "yesterday")));
        keep.put("valid: managedFields times not dates", steadyWith(r -> r.at("/parent/metadata/managedFields")
                .forEach(entry -> ((ObjectNode) entry).put("time", "9999-99-99T99:99:99Z"))));
        keep.put("valid: managedFields an object", steadyWith(r -> set(r, "/parent/metadata/managedFields", NODES.objectNode().put("time", 5))));
        keep.put("valid: StatefulSet status of wrong types", steadyWith(r -> r.at("/children/StatefulSet.apps~1v1").forEach(sts -> {
            ObjectNode status = (ObjectNode) sts.get("status");
            status.put("readyReplicas", "many").put("replicas", -7).putArray("updatedReplicas");
            status.set("observedGeneration", NODES.numberNode(new java.math.BigInteger("9".repeat(40))));
        })));
        keep.put("valid: StatefulSet containers a string", steadyWith(r -> r.at("/children/StatefulSet.apps~1v1")
                .forEach(sts -> ((ObjectNode) sts.at("/spec/template/spec")).put("containers", "none"))));
        keep.put("valid: longest allowed name, first create", createWith(r -> set(r, "/parent/metadata/name",
                NODES.textNode("a".repeat(SpecParser.MAX_NAME_LENGTH)))));
        keep.put("valid: namespace of 63 characters, first create", createWith(r -> set(r, "/parent/metadata/namespace",
                NODES.textNode("n".repeat(63)))));

        bad.forEach((name, body) -> cases.add(new Case(name, "POST", "/sync", body, null, 400)));
        keep.forEach((name, body) -> cases.add(new Case(name, "POST", "/sync", body, null, 200)));
        cases.add(new Case("finalize: child controlled by another parent", "POST", "/finalize", steadyWith(r -> {
            r.put("finalizing", true);
            ((ObjectNode) configMap(r).at("/metadata/ownerReferences/0")).put("uid", "00000000-0000-4000-8000-000000000000");
        }), null, 400));

        // The HTTP edge.
        long limit = HookServer.MAX_REQUEST_BYTES;
        // Over the limit the server answers 413 and closes while the client still sends: the JDK's client then
        // sometimes reports "header parser received no bytes" instead of the answer, so such bodies go raw.
        cases.add(20L << 20 <= limit ? new Case("20 MB body", "POST", "/sync", padded(20L << 20), null, 200)
                : new Case("20 MB body", "POST", "/sync", null, oversized(20L << 20, false), 413));
        cases.add(new Case("body 1 kB under the limit", "POST", "/sync", padded(limit - 1024), null, 200));
        cases.add(new Case("body one byte over the limit", "POST", "/sync", null, oversized(limit + 1, false), 413));
        cases.add(new Case("chunked body over the limit", "POST", "/sync", null, oversized(limit + (1 << 20), true), 413));
        cases.add(new Case("Content-Length beyond 2^31", "POST", "/sync", null, port -> Wire.raw(port,
                "POST /sync HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 99999999999",
                out -> writeFiller(out, limit + (1 << 20), false)), 413));
        cases.add(new Case("negative Content-Length", "POST", "/sync", null, port -> Wire.raw(port,
                "POST /sync HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: -5", out -> { }), 400));
        cases.add(new Case("request line that is not HTTP", "POST", "/sync", null, port -> Wire.raw(port,
                "HELLO \u0001\u0002 WORLD\r\nHost: x", out -> { }), 400));
        cases.add(new Case("request header of 64 kB", "POST", "/sync", null, port -> Wire.raw(port,
                "POST /sync HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\nX-Big: " + repeat('b', 64 * 1024), out -> { }), 431));
        cases.add(new Case("finalize with a truncated body", "POST", "/finalize", () -> utf8("{\"parent\":"), null, 400));
        cases.add(new Case("customize with spec.version an object", "POST", "/customize",
                steadyWith(r -> set(r, "/parent/spec/version", NODES.objectNode())), null, 200));
        cases.add(new Case("customize with invalid UTF-8", "POST", "/customize",
                () -> utf8Bytes("{\"parent\":\"", new byte[] {(byte) 0xFE}, "\"}"), null, 400));
        cases.add(new Case("GET /sync", "GET", "/sync", null, null, 404, 405));
        cases.add(new Case("unknown path", "POST", "/nothing-here", () -> bytes(steady), null, 404));
        cases.add(new Case("path escaping upwards", "POST", "/sync/../../etc/passwd", () -> bytes(steady), null, 400, 404));
        cases.add(new Case("path with an encoded NUL", "POST", "/sync%00", () -> bytes(steady), null, 400, 404));
        return cases;
    }

    static byte[] utf8Bytes(String before, byte[] middle, String after) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(utf8(before));
        out.writeBytes(middle);
        out.writeBytes(utf8(after));
        return out.toByteArray();
    }

    /** Replaces every scalar under {@code node} with null. */
    static void nullLeaves(ObjectNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            JsonNode value = node.get(name);
            if (value instanceof ObjectNode object) {
                nullLeaves(object);
            } else {
                node.putNull(name);
            }
        }
    }

    // ---- the checks -------------------------------------------------------------------------------------

    @TestFactory
    List<DynamicTest> everyHostileRequestIsRefusedOrKeepsChildren() {
        List<Case> cases = catalogue();
        assertFalse(cases.isEmpty(), "an empty catalogue would pass without checking anything");
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> check(c)));
        }
        tests.add(DynamicTest.dynamicTest("the service is still up and answers a valid sync", () -> {
            assertEquals(200, Http.send(server.port(), "GET", "/healthz", null).status());
            Http.Reply reply = Http.post(server.port(), "/sync", Files.readAllBytes(FIXTURES.resolve("steady-ready/request.json")));
            assertEquals(200, reply.status());
            assertEquals(Json.MAPPER.readTree(Files.readAllBytes(FIXTURES.resolve("steady-ready/response.json"))), Wire.tree(reply.body()));
        }));
        return tests;
    }

    static void check(Case c) throws Exception {
        byte[] body = c.body() == null ? null : c.body().get();
        Http.Reply reply = c.raw() != null ? c.raw().send(server.port()) : Http.send(server.port(), c.method(), c.path(), body);
        String excerpt = reply.text().length() > 300 ? reply.text().substring(0, 300) + "…" : reply.text();
        assertTrue(reply.status() < 500, "never a 5xx: " + reply.status() + " " + excerpt);
        assertTrue(Arrays.stream(c.statuses()).anyMatch(s -> s == reply.status()),
                c.name() + ": expected HTTP " + Arrays.toString(c.statuses()) + ", got " + reply.status() + "; body: " + excerpt);
        assertTrue(reply.contentType().startsWith("application/json"), c.name() + ": content type " + reply.contentType() + "; body: " + excerpt);
        JsonNode answer = Wire.tree(reply.body());
        if (reply.status() >= 400) {
            assertTrue(answer.path("error").isTextual() && answer.path("message").isTextual(), "JSON error: " + excerpt);
            assertTrue(answer.path("message").asText().length() < 2000, "the error message stays short");
            return;
        }
        if (!"/sync".equals(c.path())) {
            return;
        }
        JsonNode request = Wire.tree(body);
        Set<String> dropped = Wire.dropped(request, answer);
        assertTrue(dropped.isEmpty(), c.name() + ": a 200 must keep every observed child; dropped " + dropped);
        for (JsonNode child : answer.path("children")) {
            assertTrue(child.path("kind").isTextual() && child.path("apiVersion").isTextual()
                    && child.path("metadata").path("name").isTextual(), "every child has kind, apiVersion, name: " + child);
        }
        for (JsonNode condition : answer.path("status").path("conditions")) {
            assertTrue(condition.path("message").asText().length() <= 4096,
                    c.name() + ": status messages stay short (they are written to the parent): " + condition.path("message").asText().length());
        }
    }
}
