package org.xrootd.hook.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class QuantitiesTest {
    @Test
    void keepsCanonicalSpellingsAsTheApiServerPrintsThem() {
        assertEquals("1Gi", Quantities.parseBytes("1Gi").canonical());
        assertEquals("1536Mi", Quantities.parseBytes("1.5Gi").canonical());
        assertEquals("1Gi", Quantities.parseBytes("1024Mi").canonical());
        assertEquals("1G", Quantities.parseBytes("1000M").canonical());
        assertEquals("1500M", Quantities.parseBytes("1500M").canonical());
        assertEquals("1e9", Quantities.parseBytes("1e9").canonical());
        assertEquals("512", Quantities.parseBytes("512").canonical());
        assertEquals(BigInteger.valueOf(1L << 30), Quantities.parseBytes("1Gi").bytes());
    }

    @Test
    void rejectsWhatIsNotAWholePositiveSize() {
        for (String bad : new String[] {"lots", "", "-1Gi", "0", "1.5", "1Qi", "Gi", "1 Gi", "100m"}) {
            assertThrows(IllegalArgumentException.class, () -> Quantities.parseBytes(bad), bad);
        }
    }

    @Test
    void rejectsSizesBeyondWhatKubernetesStores() {
        assertThrows(IllegalArgumentException.class, () -> Quantities.parseBytes("9000Ei"));
    }

    @Test
    void resourceQuantitiesTakeTheApiServersSpelling() {
        assertEquals("500m", Quantities.canonical("0.5"));
        assertEquals("1500m", Quantities.canonical("1.5"));
        assertEquals("1", Quantities.canonical("1000m"));
        assertEquals("2k", Quantities.canonical("2000"));
        assertEquals("2Gi", Quantities.canonical("2048Mi"));
        assertEquals("512Mi", Quantities.canonical("0.5Gi"));
        assertEquals("100m", Quantities.canonical("100m"));
        assertEquals("1e3", Quantities.canonical("1e3"));
        assertEquals("0", Quantities.canonical("0"));
        assertEquals("1n", Quantities.canonical("0.0000000001"));
        assertThrows(IllegalArgumentException.class, () -> Quantities.canonical("lots"));
    }

    @Test
    void largeBinarySizesAreExact() {
        assertEquals(java.math.BigInteger.valueOf(3).shiftLeft(60), Quantities.parseBytes("3Ei").bytes());
        assertEquals("3Ei", Quantities.parseBytes("3Ei").canonical());
        assertEquals(java.math.BigInteger.ONE.shiftLeft(60).subtract(java.math.BigInteger.ONE.shiftLeft(40)),
                Quantities.parseBytes("1048575Ti").bytes());
        assertEquals("2Ei", Quantities.canonical("2048Pi"));
        assertEquals("1E", Quantities.canonical("1000P"));
        assertEquals(0, new java.math.BigDecimal("0.5").compareTo(Quantities.amount("500m")));
        assertEquals(new java.math.BigDecimal("1E+9").compareTo(Quantities.amount("1e9")), 0);
    }
}
