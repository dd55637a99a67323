package org.xrootd.hook.status;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The time of a condition transition, taken from the request rather than the wall clock: the newest
 * timestamp among the observed objects (creation and managedFields times). The hook stays a pure
 * function, so the same request always produces the same bytes, and the value is close to the moment
 * the change that caused the transition was written.
 */
public final class ObservedClock {
    static final String EPOCH = "1970-01-01T00:00:00Z";

    private ObservedClock() {}

    public static String latest(JsonNode parent, List<? extends JsonNode> children) {
        Instant newest = null;
        String text = EPOCH;
        for (JsonNode object : concat(parent, children)) {
            JsonNode metadata = object.path("metadata");
            for (JsonNode candidate : candidates(metadata)) {
                Instant instant = parse(candidate);
                if (instant != null && (newest == null || instant.isAfter(newest))) {
                    newest = instant;
                    text = candidate.asText();
                }
            }
        }
        return text;
    }

    private static List<JsonNode> concat(JsonNode parent, List<? extends JsonNode> children) {
        List<JsonNode> all = new java.util.ArrayList<>(children);
        all.add(parent);
        return all;
    }

    private static List<JsonNode> candidates(JsonNode metadata) {
        List<JsonNode> times = new java.util.ArrayList<>();
        times.add(metadata.path("creationTimestamp"));
        times.add(metadata.path("deletionTimestamp"));
        for (JsonNode entry : metadata.path("managedFields")) {
            times.add(entry.path("time"));
        }
        return times;
    }

    /** A carried-over time must still be valid RFC 3339, or the CRD's date-time format rejects the status. */
    static boolean isTimestamp(JsonNode node) {
        return parse(node) != null;
    }

    private static Instant parse(JsonNode node) {
        if (!node.isTextual()) {
            return null;
        }
        String text = node.asText();
        Instant simple = parseSeconds(text);
        if (simple != null) {
            return simple;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * The API server's own spelling, {@code 2026-11-20T09:00:05Z}, read without a DateTimeFormatter, which
     * was most of the status cost (BENCHMARKS.md). Null for anything else, which {@link Instant#parse}
     * then reads (or rejects) as before; an impossible date is left to it too.
     */
    static Instant parseSeconds(String text) {
        if (text.length() != 20 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T'
                || text.charAt(13) != ':' || text.charAt(16) != ':' || text.charAt(19) != 'Z') {
            return null;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23
                || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        if (day > 28 && day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
            return null;
        }
        long days = java.time.LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second);
    }

    /** The decimal number in text[start, start + count), or -1 if a character is not an ASCII digit. */
    private static int digits(String text, int start, int count) {
        int value = 0;
        for (int i = start; i < start + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
