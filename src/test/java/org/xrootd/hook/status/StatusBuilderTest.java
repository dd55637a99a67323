package org.xrootd.hook.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.xrootd.hook.testkit.Conditions.condition;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.BadRequestException;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.testkit.Samples;

class StatusBuilderTest {
    private static HookRequest request(ObjectNode parent) throws BadRequestException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("parent", parent);
        try {
            return HookRequest.parse(Json.MAPPER.writeValueAsBytes(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void transitionTimeIsTheNewestObservedTimestampNotTheClock() throws Exception {
        ObjectNode parent = Samples.parent("x");
        parent.withObject("/metadata").put("creationTimestamp", "2026-01-01T00:00:00Z")
                .putArray("managedFields").addObject().put("time", "2026-01-02T03:04:05Z");
        JsonNode status = StatusBuilder.forProblem(parent, request(parent).children(), "1", Reason.INVALID_SPEC, "bad").toJson();
        assertEquals("2026-01-02T03:04:05Z", condition(status, "Ready").get("lastTransitionTime").asText());
    }

    @Test
    void unchangedConditionKeepsItsTransitionTime() throws Exception {
        ObjectNode parent = Samples.parent("x");
        parent.withObject("/metadata").put("creationTimestamp", "2026-05-05T00:00:00Z");
        ObjectNode previous = parent.putObject("status").putArray("conditions").addObject();
        previous.put("type", "Ready").put("status", "False").put("lastTransitionTime", "2020-01-01T00:00:00Z");
        JsonNode status = StatusBuilder.forProblem(parent, request(parent).children(), "1", Reason.INVALID_SPEC, "bad").toJson();
        assertEquals("2020-01-01T00:00:00Z", condition(status, "Ready").get("lastTransitionTime").asText());
        assertEquals("2026-05-05T00:00:00Z", condition(status, "Degraded").get("lastTransitionTime").asText());
    }

    @Test
    void garbageTransitionTimeIsNotCarriedOver() throws Exception {
        ObjectNode parent = Samples.parent("x");
        parent.withObject("/metadata").put("creationTimestamp", "2026-05-05T00:00:00Z");
        parent.putObject("status").putArray("conditions").addObject()
                .put("type", "Ready").put("status", "False").put("lastTransitionTime", "yesterday");
        JsonNode status = StatusBuilder.forProblem(parent, request(parent).children(), "1", Reason.INVALID_SPEC, "bad").toJson();
        assertEquals("2026-05-05T00:00:00Z", condition(status, "Ready").get("lastTransitionTime").asText());
    }

    @Test
    void conditionsCarryTheParentGeneration() throws Exception {
        ObjectNode parent = Samples.parent("x");
        JsonNode status = StatusBuilder.forProblem(parent, request(parent).children(), "1", Reason.INVALID_SPEC, "bad").toJson();
        status.get("conditions").forEach(c -> assertEquals(3, c.get("observedGeneration").asInt()));
    }
}
