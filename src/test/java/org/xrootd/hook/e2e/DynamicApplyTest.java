package org.xrootd.hook.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The emulation's transcription of Metacontroller's 3-way merge, checked against the behaviour its Go source
 * defines. The first tests carry the cases of Metacontroller's own merge tests as data, rewritten here from
 * reading them: {@code pkg/dynamic/apply/apply_test.go} ({@code TestMerge}, {@code TestLastAppliedAnnotation})
 * and {@code pkg/controller/common/manage_children_test.go} ({@code TestRevertObjectMetaSystemFields}).
 * Runs without a control plane.
 */
class DynamicApplyTest {
    private static JsonNode json(String text) throws Exception {
        return KubeApi.MAPPER.readTree(text.replace('\'', '"'));
    }

    private static JsonNode merge(String observed, String lastApplied, String desired) throws Exception {
        return DynamicApply.merge(json(observed), lastApplied == null ? null : json(lastApplied), json(desired));
    }

    // ------------------------------------------------------------------ Metacontroller's own cases

    /** TestMerge's table: name, observed, last applied, desired, and the merge Metacontroller expects. */
    static Stream<Arguments> metacontrollerMergeCases() {
        return Stream.of(
                Arguments.of("empty", "{}", "{}", "{}", "{}"),
                Arguments.of("scalars",
                        "{'keep': 'other', 'remove': 'other', 'replace': 'other'}",
                        "{'remove': 'old', 'replace': 'old'}",
                        "{'replace': 'new', 'add': 'new'}",
                        "{'replace': 'new', 'add': 'new', 'keep': 'other'}"),
                Arguments.of("nested object",
                        "{'update': {'keep': 'other', 'remove': 'other'}}",
                        "{'update': {'remove': 'old', 'replace': 'old'}}",
                        "{'update': {'replace': 'new', 'add': 'new'}}",
                        "{'update': {'replace': 'new', 'add': 'new', 'keep': 'other'}}"),
                Arguments.of("replace list",
                        "{'list': [1, 2, 3, {'a': true}]}",
                        "{'list': [4, 5, 6]}",
                        "{'list': [7, 8, 9, {'b': false}]}",
                        "{'list': [7, 8, 9, {'b': false}]}"),
                Arguments.of("merge list-map",
                        "{'listMap': [{'name': 'keep', 'value': 'other'}, {'name': 'remove', 'value': 'other'},"
                                + " {'name': 'merge', 'nested': {'keep': 'other'}}],"
                                + " 'ports1': [{'port': 80, 'keep': 'other'}],"
                                + " 'ports2': [{'containerPort': 80, 'keep': 'other'}]}",
                        "{'listMap': [{'name': 'remove', 'value': 'old'}],"
                                + " 'ports1': [{'port': 80, 'remove': 'old'}]}",
                        "{'listMap': [{'name': 'add', 'value': 'new'}, {'name': 'merge', 'nested': {'add': 'new'}}],"
                                + " 'ports1': [{'port': 80, 'add': 'new'}, {'port': 90}],"
                                + " 'ports2': [{'containerPort': 80}, {'containerPort': 90}]}",
                        "{'listMap': [{'name': 'keep', 'value': 'other'}, {'name': 'merge', 'nested': {'keep': 'other', 'add': 'new'}},"
                                + " {'name': 'add', 'value': 'new'}],"
                                + " 'ports1': [{'port': 80, 'keep': 'other', 'add': 'new'}, {'port': 90}],"
                                + " 'ports2': [{'containerPort': 80, 'keep': 'other'}, {'containerPort': 90}]}"),
                Arguments.of("replace list of objects that's not a list-map",
                        "{'notListMap': [{'name': 'keep', 'value': 'other'}, {'notName': 'remove', 'value': 'other'},"
                                + " {'name': 'merge', 'nested': {'keep': 'other'}}]}",
                        "{'notListMap': [{'name': 'remove', 'value': 'old'}]}",
                        "{'notListMap': [{'name': 'add', 'value': 'new'}, {'name': 'merge', 'nested': {'add': 'new'}}]}",
                        "{'notListMap': [{'name': 'add', 'value': 'new'}, {'name': 'merge', 'nested': {'add': 'new'}}]}"));
    }

    @ParameterizedTest(name = "TestMerge: {0}")
    @MethodSource("metacontrollerMergeCases")
    void mergesAsMetacontrollersOwnTestsExpect(String name, String observed, String lastApplied, String desired, String want)
            throws Exception {
        JsonNode observedTree = json(observed);
        JsonNode got = DynamicApply.merge(observedTree.deepCopy(), json(lastApplied), json(desired));
        // reflect.DeepEqual: list order matters, object key order does not.
        assertTrue(DynamicApply.deepEqual(json(want), got), name + ": got " + got);
        assertEquals(json(observed), observedTree, "Merge works on a copy of observed");
    }

    @Test
    void theLastAppliedAnnotationRoundTrips() throws Exception {
        // TestLastAppliedAnnotation: Set then Get gives back the same configuration.
        ObjectNode object = KubeApi.MAPPER.createObjectNode();
        JsonNode in = json("{'testing': '123'}");
        DynamicApply.setLastApplied(object, in);
        assertEquals(in, DynamicApply.lastApplied(object));
    }

    @Test
    void systemFieldsOfObjectMetaAreRevertedToTheObservedOnes() throws Exception {
        // TestRevertObjectMetaSystemFields.
        JsonNode orig = json("{'metadata': {'origMeta': 'should stay gone', 'otherMeta': 'should change value',"
                + " 'creationTimestamp': 'should restore orig value', 'deletionTimestamp': 'should restore orig value',"
                + " 'uid': 'should bring back removed value'}, 'other': 'should change value'}");
        ObjectNode newObj = (ObjectNode) json("{'metadata': {'creationTimestamp': null, 'deletionTimestamp': 'new value',"
                + " 'newMeta': 'new value', 'otherMeta': 'new value', 'selfLink': 'should be removed'}, 'other': 'new value'}");
        for (String field : DynamicApply.OBJECT_META_SYSTEM_FIELDS) {
            DynamicApply.revertField(newObj, orig, "metadata", field);
        }
        assertEquals(json("{'metadata': {'otherMeta': 'new value', 'newMeta': 'new value',"
                + " 'creationTimestamp': 'should restore orig value', 'deletionTimestamp': 'should restore orig value',"
                + " 'uid': 'should bring back removed value'}, 'other': 'new value'}"), newObj);
    }

    // ------------------------------------------------------------------ more cases

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
