package org.xrootd.hook.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.FloatNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.ShortNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class ReadBackTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** ReadBack's answer for the tree against this JSON text. */
    private static boolean equal(JsonNode tree, String json) throws Exception {
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(json)) {
            parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            parser.nextToken();
            return ReadBack.equal(tree, parser, Json.MAPPER);
        } catch (com.fasterxml.jackson.core.JsonParseException e) {
            return false;   // as reading it would: refused
        }
    }

    /** The old answer: write the tree, read it back, compare with the text read as a tree. */
    private static boolean byWriting(JsonNode tree, String json) throws Exception {
        return Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(tree)).equals(Json.MAPPER.readTree(json));
    }

    private static void check(boolean expected, JsonNode tree, String json) throws Exception {
        assertEquals(expected, byWriting(tree, json), "the old comparison on " + tree + " vs " + json);
        assertEquals(expected, equal(tree, json), tree + " vs " + json);
    }

    @Test
    void integersEqualByValueWhateverNodeHoldsThem() throws Exception {
        // The builders hold some integers as longs; Jackson reads 10 as an int: JsonNode.equals says no.
        assertFalse(new LongNode(10).equals(new IntNode(10)));
        check(true, new LongNode(10), "10");
        check(true, new IntNode(10), "10");
        check(true, new ShortNode((short) 10), "10");
        check(true, new BigIntegerNode(BigInteger.TEN), "10");
        check(true, new LongNode(Long.MAX_VALUE), Long.toString(Long.MAX_VALUE));
        check(true, new LongNode(3_000_000_000L), "3000000000");
        check(true, new IntNode(Integer.MIN_VALUE), Integer.toString(Integer.MIN_VALUE));
        check(true, new BigIntegerNode(new BigInteger("123456789012345678901234567890")), "123456789012345678901234567890");
        check(true, new IntNode(0), "-0");
        check(false, new LongNode(10), "11");
        check(false, new LongNode(3_000_000_000L), "-1294967296");   // the same low 32 bits
        check(false, new BigIntegerNode(new BigInteger("18446744073709551616")), "0");
        check(false, new IntNode(10), "\"10\"");
    }

    @Test
    void floatingPointAndIntegersStayApartAsTheyReadBack() throws Exception {
        check(false, new IntNode(10), "10.0");
        check(false, new LongNode(10), "1e1");
        check(false, new DoubleNode(10.0), "10");
        check(true, new DoubleNode(10.0), "10.0");
        check(true, new DoubleNode(10.0), "1e1");
        check(true, new DoubleNode(1.5), "1.5");
        check(true, new DoubleNode(1.5), "15E-1");
        check(false, new DoubleNode(1.5), "1.25");
        check(false, new DoubleNode(-0.0), "0.0");
        check(true, new FloatNode(0.1f), "0.1");
        check(true, new DecimalNode(new BigDecimal("10")), "10");
        check(false, new DecimalNode(new BigDecimal("10")), "10.0");
        check(true, new DecimalNode(new BigDecimal("10.50")), "10.5");
        check(true, new DoubleNode(Double.NaN), "\"NaN\"");
    }

    @Test
    void objectsAndArrays() throws Exception {
        ObjectNode tree = F.objectNode();
        tree.put("a", 1L).put("b", "x").putNull("c");
        tree.putArray("d").add(1).add(true).add(F.objectNode().put("e", 2.5));
        check(true, tree, "{\"a\":1,\"b\":\"x\",\"c\":null,\"d\":[1,true,{\"e\":2.5}]}");
        check(true, tree, "{\"d\":[1,true,{\"e\":2.5}],\"c\":null,\"b\":\"x\",\"a\":1}");
        check(false, tree, "{\"a\":1,\"b\":\"x\",\"d\":[1,true,{\"e\":2.5}]}");
        check(false, tree, "{\"a\":1,\"b\":\"x\",\"c\":null,\"d\":[1,true,{\"e\":2.5}],\"f\":0}");
        check(false, tree, "{\"a\":1,\"b\":\"x\",\"c\":null,\"d\":[1,true]}");
        check(false, tree, "{\"a\":1,\"b\":\"x\",\"c\":null,\"d\":[1,true,{\"e\":2.5},null]}");
        check(false, tree, "{\"a\":1,\"b\":\"x\",\"c\":false,\"d\":[1,true,{\"e\":2.5}]}");
        check(false, tree, "[1]");
        ObjectNode two = F.objectNode().put("a", 1).put("b", 2);
        assertFalse(equal(two, "{\"a\":1,\"a\":1}"));   // a repeated field does not stand in for a missing one
        check(true, F.objectNode(), "{}");
        check(false, F.objectNode(), "[]");
        check(true, F.arrayNode(), "[]");
        check(true, F.textNode("caf\u00e9 \"q\" \n"), "\"caf\\u00e9 \\\"q\\\" \\n\"");
        check(true, F.booleanNode(false), "false");
        check(false, F.booleanNode(false), "true");
    }

    @Test
    void aDifferenceStopsTheWalkAndEqualityEndsOnTheValuesLastToken() throws Exception {
        try (JsonParser parser = Json.MAPPER.getFactory().createParser("{\"a\":{\"b\":[1,2]},\"c\":3} 4")) {
            parser.nextToken();
            ObjectNode tree = F.objectNode();
            tree.putObject("a").putArray("b").add(1).add(2L);
            tree.put("c", 3);
            assertTrue(ReadBack.equal(tree, parser, Json.MAPPER));
            assertEquals(com.fasterxml.jackson.core.JsonToken.END_OBJECT, parser.currentToken());
            assertEquals(com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT, parser.nextToken());
        }
    }
}
