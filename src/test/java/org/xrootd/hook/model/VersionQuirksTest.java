package org.xrootd.hook.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VersionQuirksTest {
    @Test
    void releasesBefore5KeepTheNameCacheUnlessToldAndVnidStartsAt49() {
        assertEquals(new VersionQuirks(true, true), VersionQuirks.of("4.11.2"));
        assertEquals(new VersionQuirks(true, true), VersionQuirks.of("4.9.0"));
        assertEquals(new VersionQuirks(true, false), VersionQuirks.of("4.8.5"));
        assertEquals(new VersionQuirks(true, false), VersionQuirks.of("v3.3"));
        assertEquals(VersionQuirks.CURRENT, VersionQuirks.of("5.5.3"));
        assertEquals(VersionQuirks.CURRENT, VersionQuirks.of("5.0"));
        assertEquals(VersionQuirks.CURRENT, VersionQuirks.of("v5.6.9-rc1"));
        assertEquals(VersionQuirks.CURRENT, VersionQuirks.of("10.0.0"));
    }

    @Test
    void aCatalogNameThatIsNoVersionIsTakenAsCurrent() {
        for (String name : new String[] {"stable", "latest", "5", "", "5.x", "4-11-2"}) {
            assertEquals(VersionQuirks.CURRENT, VersionQuirks.of(name), name);
        }
        assertEquals(VersionQuirks.CURRENT, VersionQuirks.of(null));
    }
}
