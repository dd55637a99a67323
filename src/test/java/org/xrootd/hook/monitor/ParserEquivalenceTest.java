package org.xrootd.hook.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The parser reads the datagram's bytes in place and skips the sections it does not use; the
 * {@link ReferenceReportParser} (the tree-building parser it replaced) reads every datagram into a full
 * tree of Strings. Both must agree on every input: the same {@link Report} (records compare field by
 * field), or both an error. Inputs: every real sample, every prefix of it, and seeded mutations that hit
 * what a byte-level reader could get wrong (entities in numbers, whitespace, duplicated and skipped
 * sections, comments, non-ASCII bytes, text around children).
 */
class ParserEquivalenceTest {
    private static final String[] TOKENS = {
        "&#48;", "&#x31;", "&amp;", "&lt;", " ", "\t", "\n", "<!-- c -->", "\u00e9", "\u00a0", "\u0085", "\u001c", "7",
        "<stats id=\"link\"><num>9</num></stats>", "<stats id=\"info\"><host>x</host></stats>", "<x/>", "</stats>", "<stats>",
        "<run>o</run>", "<host>h</host>", "<role>M</role>", "<tot>12</tot>", "&#32;", "0>", "'", "\"", "id=\"oss\" ", "&#0;"};

    @Test
    void samplesAndEveryPrefix() {
        int compared = 0;
        for (String name : Samples.ALL) {
            byte[] raw = Samples.bytes(name);
            for (int length = 0; length <= raw.length; length++) {
                same(raw, length, name + " cut at " + length);
                compared++;
            }
        }
        assertEquals(true, compared > 10_000);
    }

    @Test
    void mutations() {
        Random random = new Random(16);
        int ok = 0;
        for (String name : Samples.ALL) {
            byte[] raw = Samples.bytes(name);
            for (int i = 0; i < 1_500; i++) {
                byte[] mutated = mutate(raw, random);
                if (same(mutated, mutated.length, name + " mutation " + i + ": " + new String(mutated, StandardCharsets.ISO_8859_1))) {
                    ok++;
                }
            }
        }
        // Most mutations keep a report (a token in a text, a changed digit): the comparison covers values, not only errors.
        assertEquals(true, ok > 5_000, "reports compared: " + ok);
    }

    private static boolean same(byte[] data, int length, String what) {
        ReportParser.Parsed actual = ReportParser.parse(data, length);
        ReferenceReportParser.Parsed expected = ReferenceReportParser.parse(data, length);
        assertEquals(expected.ok(), actual.ok(), what + ": " + expected.error() + " / " + actual.error());
        assertEquals(expected.report(), actual.report(), what);
        return actual.ok();
    }

    private static byte[] mutate(byte[] raw, Random random) {
        List<Byte> bytes = new ArrayList<>(raw.length + 64);
        for (byte b : raw) {
            bytes.add(b);
        }
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int at = random.nextInt(bytes.size() + 1);
            switch (random.nextInt(4)) {
                case 0 -> {
                    // a token inserted anywhere, most often just after a '>' (the start of a text)
                    int gt = at;
                    while (gt < bytes.size() && bytes.get(gt) != '>') {
                        gt++;
                    }
                    int where = random.nextBoolean() && gt < bytes.size() ? gt + 1 : at;
                    byte[] token = TOKENS[random.nextInt(TOKENS.length)].getBytes(StandardCharsets.ISO_8859_1);
                    for (int k = token.length - 1; k >= 0; k--) {
                        bytes.add(where, token[k]);
                    }
                }
                case 1 -> {
                    if (at < bytes.size()) {
                        bytes.set(at, (byte) random.nextInt(256));
                    }
                }
                case 2 -> {
                    if (at < bytes.size()) {
                        bytes.remove(at);
                    }
                }
                default -> {
                    // a digit changed to another digit
                    if (at < bytes.size() && bytes.get(at) >= '0' && bytes.get(at) <= '9') {
                        bytes.set(at, (byte) ('0' + random.nextInt(10)));
                    }
                }
            }
        }
        byte[] out = new byte[bytes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes.get(i);
        }
        return Arrays.copyOf(out, out.length);
    }
}
