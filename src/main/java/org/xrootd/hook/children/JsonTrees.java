package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;
import org.xrootd.hook.json.Json;

/**
 * Kubernetes objects written directly as JSON trees. Keys go in the order the API types serialize in
 * (apiVersion, kind, metadata, then alphabetical; map entries sorted), so the bytes match what the
 * Kubernetes model classes would give, without building and converting them: that conversion was most of
 * a sync's cost (BENCHMARKS.md). ChildKeyOrderTest checks the order on every child.
 */
final class JsonTrees {
    private JsonTrees() {}

    static ObjectNode object() {
        return Json.MAPPER.createObjectNode();
    }

    /** apiVersion, kind and metadata (labels, name, namespace) of a top-level object. */
    static ObjectNode resource(String apiVersion, String kind, String name, String namespace, Map<String, String> labels) {
        ObjectNode object = object();
        object.put("apiVersion", apiVersion);
        object.put("kind", kind);
        ObjectNode metadata = object.putObject("metadata");
        metadata.set("labels", map(labels));
        metadata.put("name", name);
        metadata.put("namespace", namespace);
        return object;
    }

    /** A string map, entries sorted by key. */
    static ObjectNode map(Map<String, String> entries) {
        ObjectNode map = object();
        new TreeMap<>(entries).forEach(map::put);
        return map;
    }

    static ArrayNode strings(String... values) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (String value : values) {
            array.add(value);
        }
        return array;
    }
}
