package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.model.SpecParser;
import org.xrootd.hook.testkit.Samples;

/**
 * drain.sh, run by /bin/sh against stand-in xrdfs and xrdcp that keep each "server" in a directory (the
 * real daemons run it in DrainRealDaemonTest): what it moves on success, and every way it must stop
 * without removing a file whose copy was not checked.
 */
class DrainScriptTest {
    /**
     * xrdfs HOST CMD ARGS over $STUB_ROOT/HOST. The redirector (redir:1094) answers from whichever server
     * holds the path. Checksums: the file's cksum (CRC), or "bad" on $STUB_BAD_SUM_HOST.
     */
    private static final String XRDFS = """
            #!/bin/sh
            host="$1"; shift; cmd="$1"; shift
            dir="$STUB_ROOT/$host"
            locate() {
              if [ "$host" = redir:1094 ]; then
                for d in "$STUB_ROOT"/*; do [ -e "$d$1" ] && { echo "$d$1"; return 0; }; done
                return 1
              fi
              [ -e "$dir$1" ] && echo "$dir$1"
            }
            [ -d "$dir" ] || [ "$host" = redir:1094 ] || { echo "[FATAL] Connection error" >&2; exit 51; }
            case "$cmd" in
            query)
              what="$1"; shift
              case "$what" in
              config) echo v5.5.3 ;;
              checksum)
                f="$(locate "$1")" || exit 54
                if [ "$host" = "${STUB_BAD_SUM_HOST:-}" ]; then echo "adler32 bad"; else echo "adler32 $(cksum <"$f" | cut -d' ' -f1)"; fi ;;
              esac ;;
            stat)
              f="$(locate "$1")" || { echo "[ERROR] no such file" >&2; exit 54; }
              echo "Path:   $1"; echo "Size:   $(wc -c <"$f" | tr -d ' ')" ;;
            ls)
              export_path="$3"
              find "$dir$export_path" -mindepth 1 | sort | while read -r p; do
                if [ -d "$p" ]; then echo "drwxr-xr-x u g 4096 2026-01-01 00:00:00 ${p#"$dir"}"
                else echo "-rw-r--r-- u g $(wc -c <"$p" | tr -d ' ') 2026-01-01 00:00:00 ${p#"$dir"}"; fi
              done
              if [ -n "${STUB_ARRIVING:-}" ]; then echo new >"$dir$export_path/arrived-$(date +%s%N)"; fi ;;
            mv) mv "$dir$1" "$dir$2" ;;
            rm)
              status=0
              echo "$host rm $#" >>"$STUB_ROOT/../rm-calls"
              for p in "$@"; do
                if rm "$dir$p" 2>/dev/null; then echo "rm $p : [SUCCESS]"; else echo "rm $p : [ERROR] no such file"; status=54; fi
              done
              exit "$status" ;;
            esac
            """;
    /**
     * xrdcp [--cksum TYPE [--rm-bad-cksum]] ... root://A//path root://B//path, one copy at a time per
     * process: $STUB_TRUNCATE cuts the copy short; with --cksum the end-to-end check (the copy's sum is
     * "bad" on $STUB_BAD_SUM_HOST), which deletes a mismatching copy with --rm-bad-cksum. Every run records
     * how many copies were under way at once in $STUB_ROOT/../concurrent (and sleeps $STUB_COPY_DELAY).
     */
    private static final String XRDCP = """
            #!/bin/sh
            cksum=""; rmbad=""
            while [ $# -gt 2 ]; do
              case "$1" in --cksum) cksum="$2"; shift 2 ;; --rm-bad-cksum) rmbad=1; shift ;; *) shift ;; esac
            done
            src="${1#root://}"; dst="${2#root://}"
            src_host="${src%%/*}"; src_path="/${src#*//}"
            dst_host="${dst%%/*}"; dst_path="/${dst#*//}"
            [ -d "$STUB_ROOT/$dst_host" ] || { echo "Run: [FATAL] Connection error" >&2; exit 51; }
            active="$STUB_ROOT/../active"; mkdir -p "$active"; : >"$active/$$"
            ls "$active" | wc -l >>"$STUB_ROOT/../concurrent"
            sleep "${STUB_COPY_DELAY:-0}"
            mkdir -p "$(dirname "$STUB_ROOT/$dst_host$dst_path")"
            if [ -n "${STUB_TRUNCATE:-}" ]; then head -c 3 "$STUB_ROOT/$src_host$src_path" >"$STUB_ROOT/$dst_host$dst_path"
            else cp "$STUB_ROOT/$src_host$src_path" "$STUB_ROOT/$dst_host$dst_path"; fi
            rm -f "$active/$$"
            if [ -n "$cksum" ]; then
              sum="$(cksum <"$STUB_ROOT/$src_host$src_path" | cut -d' ' -f1)"
              copied="$(cksum <"$STUB_ROOT/$dst_host$dst_path" | cut -d' ' -f1)"
              [ "$dst_host" = "${STUB_BAD_SUM_HOST:-}" ] && copied=bad
              if [ "$sum" != "$copied" ]; then
                [ -z "$rmbad" ] || rm "$STUB_ROOT/$dst_host$dst_path"
                echo "Run: [ERROR] CheckSum error" >&2; exit 53
              fi
            fi
            """;

    private record Run(int status, String output, String termination) {}

    private static Path server(Path root, String host) throws Exception {
        return Files.createDirectories(root.resolve(host));
    }

    private static Run run(Path dir, Map<String, String> extraEnv) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(bin.resolve("xrdfs"), XRDFS);
        Files.writeString(bin.resolve("xrdcp"), XRDCP);
        bin.resolve("xrdfs").toFile().setExecutable(true);
        bin.resolve("xrdcp").toFile().setExecutable(true);
        Path script = Files.writeString(dir.resolve("drain.sh"), DrainJobs.script());
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", script.toString()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
        env.put("STUB_ROOT", dir.resolve("servers").toString());
        env.put("TMPDIR", Files.createDirectories(dir.resolve("tmp")).toString());
        env.put("DRAIN_TERMINATION_LOG", dir.resolve("termination-log").toString());
        env.put("DRAIN_SOURCE", "w2:1094");
        env.put("DRAIN_TARGETS", "w0:1094 w1:1094");
        env.put("DRAIN_REDIRECTOR", "redir:1094");
        env.put("DRAIN_EXPORTS", "/data /store");
        env.put("DRAIN_CHECKSUM", "adler32");
        env.putAll(extraEnv);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        Path log = dir.resolve("termination-log");
        return new Run(process.exitValue(), output, Files.exists(log) ? Files.readString(log).strip() : "");
    }

    /** Three servers; w2 holds /data/a, /data/sub/b c (with a space) and /data/empty (0 bytes). */
    private static Path cluster(Path dir) throws Exception {
        Path servers = dir.resolve("servers");
        server(servers, "w0:1094");
        server(servers, "w1:1094");
        Path w2 = server(servers, "w2:1094");
        Files.createDirectories(w2.resolve("data/sub"));
        Files.writeString(w2.resolve("data/a"), "alpha content\n");
        Files.writeString(w2.resolve("data/sub/b c"), "bravo content, longer\n");
        Files.writeString(w2.resolve("data/empty"), "");
        return servers;
    }

    /** A file already on a server, as an earlier run or a client left it. */
    private static void place(Path servers, String host, String path, String content) throws Exception {
        Path file = servers.resolve(host).resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private static List<String> files(Path server) throws Exception {
        if (!Files.isDirectory(server)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(server)) {
            return walk.filter(Files::isRegularFile).map(p -> "/" + server.relativize(p)).sorted().toList();
        }
    }

    @Test
    void everyFileMovesToTheOthersAndTheTotalsAreReported(@TempDir Path dir) throws Exception {
        Path servers = cluster(dir);
        Run run = run(dir, Map.of());
        assertEquals(0, run.status(), run.output());
        assertEquals(List.of(), files(servers.resolve("w2:1094")), "nothing left on the drained worker");
        Map<String, String> moved = new TreeMap<>();
        for (String host : List.of("w0:1094", "w1:1094")) {
            for (String file : files(servers.resolve(host))) {
                moved.put(file, Files.readString(servers.resolve(host).resolve(file.substring(1))));
            }
        }
        assertEquals(Map.of("/data/a", "alpha content\n", "/data/empty", "", "/data/sub/b c", "bravo content, longer\n"), moved);
        assertFalse(files(servers.resolve("w0:1094")).isEmpty() || files(servers.resolve("w1:1094")).isEmpty(), "round robin");
        assertEquals("done: files=3 bytes=36 source=w2:1094", run.termination());
    }

    @Test
    void aChecksumMismatchStopsBeforeTheSourceIsRemoved(@TempDir Path dir) throws Exception {
        Path servers = cluster(dir);
        Run run = run(dir, Map.of("STUB_BAD_SUM_HOST", "w0:1094", "DRAIN_TARGETS", "w0:1094"));
        assertEquals(1, run.status(), run.output());
        assertTrue(run.termination().startsWith("failed: copy of /data/a from w2:1094 to w0:1094: Run: [ERROR] CheckSum error"),
                run.termination());
        assertEquals(List.of("/data/a", "/data/empty", "/data/sub/b c"), files(servers.resolve("w2:1094")), "nothing removed");
        assertEquals(List.of(), files(servers.resolve("w0:1094")), "the bad copy deleted, no other copy made or kept");
    }

    @Test
    void aShortCopyStopsBeforeTheSourceIsRemoved(@TempDir Path dir) throws Exception {
        Path servers = cluster(dir);
        Run run = run(dir, Map.of("STUB_TRUNCATE", "1", "DRAIN_CHECKSUM", ""));
        assertEquals(1, run.status(), run.output());
        assertTrue(run.termination().startsWith("failed: size of /data/a on w0:1094: 3 bytes, the source has 14"), run.termination());
        assertEquals(3, files(servers.resolve("w2:1094")).size(), "nothing removed");
        assertFalse(files(servers.resolve("w0:1094")).contains("/data/a"), "the short copy never took the file's name");
    }

    @Test
    void aFileAlreadyOnATargetWithTheSameContentIsNotCopiedAgain(@TempDir Path dir) throws Exception {
        Path servers = cluster(dir);
        // An earlier run renamed /data/a into place on w1 and stopped before removing the source.
        place(servers, "w1:1094", "data/a", "alpha content\n");
        Run run = run(dir, Map.of());
        assertEquals(0, run.status(), run.output());
        assertTrue(run.output().contains("drain: already on w1:1094 (an earlier run): /data/a"), run.output());
        assertEquals(List.of(), files(servers.resolve("w2:1094")));
        assertFalse(files(servers.resolve("w0:1094")).contains("/data/a"), "kept where it was, not copied to the round robin's target");
        assertEquals("done: files=3 bytes=36 source=w2:1094", run.termination());
    }

    @Test
    void aRerunAfterAFailedCopyFinishesTheDrain(@TempDir Path dir) throws Exception {
        Path servers = cluster(dir);
        Run failed = run(dir, Map.of("STUB_BAD_SUM_HOST", "w0:1094"));
        assertEquals(1, failed.status(), failed.output());
        assertEquals(3, files(servers.resolve("w2:1094")).size(), "nothing removed");
        Run rerun = run(dir, Map.of());
        assertEquals(0, rerun.status(), rerun.output());
        assertEquals(List.of(), files(servers.resolve("w2:1094")));
        List<String> everywhere = new ArrayList<>(files(servers.resolve("w0:1094")));
        everywhere.addAll(files(servers.resolve("w1:1094")));
        assertEquals(List.of("/data/a", "/data/empty", "/data/sub/b c"), everywhere.stream().sorted().toList(), "each file once, no part left");
    }

    @Test
    void aFileOnATargetWithOtherContentStopsTheDrain(@TempDir Path dir) throws Exception {
        Path servers = cluster(dir);
        place(servers, "w1:1094", "data/a", "other content\n");
        Run run = run(dir, Map.of());
        assertEquals(1, run.status(), run.output());
        assertTrue(run.termination().startsWith("failed: /data/a is on w1:1094 already with adler32 '"), run.termination());
        assertTrue(run.termination().contains("another file under the same name"), run.termination());
        assertTrue(files(servers.resolve("w2:1094")).contains("/data/a"), "the source stays");
        assertEquals("other content\n", Files.readString(servers.resolve("w1:1094/data/a")), "the file there is untouched");
    }

    @Test
    void aFileOnATargetWithAnotherSizeStopsTheDrainBeforeAnyCopy(@TempDir Path dir) throws Exception {
        Path servers = cluster(dir);
        place(servers, "w1:1094", "data/sub/b c", "short\n");
        Run run = run(dir, Map.of());
        assertEquals(1, run.status(), run.output());
        assertEquals("failed: /data/sub/b c is on w1:1094 already with 6 bytes, the source has 22: another file under the same name"
                + " files=0 bytes=0 source=w2:1094", run.termination());
        assertEquals(List.of("/data/sub/b c"), files(servers.resolve("w1:1094")), "nothing copied");
        assertEquals(3, files(servers.resolve("w2:1094")).size());
    }

    @Test
    void copiesRunInParallelUpToTheLimitAndEveryOneIsChecked(@TempDir Path dir) throws Exception {
        Path servers = dir.resolve("servers");
        server(servers, "w0:1094");
        server(servers, "w1:1094");
        Path w2 = Files.createDirectories(server(servers, "w2:1094").resolve("data/many"));
        Map<String, String> written = new TreeMap<>();
        for (int i = 0; i < 40; i++) {
            String content = "file " + i + " " + "x".repeat(i) + "\n";
            Files.writeString(w2.resolve("f" + i), content);
            written.put("/data/many/f" + i, content);
        }
        Run run = run(dir, Map.of("DRAIN_PARALLEL", "4", "DRAIN_BATCH", "16", "STUB_COPY_DELAY", "0.2"));
        assertEquals(0, run.status(), run.output());
        assertEquals(List.of(), files(servers.resolve("w2:1094")));
        Map<String, String> moved = new TreeMap<>();
        for (String host : List.of("w0:1094", "w1:1094")) {
            for (String file : files(servers.resolve(host))) {
                moved.put(file, Files.readString(servers.resolve(host).resolve(file.substring(1))));
            }
            assertEquals(20, files(servers.resolve(host)).size(), "round robin: " + host);
        }
        assertEquals(written, moved);
        List<Integer> concurrent = Files.readAllLines(dir.resolve("concurrent")).stream().map(String::strip).map(Integer::parseInt).toList();
        assertEquals(40, concurrent.size(), "one xrdcp per file");
        int most = concurrent.stream().mapToInt(Integer::intValue).max().orElseThrow();
        assertTrue(most > 1 && most <= 4, "copies under way at once: " + concurrent);
        // Removal: one call per batch of 16 (16, 16, 8).
        assertEquals(List.of("w2:1094 rm 16", "w2:1094 rm 16", "w2:1094 rm 8"), Files.readAllLines(dir.resolve("rm-calls")));
        assertEquals("done: files=40 bytes=" + written.values().stream().mapToInt(String::length).sum() + " source=w2:1094", run.termination());
    }

    @Test
    void anUnreachableSourceNeverLooksEmpty(@TempDir Path dir) throws Exception {
        cluster(dir);
        Run run = run(dir, Map.of("DRAIN_SOURCE", "gone:1094"));
        assertEquals(1, run.status(), run.output());
        assertEquals("failed: gone:1094 does not answer files=0 bytes=0 source=gone:1094", run.termination());
    }

    @Test
    void anUnreachableTargetRemovesNothing(@TempDir Path dir) throws Exception {
        Path servers = cluster(dir);
        Run run = run(dir, Map.of("DRAIN_TARGETS", "nowhere:1094"));
        assertEquals(1, run.status(), run.output());
        assertTrue(run.termination().startsWith("failed: cannot stat /data on nowhere:1094 (xrdfs status 51)"), run.termination());
        assertEquals(3, files(servers.resolve("w2:1094")).size());
    }

    @Test
    void filesThatKeepArrivingEndTheDrainAsAFailure(@TempDir Path dir) throws Exception {
        cluster(dir);
        Run run = run(dir, Map.of("STUB_ARRIVING", "1", "DRAIN_MAX_PASSES", "3"));
        assertEquals(1, run.status(), run.output());
        assertTrue(run.termination().startsWith("failed: files still arrive on w2:1094 after 3 passes"), run.termination());
    }

    @Test
    void anEmptyWorkerIsDoneAtOnce(@TempDir Path dir) throws Exception {
        Path servers = dir.resolve("servers");
        server(servers, "w0:1094");
        server(servers, "w2:1094");
        Run run = run(dir, Map.of("DRAIN_TARGETS", "w0:1094"));
        assertEquals(0, run.status(), run.output());
        assertEquals("done: files=0 bytes=0 source=w2:1094", run.termination());
    }

    @Test
    void theScriptPassesShellcheck(@TempDir Path dir) throws Exception {
        boolean installed = List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).stream()
                .anyMatch(p -> Files.isExecutable(Path.of(p, "shellcheck")));
        if (!installed) {
            assertFalse("true".equals(System.getenv("CI")), "shellcheck is missing (apt-get install shellcheck)");
            Assumptions.abort("shellcheck is not installed (apt-get install shellcheck)");
        }
        Path script = Files.writeString(dir.resolve("drain.sh"), DrainJobs.script());
        Process shellcheck = new ProcessBuilder("shellcheck", "--shell=sh", "--severity=style", script.toString())
                .redirectErrorStream(true).start();
        String output = new String(shellcheck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(shellcheck.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, shellcheck.exitValue(), output);
    }

    @Test
    void theLongestNamesFitAJobNameAndItsPodsLabel() {
        String longest = "x".repeat(SpecParser.MAX_NAME_LENGTH);
        var parent = Samples.parent(longest);
        var spec = Samples.model(parent);
        String name = DrainJobs.jobName(spec, 999);
        assertTrue(name.length() <= 63, name + " must fit the job-name label of its pods (63)");
        assertThrows(IllegalArgumentException.class, () -> DrainJobs.job(spec, Samples.image(), 0), "worker 0 has nowhere to go");
        List<String> ignored = new ArrayList<>();
        Catalog.Resolved image = Samples.image();
        ignored.add(DrainJobs.job(spec, image, 1).at("/metadata/name").asText());
        assertEquals(List.of(longest + "-xrootd-drain-1"), ignored);
    }

    /** Every datagram that arrives at {@code socket} until {@code quiet} ms pass without one. */
    private static List<String> datagrams(java.net.DatagramSocket socket, int quiet) throws Exception {
        List<String> lines = new ArrayList<>();
        socket.setSoTimeout(quiet);
        byte[] buffer = new byte[2048];
        while (true) {
            java.net.DatagramPacket packet = new java.net.DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (java.net.SocketTimeoutException e) {
                return lines;
            }
            lines.add(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void withAMonitorEveryFileSendsAProgressLineAndTheLastSaysDone(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(new File("/bin/bash").canExecute() || new File("/usr/bin/bash").canExecute(), "bash sends the datagrams");
        cluster(dir);
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            Run run = run(dir, Map.of("DRAIN_MONITOR", "127.0.0.1:" + socket.getLocalPort(), "DRAIN_CLUSTER", "base",
                    "DRAIN_WORKER", "base-xrootd-worker-2", "DRAIN_JOB_UID", "5d1c7e2a-0000-4000-8000-00000000abcd"));
            assertEquals(0, run.status(), run.output());
            String prefix = "xrootd-drain 1 cluster=base worker=base-xrootd-worker-2 job=5d1c7e2a-0000-4000-8000-00000000abcd ";
            // Pass 1 lists 3 files, 36 bytes (a: 14, b c: 22, empty: 0, moved in the listing's order), then pass 2 finds none.
            assertEquals(List.of(
                    prefix + "state=running pass=1 files_done=0 bytes_done=0 files_left=3 bytes_left=36\n",
                    prefix + "state=running pass=1 files_done=1 bytes_done=14 files_left=2 bytes_left=22\n",
                    prefix + "state=running pass=1 files_done=2 bytes_done=14 files_left=1 bytes_left=22\n",
                    prefix + "state=running pass=1 files_done=3 bytes_done=36 files_left=0 bytes_left=0\n",
                    prefix + "state=done pass=2 files_done=3 bytes_done=36 files_left=0 bytes_left=0\n"),
                    datagrams(socket, 500));
        }
    }

    @Test
    void theLegacyUidLabelStandsInOnOlderKubernetes(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(new File("/bin/bash").canExecute() || new File("/usr/bin/bash").canExecute(), "bash sends the datagrams");
        cluster(dir);
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            Run run = run(dir, Map.of("DRAIN_MONITOR", "127.0.0.1:" + socket.getLocalPort(), "DRAIN_CLUSTER", "base",
                    "DRAIN_WORKER", "base-xrootd-worker-2", "DRAIN_JOB_UID", "", "DRAIN_JOB_UID_LEGACY", "0000-legacy"));
            assertEquals(0, run.status(), run.output());
            List<String> lines = datagrams(socket, 500);
            assertFalse(lines.isEmpty());
            lines.forEach(line -> assertTrue(line.contains(" job=0000-legacy "), line));
        }
    }

    @Test
    void aFailureSendsAFailedLineWithWhatIsLeft(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(new File("/bin/bash").canExecute() || new File("/usr/bin/bash").canExecute(), "bash sends the datagrams");
        cluster(dir);
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            Run run = run(dir, Map.of("DRAIN_MONITOR", "127.0.0.1:" + socket.getLocalPort(), "DRAIN_CLUSTER", "base",
                    "DRAIN_WORKER", "base-xrootd-worker-2", "STUB_BAD_SUM_HOST", "w0:1094", "DRAIN_TARGETS", "w0:1094"));
            assertEquals(1, run.status(), run.output());
            List<String> lines = datagrams(socket, 500);
            assertEquals("xrootd-drain 1 cluster=base worker=base-xrootd-worker-2 job= state=failed pass=1 files_done=0 bytes_done=0 "
                    + "files_left=3 bytes_left=36\n", lines.get(lines.size() - 1), lines.toString());
        }
    }

    @Test
    void anUnreachableMonitorNeverStopsTheDrain(@TempDir Path dir) throws Exception {
        Path servers = cluster(dir);
        Run run = run(dir, Map.of("DRAIN_MONITOR", "no-such-monitor.invalid:9931", "DRAIN_CLUSTER", "base", "DRAIN_WORKER", "w"));
        assertEquals(0, run.status(), run.output());
        assertEquals(List.of(), files(servers.resolve("w2:1094")));
    }

    @Test
    void theMonitorTakesTheLinesIntoTheInsightTheStatusReads(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(new File("/bin/bash").canExecute() || new File("/usr/bin/bash").canExecute(), "bash sends the datagrams");
        cluster(dir);
        try (org.xrootd.hook.monitor.MonitorServer monitor = org.xrootd.hook.monitor.MonitorServer.start(
                new org.xrootd.hook.monitor.MonitorServer.Settings("127.0.0.1", 0, "127.0.0.1", 0, "base", java.time.Duration.ofSeconds(10),
                        java.time.Duration.ofHours(1)), null)) {
            Run run = run(dir, Map.of("DRAIN_MONITOR", "127.0.0.1:" + monitor.reportPort(), "DRAIN_CLUSTER", "base",
                    "DRAIN_WORKER", "base-xrootd-worker-2", "DRAIN_JOB_UID", "5d1c7e2a-0000-4000-8000-00000000abcd"));
            assertEquals(0, run.status(), run.output());
            var expected = new org.xrootd.hook.monitor.Insight.Drain("base-xrootd-worker-2", "5d1c7e2a-0000-4000-8000-00000000abcd", "done",
                    false, 2, 3, 36, 0, 0);
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
            while (!monitor.insight().drains().equals(List.of(expected))) {
                assertTrue(System.nanoTime() < deadline, "the monitor's insight: " + monitor.insight().drains());
                Thread.sleep(50);
            }
        }
    }
}
