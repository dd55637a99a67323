package org.xrootd.hook.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Iterator;

/**
 * Whether a tree, written out and read back, would equal the JSON value a parser is on: the question
 * "did Metacontroller apply exactly this?", answered without writing the tree or building one from the
 * parser. Numbers compare as they read back: an integer the builders hold as a long (LongNode 10) equals
 * the 10 in the text, which Jackson reads as an int; object fields in any order; everything else
 * exactly as {@link JsonNode#equals}. Values of a kind the builders never produce (floating point,
 * BigDecimal, POJOs) take the slow path: written, read back and compared as trees.
 */
public final class ReadBack {
    private ReadBack() {}

    /**
     * Whether {@code tree}, written by {@link Json#MAPPER} and read back, equals the value the parser is on,
     * as {@code reader} reads it into a tree. Returns as soon as they differ, with the parser anywhere inside
     * that value; when they are equal the parser is on the value's last token. A malformed value throws, as
     * reading it would. The parser must refuse duplicate keys (JsonParser.Feature.STRICT_DUPLICATE_DETECTION),
     * as the reader does: fields are matched by name and counted, so a repeated one could stand in for a
     * missing one.
     */
    public static boolean equal(JsonNode tree, JsonParser parser, ObjectMapper reader) throws IOException {
        JsonToken token = parser.currentToken();
        switch (tree.getNodeType()) {
            case OBJECT -> {
                if (token != JsonToken.START_OBJECT) {
                    return false;
                }
                int fields = 0;
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    JsonNode expected = tree.get(parser.currentName());
                    parser.nextToken();
                    if (expected == null || !equal(expected, parser, reader)) {
                        return false;
                    }
                    fields++;
                }
                return fields == tree.size();
            }
            case ARRAY -> {
                if (token != JsonToken.START_ARRAY) {
                    return false;
                }
                Iterator<JsonNode> elements = tree.elements();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    if (!elements.hasNext() || !equal(elements.next(), parser, reader)) {
                        return false;
                    }
                }
                return !elements.hasNext();
            }
            case STRING -> {
                return token == JsonToken.VALUE_STRING && parser.getText().equals(tree.textValue());
            }
            case BOOLEAN -> {
                return token == (tree.booleanValue() ? JsonToken.VALUE_TRUE : JsonToken.VALUE_FALSE);
            }
            case NULL -> {
                return token == JsonToken.VALUE_NULL;
            }
            case NUMBER -> {
                if (tree.isIntegralNumber()) {
                    // Written as its digits and read back as the smallest of int, long, BigInteger that holds
                    // them, as the parser's integer is: equal when the values are.
                    if (token != JsonToken.VALUE_NUMBER_INT) {
                        return false;
                    }
                    if (tree.canConvertToLong()) {
                        JsonParser.NumberType type = parser.getNumberType();
                        return type != JsonParser.NumberType.BIG_INTEGER && parser.getLongValue() == tree.longValue();
                    }
                    return parser.getBigIntegerValue().equals(tree.bigIntegerValue());
                }
                return slow(tree, parser, reader);
            }
            default -> {
                return slow(tree, parser, reader);
            }
        }
    }

    /** Writes the tree, reads it back, and compares it with the value the parser is on read as a tree. */
    private static boolean slow(JsonNode tree, JsonParser parser, ObjectMapper reader) throws IOException {
        JsonNode applied = reader.readTree(parser);
        return Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(tree)).equals(applied);
    }
}
