package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.seconds;
import static org.xrootd.hook.daemons.DaemonRun.since;
import static org.xrootd.hook.daemons.DaemonRun.waitFor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.xrootd.hook.testkit.Tiers;

/**
 * Issue 18, XCache, on real xrootd 5.5.3: an origin Xrootd (1 redirector, 1 plain data server) and a cache
 * Xrootd in front of it (spec.cache: 1 redirector, 2 cache workers, each with a data disk and a meta disk,
 * each disk a tmpfs of its claim's size), both exactly as the hook renders them, on one pod network and
 * cluster DNS.
 *
 * <ul>
 *   <li>Files written to the origin and read through the cache's redirector have the origin's bytes
 *       (SHA-256 of both); each lands on exactly one cache worker (the cache-redirector tuning), its blocks
 *       on that worker's data disk and its .cinfo on its meta disk, nothing of it on the other worker.
 *   <li>With the origin's pods stopped the cached files still read correctly through the cache's
 *       redirector: the second reads are served from the caches. Miss and hit times are reported.
 *   <li>A write through the cache's redirector is refused, and nothing is created on the origin.
 *   <li>With watermarks 0.3 and 0.5 of the 64 MiB data disks, reading 24 more files fills a disk past the
 *       high mark; within 5 minutes (5.5.3 checks every purge interval, 60 s, and spares files read since
 *       the previous check) a purge removes files on each such disk (the worker's log, least recently used
 *       first, aiming at the low mark), every disk is below the high mark, and every file still reads correctly.
 * </ul>
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XCacheRealDaemonTest {
    private static final int FILES = 4;
    private static final int FILE_BYTES = 3 << 20;
    /** Files read after the first ones to fill the caches past the high watermark: 24 × 3 MiB over 2 caches. */
    private static final int PURGE_FILES = 24;

    private DaemonRun run;
    private LocalCluster cluster;
    private LocalPod cacheRedirector;
    private List<LocalPod> origin;
    private final Map<String, byte[]> originFiles = new java.util.LinkedHashMap<>();

    @BeforeAll
    void startBoth() throws Exception {
        run = DaemonRun.open("xcache");
        JsonNode originResponse = run.sync("origin", DaemonRun.spec(1, 1), 1);
        String originRedirector = redirectorFqdn(originResponse);

        ObjectNode cacheSpec = DaemonRun.spec(1, 2);
        ObjectNode cache = cacheSpec.putObject("cache");
        cache.put("origin", originRedirector + ":1094");
        cache.put("ramSize", "1Gi");
        cache.put("blockSize", "256Ki");
        cache.put("prefetch", 4);
        cache.put("purgeIntervalSeconds", 60);
        // Low marks, so that a few files fill a 64 MiB data disk past the high one: 19.2 MiB and 32 MiB.
        cache.put("lowWaterMark", 0.3).put("highWaterMark", 0.5);
        // The purges in the worker's log (Purge(): ... bytes to remove, files removed).
        cacheSpec.putObject("config").putArray("worker").add("pfc.trace info");
        var disks = cache.putArray("disks");
        disks.addObject().put("name", "blocks").put("type", "data").put("capacity", "64Mi");
        disks.addObject().put("name", "cinfo").put("type", "meta").put("capacity", "32Mi");
        JsonNode cacheResponse = run.sync("cache", cacheSpec, 1);
        assertEquals("Cache", cacheResponse.path("status").path("mode").asText(), "status.mode: " + cacheResponse.path("status"));
        assertEquals(originRedirector + ":1094", cacheResponse.path("status").path("cache").path("origin").asText());

        cluster = run.cluster(cacheResponse, Map.of());
        String config = cluster.xrootdConfig();
        for (String line : List.of("ofs.osslib libXrdPss.so", "pss.cachelib libXrdPfc.so", "pss.origin " + originRedirector + ":1094",
                "cms.sched maxretries 0 nomultisrc", "pfc.spaces data meta", "pfc.diskusage 19660k 32m purgeinterval 60s")) {
            assertTrue(config.contains(line), "the cache's xrootd.cf has " + line + ":\n" + config);
        }
        // Each claim its own filesystem of the claim's size, as a PVC is: oss counts a space's filesystems
        // by device, and directories on one host filesystem would be one device for both disks.
        for (LocalPod worker : cluster.workers) {
            tmpfs(worker.claim("cache-blocks"), "64m");
            tmpfs(worker.claim("cache-cinfo"), "32m");
        }
        origin = cluster.neighbour(originResponse);
        cacheRedirector = cluster.redirectors.get(0);
        run.timingsHeader("XCache real-daemon timings (xrootd " + DaemonRun.VERSION + ", origin 1+1, cache 1 redirector + 2 workers):");
        run.explain(() -> {
            long start = System.nanoTime();
            origin.forEach(LocalPod::start);
            for (LocalPod pod : origin) {
                waitFor(Duration.ofSeconds(60), () -> cluster.ready(pod), pod + " ready");
            }
            run.timings.put("origin: pods started -> ready", seconds(since(start)));
        });
        run.explain(() -> run.startAllAndWaitReady("cache cold start"));
    }

    @AfterAll
    void stopEverything() throws IOException {
        try {
            if (run != null) {
                run.close();
            }
        } finally {
            for (Path mount : mounts) {
                try {
                    new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private final List<Path> mounts = new ArrayList<>();

    private void tmpfs(Path dir, String size) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString()).inheritIO().start();
        assertEquals(0, mount.waitFor(), "mount a tmpfs on " + dir);
        mounts.add(dir);
    }

    /** The origin's redirector pod by its full DNS name (the cache's pss.origin). */
    private static String redirectorFqdn(JsonNode response) {
        for (JsonNode child : response.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText())
                    && "redirector".equals(child.path("metadata").path("labels").path("app.kubernetes.io/component").asText())) {
                return child.path("metadata").path("name").asText() + "-0." + child.path("spec").path("serviceName").asText() + "."
                        + DaemonRun.NAMESPACE + ".svc." + PodNetwork.CLUSTER_DOMAIN;
            }
        }
        throw new IllegalStateException("no redirector StatefulSet in the origin's response");
    }

    private String originUrl(String lfn) {
        return "root://" + LocalCluster.dnsName(origin.get(0)) + ":" + cluster.xrootdPort + "/" + lfn;
    }

    @Test
    @Order(1)
    void readsThroughTheCacheReturnTheOriginsBytesAndLandOnOneWorker() {
        run.explain(() -> {
            Random random = new Random(18);
            for (int i = 1; i <= FILES; i++) {
                byte[] content = new byte[FILE_BYTES];
                random.nextBytes(content);
                String lfn = "/data/xcache-" + i + ".bin";
                Path source = run.clientFile("origin-" + i + ".bin", content);
                Procs.Result put = cluster.client(DaemonRun.CLIENT_TIMEOUT, "xrdcp", "-s", source.toString(), originUrl(lfn));
                assertTrue(put.ok(), "write to the origin: " + put);
                originFiles.put(lfn, content);
            }
            List<Double> misses = new ArrayList<>();
            for (String lfn : originFiles.keySet()) {
                Path back = run.clientFile(name(lfn) + ".miss");
                long start = System.nanoTime();
                Procs.Result get = cluster.client(DaemonRun.CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(cacheRedirector, lfn),
                        back.toString());
                misses.add(since(start).toMillis() / 1000.0);
                assertTrue(get.ok(), "first read through the cache: " + get);
                assertEquals(sha256(originFiles.get(lfn)), sha256(DaemonRun.bytes(back)), lfn + " through the cache (SHA-256)");
            }
            run.timings.put("first reads (misses, " + (FILE_BYTES >> 20) + " MiB each) through the cache redirector, s", misses.toString());
            for (String lfn : originFiles.keySet()) {
                // The blocks are written to disk behind the client's read: wait until the cache holds them all.
                waitFor(Duration.ofSeconds(30), () -> holders(lfn).size() == 1
                        && dataFile(holders(lfn).get(0), lfn).map(p -> size(p) >= FILE_BYTES).orElse(false), lfn + " complete in one cache");
                LocalPod holder = holders(lfn).get(0);
                Path blocks = dataFile(holder, lfn).orElseThrow();
                assertTrue(blocks.startsWith(holder.claim("cache-blocks")), lfn + ": blocks on the data disk of " + holder + ": " + blocks);
                Path cinfo = cached(holder, lfn, ".cinfo").orElseThrow(() -> new AssertionError(lfn + ": no .cinfo on " + holder));
                assertTrue(cinfo.startsWith(holder.claim("cache-cinfo")), lfn + ": .cinfo on the meta disk of " + holder + ": " + cinfo);
                assertArrayEquals(originFiles.get(lfn), DaemonRun.bytes(blocks), lfn + ": the bytes on " + holder + "'s data disk");
            }
            run.timings.put("cached files per worker", cluster.workers.stream()
                    .map(w -> w.name + "=" + originFiles.keySet().stream().filter(lfn -> dataFile(w, lfn).isPresent()).count()).toList()
                    .toString());
        });
    }

    @Test
    @Order(2)
    void aWriteThroughTheCacheIsRefused() {
        run.explain(() -> {
            Path source = run.clientFile("refused.bin", "not for a cache\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Procs.Result put = cluster.client(DaemonRun.CLIENT_TIMEOUT, "xrdcp", "-s", source.toString(),
                    cluster.rootUrl(cacheRedirector, "/data/refused.bin"));
            assertFalse(put.ok(), "a write through the cache must fail: " + put);
            Procs.Result stat = cluster.client(DaemonRun.CLIENT_TIMEOUT, "xrdfs", LocalCluster.dnsName(origin.get(0)) + ":"
                    + cluster.xrootdPort, "stat", "/data/refused.bin");
            assertFalse(stat.ok(), "nothing reached the origin: " + stat);
            run.timings.put("write through the cache", "refused: " + put.output().strip().lines().reduce((a, b) -> b).orElse(""));
        });
    }

    @Test
    @Order(3)
    void readingPastTheHighWatermarkPurgesBelowTheLowOneAndFilesStillReadCorrectly() {
        run.explain(() -> {
            Random random = new Random(1818);
            List<String> more = new ArrayList<>();
            for (int i = FILES + 1; i <= FILES + PURGE_FILES; i++) {
                byte[] content = new byte[FILE_BYTES];
                random.nextBytes(content);
                String lfn = "/data/xcache-" + i + ".bin";
                Path source = run.clientFile("origin-" + i + ".bin", content);
                Procs.Result put = cluster.client(DaemonRun.CLIENT_TIMEOUT, "xrdcp", "-s", source.toString(), originUrl(lfn));
                assertTrue(put.ok(), "write to the origin: " + put);
                originFiles.put(lfn, content);
                more.add(lfn);
            }
            long high = 32L << 20;
            Map<LocalPod, Long> peak = new java.util.LinkedHashMap<>();
            for (String lfn : more) {
                readThroughCache(lfn, ".fill");
                // A purge may come while the caches fill (a check every 60 s): watch each disk's peak.
                cluster.workers.forEach(w -> peak.merge(w, used(w, "cache-blocks"), Math::max));
            }
            long filled = System.nanoTime();
            run.timings.put("data disks at their peak while filling / after, MiB", cluster.workers.stream()
                    .map(w -> w.name + "=" + (peak.get(w) >> 20) + "/" + (used(w, "cache-blocks") >> 20)).toList().toString());
            List<LocalPod> filledPastHigh = cluster.workers.stream().filter(w -> peak.get(w) > high).toList();
            assertFalse(filledPastHigh.isEmpty(), "a data disk above the high watermark (32 MiB) while reading "
                    + PURGE_FILES + " files of 3 MiB: " + peak);
            // 5.5.3 checks every purge interval (60 s) and spares the files read since the previous check.
            // Each disk that went past the high watermark has had a purge that removed files (least recently used
            // first, aiming at the low watermark: "bytes to remove at end" <= 0 when it got there), and every disk is
            // back below the high watermark. 5.5.3 spares the files read since the previous check ("protected"),
            // so a purge right after a fill may stop between the marks, and the disk rests there (a purge starts
            // only above the high mark). Sampled every 10 s, 5 minutes at most.
            List<String> timeline = new ArrayList<>();
            boolean purged = false;
            while (!purged && since(filled).compareTo(Duration.ofMinutes(5)) < 0) {
                DaemonRun.sleep(Duration.ofSeconds(10));
                timeline.add(Math.round(since(filled).toMillis() / 1000.0) + "s:" + cluster.workers.stream()
                        .map(w -> Long.toString(used(w, "cache-blocks") >> 20)).toList());
                purged = cluster.workers.stream().allMatch(w -> used(w, "cache-blocks") <= high)
                        && filledPastHigh.stream().allMatch(w -> !purges(w).isEmpty());
            }
            run.timings.put("data disks (MiB) every 10 s after the fill", timeline.toString());
            filledPastHigh.forEach(w -> run.timings.put(w.name + " purges (time: files removed, bytes, bytes short of the low mark)",
                    purges(w).toString()));
            assertTrue(purged, "a purge on every disk past the high watermark, and every disk below it, within "
                    + "5 minutes: " + timeline + "; purges: " + cluster.workers.stream().map(w -> w.name + "=" + purges(w)).toList());
            // Every file still reads correctly (purged ones from the origin again); the first ones last, so
            // that they are the most recently used when the origin stops.
            List<String> order = new ArrayList<>(more);
            order.addAll(originFiles.keySet().stream().limit(FILES).toList());
            for (String lfn : order) {
                readThroughCache(lfn, ".after");
            }
        });
    }

    /** Reads a file through the cache's redirector, checks its SHA-256 against the origin's, returns seconds. */
    private double readThroughCache(String lfn, String suffix) {
        Path back = run.clientFile(name(lfn) + suffix);
        long start = System.nanoTime();
        Procs.Result get = cluster.client(DaemonRun.CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(cacheRedirector, lfn), back.toString());
        double took = since(start).toMillis() / 1000.0;
        assertTrue(get.ok(), "read through the cache: " + get);
        assertEquals(sha256(originFiles.get(lfn)), sha256(DaemonRun.bytes(back)), lfn + " through the cache (SHA-256)");
        return took;
    }

    @Test
    @Order(4)
    void secondReadsAreServedByTheCachesWithTheOriginStopped() {
        run.explain(() -> {
            origin.forEach(LocalPod::stop);
            List<Double> hits = new ArrayList<>();
            for (String lfn : originFiles.keySet().stream().limit(FILES).toList()) {
                Path back = run.clientFile(name(lfn) + ".hit");
                long start = System.nanoTime();
                Procs.Result get = cluster.client(DaemonRun.CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(cacheRedirector, lfn),
                        back.toString());
                hits.add(since(start).toMillis() / 1000.0);
                assertTrue(get.ok(), "second read through the cache with the origin stopped: " + get);
                assertEquals(sha256(originFiles.get(lfn)), sha256(DaemonRun.bytes(back)), lfn + " from the cache (SHA-256)");
            }
            run.timings.put("second reads (hits, origin stopped) through the cache redirector, s", hits.toString());
            for (String lfn : originFiles.keySet().stream().limit(FILES).toList()) {
                assertEquals(1, holders(lfn).size(), lfn + " still in exactly one cache");
            }
        });
    }

    private List<LocalPod> holders(String lfn) {
        return cluster.workers.stream().filter(w -> dataFile(w, lfn).isPresent()).toList();
    }

    /**
     * Where a file's blocks ({@code suffix} "") or its .cinfo ({@code suffix} ".cinfo") are on a worker's
     * host: oss keeps a space's files under hashed names and links them from the worker volume
     * (oss.localroot + the file's name), so the link's target, seen through the pod's mounts.
     */
    private static java.util.Optional<Path> cached(LocalPod worker, String lfn, String suffix) {
        Path link = worker.claim("data").resolve(lfn.substring(1) + suffix);
        if (!Files.isSymbolicLink(link)) {
            return java.util.Optional.empty();
        }
        try {
            Path target = Files.readSymbolicLink(link);
            Path host = worker.hostPath("xrootd", target.toString());
            return Files.isRegularFile(host) ? java.util.Optional.of(host) : java.util.Optional.empty();
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    private static java.util.Optional<Path> dataFile(LocalPod worker, String lfn) {
        return cached(worker, lfn, "");
    }

    private static final java.util.regex.Pattern PURGE = java.util.regex.Pattern.compile(
            "(\\d\\d:\\d\\d:\\d\\d) \\d+ XrdPfc_Cache: info Purge\\(\\) Finished, removed ([1-9]\\d*) data files, total size (\\d+), "
            + "bytes to remove at end (-?\\d+)");

    /**
     * The purges in a worker's xrootd log (pfc.trace info) that removed files: "time: files, bytes, short"
     * where short is what the purge still lacked to reach the low watermark (0 or less: it got there).
     */
    private static List<String> purges(LocalPod worker) {
        List<String> purges = new ArrayList<>();
        var matcher = PURGE.matcher(DaemonRun.read(worker.log("xrootd")));
        while (matcher.find()) {
            purges.add(matcher.group(1) + ": " + matcher.group(2) + " files, " + matcher.group(3) + " bytes, short " + matcher.group(4));
        }
        return purges;
    }

    /** Bytes in use on a worker's disk (its own tmpfs), as statvfs tells XRootD. */
    private static long used(LocalPod worker, String claim) {
        try {
            var store = Files.getFileStore(worker.claim(claim));
            return store.getTotalSpace() - store.getUnallocatedSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String name(String lfn) {
        return lfn.substring(lfn.lastIndexOf('/') + 1);
    }

    private static long size(Path path) {
        try {
            return Files.size(path);
        } catch (IOException e) {
            return -1;
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
