package org.xrootd.hook.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The drain Job's progress lines (children/drain.sh sends them) as the monitor takes them: parsed strictly,
 * kept per worker in the store beside the reports, and carried by the insight of their cluster only.
 */
class DrainProgressTest {
    private static final String UID = "5d1c7e2a-0000-4000-8000-00000000abcd";
    private static final String LINE = "xrootd-drain 1 cluster=base worker=base-xrootd-worker-2 job=" + UID
            + " state=running pass=1 files_done=12 bytes_done=3600 files_left=38 bytes_left=11400\n";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static Optional<DrainProgress> parse(String s) {
        byte[] b = bytes(s);
        return DrainProgress.parse(b, b.length);
    }

    @Test
    void aWellFormedLineIsRead() {
        assertEquals(Optional.of(new DrainProgress("base", "base-xrootd-worker-2", UID, "running", 1, 12, 3600, 38, 11400)), parse(LINE));
        // Outside a Job (no uid): still a line; the status matches it to no Job.
        assertEquals("", parse(LINE.replace(UID, "")).orElseThrow().job());
    }

    @Test
    void anythingElseIsRefused() {
        for (String bad : List.of(
                "", "xrootd-drain", "<statistics pgm=\"xrootd\"/>",
                LINE.replace("xrootd-drain 1", "xrootd-drain 2"),
                LINE.replace("state=running", "state=paused"),
                LINE.replace("state=running ", ""),
                LINE.replace("files_left=38", "files_left=-1"),
                LINE.replace("files_left=38", "files_left=1e3"),
                LINE.replace("bytes_left=11400", "bytes_left=99999999999999999999"),
                LINE.replace("worker=base-xrootd-worker-2", "worker=Bad_Name"),
                LINE.replace("cluster=base", "cluster="),
                LINE.replace("job=" + UID, "job=<script>"),
                LINE.replace(" pass=1", " pass=1 pass=2"),
                LINE.replace(" pass=1", " pass"),
                LINE + "x".repeat(2000))) {
            assertEquals(Optional.empty(), parse(bad), bad);
        }
    }

    @Test
    void theStoreKeepsTheLatestLinePerWorkerAndCountsMalformedOnes() {
        AtomicLong now = new AtomicLong(1_000);
        ReportStore store = new ReportStore(now::get, Duration.ofMinutes(10), Duration.ofSeconds(90));
        byte[] first = bytes(LINE);
        assertFalse(store.offer(first, first.length).ok(), "a progress line is not a report");
        long version = store.viewVersion();
        byte[] again = bytes(LINE);
        store.offer(again, again.length);
        assertEquals(version, store.viewVersion(), "the same figures again do not change the view");
        byte[] next = bytes(LINE.replace("files_done=12", "files_done=13").replace("files_left=38", "files_left=37"));
        now.addAndGet(1_000);
        store.offer(next, next.length);
        assertNotEquals(version, store.viewVersion());
        assertEquals(1, store.drains().size());
        assertEquals(3, store.drainLines(), "counted apart from the reports");
        assertEquals(0, store.accepted());
        assertEquals(13, store.drains().get(0).progress().filesDone());
        assertEquals(2_000, store.drains().get(0).receivedMillis());
        byte[] malformed = bytes("xrootd-drain 1 cluster=base");
        long rejected = store.rejected();
        store.offer(malformed, malformed.length);
        assertEquals(rejected + 1, store.rejected());
        assertTrue(store.entries().isEmpty(), "no report was kept");
        now.addAndGet(Duration.ofMinutes(11).toMillis());
        assertEquals(List.of(), store.drains(), "forgotten after the forget period");
    }

    @Test
    void theInsightCarriesTheDrainsOfItsClusterOnlyAndMarksSilentOnesStale() {
        AtomicLong now = new AtomicLong(1_000);
        ReportStore store = new ReportStore(now::get, Duration.ofMinutes(10), Duration.ofSeconds(90));
        byte[] ours = bytes(LINE);
        store.offer(ours, ours.length);
        byte[] theirs = bytes(LINE.replace("cluster=base worker=base-xrootd-worker-2", "cluster=other worker=other-xrootd-worker-5"));
        store.offer(theirs, theirs.length);
        Insight insight = Insight.of("base", store.entries(), store.drains(), now.get(), Duration.ofSeconds(30));
        assertEquals(List.of(new Insight.Drain("base-xrootd-worker-2", UID, "running", false, 1, 12, 3600, 38, 11400)), insight.drains());
        assertTrue(insight.toJson().contains("\"drains\":[{\"pod\":\"base-xrootd-worker-2\",\"job\":\"" + UID
                + "\",\"state\":\"running\",\"stale\":false,\"pass\":1,\"filesDone\":12,\"bytesDone\":3600,\"filesLeft\":38,"
                + "\"bytesLeft\":11400}]"), insight.toJson());
        Insight later = Insight.of("base", store.entries(), store.drains(), now.get() + 91_000, Duration.ofSeconds(30));
        assertTrue(later.drains().get(0).stale(), "silent for 3 intervals");
        // Without a drain the insight reads exactly as before drains existed.
        assertFalse(new Insight("base", List.of(), List.of()).toJson().contains("drains"));
    }
}
