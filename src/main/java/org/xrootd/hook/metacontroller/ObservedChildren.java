package org.xrootd.hook.metacontroller;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.json.ReadBack;

/**
 * The children Metacontroller observed for a parent, keyed "Kind.apiVersion" and then by name (hook v1)
 * or "namespace/name" (hook v2). Lookups go by the object's own name so both key styles work; every
 * entry of the request is kept, even two that claim the same name, so that none is ever left out of a
 * response that means to keep them all.
 *
 * <p>Read from a request, every object these methods hand out ({@link #get}, {@link #ofKind}, {@link #all})
 * is the request reader's lean tree of the child: only the fields the hook reads (see {@link #get}). A new
 * reader of another field must add it to {@link RequestReader}'s lean tree or read {@link #whole}
 * (RequestReaderOracleTest compares the answers with those from the whole tree on the fixtures and random requests).
 */
public final class ObservedChildren {
    public static final String STATEFUL_SET = ChildKind.STATEFUL_SET.key();
    public static final String SERVICE = ChildKind.SERVICE.key();
    public static final String CONFIG_MAP = ChildKind.CONFIG_MAP.key();
    public static final String POD_DISRUPTION_BUDGET = ChildKind.POD_DISRUPTION_BUDGET.key();
    /** The kinds this hook builds; children of any other kind are never its to delete. */
    private static final Set<String> BUILT_KINDS = java.util.Arrays.stream(ChildKind.values()).map(ChildKind::key)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
    public static final String LAST_APPLIED = "metacontroller.k8s.io/last-applied-configuration";

    /**
     * Reads last-applied annotations a little less deep than a request may be, so that what is read back
     * still fits the response writer's nesting limit once placed inside the response.
     */
    private static final ObjectMapper ANNOTATION_READER = annotationReader();

    private static ObjectMapper annotationReader() {
        ObjectMapper mapper = Json.MAPPER.copy();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(StreamReadConstraints.DEFAULT_MAX_DEPTH - 16).build());
        return mapper;
    }

    /**
     * One observed child: its kind key, its key in the request, the name Metacontroller knows it by, the tree
     * of what the hook reads of it, and (when read from a request) its place in the body, from which the whole
     * child is read on demand.
     */
    private record Entry(String kindKey, String key, String name, ObjectNode object, RequestReader.LastApplied lastApplied,
                         RequestReader.Slice slice) {
        /** The whole child: what the request reader left out of {@link #object()} read from the body. */
        ObjectNode whole() {
            return slice == null ? object : slice.tree();
        }
    }

    /** Sorted by kind and key, so that whatever is derived from the observed set comes out in a stable order. */
    private final Map<String, Map<String, Entry>> byKind;

    private ObservedChildren(Map<String, Map<String, Entry>> byKind) {
        this.byKind = byKind;
    }

    public static ObservedChildren of(JsonNode children) {
        return of(children, Map.of(), Map.of());
    }

    /**
     * {@code lastApplied}: the annotations the request reader kept out of the children's trees;
     * {@code slices}: where each child is in the body, for what the reader left out of its tree.
     */
    static ObservedChildren of(JsonNode children, Map<ObjectNode, RequestReader.LastApplied> lastApplied,
                               Map<ObjectNode, RequestReader.Slice> slices) {
        Map<String, Map<String, Entry>> byKind = new TreeMap<>();
        children.fields().forEachRemaining(kind -> {
            if (!kind.getValue().isObject()) {
                return;
            }
            Map<String, Entry> objects = new TreeMap<>();
            kind.getValue().fields().forEachRemaining(entry -> {
                ObjectNode object = (ObjectNode) entry.getValue();
                objects.put(entry.getKey(), new Entry(kind.getKey(), entry.getKey(), nameOf(entry.getKey(), object), object,
                        lastApplied.get(object), slices.get(object)));
            });
            byKind.put(kind.getKey(), objects);
        });
        return new ObservedChildren(byKind);
    }

    /**
     * The name Metacontroller matches a desired child against: the object's own, or the name part of its
     * key (v2 keys are "namespace/name") when the object carries none.
     */
    static String nameOf(String key, JsonNode object) {
        JsonNode name = object.path("metadata").path("name");
        if (name.isTextual() && !name.asText().isEmpty()) {
            return name.asText();
        }
        return key.substring(key.lastIndexOf('/') + 1);
    }

    /**
     * The observed child of {@code kind} named {@code name}, as far as the hook reads observed children: read
     * from a request, its apiVersion, kind, metadata (managedFields as their times, without the last-applied
     * annotation) and status, and of a StatefulSet its spec with only each container's name, image and env in the
     * pod template's spec (see {@link RequestReader}). {@link #whole} has the rest.
     */
    public Optional<ObjectNode> get(String kind, String name) {
        return byKind.getOrDefault(kind, Map.of()).values().stream()
                .filter(entry -> entry.name().equals(name)).map(Entry::object).findFirst();
    }

    /** The observed child of {@code kind} named {@code name} with every field, read from the request's body on demand. */
    public Optional<ObjectNode> whole(String kind, String name) {
        return byKind.getOrDefault(kind, Map.of()).values().stream()
                .filter(entry -> entry.name().equals(name)).map(Entry::whole).findFirst();
    }

    /**
     * What Metacontroller last applied for the child of {@code kind} named {@code name}, as read from its
     * last-applied annotation; empty when the child is not observed or carries no readable annotation.
     */
    public Optional<ObjectNode> lastApplied(String kind, String name) {
        return byKind.getOrDefault(kind, Map.of()).values().stream()
                .filter(entry -> entry.name().equals(name)).findFirst().flatMap(ObservedChildren::lastApplied);
    }

    /**
     * Whether Metacontroller last applied, for the child of {@code kind} named {@code name}, an object at
     * {@code path} (field names from the top, e.g. spec, template) that equals {@code expected} as written
     * and read back: what comparing with {@code lastApplied(kind, name)} at that path would say, with numbers
     * compared by value as they read back (see {@link ReadBack}). False when the child is not observed, has no
     * readable annotation, or has no object there. Streams the annotation instead of building its tree: the
     * rest of the annotation is only checked as reading it would (well-formed, no duplicate keys, not too
     * deep), and not at all once a difference is found.
     */
    public boolean lastAppliedEquals(String kind, String name, JsonNode expected, String... path) {
        Optional<Entry> entry = byKind.getOrDefault(kind, Map.of()).values().stream()
                .filter(candidate -> candidate.name().equals(name)).findFirst();
        String text = entry.map(ObservedChildren::lastAppliedText).orElse(null);
        if (text == null || path.length == 0) {
            return false;
        }
        try (JsonParser parser = ANNOTATION_READER.getFactory().createParser(text)) {
            parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            return parser.nextToken() == JsonToken.START_OBJECT && equalAt(parser, path, 0, expected);
        } catch (Exception e) {
            return false;   // an unreadable annotation: as lastApplied, nothing was applied
        }
    }

    /** The parser is on the START_OBJECT of path[depth]'s parent; leaves it on that object's END_OBJECT. */
    private static boolean equalAt(JsonParser parser, String[] path, int depth, JsonNode expected) throws java.io.IOException {
        boolean found = false;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            boolean onPath = parser.currentName().equals(path[depth]);
            JsonToken value = parser.nextToken();
            if (!onPath) {
                parser.skipChildren();
                continue;
            }
            if (value != JsonToken.START_OBJECT) {
                return false;
            }
            if (depth == path.length - 1 ? !ReadBack.equal(expected, parser, ANNOTATION_READER)
                    : !equalAt(parser, path, depth + 1, expected)) {
                return false;
            }
            found = true;   // a second field of the same name fails duplicate detection
        }
        return found;
    }

    public List<ObjectNode> ofKind(String kind) {
        return byKind.getOrDefault(kind, Map.of()).values().stream().map(Entry::object).toList();
    }

    public boolean isEmpty() {
        return byKind.values().stream().allMatch(Map::isEmpty);
    }

    /** Every observed child, in a stable order. */
    public List<ObjectNode> all() {
        List<ObjectNode> all = new ArrayList<>();
        byKind.values().forEach(objects -> objects.values().forEach(entry -> all.add(entry.object())));
        return all;
    }

    /** Every observed child as Metacontroller last applied it: returning these changes nothing. */
    public List<ObjectNode> allUnchanged() {
        List<ObjectNode> all = new ArrayList<>();
        byKind.values().forEach(objects -> objects.values().forEach(entry -> all.add(unchanged(entry))));
        return all;
    }

    /**
     * Observed children of kinds this hook does not build, as last applied. A valid sync returns them too:
     * the hook cannot know what they are for, so it never has Metacontroller delete them.
     */
    public List<ObjectNode> unmanagedUnchanged() {
        List<ObjectNode> all = new ArrayList<>();
        byKind.forEach((kind, objects) -> {
            if (!BUILT_KINDS.contains(kind)) {
                objects.values().forEach(entry -> all.add(unchanged(entry)));
            }
        });
        return all;
    }

    /**
     * Observed children of one built kind, as last applied, except the one named {@code name}: for a kind
     * where the hook owns only its own object (NetworkPolicy), the others are the site's additions, which
     * it never has Metacontroller delete (deleting a policy would open the cluster).
     */
    public List<ObjectNode> unchangedExcept(String kind, String name) {
        List<ObjectNode> all = new ArrayList<>();
        byKind.getOrDefault(kind, Map.of()).values().forEach(entry -> {
            if (!entry.name().equals(name)) {
                all.add(unchanged(entry));
            }
        });
        return all;
    }

    /** One observed child of {@code kind} named {@code name} as last applied (returning it changes nothing). */
    public Optional<ObjectNode> unchanged(String kind, String name) {
        return byKind.getOrDefault(kind, Map.of()).values().stream()
                .filter(entry -> entry.name().equals(name)).map(ObservedChildren::unchanged).findFirst();
    }

    /**
     * What Metacontroller last applied for a child: returning exactly that changes nothing. Its identity
     * (kind, apiVersion, name, namespace) always comes from the observed object and its map key, whatever
     * the annotation says: Metacontroller deletes an observed child whose identity is missing from the
     * response, and rejects a response with a child lacking kind or apiVersion.
     */
    private static ObjectNode unchanged(Entry entry) {
        ObjectNode observed = entry.object();
        ObjectNode child = lastApplied(entry).orElseGet(() -> fromObserved(entry.whole()));
        int dot = entry.kindKey().indexOf('.');
        if (dot > 0) {
            child.put("kind", entry.kindKey().substring(0, dot));
            child.put("apiVersion", entry.kindKey().substring(dot + 1));
        }
        ObjectNode metadata = child.path("metadata").isObject() ? (ObjectNode) child.get("metadata") : child.putObject("metadata");
        metadata.put("name", entry.name());
        JsonNode namespace = observed.path("metadata").path("namespace");
        if (namespace.isTextual()) {
            metadata.set("namespace", namespace);
        } else if (metadata.has("namespace") && !metadata.path("namespace").isTextual()) {
            metadata.remove("namespace");
        }
        return child;
    }

    /** The child's last-applied annotation as a string, or null when it has none. */
    private static String lastAppliedText(Entry entry) {
        if (entry.lastApplied() != null) {
            return entry.lastApplied().text();
        }
        JsonNode annotation = entry.object().path("metadata").path("annotations").path(LAST_APPLIED);
        return annotation.isTextual() ? annotation.asText() : null;
    }

    private static Optional<ObjectNode> lastApplied(Entry entry) {
        String text = lastAppliedText(entry);
        if (text != null) {
            try {
                JsonNode lastApplied = ANNOTATION_READER.readTree(text);
                if (lastApplied != null && lastApplied.isObject()) {
                    return Optional.of((ObjectNode) lastApplied);
                }
            } catch (Exception e) {
                // An unreadable annotation falls back to the observed object.
            }
        }
        return Optional.empty();
    }

    /**
     * A child that carries no readable last-applied annotation (adopted, or created by hand) is returned as
     * its identity, labels, annotations and spec or data, which the 3-way merge also leaves as they are.
     */
    private static ObjectNode fromObserved(ObjectNode observed) {
        ObjectNode copy = Json.MAPPER.createObjectNode();
        if (observed.path("apiVersion").isTextual()) {
            copy.set("apiVersion", observed.get("apiVersion"));
        }
        if (observed.path("kind").isTextual()) {
            copy.set("kind", observed.get("kind"));
        }
        ObjectNode metadata = copy.putObject("metadata");
        JsonNode observedMetadata = observed.path("metadata");
        for (String field : List.of("name", "namespace")) {
            if (observedMetadata.path(field).isTextual()) {
                metadata.set(field, observedMetadata.get(field));
            }
        }
        if (observedMetadata.path("labels").isObject()) {
            metadata.set("labels", observedMetadata.get("labels"));
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
