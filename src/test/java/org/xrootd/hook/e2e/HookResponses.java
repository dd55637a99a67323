package org.xrootd.hook.e2e;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Decodes hook responses the way Metacontroller's webhook executor does ({@code pkg/hooks/webhook.go}):
 * {@code sigs.k8s.io/json UnmarshalStrict} into the Go response structs. That decoder is case-sensitive and
 * keeps integers as integers; a value of the wrong JSON type for its Go field (children as an object, a
 * string {@code resyncAfterSeconds} or {@code finalized}, status as a list) is a decoding error, which
 * fails the sync whatever the mode. Unknown and duplicate fields are "strict errors": fatal in strict mode
 * (the default for hook v2), only logged in loose mode (the default for v1). The emulator records loose-mode
 * strict errors as contract violations, so the suite still fails on them.
 *
 * <p>Children are {@code *unstructured.Unstructured}: each must be a JSON object with a non-empty string
 * {@code kind} ({@code Object 'Kind' is missing}); inside a child nothing is strict (Unstructured decodes
 * itself, without the strict checks). A {@code null} child decodes to a nil pointer, which Metacontroller
 * dereferences later (a crash); here it is a decoding error. A {@code null} body decodes to the zero
 * response: no status (which wipes it) and no children (which deletes them all).
 */
final class HookResponses {
    /** {@code CompositeHookResponse} (identical for v1 and v2). */
    record SyncResponse(ObjectNode status, List<ObjectNode> children, double resyncAfterSeconds, boolean finalized,
                        List<String> strictErrors, JsonNode raw) {}

    /** {@code CustomizeHookResponse}: the related resource rules, each a decoded {@code RelatedResourceRule}. */
    record CustomizeResponse(List<ObjectNode> rules, List<String> strictErrors, JsonNode raw) {}

    /** A response Go's decoder rejects (the sync fails). */
    static final class DecodeException extends IllegalStateException {
        DecodeException(String message) {
            super(message);
        }
    }

    private static final Set<String> SYNC_FIELDS = Set.of("status", "children", "resyncAfterSeconds", "finalized");
    private static final Set<String> CUSTOMIZE_FIELDS = Set.of("relatedResources");
    private static final Set<String> RULE_FIELDS = Set.of("apiVersion", "resource", "labelSelector", "namespaceSelector",
            "namespace", "names");
    private static final Set<String> SELECTOR_FIELDS = Set.of("matchLabels", "matchExpressions");
    private static final Set<String> REQUIREMENT_FIELDS = Set.of("key", "operator", "values");

    private HookResponses() {}

    /** Strict mode unless {@code webhook.responseUnMarshallMode} says otherwise: v2 strict, v1 loose. */
    static boolean strict(JsonNode hook) {
        JsonNode mode = hook.path("webhook").path("responseUnMarshallMode");
        if (mode.isTextual()) {
            return mode.asText().equals("strict");
        }
        return hook.path("version").asText("v1").equals("v2");
    }

    static SyncResponse decodeSync(String body) {
        List<String> strictErrors = new ArrayList<>();
        JsonNode root = parse(body, strictErrors);
        if (root.isNull()) {
            return new SyncResponse(null, List.of(), 0, false, strictErrors, root);
        }
        if (!root.isObject()) {
            throw typeError("", root, "composite.CompositeHookResponse");
        }
        unknownFields("", root, SYNC_FIELDS, strictErrors);
        ObjectNode status = null;
        JsonNode statusNode = root.get("status");
        if (statusNode != null && !statusNode.isNull()) {
            if (!statusNode.isObject()) {
                throw typeError("status", statusNode, "map[string]interface {}");
            }
            status = (ObjectNode) statusNode;
        }
        List<ObjectNode> children = new ArrayList<>();
        JsonNode childrenNode = root.get("children");
        if (childrenNode != null && !childrenNode.isNull()) {
            if (!childrenNode.isArray()) {
                throw typeError("children", childrenNode, "[]*unstructured.Unstructured");
            }
            for (JsonNode child : childrenNode) {
                if (child.isNull()) {
                    throw new DecodeException("children: a null child (a nil *unstructured.Unstructured)");
                }
                if (!child.isObject()) {
                    throw typeError("children[]", child, "map[string]interface {}");
                }
                JsonNode kind = child.get("kind");
                if (kind == null || !kind.isTextual() || kind.asText().isEmpty()) {
                    throw new DecodeException("Object 'Kind' is missing in '" + KubeApi.abbreviate(child.toString()) + "'");
                }
                children.add((ObjectNode) child);
            }
        }
        double resyncAfter = 0;
        JsonNode resync = root.get("resyncAfterSeconds");
        if (resync != null && !resync.isNull()) {
            if (!resync.isNumber()) {
                throw typeError("resyncAfterSeconds", resync, "float64");
            }
            resyncAfter = resync.doubleValue();
        }
        boolean finalized = false;
        JsonNode fin = root.get("finalized");
        if (fin != null && !fin.isNull()) {
            if (!fin.isBoolean()) {
                throw typeError("finalized", fin, "bool");
            }
            finalized = fin.booleanValue();
        }
        return new SyncResponse(status, children, resyncAfter, finalized, strictErrors, root);
    }

    static CustomizeResponse decodeCustomize(String body) {
        List<String> strictErrors = new ArrayList<>();
        JsonNode root = parse(body, strictErrors);
        List<ObjectNode> rules = new ArrayList<>();
        if (root.isNull()) {
            return new CustomizeResponse(rules, strictErrors, root);
        }
        if (!root.isObject()) {
            throw typeError("", root, "customize.CustomizeHookResponse");
        }
        unknownFields("", root, CUSTOMIZE_FIELDS, strictErrors);
        JsonNode list = root.get("relatedResources");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw typeError("relatedResources", list, "[]*v1alpha1.RelatedResourceRule");
            }
            for (JsonNode rule : list) {
                if (rule.isNull()) {
                    throw new DecodeException("relatedResources: a null rule (a nil *RelatedResourceRule)");
                }
                if (!rule.isObject()) {
                    throw typeError("relatedResources[]", rule, "v1alpha1.RelatedResourceRule");
                }
                unknownFields("relatedResources[].", rule, RULE_FIELDS, strictErrors);
                for (String field : List.of("apiVersion", "resource", "namespace")) {
                    string("relatedResources[]." + field, rule.get(field));
                }
                JsonNode names = rule.get("names");
                if (names != null && !names.isNull()) {
                    if (!names.isArray()) {
                        throw typeError("relatedResources[].names", names, "[]string");
                    }
                    names.forEach(name -> string("relatedResources[].names[]", name));
                }
                for (String field : List.of("labelSelector", "namespaceSelector")) {
                    selector("relatedResources[]." + field, rule.get(field), strictErrors);
                }
                rules.add((ObjectNode) rule);
            }
        }
        return new CustomizeResponse(rules, strictErrors, root);
    }

    private static void selector(String path, JsonNode selector, List<String> strictErrors) {
        if (selector == null || selector.isNull()) {
            return;
        }
        if (!selector.isObject()) {
            throw typeError(path, selector, "v1.LabelSelector");
        }
        unknownFields(path + ".", selector, SELECTOR_FIELDS, strictErrors);
        JsonNode labels = selector.get("matchLabels");
        if (labels != null && !labels.isNull()) {
            if (!labels.isObject()) {
                throw typeError(path + ".matchLabels", labels, "map[string]string");
            }
            labels.forEach(value -> string(path + ".matchLabels", value));
        }
        JsonNode expressions = selector.get("matchExpressions");
        if (expressions != null && !expressions.isNull()) {
            if (!expressions.isArray()) {
                throw typeError(path + ".matchExpressions", expressions, "[]v1.LabelSelectorRequirement");
            }
            for (JsonNode requirement : expressions) {
                if (requirement.isNull()) {
                    continue; // a zero requirement; LabelSelectorAsSelector then rejects its empty operator
                }
                if (!requirement.isObject()) {
                    throw typeError(path + ".matchExpressions[]", requirement, "v1.LabelSelectorRequirement");
                }
                unknownFields(path + ".matchExpressions[].", requirement, REQUIREMENT_FIELDS, strictErrors);
                string(path + ".matchExpressions[].key", requirement.get("key"));
                string(path + ".matchExpressions[].operator", requirement.get("operator"));
                JsonNode values = requirement.get("values");
                if (values != null && !values.isNull()) {
                    if (!values.isArray()) {
                        throw typeError(path + ".matchExpressions[].values", values, "[]string");
                    }
                    values.forEach(value -> string(path + ".matchExpressions[].values[]", value));
                }
            }
        }
    }

    private static void string(String path, JsonNode value) {
        if (value != null && !value.isNull() && !value.isTextual()) {
            throw typeError(path, value, "string");
        }
    }

    private static void unknownFields(String prefix, JsonNode object, Set<String> known, List<String> strictErrors) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            // Case-sensitive: "Status" is not "status" (sigs.k8s.io/json, unlike encoding/json).
            if (!known.contains(name)) {
                strictErrors.add("unknown field \"" + prefix + name + "\"");
            }
        }
    }

    private static DecodeException typeError(String field, JsonNode value, String goType) {
        return new DecodeException("json: cannot unmarshal " + jsonType(value) + " into Go "
                + (field.isEmpty() ? "value" : "struct field " + field) + " of type " + goType);
    }

    private static String jsonType(JsonNode value) {
        if (value.isObject()) {
            return "object";
        }
        if (value.isArray()) {
            return "array";
        }
        if (value.isTextual()) {
            return "string";
        }
        if (value.isNumber()) {
            return "number";
        }
        if (value.isBoolean()) {
            return "bool";
        }
        return "null";
    }

    // ------------------------------------------------------------------ parsing with duplicate detection

    /**
     * The JSON tree of {@code body}, noting duplicate keys as strict errors (the last value wins, as in Go).
     * Inside a child ({@code children[i]}) duplicates are not strict errors: Unstructured decodes itself.
     */
    private static JsonNode parse(String body, List<String> strictErrors) {
        try (JsonParser parser = KubeApi.MAPPER.getFactory().createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new DecodeException("unexpected end of JSON input");
            }
            JsonNode root = read(parser, "", true, strictErrors);
            if (parser.nextToken() != null) {
                throw new DecodeException("invalid character after top-level value");
            }
            return root;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new DecodeException("invalid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new DecodeException("invalid JSON: " + e.getMessage());
        }
    }

    private static JsonNode read(JsonParser parser, String path, boolean strict, List<String> strictErrors) throws IOException {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        switch (parser.currentToken()) {
            case START_OBJECT -> {
                ObjectNode object = nodes.objectNode();
                Set<String> seen = new HashSet<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    if (!seen.add(name) && strict) {
                        strictErrors.add("duplicate field \"" + path + name + "\"");
                    }
                    object.set(name, read(parser, path + name + ".", strict, strictErrors));
                }
                return object;
            }
            case START_ARRAY -> {
                ArrayNode array = nodes.arrayNode();
                // Children decode themselves (unstructured), without strict checks.
                boolean childStrict = strict && !path.equals("children.");
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    array.add(read(parser, path.isEmpty() ? "[]." : path.substring(0, path.length() - 1) + "[].",
                            childStrict, strictErrors));
                }
                return array;
            }
            default -> {
                return KubeApi.MAPPER.readTree(parser);
            }
        }
    }
}
