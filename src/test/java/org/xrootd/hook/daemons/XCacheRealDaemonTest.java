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
 *   <li>A write through the cache's redirector is refused, and nothing is created on the origin.
 *   <li>With the origin's pods stopped the cached files still read correctly through the cache's
 *       redirector: the second reads are served from the caches. Miss and hit times are reported. The
 *       origin starts again for the purge.
 *   <li>The purge, on 5.5.3's rules (a check every purge interval, 60 s at least; a file opened since the
 *       previous check is spared once): with watermarks 0.3 and 0.5 of the 64 MiB data disks, one cache is
 *       filled by reads at it to just under the high mark, one check passes, one more file takes it past the
 *       high mark; within two purge intervals its data disk ({@code du}) is at or below the low mark, the
 *       worker's log shows the purge, and every file still reads correctly through the redirector.
 * </ul>
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XCacheRealDaemonTest {
    private static final int FILES = 4;
    private static final int FILE_BYTES = 3 << 20;
    /** Each worker's data disk (a tmpfs of the claim's size), the spec's watermarks on it, and its purge interval. */
    private static final long DATA_DISK_BYTES = 64L << 20;
    private static final double LOW_MARK = 0.3;
    private static final double HIGH_MARK = 0.5;
    private static final int PURGE_SECONDS = 60;

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
        cache.put("purgeIntervalSeconds", PURGE_SECONDS);
        // Low marks, so that a few files fill a 64 MiB data disk past the high one: 19.2 MiB and 32 MiB.
        cache.put("lowWaterMark", LOW_MARK).put("highWaterMark", HIGH_MARK);
        // The purge checks in the worker's log (Purge() Finished, removed N data files, ..., bytes to remove at end).
        cacheSpec.putObject("config").putArray("worker").add("pfc.trace info");
        var disks = cache.putArray("disks");
        disks.addObject().put("name", "blocks").put("type", "data").put("capacity", (DATA_DISK_BYTES >> 20) + "Mi");
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
            tmpfs(worker.claim("cache-blocks"), (DATA_DISK_BYTES >> 20) + "m");
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

    /**
     * Reads a file from {@code server} (the cache's redirector, or one cache worker directly), checks its
     * SHA-256 against the origin's, returns seconds.
     */
    private double readThroughCache(LocalPod server, String lfn, String suffix) {
        Path back = run.clientFile(name(lfn) + suffix);
        long start = System.nanoTime();
        Procs.Result get = cluster.client(DaemonRun.CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(server, lfn), back.toString());
        double took = since(start).toMillis() / 1000.0;
        assertTrue(get.ok(), "read through the cache (" + server + "): " + get);
        assertEquals(sha256(originFiles.get(lfn)), sha256(DaemonRun.bytes(back)), lfn + " through the cache (SHA-256)");
        return took;
    }

    /**
     * The purge, made deterministic on 5.5.3's rules: one worker's data disk is filled through that cache to
     * just under the high watermark; one purge check passes (nothing to purge, and it forgets the files read
     * before it: 5.5.3 spares a file opened since the previous check); one more file takes the disk past the
     * high watermark. Within two purge intervals of that moment the disk must be at or below the low
     * watermark. Usage is what {@code du} finds on the data disk (the cache's data files; their .cinfo are
     * on the meta disk), nothing of the hook's.
     */
    @Test
    @Order(4)
    void readingPastTheHighWatermarkPurgesBelowTheLowOneWithinTwoPurgeIntervals() {
        run.explain(() -> {
            long restart = System.nanoTime();
            origin.forEach(LocalPod::start); // the hits scenario stopped it
            for (LocalPod pod : origin) {
                waitFor(Duration.ofSeconds(60), () -> cluster.ready(pod), pod + " ready again");
            }
            run.timings.put("purge: origin restarted -> ready", seconds(since(restart)));
            LocalPod worker = cluster.workers.get(0);
            Path disk = worker.claim("cache-blocks");
            // The spec's marks, fractions of the data disk (the hook renders them as sizes: 19660k and 32m).
            long low = (long) Math.floor(LOW_MARK * DATA_DISK_BYTES);
            long high = (long) Math.floor(HIGH_MARK * DATA_DISK_BYTES);
            long start = du(disk);
            int fill = (int) ((high - 1 - start) / FILE_BYTES);
            assertTrue(fill >= 2, worker + "'s data disk holds " + start + " bytes already; the fill needs room below " + high);
            Random random = new Random(1818);
            List<String> files = new ArrayList<>();
            for (int i = 1; i <= fill + 1; i++) {
                byte[] content = new byte[FILE_BYTES];
                random.nextBytes(content);
                String lfn = "/data/xcache-purge-" + i + ".bin";
                Path source = run.clientFile("origin-purge-" + i + ".bin", content);
                Procs.Result put = cluster.client(DaemonRun.CLIENT_TIMEOUT, "xrdcp", "-s", source.toString(), originUrl(lfn));
                assertTrue(put.ok(), "write to the origin: " + put);
                originFiles.put(lfn, content);
                files.add(lfn);
            }
            // 1. Fill through this cache (read at the worker itself, so that every file lands on its disk).
            long fillStart = System.nanoTime();
            for (int i = 0; i < fill; i++) {
                readThroughCache(worker, files.get(i), ".fill");
                long expected = start + (long) (i + 1) * FILE_BYTES;
                waitFor(Duration.ofSeconds(30), () -> du(disk) >= expected, files.get(i) + "'s blocks on " + worker + "'s data disk");
            }
            long filled = du(disk);
            run.timings.put("purge: fill of " + worker.name + " (" + fill + " files of " + (FILE_BYTES >> 20) + " MiB read at the worker)",
                    seconds(since(fillStart)) + ", data disk " + start + " -> " + filled + " bytes (high mark " + high + ")");
            assertTrue(filled <= high && filled > high - FILE_BYTES, "the data disk just under the high watermark (" + high + "): " + filled);
            // 2. One purge check passes below the high mark: it removes nothing and forgets the fill's files.
            int checks = checks(worker).size();
            long checkWait = System.nanoTime();
            waitFor(Duration.ofSeconds(PURGE_SECONDS + 15), () -> checks(worker).size() > checks, "a purge check on " + worker
                    + " (pfc.trace info)");
            run.timings.put("purge: wait for the next purge check", seconds(since(checkWait)));
            assertEquals(filled, du(disk), "a check below the high watermark purges nothing");
            // 3. One more file: the disk crosses the high mark.
            readThroughCache(worker, files.get(fill), ".cross");
            waitFor(Duration.ofSeconds(30), () -> du(disk) > high, "the data disk past the high watermark (" + high + ")");
            long crossed = System.nanoTime();
            long peak = du(disk);
            run.timings.put("purge: crossing", "data disk " + peak + " bytes > high mark " + high + " (statvfs, XRootD's view: "
                    + used(worker, "cache-blocks") + ")");
            // 4. At or below the low mark within two purge intervals (5.5.3 checks every interval).
            int checksBefore = checks(worker).size();
            Duration limit = Duration.ofSeconds(2L * PURGE_SECONDS);
            List<String> timeline = new ArrayList<>();
            long last = peak;
            long used = peak;
            while (used > low && since(crossed).compareTo(limit) <= 0) {
                DaemonRun.sleep(Duration.ofSeconds(1));
                used = du(disk);
                if (used != last) {
                    timeline.add(Math.round(since(crossed).toMillis() / 1000.0) + " s: " + used);
                    last = used;
                }
            }
            Duration purgedAfter = since(crossed);
            run.timings.put("purge: data disk (bytes) after the crossing", timeline.toString());
            List<String> after = checks(worker).stream().skip(checksBefore).toList();
            run.timings.put("purge: " + worker.name + "'s checks after the crossing (worker log: time: files removed, bytes, short of the low mark)",
                    after.toString());
            assertTrue(used <= low, "the data disk at or below the low watermark (" + low + " bytes) within " + limit.toSeconds()
                    + " s of crossing the high one (" + high + "): " + timeline + "; purge checks in the log: " + checks(worker));
            run.timings.put("purge: at or below the low mark after", seconds(purgedAfter) + ", data disk " + peak + " -> " + used
                    + " bytes (low mark " + low + ")");
            // The space came back by a purge (nothing else deletes a cache's files): a check after the crossing removed files.
            assertTrue(after.stream().anyMatch(c -> !c.contains(": 0 files")), "a purge check after the crossing removed files: " + after);
            // 5. Every file still reads correctly through the redirector (the purged ones from the origin again).
            List<String> again = new ArrayList<>(files);
            again.addAll(originFiles.keySet().stream().limit(FILES).toList());
            for (String lfn : again) {
                readThroughCache(cacheRedirector, lfn, ".after");
            }
        });
    }

    /** Bytes the files under {@code dir} take on disk, as GNU du counts them (allocated blocks). */
    private long du(Path dir) {
        Procs.Result du = run.procs.run(List.of("du", "-s", "-B1", dir.toString()), Duration.ofSeconds(30));
        assertTrue(du.ok(), "du " + dir + ": " + du);
        return Long.parseLong(du.output().strip().split("\\s+")[0]);
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

    private static final java.util.regex.Pattern CHECK = java.util.regex.Pattern.compile(
            "(\\d\\d:\\d\\d:\\d\\d) \\d+ XrdPfc_Cache: info Purge\\(\\) Finished, removed (\\d+) data files, total size (-?\\d+), "
            + "bytes to remove at end (-?\\d+)");

    /**
     * The purge checks in a worker's xrootd log (pfc.trace info logs one line at the end of each), as
     * "time: files removed, bytes removed, short" where short is what the purge still lacked to reach the
     * low watermark (0 or less: it got there).
     */
    private static List<String> checks(LocalPod worker) {
        return CHECK.matcher(DaemonRun.read(worker.log("xrootd"))).results()
                .map(m -> m.group(1) + ": " + m.group(2) + " files, " + m.group(3) + " bytes, short " + m.group(4)).toList();
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
