package org.xrootd.hook.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VersionQuirksTest {
    @Test
    void releasesBefore5KeepTheNameCacheUnlessToldAndVnidStartsAt49() {
        assertEquals(new VersionQuirks(true, true, false, 0), VersionQuirks.of("4.11.2"));
        assertEquals(new VersionQuirks(true, true, false, 0), VersionQuirks.of("4.9.0"));
        assertEquals(new VersionQuirks(true, false, false, 0), VersionQuirks.of("4.8.5"));
        assertEquals(new VersionQuirks(true, false, false, 0), VersionQuirks.of("v3.3"));
        assertEquals(new VersionQuirks(false, true, false, 78), VersionQuirks.of("5.5.3"));
        assertEquals(new VersionQuirks(false, true, false, 78), VersionQuirks.of("5.0"));
        assertEquals(new VersionQuirks(false, true, false, 78), VersionQuirks.of("v5.6.9-rc1"));
        assertEquals(new VersionQuirks(false, true, true, 78), VersionQuirks.of("5.7.9"));
        assertEquals(new VersionQuirks(false, true, true, 78), VersionQuirks.of("stable"), "a catalog name: 5.x before 5.8");
    }

    @Test
    void theHostPortLimitOfNameBasedRedirectsIs78CharactersBefore58() {
        assertEquals(78, VersionQuirks.of("5.5.3").redirectHostPortMax());
        assertEquals(78, VersionQuirks.of("5.7.3").redirectHostPortMax());
        assertEquals(255, VersionQuirks.of("5.8.0").redirectHostPortMax());
        assertEquals(255, VersionQuirks.of("v5.10.1").redirectHostPortMax());
        assertEquals(255, VersionQuirks.of("6.0").redirectHostPortMax());
        assertEquals(new VersionQuirks(false, true, true, 255), VersionQuirks.of("10.0.0"));
        assertEquals(0, VersionQuirks.of("4.11.2").redirectHostPortMax(), "4.x: no name-based redirects");
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
