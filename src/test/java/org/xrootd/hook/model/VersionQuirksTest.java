package org.xrootd.hook.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VersionQuirksTest {
    @Test
    void releasesBefore5KeepTheNameCacheUnlessToldAndVnidStartsAt49() {
        assertEquals(new VersionQuirks(true, true, false), VersionQuirks.of("4.11.2"));
        assertEquals(new VersionQuirks(true, true, false), VersionQuirks.of("4.9.0"));
        assertEquals(new VersionQuirks(true, false, false), VersionQuirks.of("4.8.5"));
        assertEquals(new VersionQuirks(true, false, false), VersionQuirks.of("v3.3"));
        assertEquals(new VersionQuirks(false, true, false), VersionQuirks.of("5.5.3"));
        assertEquals(new VersionQuirks(false, true, false), VersionQuirks.of("5.0"));
        assertEquals(new VersionQuirks(false, true, false), VersionQuirks.of("v5.6.9-rc1"));
        assertEquals(VersionQuirks.CURRENT, VersionQuirks.of("10.0.0"));
    }

    /** xrootd issue 2241: HTTP-TPC creates the destination's parent directories from 5.7.0 (commit f6b361d4c) on. */
    @Test
    void httpTpcCreatesParentDirectoriesFrom570On() {
        assertEquals(false, VersionQuirks.of("5.5.3").httpTpcMakesParents());
        assertEquals(false, VersionQuirks.of("5.6.9").httpTpcMakesParents());
        assertEquals(true, VersionQuirks.of("5.7.0").httpTpcMakesParents());
        assertEquals(true, VersionQuirks.of("5.8").httpTpcMakesParents());
        assertEquals(true, VersionQuirks.of("6.0.1").httpTpcMakesParents());
        assertEquals(false, VersionQuirks.of("4.11.2").httpTpcMakesParents());
    }

    @Test
    void aCatalogNameThatIsNoVersionIsTakenAsCurrent() {
        for (String name : new String[] {"stable", "latest", "5", "", "5.x", "4-11-2"}) {
            assertEquals(VersionQuirks.CURRENT, VersionQuirks.of(name), name);
        }
        assertEquals(VersionQuirks.CURRENT, VersionQuirks.of(null));
    }
}
