package org.xrootd.hook.monitor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parser as it was before it read bytes in place (kept as the oracle of {@code ParserEquivalenceTest}: a
 * second, independent reading of the same XML).
 *
 * A small, tolerant XML scanner for XRootD summary reports: elements, attributes and text, nothing else
 * (no DTDs, entities, namespaces or processing instructions, so nothing to resolve or expand). It never
 * throws: what it cannot read is reported as a {@link Result#error()}. Text is taken as it stands, so the
 * 5.5.3 cache section's {@code <hits>0></hits>} reads as the text {@code 0>}. A datagram whose root
 * element is not closed (truncated) is an error.
 */
final class ReferenceXmlScanner {
    /** Deeper than any report nests (statistics/stats/node/stats/ref/r is 6). */
    static final int MAX_DEPTH = 16;
    /** A manager with 64 nodes has about 700 elements; 64 KiB of XML cannot hold many more than this. */
    static final int MAX_ELEMENTS = 20_000;

    /** One element: its name, attributes, the text directly inside it (trimmed), and its child elements. */
    record Element(String name, Map<String, String> attributes, String text, List<Element> children) {
        /** The first child element with this name, or null. */
        Element child(String childName) {
            for (Element c : children) {
                if (c.name.equals(childName)) {
                    return c;
                }
            }
            return null;
        }

        /** The text of the child at this path of names ("tpc", "err"), or null. */
        String text(String... path) {
            Element e = this;
            for (String step : path) {
                e = e.child(step);
                if (e == null) {
                    return null;
                }
            }
            return e.text;
        }
    }

    /** The root element, or the reason there is none. */
    record Result(Element root, String error) {
        boolean ok() {
            return root != null;
        }
    }

    private final String in;
    private int pos;
    private int elements;

    private ReferenceXmlScanner(String in) {
        this.in = in;
    }

    static Result scan(byte[] data, int length) {
        // Reports are ASCII; ISO-8859-1 maps every byte to one char, so no decoding error is possible.
        return scan(new String(data, 0, Math.max(0, Math.min(length, data.length)), StandardCharsets.ISO_8859_1));
    }

    static Result scan(String text) {
        try {
            return new ReferenceXmlScanner(text).document();
        } catch (Malformed e) {
            return new Result(null, e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            // A bug here must not stop the receiver: the packet counts as an error.
            return new Result(null, "scanner failure: " + e);
        }
    }

    private static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private Result document() throws Malformed {
        skipProlog();
        if (pos >= in.length()) {
            throw new Malformed("empty");
        }
        if (in.charAt(pos) != '<') {
            throw new Malformed("not XML at offset " + pos);
        }
        Element root = element(0);
        skipSpace();
        if (pos < in.length() && in.charAt(pos) != '\0') {
            throw new Malformed("trailing data at offset " + pos);
        }
        return new Result(root, null);
    }

    /** Whitespace, an XML declaration, comments. */
    private void skipProlog() throws Malformed {
        while (true) {
            skipSpace();
            if (in.startsWith("<?", pos)) {
                skipPast("?>");
            } else if (in.startsWith("<!--", pos)) {
                skipPast("-->");
            } else if (in.startsWith("<!", pos)) {
                throw new Malformed("declarations are not accepted at offset " + pos);
            } else {
                return;
            }
        }
    }

    private void skipPast(String end) throws Malformed {
        int at = in.indexOf(end, pos);
        if (at < 0) {
            throw new Malformed("truncated: no " + end);
        }
        pos = at + end.length();
    }

    private void skipSpace() {
        while (pos < in.length() && Character.isWhitespace(in.charAt(pos))) {
            pos++;
        }
    }

    /** At '<' of a start tag. */
    private Element element(int depth) throws Malformed {
        if (depth >= MAX_DEPTH) {
            throw new Malformed("nested deeper than " + MAX_DEPTH);
        }
        if (++elements > MAX_ELEMENTS) {
            throw new Malformed("more than " + MAX_ELEMENTS + " elements");
        }
        pos++;
        String name = name();
        Map<String, String> attributes = new LinkedHashMap<>();
        while (true) {
            skipSpace();
            if (pos >= in.length()) {
                throw new Malformed("truncated in <" + name + ">");
            }
            char c = in.charAt(pos);
            if (c == '/') {
                if (pos + 1 < in.length() && in.charAt(pos + 1) == '>') {
                    pos += 2;
                    return new Element(name, attributes, "", List.of());
                }
                throw new Malformed("bad empty tag <" + name + "> at offset " + pos);
            }
            if (c == '>') {
                pos++;
                break;
            }
            String attribute = name();
            skipSpace();
            if (pos >= in.length() || in.charAt(pos) != '=') {
                throw new Malformed("attribute " + attribute + " without value at offset " + pos);
            }
            pos++;
            skipSpace();
            if (pos >= in.length() || (in.charAt(pos) != '"' && in.charAt(pos) != '\'')) {
                throw new Malformed("unquoted attribute " + attribute + " at offset " + pos);
            }
            char quote = in.charAt(pos++);
            int end = in.indexOf(quote, pos);
            if (end < 0) {
                throw new Malformed("truncated in attribute " + attribute);
            }
            attributes.putIfAbsent(attribute, unescape(in.substring(pos, end)));
            pos = end + 1;
        }
        StringBuilder text = new StringBuilder();
        List<Element> children = new ArrayList<>();
        while (true) {
            int lt = in.indexOf('<', pos);
            if (lt < 0) {
                throw new Malformed("truncated: <" + name + "> not closed");
            }
            text.append(in, pos, lt);
            pos = lt;
            if (in.startsWith("</", pos)) {
                pos += 2;
                String closing = name();
                skipSpace();
                if (pos >= in.length()) {
                    throw new Malformed("truncated in </" + closing + ">");
                }
                if (in.charAt(pos) != '>' || !closing.equals(name)) {
                    throw new Malformed("</" + closing + "> closes <" + name + "> at offset " + pos);
                }
                pos++;
                return new Element(name, attributes, unescape(text.toString().strip()), List.copyOf(children));
            }
            if (in.startsWith("<!--", pos)) {
                skipPast("-->");
                continue;
            }
            if (in.startsWith("<!", pos) || in.startsWith("<?", pos)) {
                throw new Malformed("markup not accepted in <" + name + "> at offset " + pos);
            }
            children.add(element(depth + 1));
        }
    }

    private String name() throws Malformed {
        int start = pos;
        while (pos < in.length()) {
            char c = in.charAt(pos);
            if (Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.' || c == ':') {
                pos++;
            } else {
                break;
            }
        }
        if (pos == start) {
            throw new Malformed(pos >= in.length() ? "truncated: name expected" : "name expected at offset " + pos);
        }
        return in.substring(start, pos);
    }

    /** The five predefined entities and numeric references; anything else stays as written. */
    static String unescape(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int semi = c == '&' ? s.indexOf(';', i) : -1;
            if (semi > i && semi - i <= 10) {
                String ref = s.substring(i + 1, semi);
                String value = switch (ref) {
                    case "lt" -> "<";
                    case "gt" -> ">";
                    case "amp" -> "&";
                    case "quot" -> "\"";
                    case "apos" -> "'";
                    default -> numeric(ref);
                };
                if (value != null) {
                    out.append(value);
                    i = semi + 1;
                    continue;
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    private static String numeric(String ref) {
        try {
            int code;
            if (ref.startsWith("#x") || ref.startsWith("#X")) {
                code = Integer.parseInt(ref.substring(2), 16);
            } else if (ref.startsWith("#")) {
                code = Integer.parseInt(ref.substring(1));
            } else {
                return null;
            }
            return Character.isValidCodePoint(code) ? new String(Character.toChars(code)) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
