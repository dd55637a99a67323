package org.xrootd.hook.hook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.xrootd.hook.Json;

/**
 * The children Metacontroller observed for a parent, keyed "Kind.apiVersion" and then by name (hook v1)
 * or "namespace/name" (hook v2). Lookups go by the object's own name so both key styles work.
 */
public final class ObservedChildren {
    public static final String STATEFUL_SET = "StatefulSet.apps/v1";
    public static final String SERVICE = "Service.v1";
    public static final String CONFIG_MAP = "ConfigMap.v1";
    public static final String LAST_APPLIED = "metacontroller.k8s.io/last-applied-configuration";

    /** Sorted, so that whatever is derived from the observed set comes out in a stable order. */
    private final Map<String, Map<String, ObjectNode>> byKind;

    private ObservedChildren(Map<String, Map<String, ObjectNode>> byKind) {
        this.byKind = byKind;
    }

    static ObservedChildren of(JsonNode children) {
        Map<String, Map<String, ObjectNode>> byKind = new TreeMap<>();
        children.fields().forEachRemaining(kind -> {
            if (!kind.getValue().isObject()) {
                return;
            }
            Map<String, ObjectNode> objects = new TreeMap<>();
            kind.getValue().fields().forEachRemaining(entry -> {
                ObjectNode object = (ObjectNode) entry.getValue();
                objects.put(object.path("metadata").path("name").asText(entry.getKey()), object);
            });
            byKind.put(kind.getKey(), objects);
        });
        return new ObservedChildren(byKind);
    }

    public Optional<ObjectNode> get(String kind, String name) {
        return Optional.ofNullable(byKind.getOrDefault(kind, Map.of()).get(name));
    }

    public List<ObjectNode> ofKind(String kind) {
        return List.copyOf(byKind.getOrDefault(kind, Map.of()).values());
    }

    public boolean isEmpty() {
        return byKind.values().stream().allMatch(Map::isEmpty);
    }

    /** Every observed child, in a stable order. */
    public List<ObjectNode> all() {
        List<ObjectNode> all = new ArrayList<>();
        byKind.values().forEach(objects -> all.addAll(objects.values()));
        return all;
    }

    /** Every observed child as Metacontroller last applied it: returning these changes nothing. */
    public List<ObjectNode> allUnchanged() {
        List<ObjectNode> all = new ArrayList<>();
        byKind.forEach((kindKey, objects) -> objects.values().forEach(observed -> {
            ObjectNode child = unchanged(observed);
            // Metacontroller rejects a whole response if one child lacks kind or apiVersion, and
            // would then retry; filling them in from the map key keeps that child instead.
            int dot = kindKey.indexOf('.');
            if (dot > 0) {
                if (!child.path("kind").isTextual()) {
                    child.put("kind", kindKey.substring(0, dot));
                }
                if (!child.path("apiVersion").isTextual()) {
                    child.put("apiVersion", kindKey.substring(dot + 1));
                }
            }
            all.add(child);
        }));
        return all;
    }

    /**
     * What Metacontroller last applied for a child: returning exactly that changes nothing. A child that
     * carries no such annotation (adopted, or created by hand) is returned as its identity, labels, annotations
     * and spec or data, which the 3-way merge also leaves as they are.
     */
    public static ObjectNode unchanged(ObjectNode observed) {
        JsonNode annotation = observed.path("metadata").path("annotations").path(LAST_APPLIED);
        if (annotation.isTextual()) {
            try {
                JsonNode lastApplied = Json.MAPPER.readTree(annotation.asText());
                if (lastApplied != null && lastApplied.isObject()) {
                    return (ObjectNode) lastApplied;
                }
            } catch (Exception e) {
                // An unreadable annotation falls back to the observed object below.
            }
        }
        ObjectNode copy = Json.MAPPER.createObjectNode();
        if (observed.path("apiVersion").isTextual()) {
            copy.set("apiVersion", observed.get("apiVersion"));
        }
        if (observed.path("kind").isTextual()) {
            copy.set("kind", observed.get("kind"));
        }
        ObjectNode metadata = copy.putObject("metadata");
        JsonNode observedMetadata = observed.path("metadata");
        for (String field : List.of("name", "namespace", "labels")) {
            if (observedMetadata.has(field)) {
                metadata.set(field, observedMetadata.get(field));
            }
        }
        if (observedMetadata.path("annotations").isObject()) {
            ObjectNode annotations = observedMetadata.get("annotations").deepCopy();
            annotations.remove(LAST_APPLIED);
            if (!annotations.isEmpty()) {
                metadata.set("annotations", annotations);
            }
        }
        observed.fields().forEachRemaining(field -> {
            if (!List.of("apiVersion", "kind", "metadata", "status").contains(field.getKey())) {
                copy.set(field.getKey(), field.getValue());
            }
        });
        return copy;
    }
}
