package org.xrootd.hook.monitor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A small, tolerant XML scanner for XRootD summary reports: elements, attributes and text, nothing else
 * (no DTDs, entities, namespaces or processing instructions, so nothing to resolve or expand). It never
 * throws: what it cannot read is reported as a {@link Result#error()}. Text is taken as it stands, so the
 * 5.5.3 cache section's {@code <hits>0></hits>} reads as the text {@code 0>}. A datagram whose root
 * element is not closed (truncated) is an error.
 *
 * <p>It reads the datagram's bytes in place (each byte one ISO-8859-1 character: reports are ASCII) and
 * allocates little: element names come from a table of the names reports use, an element's text is kept
 * as its place in the bytes and read as a number or a string only when asked, and a top-level
 * {@code <stats id="…">} section whose id is not in the caller's set is checked for well-formedness
 * and not built at all. The elements hold the caller's buffer: read them before it is reused.
 */
final class XmlScanner {
    /** Deeper than any report nests (statistics/stats/node/stats/ref/r is 6). */
    static final int MAX_DEPTH = 16;
    /** A manager with 64 nodes has about 700 elements; 64 KiB of XML cannot hold many more than this. */
    static final int MAX_ELEMENTS = 20_000;

    /** The element and attribute names summary reports use, shared instead of a String per tag. */
    private static final String[] KNOWN = {
        "statistics", "stats", "id", "tod", "ver", "src", "tos", "pgm", "ins", "pid", "site", "v",
        "info", "host", "port", "name", "buff", "reqs", "mem", "buffs", "adj", "xlreqs", "xlmem", "xlbuffs",
        "link", "num", "maxn", "tot", "in", "out", "ctime", "tmo", "stall", "sfps", "poll", "att", "en", "ev", "int",
        "proc", "usr", "sys", "s", "u", "xrootd", "ops", "open", "rf", "rd", "pr", "rv", "rs", "wv", "ws", "wr", "sync",
        "getf", "putf", "misc", "sig", "ok", "bad", "ign", "aio", "max", "rej", "err", "rdr", "dly", "lgn", "af", "au", "ua",
        "ofs", "role", "opr", "opw", "opp", "ups", "han", "bxq", "rep", "sok", "ser", "tpc", "grnt", "deny", "exp",
        "oss", "paths", "lp", "rp", "free", "ino", "ifr", "space", "sched", "jobs", "inq", "maxinq", "threads", "idle",
        "tcr", "tde", "tlimr", "sgen", "as", "et", "toe", "cms", "cmsm", "node", "run", "sel", "t", "ref", "r",
        "cache", "store", "size", "used", "prerd", "rd", "hits", "miss", "pass", "in", "out", "0", "1", "2", "3"};
    /** KNOWN by first byte: a name is matched by comparing bytes ({@link #BYTES_BY_FIRST}, the same names as bytes). */
    private static final String[][] BY_FIRST = new String[128][];
    private static final byte[][][] BYTES_BY_FIRST = new byte[128][][];
    /**
     * What {@link Character#isWhitespace} and the name test say of each byte (as ISO-8859-1), looked up:
     * the receiver runs this per byte, and the calls cost more than the rest of the scan under C1.
     */
    private static final boolean[] WHITESPACE = new boolean[256];
    private static final boolean[] NAME_CHAR = new boolean[256];

    static {
        List<List<String>> lists = new ArrayList<>();
        for (int i = 0; i < 128; i++) {
            lists.add(new ArrayList<>());
        }
        for (String k : KNOWN) {
            if (!lists.get(k.charAt(0)).contains(k)) {
                lists.get(k.charAt(0)).add(k);
            }
        }
        for (int i = 0; i < 128; i++) {
            BY_FIRST[i] = lists.get(i).toArray(new String[0]);
            BYTES_BY_FIRST[i] = new byte[BY_FIRST[i].length][];
            for (int k = 0; k < BY_FIRST[i].length; k++) {
                BYTES_BY_FIRST[i][k] = BY_FIRST[i][k].getBytes(StandardCharsets.ISO_8859_1);
            }
        }
        for (int b = 0; b < 256; b++) {
            char c = (char) b;
            WHITESPACE[b] = Character.isWhitespace(c);
            NAME_CHAR[b] = Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.' || c == ':';
        }
    }

    /**
     * One element: its name, attributes, the text directly inside it (trimmed, entities replaced), and its
     * child elements.
     */
    static final class Element {
        private final byte[] in;
        final String name;
        /** name, value, name, value …; empty when there are none. */
        private final String[] attributes;
        /** The text: a String when it had to be assembled, else [textStart, textEnd) of {@code in}, untrimmed. */
        private String text;
        private final int textStart;
        private final int textEnd;
        final List<Element> children;

        private Element(byte[] in, String name, String[] attributes, String text, int textStart, int textEnd, List<Element> children) {
            this.in = in;
            this.name = name;
            this.attributes = attributes;
            this.text = text;
            this.textStart = textStart;
            this.textEnd = textEnd;
            this.children = children;
        }

        String name() {
            return name;
        }

        List<Element> children() {
            return children;
        }

        /** The first attribute of this name, or null. */
        String attribute(String attributeName) {
            for (int i = 0; i < attributes.length; i += 2) {
                if (attributes[i].equals(attributeName)) {
                    return attributes[i + 1];
                }
            }
            return null;
        }

        /** The first child element with this name, or null. */
        Element child(String childName) {
            // Indexed: an iterator per call is an allocation per call under C1.
            for (int i = 0, n = children.size(); i < n; i++) {
                Element c = children.get(i);
                if (c.name == childName || c.name.equals(childName)) {
                    return c;
                }
            }
            return null;
        }

        /** The element at this path of child names ("tpc", "err"), or null. */
        Element at(String... path) {
            Element e = this;
            for (String step : path) {
                e = e.child(step);
                if (e == null) {
                    return null;
                }
            }
            return e;
        }

        /** The text of the child at this path of names ("tpc", "err"), or null. */
        String text(String... path) {
            Element e = at(path);
            return e == null ? null : e.text();
        }

        /** This element's text, trimmed, entities replaced. */
        String text() {
            if (text == null) {
                int start = textStart;
                int end = textEnd;
                while (start < end && whitespace(in[start])) {
                    start++;
                }
                while (end > start && whitespace(in[end - 1])) {
                    end--;
                }
                text = unescape(new String(in, start, end - start, StandardCharsets.ISO_8859_1));
            }
            return text;
        }

        /**
         * The leading decimal digits of the text of the child at this path, or ABSENT (what
         * {@link ReportParser#number(String)} gives for {@link #text(String...)}, read from the bytes).
         */
        long number(String... path) {
            Element e = at(path);
            return e == null ? Report.ABSENT : e.value();
        }

        /** {@link #number(String...)} of a child, without an array per call. */
        long number(String childName) {
            Element e = child(childName);
            return e == null ? Report.ABSENT : e.value();
        }

        /** {@link #number(String...)} of a grandchild, without an array per call. */
        long number(String childName, String grandchildName) {
            Element e = child(childName);
            e = e == null ? null : e.child(grandchildName);
            return e == null ? Report.ABSENT : e.value();
        }

        /** The text of a child, or null, without an array per call. */
        String text(String childName) {
            Element e = child(childName);
            return e == null ? null : e.text();
        }

        /** This element's number: the leading decimal digits of its text, or ABSENT. */
        long value() {
            Element e = this;
            if (e.text != null) {
                return ReportParser.number(e.text);
            }
            int i = e.textStart;
            int end = e.textEnd;
            while (i < end && whitespace(e.in[i])) {
                i++;
            }
            long value = 0;
            int digits = 0;
            while (i < end && e.in[i] >= '0' && e.in[i] <= '9') {
                int d = e.in[i] - '0';
                value = value > (Long.MAX_VALUE - d) / 10 ? Long.MAX_VALUE : value * 10 + d;
                digits++;
                i++;
            }
            if (i < end && e.in[i] == '&') {
                // An entity right after the digits (&#48; is a digit): the text as unescaped decides.
                return ReportParser.number(e.text());
            }
            return digits == 0 ? Report.ABSENT : value;
        }
    }

    /** The root element, or the reason there is none. */
    record Result(Element root, String error) {
        boolean ok() {
            return root != null;
        }
    }

    private final byte[] in;
    private final int length;
    private final Set<String> keepSections;
    private int pos;
    private int elements;

    private XmlScanner(byte[] in, int length, Set<String> keepSections) {
        this.in = in;
        this.length = length;
        this.keepSections = keepSections;
    }

    static Result scan(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        return scan(bytes, bytes.length, null);
    }

    /**
     * Scans {@code data[0, length)}. When {@code keepSections} is not null, a child of the root named
     * {@code stats} whose {@code id} is not in it is checked but left out of the tree.
     */
    static Result scan(byte[] data, int length, Set<String> keepSections) {
        try {
            return new XmlScanner(data, Math.max(0, Math.min(length, data.length)), keepSections).document();
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

    private static boolean whitespace(byte b) {
        return WHITESPACE[b & 0xff];
    }

    private static boolean nameChar(byte b) {
        return NAME_CHAR[b & 0xff];
    }

    /** {@code in[at]} is {@code a} and {@code in[at + 1]} is {@code b}. */
    private boolean startsWith(byte a, byte b, int at) {
        return at >= 0 && at + 1 < length && in[at] == a && in[at + 1] == b;
    }

    private boolean startsWith(String s, int at) {
        if (at < 0 || at + s.length() > length) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (in[at + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private int indexOf(byte b, int from) {
        for (int i = from; i < length; i++) {
            if (in[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private int indexOf(String s, int from) {
        for (int i = Math.max(0, from); i + s.length() <= length; i++) {
            if (startsWith(s, i)) {
                return i;
            }
        }
        return -1;
    }

    private String string(int start, int end) {
        return new String(in, start, end - start, StandardCharsets.ISO_8859_1);
    }

    private Result document() throws Malformed {
        skipProlog();
        if (pos >= length) {
            throw new Malformed("empty");
        }
        if (in[pos] != '<') {
            throw new Malformed("not XML at offset " + pos);
        }
        Element root = element(0, true);
        skipSpace();
        if (pos < length && in[pos] != '\0') {
            throw new Malformed("trailing data at offset " + pos);
        }
        return new Result(root, null);
    }

    /** Whitespace, an XML declaration, comments. */
    private void skipProlog() throws Malformed {
        while (true) {
            skipSpace();
            if (startsWith((byte) '<', (byte) '?', pos)) {
                skipPast("?>");
            } else if (startsWith("<!--", pos)) {
                skipPast("-->");
            } else if (startsWith((byte) '<', (byte) '!', pos)) {
                throw new Malformed("declarations are not accepted at offset " + pos);
            } else {
                return;
            }
        }
    }

    private void skipPast(String end) throws Malformed {
        int at = indexOf(end, pos);
        if (at < 0) {
            throw new Malformed("truncated: no " + end);
        }
        pos = at + end.length();
    }

    private void skipSpace() {
        while (pos < length && whitespace(in[pos])) {
            pos++;
        }
    }

    /**
     * At '<' of a start tag. With {@code build} false the element is checked as thoroughly but nothing is
     * made of it (null is returned).
     */
    private Element element(int depth, boolean build) throws Malformed {
        if (depth >= MAX_DEPTH) {
            throw new Malformed("nested deeper than " + MAX_DEPTH);
        }
        if (++elements > MAX_ELEMENTS) {
            throw new Malformed("more than " + MAX_ELEMENTS + " elements");
        }
        pos++;
        int nameStart = pos;
        int nameEnd = name();
        String name = build ? intern(nameStart, nameEnd) : null;
        String[] attributes = null;
        int attributeCount = 0;
        while (true) {
            skipSpace();
            if (pos >= length) {
                throw new Malformed("truncated in <" + string(nameStart, nameEnd) + ">");
            }
            byte c = in[pos];
            if (c == '/') {
                if (pos + 1 < length && in[pos + 1] == '>') {
                    pos += 2;
                    return build ? new Element(in, name, trim(attributes, attributeCount), "", 0, 0, List.of()) : null;
                }
                throw new Malformed("bad empty tag <" + string(nameStart, nameEnd) + "> at offset " + pos);
            }
            if (c == '>') {
                pos++;
                break;
            }
            int attributeStart = pos;
            int attributeEnd = name();
            skipSpace();
            if (pos >= length || in[pos] != '=') {
                throw new Malformed("attribute " + string(attributeStart, attributeEnd) + " without value at offset " + pos);
            }
            pos++;
            skipSpace();
            if (pos >= length || (in[pos] != '"' && in[pos] != '\'')) {
                throw new Malformed("unquoted attribute " + string(attributeStart, attributeEnd) + " at offset " + pos);
            }
            byte quote = in[pos++];
            int end = indexOf(quote, pos);
            if (end < 0) {
                throw new Malformed("truncated in attribute " + string(attributeStart, attributeEnd));
            }
            if (build) {
                String attribute = intern(attributeStart, attributeEnd);
                boolean taken = false;
                for (int i = 0; i < attributeCount; i += 2) {
                    taken |= attributes[i].equals(attribute);
                }
                if (!taken) {
                    if (attributes == null) {
                        attributes = new String[4];
                    } else if (attributeCount == attributes.length) {
                        attributes = java.util.Arrays.copyOf(attributes, attributeCount * 2);
                    }
                    attributes[attributeCount++] = attribute;
                    attributes[attributeCount++] = unescape(string(pos, end));
                }
            }
            pos = end + 1;
        }
        String[] attrs = trim(attributes, attributeCount);
        // A top-level section the caller does not read: checked, not built.
        if (build && depth == 1 && keepSections != null && name.equals("stats")) {
            String id = attribute(attrs, "id");
            build = keepSections.contains(id == null ? "" : id);
        }
        // The text: one stretch of bytes as a rule; assembled only when it comes in pieces around children.
        int textStart = -1;
        int textEnd = -1;
        StringBuilder pieces = null;
        List<Element> children = null;
        while (true) {
            int lt = indexOf((byte) '<', pos);
            if (lt < 0) {
                throw new Malformed("truncated: <" + string(nameStart, nameEnd) + "> not closed");
            }
            if (build && lt > pos) {
                if (textStart < 0) {
                    textStart = pos;
                    textEnd = lt;
                } else {
                    if (pieces == null) {
                        pieces = new StringBuilder().append(string(textStart, textEnd));
                    }
                    pieces.append(string(pos, lt));
                }
            }
            pos = lt;
            if (startsWith((byte) '<', (byte) '/', pos)) {
                pos += 2;
                int closingStart = pos;
                int closingEnd = name();
                skipSpace();
                if (pos >= length) {
                    throw new Malformed("truncated in </" + string(closingStart, closingEnd) + ">");
                }
                if (in[pos] != '>' || !sameName(nameStart, nameEnd, closingStart, closingEnd)) {
                    throw new Malformed("</" + string(closingStart, closingEnd) + "> closes <" + string(nameStart, nameEnd)
                            + "> at offset " + pos);
                }
                pos++;
                if (!build) {
                    return null;
                }
                List<Element> kids = children == null ? List.of() : children;
                if (pieces != null) {
                    return new Element(in, name, attrs, unescape(pieces.toString().strip()), 0, 0, kids);
                }
                return textStart < 0 ? new Element(in, name, attrs, "", 0, 0, kids)
                        : new Element(in, name, attrs, null, textStart, textEnd, kids);
            }
            if (startsWith((byte) '<', (byte) '!', pos) && startsWith("<!--", pos)) {
                skipPast("-->");
                continue;
            }
            if (startsWith((byte) '<', (byte) '!', pos) || startsWith((byte) '<', (byte) '?', pos)) {
                throw new Malformed("markup not accepted in <" + string(nameStart, nameEnd) + "> at offset " + pos);
            }
            Element child = element(depth + 1, build);
            if (child != null) {
                if (children == null) {
                    children = new ArrayList<>(8);
                }
                children.add(child);
            }
        }
    }

    private static String[] trim(String[] attributes, int count) {
        if (attributes == null) {
            return NO_ATTRIBUTES;
        }
        return count == attributes.length ? attributes : java.util.Arrays.copyOf(attributes, count);
    }

    private static final String[] NO_ATTRIBUTES = {};

    private static String attribute(String[] attributes, String attributeName) {
        for (int i = 0; i < attributes.length; i += 2) {
            if (attributes[i].equals(attributeName)) {
                return attributes[i + 1];
            }
        }
        return null;
    }

    private boolean sameName(int aStart, int aEnd, int bStart, int bEnd) {
        if (aEnd - aStart != bEnd - bStart) {
            return false;
        }
        for (int i = 0; i < aEnd - aStart; i++) {
            if (in[aStart + i] != in[bStart + i]) {
                return false;
            }
        }
        return true;
    }

    /** At a name: its end. */
    private int name() throws Malformed {
        int start = pos;
        while (pos < length && nameChar(in[pos])) {
            pos++;
        }
        if (pos == start) {
            throw new Malformed(pos >= length ? "truncated: name expected" : "name expected at offset " + pos);
        }
        return pos;
    }

    /** {@code in[at, at + k.length)} holds the bytes of {@code k} (the caller checked the bounds). */
    private boolean same(byte[] k, int at) {
        for (int i = 1; i < k.length; i++) {
            if (in[at + i] != k[i]) {
                return false;
            }
        }
        return true;
    }

    /** The name at [start, end): the shared String when reports use it, else a new one. */
    private String intern(int start, int end) {
        byte first = in[start];
        if (first > 0) {
            byte[][] candidates = BYTES_BY_FIRST[first];
            int n = end - start;
            for (int c = 0; c < candidates.length; c++) {
                byte[] k = candidates[c];
                if (k.length == n && same(k, start)) {
                    return BY_FIRST[first][c];
                }
            }
        }
        return string(start, end);
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
