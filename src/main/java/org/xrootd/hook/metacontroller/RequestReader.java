package org.xrootd.hook.metacontroller;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.xrootd.hook.json.Json;

/**
 * Reads a request body into a tree of what the hook reads, checking all of it as Jackson's readTree does
 * (well-formed, within the parser's limits, duplicate keys refused at the same place with the same words).
 *
 * <p>The parent, the controller and the related objects become trees as Jackson reads them. Of each
 * observed child only what the hook reads becomes a tree (the lean tree): its apiVersion, kind, metadata
 * and status; for a StatefulSet also its spec, except that of the pod template's spec only each container's
 * name, image and env are kept. The rest (the pod template's spec, ConfigMap data, the spec of every other kind,
 * any other field) is checked as it is skipped and never built: its place in the body is kept, and
 * {@link Slice#tree()} reads the whole child on demand, for the rare sync that returns a child as observed.
 *
 * <p>Metacontroller's last-applied annotation on each observed child is not copied into the tree either:
 * it repeats the whole child as JSON inside a string, two fifths of a sync request's characters, and the hook
 * reads it only when it must return a child unchanged or compares a template with it. The parser still
 * checks it (escapes, control characters; the body's UTF-8 is checked before); its place in the body is
 * kept, and {@link LastApplied#text()} decodes it on demand.
 *
 * <p>And the managedFields of the parent and of each observed child are read for their times only (see
 * {@link #managedFieldTimes()}): each entry is an object of its "time" alone.
 */
final class RequestReader {
    /** A JSON string literal in the body, quotes included. */
    record LastApplied(byte[] body, int start, int length) {
        String text() {
            try (JsonParser parser = Json.MAPPER.getFactory().createParser(body, start, length)) {
                parser.nextToken();
                return parser.getText();
            } catch (IOException e) {
                throw new IllegalStateException("a string the parser accepted reads again", e);
            }
        }
    }

    /** An observed child's object in the body, braces included. */
    record Slice(byte[] body, int start, int length) {
        /**
         * The whole child as the reader reads it when it skips nothing: every field a tree, except its
         * last-applied annotation (left out, as in the lean tree) and its managedFields (times only).
         */
        ObjectNode tree() {
            try (JsonParser parser = Json.MAPPER.getFactory().createParser(body, start, length)) {
                parser.nextToken();
                return new RequestReader(body, start, parser, false).object(Level.CHILD, null, null);
            } catch (IOException e) {
                throw new IllegalStateException("an object the parser accepted reads again", e);
            }
        }
    }

    /**
     * The tree; the last-applied annotations left out of it and the observed children's places in the body,
     * both by the (lean) observed child they belong to.
     */
    record Result(JsonNode root, Map<ObjectNode, LastApplied> lastApplied, Map<ObjectNode, Slice> observed) {}

    static final String MANAGED_FIELDS = "managedFields";
    private static final String STATEFUL_SET = ChildKind.STATEFUL_SET.key();

    private final byte[] body;
    /** Where in the body the parser starts: its byte offsets count from there. */
    private final int base;
    private final JsonParser parser;
    /** Whether observed children are read lean (the request) or whole ({@link Slice#tree()}). */
    private final boolean lean;
    private final Map<ObjectNode, LastApplied> lastApplied = new IdentityHashMap<>();
    private final Map<ObjectNode, Slice> observed = new IdentityHashMap<>();
    /** The field names of each object open inside a skipped value, by depth; reused. */
    private final List<FieldNames> skipped = new ArrayList<>();

    private RequestReader(byte[] body, int base, JsonParser parser, boolean lean) {
        this.body = body;
        this.base = base;
        this.parser = parser;
        this.lean = lean;
    }

    /** Null root: the body holds no JSON value at all. */
    static Result read(byte[] body) throws IOException {
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(body)) {
            RequestReader reader = new RequestReader(body, 0, parser, true);
            if (parser.nextToken() == null) {
                return new Result(null, Map.of(), Map.of());
            }
            JsonNode root = parser.currentToken() == JsonToken.START_OBJECT ? reader.object(Level.ROOT, null, null) : reader.value();
            if (parser.nextToken() != null) {
                throw new JsonParseException(parser, "unexpected " + parser.currentToken() + " after the request's JSON value");
            }
            return new Result(root, reader.lastApplied, reader.observed);
        }
    }

    /** Where in a request an object sits, down to the annotations of an observed child and its containers. */
    private enum Level {
        ROOT, PARENT, PARENT_METADATA, KINDS, OBJECTS, CHILD, METADATA, ANNOTATIONS,
        /** Lean levels: a StatefulSet's spec, its pod template, the template's spec, one of its containers. */
        SPEC, TEMPLATE, POD_SPEC, CONTAINER;

        /** The level of this field's object value, or null when it is read as an ordinary tree. */
        Level below(String field) {
            return switch (this) {
                case ROOT -> field.equals("children") ? KINDS : field.equals("parent") ? PARENT : null;
                case PARENT -> field.equals("metadata") ? PARENT_METADATA : null;
                case KINDS -> OBJECTS;
                case OBJECTS -> CHILD;
                case CHILD -> field.equals("metadata") ? METADATA : null;
                case METADATA -> field.equals("annotations") ? ANNOTATIONS : null;
                case SPEC -> field.equals("template") ? TEMPLATE : null;
                case TEMPLATE -> field.equals("spec") ? POD_SPEC : null;
                case PARENT_METADATA, ANNOTATIONS, POD_SPEC, CONTAINER -> null;
            };
        }

        /**
         * A level inside what the reader before the lean tree read as one value with Jackson's tree reader
         * (a StatefulSet's spec): a duplicate key there is reported as that reader reports it.
         */
        boolean lean() {
            return this == SPEC || this == TEMPLATE || this == POD_SPEC || this == CONTAINER;
        }

        /** The metadata of the parent or of an observed child, where managedFields are read for their times only. */
        boolean metadata() {
            return this == METADATA || this == PARENT_METADATA;
        }

        /**
         * Whether a lean read skips this field of an object at this level ({@code kind}: the observed child's
         * kind key). Every field the hook reads of an observed child is kept (see ObservedChildren's users):
         * identity, labels, annotations, owner references, generation and times in the metadata; the status;
         * a StatefulSet's replicas, serviceName, podManagementPolicy, volumeClaimTemplates, its template's
         * labels and annotations and each container's name, image and env (a scale-down drain marks the
         * draining worker's cmsd container with a variable: reconcile/Drain).
         */
        boolean skips(String field, String kind) {
            return switch (this) {
                case CHILD -> !(field.equals("metadata") || field.equals("status") || field.equals("apiVersion") || field.equals("kind")
                        || field.equals("spec") && STATEFUL_SET.equals(kind));
                case POD_SPEC -> !field.equals("containers");
                case CONTAINER -> !(field.equals("name") || field.equals("image") || field.equals("env"));
                default -> false;
            };
        }
    }

    /**
     * The parser is on START_OBJECT; {@code child} is the observed child this object belongs to, if any, and
     * {@code kind} its kind key.
     */
    private ObjectNode object(Level level, ObjectNode child, String kind) throws IOException {
        ObjectNode object = Json.MAPPER.createObjectNode();
        ObjectNode owner = level == Level.CHILD ? object : child;
        boolean lastAppliedSeen = false;
        List<String> skippedHere = null;
        JsonToken next = parser.nextToken();
        while (next == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken token = parser.nextToken();
            if (object.has(field) || skippedHere != null && skippedHere.contains(field)) {
                throw level.lean() ? duplicateInTree(field) : duplicate(field);
            }
            if (level == Level.ANNOTATIONS && field.equals(ObservedChildren.LAST_APPLIED)) {
                if (lastAppliedSeen) {
                    throw duplicate(field);
                }
                lastAppliedSeen = true;
                if (token == JsonToken.VALUE_STRING) {
                    lastApplied.put(owner, skipString());
                    next = parser.currentToken();
                    continue;
                }
            }
            if (lean && level.skips(field, kind)) {
                if (skippedHere == null) {
                    skippedHere = new ArrayList<>(4);
                }
                skippedHere.add(field);
                skip();
                next = parser.nextToken();
                continue;
            }
            object.set(field, value(level, field, token, owner, kind));
            next = parser.nextToken();
        }
        if (next != JsonToken.END_OBJECT) {
            throw new JsonParseException(parser, "expected a field name or the end of an object");
        }
        return object;
    }

    /** The value of {@code field} of an object at {@code level}, the parser on its first token. */
    private JsonNode value(Level level, String field, JsonToken token, ObjectNode owner, String kind) throws IOException {
        if (token == JsonToken.START_OBJECT) {
            if (level == Level.KINDS) {
                return object(Level.OBJECTS, owner, field);
            }
            if (level == Level.OBJECTS) {
                int start = base + (int) parser.currentTokenLocation().getByteOffset();
                ObjectNode object = object(Level.CHILD, owner, kind);
                int end = base + (int) parser.currentLocation().getByteOffset();
                if (lean) {
                    observed.put(object, new Slice(body, start, end - start));
                }
                return object;
            }
            Level below = level == Level.CHILD && lean && field.equals("spec") ? Level.SPEC : level.below(field);
            if (below != null) {
                return object(below, owner, kind);
            }
        }
        if (token == JsonToken.START_ARRAY) {
            if (level.metadata() && field.equals(MANAGED_FIELDS)) {
                return managedFieldTimes();
            }
            if (level == Level.POD_SPEC) {
                return containers(owner, kind);
            }
        }
        return value();
    }

    /** The parser is on the START_ARRAY of a pod spec's containers: each object as its name, image and env. */
    private ArrayNode containers(ObjectNode owner, String kind) throws IOException {
        ArrayNode containers = Json.MAPPER.createArrayNode();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            containers.add(token == JsonToken.START_OBJECT ? object(Level.CONTAINER, owner, kind) : value());
        }
        return containers;
    }

    /**
     * The parser is on the START_ARRAY of a managedFields list: each entry becomes an object of its "time"
     * alone, the one field the hook reads (ObservedClock), in the same order; anything that is not an object
     * is kept as it is. The rest of each entry (the manager, the operation and fieldsV1, the set of every
     * field the manager owns: in a real cluster most of a request's bytes) is checked by the parser as it is
     * skipped, duplicate keys inside it aside, and never built.
     */
    private ArrayNode managedFieldTimes() throws IOException {
        ArrayNode entries = Json.MAPPER.createArrayNode();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            if (token != JsonToken.START_OBJECT) {
                entries.add(value());
                continue;
            }
            ObjectNode entry = entries.addObject();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if (!field.equals("time")) {
                    parser.skipChildren();
                } else if (entry.has(field)) {
                    throw duplicate(field);
                } else {
                    entry.set(field, value());
                }
            }
        }
        return entries;
    }

    /** The value the parser is on, as Jackson's tree reader builds it. */
    private JsonNode value() throws IOException {
        return Json.MAPPER.readTree(parser);
    }

    /**
     * Passes over the value the parser is on, leaving the parser on its last token, without building it:
     * the parser checks its syntax and limits, and a duplicate key in any object inside it is refused where
     * and as building its tree would refuse it (after the duplicate's first value token).
     */
    private void skip() throws IOException {
        JsonToken token = parser.currentToken();
        if (!token.isStructStart()) {
            return;
        }
        int depth = 0;
        names(depth).reset();
        while (depth >= 0) {
            token = parser.nextToken();
            if (token == null) {
                throw new JsonParseException(parser, "unexpected end of the request inside a value");
            }
            switch (token) {
                case FIELD_NAME -> {
                    String field = parser.currentName();
                    JsonToken value = parser.nextToken();
                    if (!names(depth).add(field)) {
                        throw duplicateInTree(field);
                    }
                    if (value.isStructStart()) {
                        names(++depth).reset();
                    }
                }
                case START_OBJECT, START_ARRAY -> names(++depth).reset();
                case END_OBJECT, END_ARRAY -> depth--;
                default -> {
                    // a scalar in an array
                }
            }
        }
    }

    private FieldNames names(int depth) {
        while (skipped.size() <= depth) {
            skipped.add(new FieldNames());
        }
        return skipped.get(depth);
    }

    /** The names seen in one object being skipped: a short list, a set once it grows. */
    private static final class FieldNames {
        private static final int LINEAR = 12;
        private final String[] few = new String[LINEAR];
        private int count;
        private Set<String> many;

        void reset() {
            count = 0;
            if (many != null) {
                many.clear();
            }
        }

        /** False when the object already had this name. */
        boolean add(String name) {
            if (count < LINEAR) {
                for (int i = 0; i < count; i++) {
                    if (few[i].equals(name)) {
                        return false;
                    }
                }
                few[count++] = name;
                return true;
            }
            if (many == null) {
                many = new HashSet<>();
            }
            if (many.isEmpty()) {
                for (String seen : few) {
                    many.add(seen);
                }
            }
            count++;
            return many.add(name);
        }
    }

    /**
     * Leaves the string the parser is on without copying it, and moves on to the next token: the parser
     * checks the string as it skips it, and the literal ends at the last quote before that token (only
     * blanks and a comma come between).
     */
    private LastApplied skipString() throws IOException {
        long start = base + parser.currentTokenLocation().getByteOffset();
        JsonToken next = parser.nextToken();
        long end = next == null ? body.length : base + parser.currentTokenLocation().getByteOffset();
        int close = (int) end - 1;
        while (close > start && body[close] != '"') {
            close--;
        }
        if (start < 0 || close <= start) {
            throw new JsonParseException(parser, "could not locate a string in the request");
        }
        return new LastApplied(body, (int) start, close - (int) start + 1);
    }

    private JsonParseException duplicate(String field) {
        return new JsonParseException(parser, "Duplicate field '" + field + "' for `ObjectNode`: not allowed when reading a request");
    }

    /**
     * A duplicate key inside a value that Jackson's tree reader would have built: its words and place (the
     * start of the duplicate's value), so that the refusal reads as it did when the whole value was a tree.
     */
    private JsonParseException duplicateInTree(String field) {
        return new JsonParseException(parser, "Duplicate field '" + field + "' for `ObjectNode`: not allowed when reading a request",
                parser.currentTokenLocation());
    }
}
