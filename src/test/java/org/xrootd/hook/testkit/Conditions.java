package org.xrootd.hook.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/** The conditions of an Xrootd status ({@code status.conditions}, one per type). */
public final class Conditions {
    private Conditions() {}

    /** The condition of {@code type} in {@code status}; fails the test if there is none. */
    public static JsonNode condition(JsonNode status, String type) {
        JsonNode condition = find(status, type);
        if (condition.isMissingNode()) {
            throw new AssertionError("no " + type + " condition in " + status);
        }
        return condition;
    }

    /** The condition of {@code type} in {@code status}, or a missing node: for polling a status still being written. */
    public static JsonNode find(JsonNode status, String type) {
        for (JsonNode condition : status.path("conditions")) {
            if (type.equals(condition.path("type").asText())) {
                return condition;
            }
        }
        return MissingNode.getInstance();
    }
}
