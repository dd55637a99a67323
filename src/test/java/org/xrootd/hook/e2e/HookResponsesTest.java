package org.xrootd.hook.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The emulator decodes hook responses as strictly as Metacontroller's {@code kjson.UnmarshalStrict} into
 * {@code CompositeHookResponse} / {@code CustomizeHookResponse}: no shape Go's decoder rejects is accepted.
 * Runs without a control plane.
 */
class HookResponsesTest {
    private static String json(String text) {
        return text.replace('\'', '"');
    }

    private static String rejected(String body) {
        return assertThrows(HookResponses.DecodeException.class, () -> HookResponses.decodeSync(json(body)), body).getMessage();
    }

    @Test
    void aWellFormedResponseDecodes() {
        HookResponses.SyncResponse response = HookResponses.decodeSync(json(
                "{'status': {'a': 1}, 'children': [{'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'c'}}],"
                        + " 'resyncAfterSeconds': 2.5, 'finalized': true}"));
        assertEquals(1, response.status().path("a").asInt());
        assertEquals(1, response.children().size());
        assertEquals(2.5, response.resyncAfterSeconds());
        assertTrue(response.finalized());
        assertEquals(List.of(), response.strictErrors());
    }

    @Test
    void valuesOfTheWrongTypeFailTheSyncInEveryMode() {
        assertTrue(rejected("{'children': {'c': {'kind': 'ConfigMap'}}}").contains("cannot unmarshal object"));
        assertTrue(rejected("{'resyncAfterSeconds': '5'}").contains("float64"));
        assertTrue(rejected("{'finalized': 'true'}").contains("bool"));
        assertTrue(rejected("{'finalized': 1}").contains("bool"));
        assertTrue(rejected("{'status': ['Ready']}").contains("map[string]interface"));
        assertTrue(rejected("{'status': 'Ready'}").contains("map[string]interface"));
        assertTrue(rejected("[]").contains("cannot unmarshal array"));
        assertTrue(rejected("'ok'").contains("cannot unmarshal string"));
        assertTrue(rejected("{'children': ['ConfigMap']}").contains("cannot unmarshal string"));
    }

    @Test
    void everyChildNeedsAKindAndNoChildIsNull() {
        assertTrue(rejected("{'children': [{'apiVersion': 'v1', 'metadata': {'name': 'c'}}]}").contains("Kind' is missing"));
        assertTrue(rejected("{'children': [{'apiVersion': 'v1', 'kind': ''}]}").contains("Kind' is missing"));
        assertTrue(rejected("{'children': [{'apiVersion': 'v1', 'kind': 3}]}").contains("Kind' is missing"));
        assertTrue(rejected("{'children': [null]}").contains("null child"));
    }

    @Test
    void unknownAndDuplicateFieldsAreStrictErrorsFieldNamesAreCaseSensitive() {
        HookResponses.SyncResponse response = HookResponses.decodeSync(json(
                "{'Status': {'a': 1}, 'children': [], 'resync': 5, 'finalized': false, 'finalized': true}"));
        assertNull(response.status(), "'Status' is not 'status'");
        assertTrue(response.finalized(), "the last duplicate wins, as in Go");
        assertEquals(List.of("duplicate field \"finalized\"", "unknown field \"Status\"", "unknown field \"resync\""),
                response.strictErrors().stream().sorted().toList());
        // Inside a child nothing is strict: Unstructured decodes itself.
        assertEquals(List.of(), HookResponses.decodeSync(json(
                "{'children': [{'kind': 'ConfigMap', 'apiVersion': 'v1', 'extra': 1, 'data': {'k': 'a', 'k': 'b'}}]}"))
                .strictErrors());
        // Inside status duplicates are strict errors (a map decoded by the strict decoder).
        assertEquals(List.of("duplicate field \"status.a\""),
                HookResponses.decodeSync(json("{'status': {'a': 1, 'a': 2}}")).strictErrors());
    }

    @Test
    void strictIsTheV2DefaultLooseTheV1DefaultAndTheModeFieldWins() throws Exception {
        assertTrue(HookResponses.strict(KubeApi.MAPPER.readTree(json("{'version': 'v2', 'webhook': {}}"))));
        assertFalse(HookResponses.strict(KubeApi.MAPPER.readTree(json("{'version': 'v1', 'webhook': {}}"))));
        assertFalse(HookResponses.strict(KubeApi.MAPPER.readTree(json("{'webhook': {}}"))));
        assertFalse(HookResponses.strict(KubeApi.MAPPER.readTree(json("{'version': 'v2', 'webhook': {'responseUnMarshallMode': 'loose'}}"))));
        assertTrue(HookResponses.strict(KubeApi.MAPPER.readTree(json("{'version': 'v1', 'webhook': {'responseUnMarshallMode': 'strict'}}"))));
    }

    @Test
    void nullDecodesToTheZeroResponseAndEmptyOrBrokenBodiesFail() {
        HookResponses.SyncResponse response = HookResponses.decodeSync("null");
        assertNull(response.status());
        assertEquals(List.of(), response.children());
        assertFalse(response.finalized());
        assertThrows(HookResponses.DecodeException.class, () -> HookResponses.decodeSync(""));
        assertThrows(HookResponses.DecodeException.class, () -> HookResponses.decodeSync("{"));
        assertThrows(HookResponses.DecodeException.class, () -> HookResponses.decodeSync("{} {}"));
        HookResponses.SyncResponse nulls = HookResponses.decodeSync(json("{'status': null, 'children': null,"
                + " 'resyncAfterSeconds': null, 'finalized': null}"));
        assertNull(nulls.status());
        assertEquals(List.of(), nulls.strictErrors());
    }

    @Test
    void customizeRulesAreTypedStructsStrictAllTheWayDown() {
        HookResponses.CustomizeResponse ok = HookResponses.decodeCustomize(json("{'relatedResources': [{'apiVersion':"
                + " 'catalog.xrootd.org/v1alpha1', 'resource': 'xrootdversions', 'namespace': 'a', 'names': ['5.0.0']}]}"));
        assertEquals(1, ok.rules().size());
        assertEquals(List.of(), ok.strictErrors());
        assertEquals(List.of("unknown field \"relatedResources[].namespaces\""), HookResponses.decodeCustomize(json(
                "{'relatedResources': [{'apiVersion': 'v1', 'resource': 'x', 'namespaces': ['a']}]}")).strictErrors());
        assertEquals(List.of("unknown field \"relatedResources[].labelSelector.matchLabel\""), HookResponses.decodeCustomize(json(
                "{'relatedResources': [{'apiVersion': 'v1', 'resource': 'x', 'labelSelector': {'matchLabel': {}}}]}")).strictErrors());
        assertThrows(HookResponses.DecodeException.class, () -> HookResponses.decodeCustomize(json(
                "{'relatedResources': {'apiVersion': 'v1'}}")));
        assertThrows(HookResponses.DecodeException.class, () -> HookResponses.decodeCustomize(json(
                "{'relatedResources': [{'apiVersion': 'v1', 'resource': 'x', 'names': 'a'}]}")));
        assertThrows(HookResponses.DecodeException.class, () -> HookResponses.decodeCustomize(json(
                "{'relatedResources': [{'apiVersion': 'v1', 'resource': 'x', 'namespace': 1}]}")));
        assertThrows(HookResponses.DecodeException.class, () -> HookResponses.decodeCustomize(json("{'relatedResources': [null]}")));
        assertThrows(HookResponses.DecodeException.class, () -> HookResponses.decodeCustomize(json("[{'apiVersion': 'v1'}]")),
                "a bare list (as one doc page shows) is not the response object");
    }
}
