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
 * The test oracle for {@link RequestReader}: the request reader as it was before it skipped what the hook never
 * reads (commit 330e23a), kept verbatim but for its name: the whole request as a tree, as Jackson's readTree
 * builds it (duplicate keys refused), except the observed children's last-applied annotations (set aside as
 * their place in the body) and the managedFields entries (their times only). {@code RequestReaderOracleTest}
 * checks that the hook answers every request read by {@link RequestReader} exactly as when read by this one.
 */
final class ReferenceRequestReader {
    static final String MANAGED_FIELDS = "managedFields";

    private final byte[] body;
    private final JsonParser parser;
    private final Map<ObjectNode, RequestReader.LastApplied> lastApplied = new IdentityHashMap<>();

    private ReferenceRequestReader(byte[] body, JsonParser parser) {
        this.body = body;
        this.parser = parser;
    }

    /** Null root: the body holds no JSON value at all. */
    static RequestReader.Result read(byte[] body) throws IOException {
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(body)) {
            ReferenceRequestReader reader = new ReferenceRequestReader(body, parser);
            if (parser.nextToken() == null) {
                return new RequestReader.Result(null, Map.of(), Map.of());
            }
            JsonNode root = parser.currentToken() == JsonToken.START_OBJECT ? reader.object(Level.ROOT, null) : reader.value();
            if (parser.nextToken() != null) {
                throw new JsonParseException(parser, "unexpected " + parser.currentToken() + " after the request's JSON value");
            }
            return new RequestReader.Result(root, reader.lastApplied, Map.of());
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
    private RequestReader.LastApplied skipString() throws IOException {
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
        return new RequestReader.LastApplied(body, (int) start, close - (int) start + 1);
    }

    private JsonParseException duplicate(String field) {
        return new JsonParseException(parser, "Duplicate field '" + field + "' for `ObjectNode`: not allowed when reading a request");
    }
}
