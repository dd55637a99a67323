package org.xrootd.hook.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Samples;
import org.xrootd.hook.json.Json;

class CatalogTest {
    private static ObjectNode entries(String key, String namespace, String name, String image) {
        return add(Json.MAPPER.createObjectNode(), key, namespace, name, image);
    }

    private static ObjectNode add(ObjectNode kind, String key, String namespace, String name, String image) {
        ObjectNode entry = kind.putObject(key);
        entry.putObject("metadata").put("name", name).put("namespace", namespace);
        ObjectNode spec = entry.putObject("spec").put("version", name);
        if (image != null) {
            spec.put("image", image);
        }
        return kind;
    }

    @Test
    void findsTheEntryUnderHookV1AndV2Keys() {
        XrootdSpec spec = Samples.sample();
        for (String key : new String[] {"4.11.2", "ns1/4.11.2"}) {
            var resolved = assertInstanceOf(Catalog.Resolved.class, Catalog.resolve(spec, entries(key, "ns1", "4.11.2", "img:1")));
            assertEquals("img:1", resolved.image());
            assertTrue(resolved.fromCatalog());
        }
    }

    @Test
    void anEntryOfAnotherNamespaceNeverChoosesTheImage() {
        XrootdSpec spec = Samples.sample();
        ObjectNode both = entries("tenant-b/4.11.2", "tenant-b", "4.11.2", "attacker:1");
        add(both, "ns1/4.11.2", "ns1", "4.11.2", "img:1");
        assertEquals("img:1", assertInstanceOf(Catalog.Resolved.class, Catalog.resolve(spec, both)).image());
        var missing = assertInstanceOf(Catalog.Missing.class,
                Catalog.resolve(spec, entries("tenant-b/4.11.2", "tenant-b", "4.11.2", "attacker:1")));
        assertTrue(missing.reason().contains("in namespace 'ns1'"), missing.reason());
    }

    @Test
    void explicitImageWinsAndNeedsNoCatalog() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).put("image", "mine:1");
        var resolved = Catalog.resolve(Samples.model(parent), null);
        assertEquals("mine:1", assertInstanceOf(Catalog.Resolved.class, resolved).image());
    }

    @Test
    void missingOrEmptyEntrySaysWhatToCreate() {
        var missing = assertInstanceOf(Catalog.Missing.class, Catalog.resolve(Samples.sample(), entries("5.0", "ns1", "5.0", "x")));
        assertTrue(missing.reason().contains("XrootdVersion named '4.11.2' in namespace 'ns1'"), missing.reason());
        var empty = assertInstanceOf(Catalog.Missing.class, Catalog.resolve(Samples.sample(), entries("4.11.2", "ns1", "4.11.2", null)));
        assertTrue(empty.reason().contains("no spec.image"));
    }
}
