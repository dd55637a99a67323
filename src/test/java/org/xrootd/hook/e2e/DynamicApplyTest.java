package org.xrootd.hook.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/**
 * The emulation's transcription of Metacontroller's 3-way merge, checked against the behaviour its Go source
 * defines (cases mirror {@code pkg/dynamic/apply/apply_test.go}'s intent). Runs without a control plane.
 */
class DynamicApplyTest {
    private static JsonNode json(String text) throws Exception {
        return KubeApi.MAPPER.readTree(text.replace('\'', '"'));
    }

    private static JsonNode merge(String observed, String lastApplied, String desired) throws Exception {
        return DynamicApply.merge(json(observed), lastApplied == null ? null : json(lastApplied), json(desired));
    }

    @Test
    void setsDesiredRemovesWhatWasAppliedBeforeAndKeepsEverythingElse() throws Exception {
        JsonNode merged = merge("{'a': 1, 'b': 2, 'server': 'default'}", "{'a': 1, 'b': 2}", "{'a': 3}");
        assertEquals(json("{'a': 3, 'server': 'default'}"), merged);
    }

    @Test
    void listsOfObjectsWithAKnownKeyMergeAsMapsKeepingServerDefaults() throws Exception {
        JsonNode merged = merge(
                "{'containers': [{'name': 'a', 'image': 'x:1', 'terminationMessagePath': '/dev/termination-log'},"
                        + " {'name': 'gone', 'image': 'y'}]}",
                "{'containers': [{'name': 'a', 'image': 'x:1'}, {'name': 'gone', 'image': 'y'}]}",
                "{'containers': [{'name': 'a', 'image': 'x:2'}, {'name': 'new', 'image': 'z'}]}");
        assertEquals(json("{'containers': [{'name': 'a', 'image': 'x:2', 'terminationMessagePath': '/dev/termination-log'},"
                + " {'name': 'new', 'image': 'z'}]}"), merged);
    }

    @Test
    void theMergeKeyFollowsMetacontrollersPrecedence() throws Exception {
        assertEquals("containerPort", DynamicApply.detectListMapKey((ArrayNode)
                json("[{'name': 'x', 'containerPort': 1}, {'name': 'y', 'containerPort': 2}]")));
        assertEquals("port", DynamicApply.detectListMapKey((ArrayNode)
                json("[{'name': 'x', 'port': 1, 'targetPort': 1}]")));
        assertNull(DynamicApply.detectListMapKey((ArrayNode)
                json("[{'metadata': {'name': 'data'}, 'spec': {}}]")), "claim templates have no top-level key");
        assertNull(DynamicApply.detectListMapKey((ArrayNode) json("['a', 'b']")));
    }

    @Test
    void otherListsAreReplacedWholesale() throws Exception {
        JsonNode merged = merge(
                "{'volumeClaimTemplates': [{'metadata': {'name': 'data', 'creationTimestamp': null}, 'status': {'phase': 'Pending'}}]}",
                "{'volumeClaimTemplates': [{'metadata': {'name': 'data'}}]}",
                "{'volumeClaimTemplates': [{'metadata': {'name': 'data'}}]}");
        assertEquals(json("{'volumeClaimTemplates': [{'metadata': {'name': 'data'}}]}"), merged);
    }

    @Test
    void anUpdateKeepsSystemFieldsAndStatusAndRecordsWhatWasApplied() throws Exception {
        ObjectNode observed = (ObjectNode) json("{'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'c',"
                + " 'uid': 'u', 'resourceVersion': '7', 'annotations': {'" + DynamicApply.LAST_APPLIED + "':"
                + " '{\\'data\\':{\\'k\\':\\'1\\'}}'}}, 'data': {'k': '1'}}");
        ObjectNode desired = (ObjectNode) json("{'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'c',"
                + " 'uid': 'other', 'resourceVersion': '1'}, 'data': {'k': '1'}}");
        ObjectNode updated = DynamicApply.applyUpdate(observed, desired);
        assertEquals("u", updated.path("metadata").path("uid").asText());
        assertEquals("7", updated.path("metadata").path("resourceVersion").asText());
        assertEquals(desired, DynamicApply.lastApplied(updated));
        // Same data, but the last-applied configuration now differs: Metacontroller would write once.
        assertFalse(DynamicApply.deepEqual(updated, observed));
        assertTrue(DynamicApply.deepEqual(DynamicApply.applyUpdate(updated, desired), updated), "then it is stable");
    }

    @Test
    void deepEqualIsGoReflectDeepEqualOnDecodedJson() throws Exception {
        assertTrue(DynamicApply.deepEqual(json("{'a': 1, 'b': [1, 'x']}"), json("{'b': [1, 'x'], 'a': 1}")));
        assertTrue(DynamicApply.deepEqual(json("{'a': 1}"), json("{'a': 1}").deepCopy()));
        assertTrue(DynamicApply.deepEqual(json("{'n': 5}"), KubeApi.MAPPER.createObjectNode().put("n", 5L)),
                "integers compare by value, whatever their Java width");
        assertFalse(DynamicApply.deepEqual(json("{'a': 1}"), json("{'a': 1.0}")), "int64 != float64");
        assertFalse(DynamicApply.deepEqual(json("{'a': null}"), json("{}")), "a null key is not an absent key");
    }

    @Test
    void aCreatedChildCarriesItsLastAppliedCopyAndTheControllerRef() throws Exception {
        ObjectNode ref = (ObjectNode) json("{'apiVersion': 'xrootd.org/v1alpha1', 'kind': 'Xrootd', 'name': 'x', 'uid': 'p',"
                + " 'controller': true, 'blockOwnerDeletion': true}");
        ObjectNode desired = (ObjectNode) json("{'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': 's', 'labels': {'controller-uid': 'p'}}}");
        ObjectNode created = DynamicApply.forCreate(desired, ref);
        assertEquals(desired, DynamicApply.lastApplied(created));
        assertEquals(ref, created.path("metadata").path("ownerReferences").get(0));
    }
}
