package org.xrootd.hook.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Samples;

/** spec.cache: defaults, the watermarks in bytes of the right capacity, and each refused combination with its field. */
class CacheSpecTest {
    private static ObjectNode cacheParent() {
        ObjectNode parent = Samples.parent("xc");
        Samples.spec(parent).putObject("cache").put("origin", "origin.example.org:1094");
        return parent;
    }

    private static ObjectNode cache(ObjectNode parent) {
        return (ObjectNode) Samples.spec(parent).get("cache");
    }

    private static List<String> problems(ObjectNode parent) {
        return SpecParser.parse(parent).problems().stream().map(Problem::toString).toList();
    }

    @Test
    void withoutCacheTheClusterIsADataServer() {
        assertFalse(Samples.sample().isCache());
        assertNull(Samples.sample().cache());
    }

    @Test
    void defaultsAreOneGibibyteOfRamAndWatermarksOfTheWorkerVolumeInBytes() {
        XrootdSpec.Cache cache = Samples.model(cacheParent()).cache();
        assertEquals("origin.example.org:1094", cache.origin());
        assertEquals(BigInteger.valueOf(1073741824L), cache.ramBytes());
        assertEquals("1Gi", cache.ram());
        assertNull(cache.blockBytes());
        assertNull(cache.prefetch());
        assertEquals(300, cache.purgeIntervalSeconds());
        // 1Gi worker volume: 0.9 and 0.95 of 1073741824 bytes (966367641.6, 1020054732.8), down to whole KiB.
        assertEquals(BigInteger.valueOf(1073741824L), cache.dataBytes());
        assertEquals(BigInteger.valueOf(943718L * 1024), cache.lowBytes());
        assertEquals(BigInteger.valueOf(996147L * 1024), cache.highBytes());
        assertEquals("public", cache.dataSpace());
        assertEquals("public", cache.metaSpace());
    }

    @Test
    void dataDisksSetTheDataSpaceAndMetaDisksTheirOwnSpace() {
        ObjectNode parent = cacheParent();
        cache(parent).put("lowWaterMark", 0.5).put("highWaterMark", 0.7);
        var disks = cache(parent).putArray("disks");
        disks.add(Json.MAPPER.createObjectNode().put("name", "d1").put("type", "data").put("capacity", "100Mi").put("class", "fast"));
        disks.add(Json.MAPPER.createObjectNode().put("name", "d2").put("type", "data").put("capacity", "28Mi"));
        disks.add(Json.MAPPER.createObjectNode().put("name", "m").put("type", "meta").put("capacity", "10Mi"));
        XrootdSpec.Cache cache = Samples.model(parent).cache();
        // 128 MiB of data disks (the meta disk does not count): 64 MiB and 89.6 MiB (93952409.6 bytes, 91750 KiB).
        assertEquals(BigInteger.valueOf(134217728L), cache.dataBytes());
        assertEquals(BigInteger.valueOf(67108864L), cache.lowBytes());
        assertEquals(BigInteger.valueOf(91750L * 1024), cache.highBytes());
        assertEquals("data", cache.dataSpace());
        assertEquals("meta", cache.metaSpace());
        assertEquals(List.of("d1", "d2", "m"), cache.disks().stream().map(XrootdSpec.Disk::name).toList());
        assertEquals("fast", cache.disks().get(0).storageClass());
    }

    @Test
    void ramBelowOneGibibyteIsRefused() {
        ObjectNode parent = cacheParent();
        cache(parent).put("ramSize", "1000Mi");
        assertEquals(List.of("spec.cache.ramSize: is below 1Gi; XRootD 5.5.3 refuses a cache with less RAM (pfc.ram)"), problems(parent));
    }

    @Test
    void watermarksOutOfOrderOrOutOfRangeAreRefused() {
        ObjectNode parent = cacheParent();
        cache(parent).put("lowWaterMark", 0.95).put("highWaterMark", 0.9);
        List<String> problems = problems(parent);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("spec.cache.lowWaterMark: (0.95) must be below highWaterMark (0.9)"), problems.toString());
        ObjectNode equal = cacheParent();
        cache(equal).put("lowWaterMark", 0.9).put("highWaterMark", 0.9);
        assertEquals(1, problems(equal).size());
        ObjectNode whole = cacheParent();
        cache(whole).put("highWaterMark", 1);
        assertTrue(problems(whole).get(0).startsWith("spec.cache.highWaterMark: must be between 0.01 and 0.99"), problems(whole).toString());
    }

    @Test
    void aDataSpaceWithoutRoomAboveTheTenMegabyteFloorIsRefused() {
        ObjectNode small = cacheParent();
        ((ObjectNode) Samples.spec(small).get("worker").get("storage")).put("capacity", "16Mi");
        assertTrue(problems(small).get(0).startsWith("spec.worker.storage.capacity: leaves the cache 16777216 bytes"), problems(small).toString());
        ObjectNode smallDisk = cacheParent();
        cache(smallDisk).putArray("disks").add(Json.MAPPER.createObjectNode().put("name", "d").put("type", "data").put("capacity", "20Mi"));
        assertTrue(problems(smallDisk).get(0).startsWith("spec.cache.disks: leaves the cache 20971520 bytes"), problems(smallDisk).toString());
        ObjectNode enough = cacheParent();
        cache(enough).putArray("disks").add(Json.MAPPER.createObjectNode().put("name", "d").put("type", "data").put("capacity", "32Mi"));
        assertEquals(List.of(), problems(enough));
    }

    @Test
    void badOriginsBlockSizesPrefetchAndPurgeIntervalsAreRefused() {
        for (String origin : List.of("origin.example.org", "origin.example.org:99999", "root://o:1094", "a b:1094", "")) {
            ObjectNode parent = cacheParent();
            cache(parent).put("origin", origin);
            assertEquals(1, problems(parent).size(), origin);
            assertTrue(problems(parent).get(0).startsWith("spec.cache.origin"), problems(parent).toString());
        }
        ObjectNode clientChosen = cacheParent();
        cache(clientChosen).put("origin", "=");
        assertEquals("=", Samples.model(clientChosen).cache().origin());
        for (String block : List.of("32Ki", "32Mi", "65537", "100000")) {
            ObjectNode parent = cacheParent();
            cache(parent).put("blockSize", block);
            assertEquals(List.of("spec.cache.blockSize: must be between 64Ki and 16Mi and a multiple of 4Ki (pfc.blocksize)"), problems(parent), block);
        }
        ObjectNode prefetch = cacheParent();
        cache(prefetch).put("prefetch", 129);
        assertEquals(List.of("spec.cache.prefetch: must be between 0 and 128, got 129"), problems(prefetch));
        for (int seconds : new int[] {59, 3601}) {
            ObjectNode purge = cacheParent();
            cache(purge).put("purgeIntervalSeconds", seconds);
            assertEquals(List.of("spec.cache.purgeIntervalSeconds: must be between 60 and 3600, got " + seconds), problems(purge));
        }
        ObjectNode missing = Samples.parent("xc");
        Samples.spec(missing).putObject("cache");
        assertTrue(problems(missing).get(0).startsWith("spec.cache.origin: is required"), problems(missing).toString());
        ObjectNode unknown = cacheParent();
        cache(unknown).put("RamSize", "2g");
        assertEquals(List.of("spec.cache.RamSize: is not a field of spec.cache"), problems(unknown));
    }

    @Test
    void disksNeedUniqueNamesThatNoPodVolumeUsesAndAKnownType() {
        ObjectNode twice = cacheParent();
        twice.withObject("/spec/cache").putArray("disks")
                .add(Json.MAPPER.createObjectNode().put("name", "d").put("type", "data").put("capacity", "1Gi"))
                .add(Json.MAPPER.createObjectNode().put("name", "d").put("type", "meta").put("capacity", "1Gi"));
        assertEquals(List.of("spec.cache.disks[1].name: 'd' is used twice"), problems(twice));
        for (String reserved : List.of("data", "meta", "public")) {
            ObjectNode parent = cacheParent();
            parent.withObject("/spec/cache").putArray("disks")
                    .add(Json.MAPPER.createObjectNode().put("name", reserved).put("type", "meta").put("capacity", "1Gi"));
            assertEquals(1, problems(parent).size(), reserved);
            assertTrue(problems(parent).get(0).startsWith("spec.cache.disks[0].name: '" + reserved + "' is reserved"), problems(parent).toString());
        }
        ObjectNode badType = cacheParent();
        badType.withObject("/spec/cache").putArray("disks")
                .add(Json.MAPPER.createObjectNode().put("name", "d").put("type", "ssd").put("capacity", "1Gi"));
        assertEquals(List.of("spec.cache.disks[0].type: must be data (cached blocks) or meta (.cinfo files)"), problems(badType));
    }

    @Test
    void aMemoryRequestOrLimitBelowTheRamIsRefused() throws Exception {
        ObjectNode parent = cacheParent();
        cache(parent).put("ramSize", "2Gi");
        ((ObjectNode) Samples.spec(parent).get("worker")).set("resources",
                Json.MAPPER.readTree("{\"requests\":{\"memory\":\"1Gi\"},\"limits\":{\"memory\":\"1536Mi\"}}"));
        List<String> problems = problems(parent);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("spec.worker.resources.requests.memory: (1Gi) is below spec.cache.ramSize (2Gi)"), problems.toString());
        assertTrue(problems.get(1).startsWith("spec.worker.resources.limits.memory: (1536Mi) is below"), problems.toString());
        ((ObjectNode) Samples.spec(parent).get("worker")).set("resources", Json.MAPPER.readTree("{\"requests\":{\"memory\":\"3Gi\"}}"));
        assertEquals(List.of(), problems(parent));
    }

    @Test
    void directivesForTpcTokensOrTheCachesOwnLinesAreRefused() {
        for (String line : List.of("ofs.tpc pgm /usr/bin/xrdcp", "http.exthandler xrdtpc libXrdHttpTPC.so",
                "ofs.authlib ++ libXrdAccSciTokens.so", "sec.protocol ztn", "pss.origin other:1094", "pfc.ram 8g", "oss.space data /x")) {
            ObjectNode parent = cacheParent();
            Samples.spec(parent).putObject("config").putArray("worker").add(line);
            List<String> problems = problems(parent);
            assertEquals(1, problems.size(), line + ": " + problems);
            assertTrue(problems.get(0).startsWith("spec.config.worker: '" + line.split(" ")[0] + "'"), problems.toString());
        }
        // Without spec.cache the same directives are a data server's business.
        ObjectNode plain = Samples.parent("xc");
        Samples.spec(plain).putObject("config").putArray("worker").add("ofs.tpc pgm /usr/bin/xrdcp");
        assertEquals(List.of(), problems(plain));
        // Tuning the cache does not name a directive the hook renders.
        ObjectNode tuned = cacheParent();
        Samples.spec(tuned).putObject("config").putArray("worker").add("pfc.writequeue 16 4");
        assertEquals(List.of(), problems(tuned));
    }
}
