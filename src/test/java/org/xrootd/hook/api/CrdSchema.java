package org.xrootd.hook.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The API server's judgement of a custom resource under a CRD's structural schema, as a test can make it:
 * defaults applied (nulls dropped first, as for non-nullable fields), then the OpenAPI value validations
 * (type, enum, pattern with RE2 as in Go, lengths, bounds, required), unknown fields (the API server prunes
 * them, and refuses them under strict field validation, kubectl's default), and last the CEL rules
 * (x-kubernetes-validations) through {@link KubernetesCel}, each with {@code self} bound to the value at its
 * place. status is left out: the API server ignores it on create when the status subresource is on.
 */
final class CrdSchema {
    /** How the API server refuses: a value validation, an unknown (pruned) field, or a CEL rule. */
    enum Layer { STRUCTURAL, PRUNED, CEL }

    /** One refusal; {@code rule} is the CEL rule for a {@link Layer#CEL} refusal. */
    record Error(String path, Layer layer, String message, String rule) {
        Error(String path, Layer layer, String message) {
            this(path, layer, message, null);
        }

        @Override
        public String toString() {
            return path + " (" + layer + "): " + message;
        }
    }

    record Verdict(JsonNode defaulted, List<Error> errors) {
        boolean accepted() {
            return errors.isEmpty();
        }
    }

    private final JsonNode root;

    private CrdSchema(JsonNode root) {
        this.root = root;
    }

    static CrdSchema of(Path crdFile) {
        try {
            JsonNode crd = new YAMLMapper().readTree(crdFile.toFile());
            return new CrdSchema(crd.at("/spec/versions/0/schema/openAPIV3Schema"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Verdict validate(JsonNode object) {
        ObjectNode copy = object.deepCopy();
        copy.remove("status");
        JsonNode spec = copy.get("spec");
        JsonNode specSchema = root.path("properties").path("spec");
        if (spec != null) {
            copy.set("spec", withDefaults(spec, specSchema));
        }
        List<Error> errors = new ArrayList<>();
        for (String required : strings(root.path("required"))) {
            if (!copy.has(required)) {
                errors.add(new Error(required, Layer.STRUCTURAL, "Required value"));
            }
        }
        if (spec != null) {
            structural("spec", copy.get("spec"), specSchema, errors);
        }
        if (errors.isEmpty()) {
            rules("", copy, root, errors);
        }
        return new Verdict(copy, errors);
    }

    // ------------------------------------------------------------------------------------ defaults

    private static JsonNode withDefaults(JsonNode value, JsonNode schema) {
        if (value.isObject()) {
            ObjectNode object = (ObjectNode) value;
            List<String> nulls = new ArrayList<>();
            object.fieldNames().forEachRemaining(name -> {
                if (object.get(name).isNull()) {
                    nulls.add(name);
                }
            });
            nulls.forEach(object::remove);
            JsonNode properties = schema.path("properties");
            properties.fieldNames().forEachRemaining(name -> {
                JsonNode defaultValue = properties.get(name).get("default");
                if (!object.has(name) && defaultValue != null) {
                    object.set(name, defaultValue.deepCopy());
                }
            });
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                JsonNode child = properties.get(name) != null ? properties.get(name) : schema.get("additionalProperties");
                if (child != null && child.isObject()) {
                    object.set(name, withDefaults(object.get(name), child));
                }
            }
        } else if (value.isArray() && schema.has("items")) {
            ArrayNode array = (ArrayNode) value;
            for (int i = 0; i < array.size(); i++) {
                array.set(i, withDefaults(array.get(i), schema.get("items")));
            }
        }
        return value;
    }

    // ------------------------------------------------------------------------- value validations

    private static void structural(String path, JsonNode value, JsonNode schema, List<Error> errors) {
        if (!typeMatches(value, schema)) {
            errors.add(new Error(path, Layer.STRUCTURAL, "Invalid value: must be of type " + schema.path("type").asText()));
            return;
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode allowed : schema.get("enum")) {
                found |= allowed.equals(value);
            }
            if (!found) {
                errors.add(new Error(path, Layer.STRUCTURAL, "Unsupported value: " + value));
            }
        }
        if (value.isTextual()) {
            String text = value.asText();
            int length = text.codePointCount(0, text.length());
            if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
                errors.add(new Error(path, Layer.STRUCTURAL, "Invalid value: shorter than " + schema.get("minLength")));
            }
            if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
                errors.add(new Error(path, Layer.STRUCTURAL, "Too long: may not be longer than " + schema.get("maxLength")));
            }
            if (schema.has("pattern") && !com.google.re2j.Pattern.compile(schema.get("pattern").asText()).matcher(text).find()) {
                errors.add(new Error(path, Layer.STRUCTURAL, "Invalid value: should match '" + schema.get("pattern").asText() + "'"));
            }
        }
        if (value.isIntegralNumber()) {
            if (schema.has("minimum") && value.decimalValue().compareTo(schema.get("minimum").decimalValue()) < 0) {
                errors.add(new Error(path, Layer.STRUCTURAL, "Invalid value: should be greater than or equal to " + schema.get("minimum")));
            }
            if (schema.has("maximum") && value.decimalValue().compareTo(schema.get("maximum").decimalValue()) > 0) {
                errors.add(new Error(path, Layer.STRUCTURAL, "Invalid value: should be less than or equal to " + schema.get("maximum")));
            }
        }
        if (value.isArray()) {
            if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
                errors.add(new Error(path, Layer.STRUCTURAL, "Invalid value: should have at least " + schema.get("minItems") + " items"));
            }
            if (schema.has("maxItems") && value.size() > schema.get("maxItems").asInt()) {
                errors.add(new Error(path, Layer.STRUCTURAL, "Too many: must have at most " + schema.get("maxItems") + " items"));
            }
            for (int i = 0; i < value.size(); i++) {
                structural(path + "[" + i + "]", value.get(i), schema.path("items"), errors);
            }
        }
        if (value.isObject()) {
            if (schema.has("maxProperties") && value.size() > schema.get("maxProperties").asInt()) {
                errors.add(new Error(path, Layer.STRUCTURAL, "Too many: must have at most " + schema.get("maxProperties") + " items"));
            }
            for (String required : strings(schema.path("required"))) {
                if (!value.has(required)) {
                    errors.add(new Error(path + "." + required, Layer.STRUCTURAL, "Required value"));
                }
            }
            boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
            for (Iterator<Map.Entry<String, JsonNode>> fields = value.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                JsonNode child = schema.path("properties").get(field.getKey());
                if (child == null && schema.get("additionalProperties") != null && schema.get("additionalProperties").isObject()) {
                    child = schema.get("additionalProperties");
                }
                if (child != null) {
                    structural(path + "." + field.getKey(), field.getValue(), child, errors);
                } else if (!preserve) {
                    errors.add(new Error(path + "." + field.getKey(), Layer.PRUNED, "unknown field \"" + field.getKey() + "\""));
                }
            }
        }
    }

    private static boolean typeMatches(JsonNode value, JsonNode schema) {
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            return value.isIntegralNumber() || value.isTextual();
        }
        return switch (schema.path("type").asText("")) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> true;
        };
    }

    // ---------------------------------------------------------------------------------- CEL rules

    private static void rules(String path, JsonNode value, JsonNode schema, List<Error> errors) {
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            if (!KubernetesCel.holds(rule.get("rule").asText(), cel(value))) {
                String at = path + rule.path("fieldPath").asText("");
                errors.add(new Error(at.startsWith(".") ? at.substring(1) : at, Layer.CEL, rule.path("message").asText(),
                        rule.get("rule").asText()));
            }
        }
        if (value.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = value.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                JsonNode child = schema.path("properties").get(field.getKey());
                if (child == null) {
                    child = schema.get("additionalProperties");
                }
                if (child != null && child.isObject()) {
                    rules(path.isEmpty() ? field.getKey() : path + "." + field.getKey(), field.getValue(), child, errors);
                }
            }
        } else if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                rules(path + "[" + i + "]", value.get(i), schema.get("items"), errors);
            }
        }
    }

    /** A JSON value as CEL sees it: maps, lists, int (int64), double, string, bool. */
    static Object cel(JsonNode value) {
        if (value.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            value.fields().forEachRemaining(e -> map.put(e.getKey(), cel(e.getValue())));
            return map;
        }
        if (value.isArray()) {
            List<Object> list = new ArrayList<>();
            value.forEach(v -> list.add(cel(v)));
            return list;
        }
        if (value.isIntegralNumber()) {
            return value.longValue();
        }
        if (value.isNumber()) {
            return value.doubleValue();
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        return value.asText();
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new HashSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
