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
        try {
            return Instant.parse(node.asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
