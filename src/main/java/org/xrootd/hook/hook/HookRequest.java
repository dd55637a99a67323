package org.xrootd.hook.hook;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;
import org.xrootd.hook.Json;

/**
 * A sync, finalize or customize request as Metacontroller sends it (contract section 3). Only the shape is
 * checked here; what the parent's spec means is the model's business.
 */
public record HookRequest(ObjectNode parent, ObservedChildren children, JsonNode related, boolean finalizing,
                          Set<String> declaredChildren) {

    /**
     * "apiVersion/resource" of every child type the CompositeController declares, or null when the request
     * does not say (then every kind is assumed declared). A child of an undeclared type must never be
     * returned: Metacontroller has no informer for it and would try to create it on every sync.
     */
    public boolean declares(String apiVersion, String resource) {
        return declaredChildren == null || declaredChildren.contains(apiVersion + "/" + resource);
    }

    public static HookRequest parse(byte[] body) throws BadRequestException {
        JsonNode root = readJson(body);
        if (!root.isObject()) {
            throw new BadRequestException("the request body must be a JSON object with a 'parent'");
        }
        JsonNode parent = root.get("parent");
        if (parent == null || !parent.isObject()) {
            throw new BadRequestException("'parent' must be an object (the Xrootd resource)");
        }
        JsonNode metadata = parent.get("metadata");
        if (metadata == null || !metadata.isObject()) {
            throw new BadRequestException("'parent.metadata' must be an object");
        }
        JsonNode name = metadata.get("name");
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            throw new BadRequestException("'parent.metadata.name' must be a non-empty string");
        }
        JsonNode namespace = metadata.get("namespace");
        if (namespace != null && !namespace.isNull() && !namespace.isTextual()) {
            throw new BadRequestException("'parent.metadata.namespace' must be a string");
        }
        JsonNode finalizing = root.get("finalizing");
        if (finalizing != null && !finalizing.isNull() && !finalizing.isBoolean()) {
            throw new BadRequestException("'finalizing' must be a boolean");
        }
        JsonNode related = objectMap(root, "related");
        return new HookRequest((ObjectNode) parent, ObservedChildren.of(objectMap(root, "children")),
                related, finalizing != null && finalizing.asBoolean(false), declaredChildren(root.path("controller")));
    }

    private static Set<String> declaredChildren(JsonNode controller) {
        JsonNode rules = controller.path("spec").path("childResources");
        if (!rules.isArray()) {
            return null;
        }
        Set<String> declared = new TreeSet<>();
        for (JsonNode rule : rules) {
            declared.add(rule.path("apiVersion").asText() + "/" + rule.path("resource").asText());
        }
        return declared;
    }

    /** Reads JSON strictly: one value, no duplicate keys, no NaN. */
    static JsonNode readJson(byte[] body) throws BadRequestException {
        if (body == null || body.length == 0) {
            throw new BadRequestException("the request body is empty");
        }
        try {
            JsonNode root = Json.STRICT_READER.readTree(body);
            if (root == null || root.isMissingNode()) {
                throw new BadRequestException("the request body is empty");
            }
            return root;
        } catch (JacksonException e) {
            throw new BadRequestException("the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequestException("the request body could not be read");
        }
    }

    /** A map of kind to (key to object), as children and related are; absent or null means empty. */
    private static JsonNode objectMap(JsonNode root, String field) throws BadRequestException {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return Json.MAPPER.createObjectNode();
        }
        if (!node.isObject()) {
            throw new BadRequestException("'" + field + "' must be an object keyed by Kind.apiVersion");
        }
        var kinds = node.fields();
        while (kinds.hasNext()) {
            var kind = kinds.next();
            if (kind.getValue().isNull()) {
                continue;
            }
            if (!kind.getValue().isObject()) {
                throw new BadRequestException("'" + field + "." + kind.getKey() + "' must be an object of objects");
            }
            var objects = kind.getValue().fields();
            while (objects.hasNext()) {
                var object = objects.next();
                if (!object.getValue().isObject()) {
                    throw new BadRequestException("'" + field + "." + kind.getKey() + "." + object.getKey() + "' must be an object");
                }
            }
        }
        return node;
    }
}
