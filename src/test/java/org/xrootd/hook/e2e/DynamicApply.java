package org.xrootd.hook.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Metacontroller's default "dynamic apply" of a child, transcribed from its Go source
 * ({@code pkg/dynamic/apply/apply.go} and {@code pkg/controller/common/manage_children.go}): a
 * client-side 3-way merge of observed, last-applied and desired, kubectl-apply style, with the
 * last-applied configuration kept in the annotation {@code metacontroller.k8s.io/last-applied-configuration}.
 *
 * <p>Values are Jackson trees instead of Go's {@code map[string]interface{}}. {@link #deepEqual} stands in
 * for {@code reflect.DeepEqual} on decoded JSON: integers (Go int64) equal integers of the same value, floats
 * (float64) equal floats, and an integer never equals a float; a key holding null differs from an absent key.
 */
final class DynamicApply {
    static final String LAST_APPLIED = "metacontroller.k8s.io/last-applied-configuration";

    /** {@code knownMergeKeys}, in Metacontroller's order of precedence. */
    static final List<String> KNOWN_MERGE_KEYS = List.of("containerPort", "port", "mountPath", "name", "uid", "ip", "path");

    /** {@code objectMetaSystemFields}: reverted to the observed values after the merge. */
    static final List<String> OBJECT_META_SYSTEM_FIELDS = List.of("selfLink", "uid", "resourceVersion", "generation",
            "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields");

    private DynamicApply() {}

    // ------------------------------------------------------------------ ApplyUpdate

    /**
     * {@code ApplyUpdate(orig, update)}: the full object to PUT for a desired partial object, given the
     * observed one. The caller compares it with {@code observed} and writes only when they differ.
     */
    static ObjectNode applyUpdate(ObjectNode observed, ObjectNode desired) {
        JsonNode lastApplied = lastApplied(observed);
        ObjectNode update = desired.deepCopy();
        nullifyLastAppliedAnnotation(update);
        ObjectNode merged = (ObjectNode) merge(observed.deepCopy(), lastApplied, update);
        for (String field : OBJECT_META_SYSTEM_FIELDS) {
            revertField(merged, observed, "metadata", field);
        }
        revertField(merged, observed, "status");
        setLastApplied(merged, update);
        return merged;
    }

    /** What {@code DynamicApply.Apply} creates: the desired object, its own last-applied copy, the controllerRef. */
    static ObjectNode forCreate(ObjectNode desired, ObjectNode controllerRef) {
        ObjectNode object = desired.deepCopy();
        setLastApplied(object, object.deepCopy());
        claimOwnership(object, controllerRef);
        return object;
    }

    /** {@code claimOwnership}: append the controllerRef unless a reference with its UID is already there. */
    static void claimOwnership(ObjectNode object, ObjectNode controllerRef) {
        ObjectNode metadata = metadata(object);
        JsonNode refs = metadata.get("ownerReferences");
        ArrayNode owners = refs instanceof ArrayNode array ? array : metadata.putArray("ownerReferences");
        for (JsonNode ref : owners) {
            if (ref.path("uid").asText().equals(controllerRef.path("uid").asText())) {
                return;
            }
        }
        owners.add(controllerRef);
    }

    static JsonNode lastApplied(JsonNode object) {
        JsonNode annotation = object.path("metadata").path("annotations").path(LAST_APPLIED);
        if (!annotation.isTextual() || annotation.asText().isEmpty()) {
            return null;
        }
        try {
            return KubeApi.MAPPER.readTree(annotation.asText());
        } catch (IOException e) {
            throw new UncheckedIOException("can't unmarshal " + LAST_APPLIED + " annotation", e);
        }
    }

    static void setLastApplied(ObjectNode object, JsonNode lastApplied) {
        ObjectNode metadata = metadata(object);
        JsonNode annotations = metadata.get("annotations");
        ObjectNode map = annotations instanceof ObjectNode o ? o : metadata.putObject("annotations");
        map.put(LAST_APPLIED, lastApplied.toString());
    }

    private static void nullifyLastAppliedAnnotation(ObjectNode object) {
        JsonNode annotations = object.path("metadata").path("annotations");
        if (annotations instanceof ObjectNode map && map.has(LAST_APPLIED)) {
            map.remove(LAST_APPLIED);
        }
    }

    /** {@code revertField}: the field as it was in {@code orig}, or absent if it was absent there. */
    static void revertField(ObjectNode updated, JsonNode orig, String... path) {
        JsonNode original = orig;
        for (String step : path) {
            original = original == null ? null : original.get(step);
        }
        ObjectNode parent = updated;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode next = parent.get(path[i]);
            if (!(next instanceof ObjectNode)) {
                if (original == null) {
                    return; // nothing to remove
                }
                next = parent.putObject(path[i]);
            }
            parent = (ObjectNode) next;
        }
        String last = path[path.length - 1];
        if (original != null) {
            parent.set(last, original.deepCopy());
        } else {
            parent.remove(last);
        }
    }

    private static ObjectNode metadata(ObjectNode object) {
        JsonNode metadata = object.get("metadata");
        return metadata instanceof ObjectNode o ? o : object.putObject("metadata");
    }

    // ------------------------------------------------------------------ apply.go merge

    /** {@code merge(fieldPath, destination, lastApplied, desired)}; null stands for Go's nil. */
    static JsonNode merge(JsonNode destination, JsonNode lastApplied, JsonNode desired) {
        // Go type-asserts lastApplied and desired to the destination's type; a failed assertion yields nil
        // (its "!ok && val != nil" error branch can never fire), so a mismatched value counts as absent.
        if (destination instanceof ObjectNode dest) {
            return mergeObject(dest, asObject(lastApplied), asObject(desired));
        }
        if (destination instanceof ArrayNode dest) {
            return mergeArray(dest, asArray(lastApplied), asArray(desired));
        }
        // A scalar or null destination: just take the desired value.
        return desired == null ? null : desired.deepCopy();
    }

    private static ObjectNode asObject(JsonNode node) {
        return node instanceof ObjectNode o ? o : null;
    }

    private static ArrayNode asArray(JsonNode node) {
        return node instanceof ArrayNode a ? a : null;
    }

    private static ObjectNode mergeObject(ObjectNode destination, ObjectNode lastApplied, ObjectNode desired) {
        if (lastApplied != null) {
            for (Iterator<String> keys = lastApplied.fieldNames(); keys.hasNext(); ) {
                String key = keys.next();
                if (desired == null || !desired.has(key)) {
                    destination.remove(key);
                }
            }
        }
        if (desired != null) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = desired.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                String key = field.getKey();
                JsonNode merged = merge(destination.get(key), lastApplied == null ? null : lastApplied.get(key), field.getValue());
                destination.set(key, merged == null ? JsonNodeFactory.instance.nullNode() : merged);
            }
        }
        return destination;
    }

    private static JsonNode mergeArray(ArrayNode destination, ArrayNode lastApplied, ArrayNode desired) {
        String mergeKey = detectListMapKey(destination, lastApplied, desired);
        if (mergeKey == null) {
            // A normal array: replaced.
            return desired == null ? null : desired.deepCopy();
        }
        return mergeListMap(mergeKey, destination, lastApplied, desired);
    }

    private static JsonNode mergeListMap(String mergeKey, ArrayNode destination, ArrayNode lastApplied, ArrayNode desired) {
        ObjectNode destMap = makeListMap(mergeKey, destination);
        ObjectNode lastMap = makeListMap(mergeKey, lastApplied);
        ObjectNode desMap = makeListMap(mergeKey, desired);
        mergeObject(destMap, lastMap, desMap);

        // Back to a list, keeping the destination's order, then desired items not yet added.
        ArrayNode result = JsonNodeFactory.instance.arrayNode();
        Set<String> added = new HashSet<>();
        for (JsonNode item : destination) {
            String key = stringMergeKey(item.get(mergeKey));
            if (destMap.has(key)) {
                result.add(destMap.get(key));
                added.add(key);
            }
        }
        if (desired != null) {
            for (JsonNode item : desired) {
                String key = stringMergeKey(item.get(mergeKey));
                if (!added.contains(key)) {
                    result.add(destMap.get(key));
                    added.add(key);
                }
            }
        }
        return result;
    }

    private static ObjectNode makeListMap(String mergeKey, ArrayNode list) {
        ObjectNode map = JsonNodeFactory.instance.objectNode();
        if (list != null) {
            for (JsonNode item : list) {
                map.set(stringMergeKey(item.get(mergeKey)), item);
            }
        }
        return map;
    }

    /** Go's {@code fmt.Sprintf("%v", val)} for non-string keys, close enough for ints and bools. */
    private static String stringMergeKey(JsonNode value) {
        if (value == null || value.isNull()) {
            return "<nil>";
        }
        return value.isTextual() ? value.asText() : value.toString();
    }

    /** {@code detectListMapKey}: a known merge key that every item of every list has, or null. */
    static String detectListMapKey(ArrayNode... lists) {
        Set<String> common = null;
        for (ArrayNode list : lists) {
            if (list == null) {
                continue;
            }
            for (JsonNode item : list) {
                if (!item.isObject()) {
                    return null;
                }
                Set<String> keys = new HashSet<>();
                item.fieldNames().forEachRemaining(keys::add);
                if (common == null) {
                    common = keys;
                } else {
                    common.retainAll(keys);
                }
            }
        }
        if (common == null) {
            return null;
        }
        for (String key : KNOWN_MERGE_KEYS) {
            if (common.contains(key)) {
                return key;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ reflect.DeepEqual

    /** {@code reflect.DeepEqual} of two decoded JSON values (see the class comment). */
    static boolean deepEqual(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.isIntegralNumber() && b.isIntegralNumber()) {
            return a.bigIntegerValue().equals(b.bigIntegerValue());
        }
        if (a.isFloatingPointNumber() && b.isFloatingPointNumber()) {
            return a.doubleValue() == b.doubleValue();
        }
        if (a.getNodeType() != b.getNodeType() || a.isNumber() != b.isNumber()) {
            return false;
        }
        if (a.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> fields = a.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (!b.has(field.getKey()) || !deepEqual(field.getValue(), b.get(field.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!deepEqual(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /**
     * Why an update was made, for logs: where the merged object differs from the observed one apart from the
     * last-applied annotation, or, when only that annotation changed, where the last-applied configurations
     * differ.
     */
    static String explain(ObjectNode merged, ObjectNode observed) {
        ObjectNode a = merged.deepCopy();
        ObjectNode b = observed.deepCopy();
        JsonNode lastA = lastApplied(a);
        JsonNode lastB = lastApplied(b);
        for (ObjectNode object : List.of(a, b)) {
            if (object.path("metadata").path("annotations") instanceof ObjectNode annotations) {
                annotations.remove(LAST_APPLIED);
            }
        }
        List<String> fields = differences(a, b, 3);
        if (!fields.isEmpty()) {
            return "differs at " + fields;
        }
        return "only the last-applied configuration differs, at " + differences(lastA, lastB, 3);
    }

    /** The paths at which two values differ (for explaining an unexpected write), at most {@code limit}. */
    static List<String> differences(JsonNode a, JsonNode b, int limit) {
        List<String> out = new ArrayList<>();
        differences("", a, b, out, limit);
        return out;
    }

    private static String show(JsonNode value) {
        return value == null ? "<absent>" : KubeApi.abbreviate(value.toString());
    }

    private static void differences(String path, JsonNode a, JsonNode b, List<String> out, int limit) {
        if (out.size() >= limit || deepEqual(a, b)) {
            return;
        }
        if (a != null && b != null && a.isObject() && b.isObject()) {
            Map<String, Boolean> keys = new LinkedHashMap<>();
            a.fieldNames().forEachRemaining(k -> keys.put(k, true));
            b.fieldNames().forEachRemaining(k -> keys.put(k, true));
            for (String key : keys.keySet()) {
                differences(path + "." + key, a.get(key), b.get(key), out, limit);
            }
        } else if (a != null && b != null && a.isArray() && b.isArray() && a.size() == b.size()) {
            for (int i = 0; i < a.size(); i++) {
                differences(path + "[" + i + "]", a.get(i), b.get(i), out, limit);
            }
        } else {
            out.add(path + ": " + show(a) + " vs " + show(b));
        }
    }
}
