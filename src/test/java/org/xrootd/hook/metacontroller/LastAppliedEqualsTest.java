package org.xrootd.hook.metacontroller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.ShortNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;

/**
 * {@link ObservedChildren#lastAppliedEquals} (which RollOrder asks "was this template applied?") against
 * the way it was answered before, as the oracle: read the whole annotation into a tree, take spec.template,
 * write the desired template and read it back, compare the trees. Random templates of every node type,
 * random last-applied texts derived from them (same, re-typed numbers, reordered or missing or extra
 * fields, duplicate keys, broken JSON, escapes, blanks), through both ways a request reaches the hook.
 */
class LastAppliedEqualsTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String KIND = ObservedChildren.STATEFUL_SET;

    /** The old answer, written here from Jackson alone. */
    private static boolean oracle(JsonNode template, String annotation) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(annotation);
        } catch (Exception e) {
            return false;
        }
        if (root == null || !root.isObject()) {
            return false;
        }
        JsonNode applied = root.path("spec").path("template");
        if (!applied.isObject()) {
            return false;
        }
        try {
            return Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(template)).equals(applied);
        } catch (Exception e) {
            return false;
        }
    }

    /** Both ways an observed child reaches the hook: a tree (tests) and the request reader (the server). */
    private static List<ObservedChildren> observed(String annotation) throws Exception {
        ObjectNode child = F.objectNode();
        child.put("apiVersion", "apps/v1").put("kind", "StatefulSet");
        child.putObject("metadata").put("name", "s").putObject("annotations").put(ObservedChildren.LAST_APPLIED, annotation);
        ObjectNode children = F.objectNode();
        children.putObject(KIND).set("s", child);
        ObjectNode request = F.objectNode();
        request.putObject("parent").putObject("metadata").put("name", "p");
        request.set("children", children);
        HookRequest parsed = HookRequest.parse(Json.MAPPER.writeValueAsBytes(request));
        return List.of(ObservedChildren.of(children), parsed.children());
    }

    @Test
    void answersAsTheOldComparisonOnRandomTemplatesAndAnnotations() throws Exception {
        Random random = new Random(19);
        int same = 0;
        int different = 0;
        for (int i = 0; i < 2000; i++) {
            JsonNode template = object(random, 0);
            JsonNode applied = random.nextInt(3) == 0 ? template : mutate(random, template.deepCopy());
            String annotation = annotation(random, applied);
            boolean expected = oracle(template, annotation);
            for (ObservedChildren children : observed(annotation)) {
                assertEquals(expected, children.lastAppliedEquals(KIND, "s", template, "spec", "template"),
                        "template " + template + "\nannotation " + annotation);
            }
            if (expected) {
                same++;
            } else {
                different++;
            }
        }
        assertTrue(same > 400 && different > 400, same + " applied, " + different + " not");
    }

    @Test
    void noAnnotationOrNoSuchChildIsNotApplied() throws Exception {
        ObservedChildren children = ObservedChildren.of(Json.MAPPER.readTree(
                "{\"StatefulSet.apps/v1\": {\"s\": {\"metadata\": {\"name\": \"s\"}, \"spec\": {\"template\": {}}}}}"));
        assertEquals(false, children.lastAppliedEquals(KIND, "s", F.objectNode(), "spec", "template"));
        assertEquals(false, children.lastAppliedEquals(KIND, "t", F.objectNode(), "spec", "template"));
        for (ObservedChildren withAnnotation : observed("{\"spec\":{\"template\":{}}}")) {
            assertEquals(true, withAnnotation.lastAppliedEquals(KIND, "s", F.objectNode(), "spec", "template"));
            assertEquals(false, withAnnotation.lastAppliedEquals(KIND, "t", F.objectNode(), "spec", "template"));
        }
    }

    // ------------------------------------------------------------------ generators

    private static final String[] KEYS = {"a", "b", "spec", "template", "metadata", "labels", "containers", "x\"y", "caf\u00e9", ""};

    private static ObjectNode object(Random random, int depth) {
        ObjectNode object = F.objectNode();
        int n = random.nextInt(depth == 0 ? 6 : 4);
        for (int i = 0; i < n; i++) {
            object.set(KEYS[random.nextInt(KEYS.length)], value(random, depth + 1));
        }
        return object;
    }

    private static JsonNode value(Random random, int depth) {
        int pick = random.nextInt(depth > 3 ? 11 : 13);
        return switch (pick) {
            case 0 -> new IntNode(smallInt(random));
            case 1 -> new LongNode(smallInt(random));
            case 2 -> new LongNode(random.nextBoolean() ? random.nextLong() : 3_000_000_000L);
            case 3 -> new ShortNode((short) smallInt(random));
            case 4 -> new BigIntegerNode(random.nextBoolean() ? BigInteger.valueOf(smallInt(random))
                    : BigInteger.valueOf(Long.MAX_VALUE).multiply(BigInteger.valueOf(3)));
            case 5 -> new DoubleNode(random.nextBoolean() ? smallInt(random) : random.nextInt(100) / 4.0);
            case 6 -> new DecimalNode(random.nextBoolean() ? BigDecimal.valueOf(smallInt(random)) : new BigDecimal("10.50"));
            case 7 -> F.textNode(text(random));
            case 8 -> F.booleanNode(random.nextBoolean());
            case 9 -> F.nullNode();
            case 10 -> F.textNode(Integer.toString(smallInt(random)));
            case 11 -> object(random, depth);
            default -> {
                ArrayNode array = F.arrayNode();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    array.add(value(random, depth + 1));
                }
                yield array;
            }
        };
    }

    private static int smallInt(Random random) {
        return random.nextInt(21) - 5;
    }

    private static String text(Random random) {
        String[] texts = {"", "x", "10", "a\"b", "tab\there", "caf\u00e9", "\ud83d\ude00", "back\\slash", "/etc/xrootd"};
        return texts[random.nextInt(texts.length)];
    }

    /** A copy that differs, or maybe only seems to (numbers re-typed to what reads back the same). */
    private static JsonNode mutate(Random random, JsonNode tree) {
        List<JsonNode> containers = new ArrayList<>();
        collect(tree, containers);
        JsonNode target = containers.get(random.nextInt(containers.size()));
        if (target instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            if (names.isEmpty() || random.nextInt(4) == 0) {
                object.set(KEYS[random.nextInt(KEYS.length)], value(random, 3));
                return tree;
            }
            String name = names.get(random.nextInt(names.size()));
            JsonNode old = object.get(name);
            switch (random.nextInt(4)) {
                case 0 -> object.remove(name);
                case 1 -> object.set(name, value(random, 3));
                default -> object.set(name, retyped(random, old));
            }
        } else {
            ArrayNode array = (ArrayNode) target;
            if (array.isEmpty() || random.nextBoolean()) {
                array.add(value(random, 3));
            } else {
                int index = random.nextInt(array.size());
                array.set(index, random.nextBoolean() ? retyped(random, array.get(index)) : value(random, 3));
            }
        }
        return tree;
    }

    private static void collect(JsonNode node, List<JsonNode> containers) {
        if (node.isContainerNode()) {
            containers.add(node);
            node.elements().forEachRemaining(child -> collect(child, containers));
        }
    }

    /** The same number in another node type (int, long, BigInteger, double, decimal), or the node itself. */
    private static JsonNode retyped(Random random, JsonNode node) {
        if (!node.isNumber()) {
            return node;
        }
        return switch (random.nextInt(5)) {
            case 0 -> node.canConvertToInt() ? new IntNode(node.intValue()) : node;
            case 1 -> node.canConvertToLong() ? new LongNode(node.longValue()) : node;
            case 2 -> new BigIntegerNode(node.bigIntegerValue());
            case 3 -> new DoubleNode(node.doubleValue());
            default -> new DecimalNode(node.decimalValue());
        };
    }

    /** A last-applied configuration holding {@code template} at spec.template, written in some random way. */
    private static String annotation(Random random, JsonNode template) {
        StringBuilder out = new StringBuilder();
        int shape = random.nextInt(20);
        switch (shape) {
            case 0 -> out.append("[1,2]");
            case 1 -> out.append("{\"spec\":[]}");
            case 2 -> out.append("{\"spec\":{\"template\":[]}}");
            case 3 -> out.append("{\"spec\":{}}");
            case 4 -> {
                // broken JSON: cut short
                write(random, wrapped(template), out, false);
                out.setLength(Math.max(0, out.length() - 1 - random.nextInt(Math.max(1, out.length() / 2))));
            }
            case 5 -> write(random, wrapped(template), out, true);   // a duplicate key somewhere, maybe
            default -> write(random, wrapped(template), out, false);
        }
        if (random.nextInt(8) == 0) {
            out.append(random.nextBoolean() ? " " : " {\"trailing\": 1");
        }
        return out.toString();
    }

    private static ObjectNode wrapped(JsonNode template) {
        ObjectNode root = F.objectNode();
        root.put("apiVersion", "apps/v1").put("kind", "StatefulSet");
        root.putObject("metadata").put("name", "s").putObject("labels").put("app", "x");
        ObjectNode spec = root.putObject("spec");
        spec.put("replicas", 3);
        spec.putObject("selector").putObject("matchLabels").put("app", "x");
        spec.set("template", template);
        spec.putArray("volumeClaimTemplates").addObject().putObject("spec").put("storage", "1Gi");
        return root;
    }

    /** Writes JSON by hand: fields in random order, blanks, escapes, numbers in their several spellings. */
    private static void write(Random random, JsonNode node, StringBuilder out, boolean duplicates) {
        blank(random, out);
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
                node.fields().forEachRemaining(fields::add);
                if (random.nextInt(3) == 0) {
                    Collections.shuffle(fields, random);
                }
                if (duplicates && !fields.isEmpty() && random.nextInt(3) == 0) {
                    fields.add(fields.get(random.nextInt(fields.size())));
                }
                out.append('{');
                for (int i = 0; i < fields.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    string(random, fields.get(i).getKey(), out);
                    blank(random, out);
                    out.append(':');
                    write(random, fields.get(i).getValue(), out, duplicates);
                }
                blank(random, out);
                out.append('}');
            }
            case ARRAY -> {
                out.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(random, node.get(i), out, duplicates);
                }
                out.append(']');
            }
            case STRING -> string(random, node.textValue(), out);
            case NUMBER -> out.append(number(random, node));
            default -> out.append(node.toString());   // true, false, null
        }
        blank(random, out);
    }

    private static String number(Random random, JsonNode number) {
        if (number.isIntegralNumber()) {
            return switch (random.nextInt(6)) {
                case 0 -> number.bigIntegerValue() + ".0";
                case 1 -> number.bigIntegerValue().signum() == 0 ? "-0" : number.bigIntegerValue().toString();
                default -> number.bigIntegerValue().toString();
            };
        }
        if (number.isDouble() && random.nextBoolean()) {
            return Double.toString(number.doubleValue());
        }
        return switch (random.nextInt(3)) {
            case 0 -> number.decimalValue().toPlainString();
            case 1 -> number.decimalValue().stripTrailingZeros().toPlainString();
            default -> number.decimalValue().toString();
        };
    }

    private static void string(Random random, String text, StringBuilder out) {
        out.append('"');
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || (c > 0x7e && random.nextBoolean()) || random.nextInt(40) == 0) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }

    private static void blank(Random random, StringBuilder out) {
        if (random.nextInt(10) == 0) {
            out.append(random.nextBoolean() ? " " : "\n\t");
        }
    }
}
