package org.xrootd.hook.robust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Repo;

/**
 * Turns fuzzer bytes into a well-formed but hostile hook request: a golden fixture request with a few
 * values replaced, removed or added at paths the bytes choose. Raw byte mutations mostly break the JSON
 * syntax; this reaches the spec parser, the observed-children handling and the status builder with
 * requests that parse. Deterministic: the same bytes give the same request.
 */
final class StructuredMutator {
    static final List<String> BASES = List.of("steady-ready", "create", "upgrade-rolling", "steady-ready-hook-v2",
            "finalize-pending", "sss-and-tls", "scheduling-passthrough");
    private static final List<ObjectNode> REQUESTS = load();
    private static final String[] ANCHORS = {"/parent/spec", "/parent/spec", "/parent/spec/worker", "/parent/spec/redirector",
        "/parent/spec/worker/storage", "/parent/spec/config", "/parent/metadata", "/parent/status", "/children",
        "/children", "/related", "/controller/spec", ""};
    private static final String[] STRINGS = {"", " ", "1Gi", "-1Gi", "0", "8Ei", "1e999999999", "1E3", "0.5Gi", "1m",
        "4.11.2", "5.5.3", "9.9.9", "Always", "Never", "/data", "/data/../etc", "/", "default", "kube-system",
        "StatefulSet", "ConfigMap", "v1", "apps/v1", "policy/v1", "base-xrootd", "base-xrootd-xrootd-worker",
        "UPPER", "a\nall.export /", "9lives", "x".repeat(70), "ä", "\u0000", "True", "False", "2026-11-20T09:00:00Z",
        "not-a-date", "{\"kind\":\"ConfigMap\"}", "{", "5d3f9a8e-2c1b-4e7f-a0d2-7b6c5e4f3a21", "Retain", "Delete",
        "all.export /", "xrd.port 1", "ofs.trace all", "500m", "0.5", "2048Mi", "Exists", "Equal", "NoSchedule",
        "kubernetes.io/hostname", "sss.keytab", "tls-secret"};
    private static final String[] KEYS = {"version", "image", "replicas", "worker", "redirector", "storage", "capacity",
        "class", "ports", "xrootd", "cmsd", "exports", "securityContext", "runAsUser", "imagePullPolicy", "config",
        "name", "namespace", "uid", "generation", "metadata", "spec", "status", "conditions", "ownerReferences",
        "controller", "labels", "annotations", "metacontroller.k8s.io/last-applied-configuration", "kind",
        "apiVersion", "Secret.v1", "Pod.v1", "StatefulSet.apps/v1", "deletionTimestamp", "finalizing", "resources",
        "cmsdResources", "requests", "limits", "cpu", "memory", "tolerations", "affinity", "nodeSelector",
        "topologySpreadConstraints", "podLabels", "podAnnotations", "priorityClassName", "serviceAccountName",
        "imagePullSecrets", "maxUnavailable", "whenDeleted", "sss", "tls", "secretName", "key", "all", "fsGroup",
        "runAsGroup", "childResources", "resource"};
    private static final long[] NUMBERS = {0, 1, -1, 2, 3, 16, 17, 64, 65, 1023, 1024, 1094, 3121, 65535, 65536,
        Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 31, Long.MAX_VALUE, Long.MIN_VALUE};

    private final byte[] bytes;
    private int at;

    private StructuredMutator(byte[] bytes, int from) {
        this.bytes = bytes;
        this.at = from;
    }

    /** The request {@code input} (from offset 1) describes, as JSON bytes. */
    static byte[] request(byte[] input) {
        StructuredMutator in = new StructuredMutator(input, 1);
        ObjectNode request = REQUESTS.get(in.next(REQUESTS.size())).deepCopy();
        int edits = 1 + in.next(8);
        for (int i = 0; i < edits && in.more(); i++) {
            in.edit(request);
        }
        try {
            return Json.MAPPER.writeValueAsBytes(request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean more() {
        return at < bytes.length;
    }

    /** A number in [0, bound) from the next byte (or two when the bound is large); 0 once the input is used up. */
    private int next(int bound) {
        if (bound <= 1 || !more()) {
            return 0;
        }
        int value = bytes[at++] & 0xff;
        if (bound > 256 && more()) {
            value = value << 8 | bytes[at++] & 0xff;
        }
        return value % bound;
    }

    private void edit(ObjectNode request) {
        JsonNode container = request.at(ANCHORS[next(ANCHORS.length)]);
        if (!container.isContainerNode()) {
            return;
        }
        // Walk down a few levels, remembering the container and the field or index to change.
        String field = null;
        int index = -1;
        for (int depth = next(5); depth >= 0; depth--) {
            if (container.isObject() && container.size() > 0) {
                List<String> names = new ArrayList<>();
                container.fieldNames().forEachRemaining(names::add);
                field = names.get(next(names.size()));
                index = -1;
            } else if (container.isArray() && container.size() > 0) {
                index = next(container.size());
                field = null;
            } else {
                break;
            }
            JsonNode child = field != null ? container.get(field) : container.get(index);
            if (depth == 0 || !child.isContainerNode() || child.size() == 0) {
                break;
            }
            container = child;
        }
        int op = next(12);
        if (op == 0 && container.isObject()) {
            ((ObjectNode) container).set(KEYS[next(KEYS.length)], value());
        } else if (op == 1 && field != null) {
            ((ObjectNode) container).remove(field);
        } else if (op == 1 && index >= 0) {
            ((ArrayNode) container).remove(index);
        } else if (field != null) {
            ((ObjectNode) container).set(field, value());
        } else if (index >= 0) {
            ((ArrayNode) container).set(index, value());
        } else if (container.isArray()) {
            ((ArrayNode) container).add(value());
        }
    }

    private JsonNode value() {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        return switch (next(11)) {
            case 0 -> nodes.nullNode();
            case 1 -> nodes.booleanNode(next(2) == 1);
            case 2 -> nodes.numberNode(NUMBERS[next(NUMBERS.length)]);
            case 3 -> nodes.numberNode(next(70_000) - 100);
            case 4 -> nodes.numberNode(new double[] {0.5, 3.0, -0.0, 1e308, 1e-300, 2.5e9}[next(6)]);
            case 5 -> nodes.numberNode(BigInteger.TEN.pow(19 + next(40)));
            case 6 -> nodes.textNode(STRINGS[next(STRINGS.length)]);
            case 7 -> {
                int length = next(64);
                byte[] raw = new byte[Math.min(length, bytes.length - at)];
                System.arraycopy(bytes, at, raw, 0, raw.length);
                at += raw.length;
                yield nodes.textNode(new String(raw, StandardCharsets.UTF_8));
            }
            case 8 -> nodes.objectNode();
            case 9 -> nodes.arrayNode().add(STRINGS[next(STRINGS.length)]);
            default -> {
                ObjectNode object = nodes.objectNode();
                object.set(KEYS[next(KEYS.length)], next(2) == 0 ? nodes.textNode(STRINGS[next(STRINGS.length)]) : nodes.numberNode(next(100)));
                yield object;
            }
        };
    }

    private static List<ObjectNode> load() {
        List<ObjectNode> requests = new ArrayList<>();
        for (String name : BASES) {
            try {
                requests.add((ObjectNode) Json.MAPPER.readTree(Files.readAllBytes(Repo.path("tests/fixtures").resolve(name).resolve("request.json"))));
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
        return requests;
    }
}
