package org.xrootd.hook.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.Json;
import org.xrootd.hook.TestSpecs;

class CatalogTest {
    private static ObjectNode entries(String key, String name, String image) {
        ObjectNode kind = Json.MAPPER.createObjectNode();
        ObjectNode entry = kind.putObject(key);
        entry.putObject("metadata").put("name", name);
        ObjectNode spec = entry.putObject("spec").put("version", name);
        if (image != null) {
            spec.put("image", image);
        }
        return kind;
    }

    @Test
    void findsTheEntryUnderHookV1AndV2Keys() {
        XrootdSpec spec = TestSpecs.sample();
        for (String key : new String[] {"4.11.2", "ns1/4.11.2"}) {
            var resolved = Catalog.resolve(spec, entries(key, "4.11.2", "img:1"), new StringBuilder());
            assertEquals("img:1", resolved.orElseThrow().image());
            assertTrue(resolved.get().fromCatalog());
        }
    }

    @Test
    void explicitImageWinsAndNeedsNoCatalog() {
        ObjectNode parent = TestSpecs.parent("x");
        TestSpecs.spec(parent).put("image", "mine:1");
        var resolved = Catalog.resolve(TestSpecs.model(parent), null, new StringBuilder());
        assertEquals("mine:1", resolved.orElseThrow().image());
    }

    @Test
    void missingOrEmptyEntrySaysWhatToCreate() {
        StringBuilder why = new StringBuilder();
        assertTrue(Catalog.resolve(TestSpecs.sample(), entries("5.0", "5.0", "x"), why).isEmpty());
        assertTrue(why.toString().contains("XrootdVersion named '4.11.2' in namespace 'ns1'"), why.toString());
        StringBuilder empty = new StringBuilder();
        assertTrue(Catalog.resolve(TestSpecs.sample(), entries("4.11.2", "4.11.2", null), empty).isEmpty());
        assertTrue(empty.toString().contains("no spec.image"));
    }
}
