package org.xrootd.hook.metacontroller;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.Map;
import org.xrootd.hook.json.Json;

/**
 * Reads a request body into a tree as Jackson's readTree does (same nodes, duplicate keys refused), except
 * for one string: Metacontroller's last-applied annotation on each observed child. That annotation repeats
 * the whole child as JSON inside a string, two fifths of a sync request's characters, and the hook reads it
 * only when it must return a child unchanged (an invalid spec, a kind it does not build). The parser still
 * checks it (escapes, control characters; the body's UTF-8 is checked before), but it is not copied into
 * the tree: its place in the body is kept, and {@link LastApplied#text()} decodes it on demand.
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

    /** The tree, and the last-applied annotations left out of it, by the observed child they belong to. */
    record Result(JsonNode root, Map<ObjectNode, LastApplied> lastApplied) {}

    static final String MANAGED_FIELDS = "managedFields";

    private final byte[] body;
    private final JsonParser parser;
    private final Map<ObjectNode, LastApplied> lastApplied = new IdentityHashMap<>();

    private RequestReader(byte[] body, JsonParser parser) {
        this.body = body;
        this.parser = parser;
    }

    /** Null root: the body holds no JSON value at all. */
    static Result read(byte[] body) throws IOException {
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(body)) {
            RequestReader reader = new RequestReader(body, parser);
            if (parser.nextToken() == null) {
                return new Result(null, Map.of());
            }
            JsonNode root = parser.currentToken() == JsonToken.START_OBJECT ? reader.object(Level.ROOT, null) : reader.value();
            if (parser.nextToken() != null) {
                throw new JsonParseException(parser, "unexpected " + parser.currentToken() + " after the request's JSON value");
            }
            return new Result(root, reader.lastApplied);
        }
    }

    /** Where in a request an object sits, down to the annotations of an observed child. */
    private enum Level {
        ROOT, PARENT, PARENT_METADATA, KINDS, OBJECTS, CHILD, METADATA, ANNOTATIONS;

        /** The level of this field's object value, or null when it is read as an ordinary tree. */
        Level below(String field) {
            return switch (this) {
                case ROOT -> field.equals("children") ? KINDS : field.equals("parent") ? PARENT : null;
                case PARENT -> field.equals("metadata") ? PARENT_METADATA : null;
                case KINDS -> OBJECTS;
                case OBJECTS -> CHILD;
                case CHILD -> field.equals("metadata") ? METADATA : null;
                case METADATA -> field.equals("annotations") ? ANNOTATIONS : null;
                case PARENT_METADATA, ANNOTATIONS -> null;
            };
        }

        /** The metadata of the parent or of an observed child, where managedFields are read for their times only. */
        boolean metadata() {
            return this == METADATA || this == PARENT_METADATA;
        }
    }

    /** The parser is on START_OBJECT; {@code child} is the observed child this object belongs to, if any. */
    private ObjectNode object(Level level, ObjectNode child) throws IOException {
        ObjectNode object = Json.MAPPER.createObjectNode();
        ObjectNode owner = level == Level.CHILD ? object : child;
        boolean lastAppliedSeen = false;
        JsonToken next = parser.nextToken();
        while (next == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken token = parser.nextToken();
            if (object.has(field)) {
                throw duplicate(field);
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
            Level below = level.below(field);
            JsonNode value = below != null && token == JsonToken.START_OBJECT ? object(below, owner)
                    : level.metadata() && token == JsonToken.START_ARRAY && field.equals(MANAGED_FIELDS) ? managedFieldTimes()
                    : value();
            object.set(field, value);
            next = parser.nextToken();
        }
        if (next != JsonToken.END_OBJECT) {
            throw new JsonParseException(parser, "expected a field name or the end of an object");
        }
        return object;
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
     * Leaves the string the parser is on without copying it, and moves on to the next token: the parser
     * checks the string as it skips it, and the literal ends at the last quote before that token (only
     * blanks and a comma come between).
     */
    private LastApplied skipString() throws IOException {
        long start = parser.currentTokenLocation().getByteOffset();
        JsonToken next = parser.nextToken();
        long end = next == null ? body.length : parser.currentTokenLocation().getByteOffset();
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
}
