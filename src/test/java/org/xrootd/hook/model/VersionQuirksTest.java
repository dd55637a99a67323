package org.xrootd.hook.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VersionQuirksTest {
    @Test
    void releasesBefore5KeepTheNameCacheUnlessToldAndVnidStartsAt49() {
        assertEquals(new VersionQuirks(true, true, 0), VersionQuirks.of("4.11.2"));
        assertEquals(new VersionQuirks(true, true, 0), VersionQuirks.of("4.9.0"));
        assertEquals(new VersionQuirks(true, false, 0), VersionQuirks.of("4.8.5"));
        assertEquals(new VersionQuirks(true, false, 0), VersionQuirks.of("v3.3"));
        assertEquals(VersionQuirks.CURRENT, VersionQuirks.of("5.5.3"));
        assertEquals(VersionQuirks.CURRENT, VersionQuirks.of("5.0"));
        assertEquals(VersionQuirks.CURRENT, VersionQuirks.of("v5.6.9-rc1"));
        assertEquals(VersionQuirks.CURRENT, VersionQuirks.of("5.7.9"));
    }

    @Test
    void theHostPortLimitOfNameBasedRedirectsIs78CharactersBefore58() {
        assertEquals(78, VersionQuirks.of("5.5.3").redirectHostPortMax());
        assertEquals(78, VersionQuirks.of("5.7.3").redirectHostPortMax());
        assertEquals(255, VersionQuirks.of("5.8.0").redirectHostPortMax());
        assertEquals(255, VersionQuirks.of("v5.10.1").redirectHostPortMax());
        assertEquals(255, VersionQuirks.of("6.0").redirectHostPortMax());
        assertEquals(new VersionQuirks(false, true, 255), VersionQuirks.of("10.0.0"));
        assertEquals(0, VersionQuirks.of("4.11.2").redirectHostPortMax(), "4.x: no name-based redirects");
    }

    @Test
    void aCatalogNameThatIsNoVersionIsTakenAsCurrent() {
        for (String name : new String[] {"stable", "latest", "5", "", "5.x", "4-11-2"}) {
            assertEquals(VersionQuirks.CURRENT, VersionQuirks.of(name), name);
        }
        assertEquals(VersionQuirks.CURRENT, VersionQuirks.of(null));
    }
}
