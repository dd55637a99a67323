package org.xrootd.hook.metacontroller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.xrootd.hook.json.Json;

/**
 * A sync or finalize response: exactly the keys of Metacontroller's CompositeHookResponse, because hook
 * v2 parses responses strictly and rejects anything else.
 */
public record HookResponse(ObjectNode status, List<JsonNode> children, int resyncAfterSeconds, boolean finalized) {

    public ObjectNode toJson() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.set("status", status);
        ArrayNode array = root.putArray("children");
        children.forEach(array::add);
        root.put("resyncAfterSeconds", resyncAfterSeconds);
        root.put("finalized", finalized);
        return root;
    }
}
