package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.testkit.Samples;

class StartScriptTest {
    private static XrootdSpec withSecretsAndExports() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putObject("config").putArray("exports").add("/data").add("/store/user");
        Samples.spec(parent).putObject("sss").put("secretName", "keytab");
        Samples.spec(parent).putObject("tls").put("secretName", "cert");
        return Samples.model(parent);
    }

    /** spec.tls and spec.tokens with a CA bundle: the script's token regions are in. */
    private static XrootdSpec withTokens() {
        ObjectNode parent = Samples.parent("tok");
        Samples.spec(parent).putObject("tls").put("secretName", "cert");
        ObjectNode tokens = Samples.spec(parent).putObject("tokens");
        tokens.putArray("issuers").addObject().put("name", "iam").put("issuer", "https://iam.example.org").putArray("basePath").add("/data");
        tokens.putObject("caBundle").put("secret", "ca");
        return Samples.model(parent);
    }

    /** The token regions: in the script only with spec.tokens, never their markers; the rest unchanged. */
    @Test
    void theTokenPartsAreInTheScriptOnlyWithTokens() {
        String plain = StartScript.render(Samples.sample());
        String tokens = StartScript.render(withTokens());
        assertFalse(plain.contains("ca-bundle") || plain.contains("XRD_PROBE_CA") || plain.contains("@TOKENS"), plain);
        assertFalse(tokens.contains("@TOKENS"), tokens);
        assertTrue(tokens.contains("if [ \"$daemon\" = ca-bundle ]; then\n") && tokens.contains("  mkdir -p \"$XRD_PROBE_CA\"\n"), tokens);
        // Tokens only add lines: the plain script is a subsequence of the token script.
        List<String> plainLines = plain.lines().toList();
        int matched = 0;
        for (String line : tokens.lines().toList()) {
            if (matched < plainLines.size() && line.equals(plainLines.get(matched))) {
                matched++;
            }
        }
        assertEquals(plainLines.size(), matched, "every line of the plain script, in order, in the token script");
        assertTrue(tokens.lines().count() > plainLines.size() + 15, "the two token regions are in");
    }

    @Test
    void everyPlaceholderIsFilled() {
        String script = StartScript.render(withSecretsAndExports());
        assertFalse(script.contains("@"), script);
        assertTrue(script.contains("mkdir -p \"$XRD_DATA_DIR/data\" \"$XRD_DATA_DIR/store/user\"\n"), script);
        assertTrue(script.contains("-lt 300 ]"), script);
        assertTrue(script.contains("\ncd /tmp\n"), script);
    }

    /** The script as generated passes shellcheck (POSIX sh: the image's /bin/sh need not be bash). */
    @Test
    void theGeneratedScriptPassesShellcheck(@TempDir Path dir) throws Exception {
        boolean installed = List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).stream()
                .anyMatch(p -> Files.isExecutable(Path.of(p, "shellcheck")));
        if (!installed) {
            assertFalse("true".equals(System.getenv("CI")), "shellcheck is missing (apt-get install shellcheck)");
            Assumptions.abort("shellcheck is not installed (apt-get install shellcheck)");
        }
        for (XrootdSpec spec : List.of(Samples.sample(), withSecretsAndExports(), withTokens())) {
            Path script = dir.resolve("start.sh");
            Files.writeString(script, StartScript.render(spec));
            Process shellcheck = new ProcessBuilder("shellcheck", "--shell=sh", "--severity=style", script.toString())
                    .redirectErrorStream(true).start();
            String output = new String(shellcheck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(shellcheck.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, shellcheck.exitValue(), output);
        }
    }

    /**
     * The script's own process-1 part, run by /bin/sh with a stand-in daemon: SIGTERM to the script
     * stops the daemon at once and the script returns its status; a daemon that exits by itself passes
     * its status on. (The part from the trap to the end, with the preparation in between left out.)
     */
    @Test
    void sigtermReachesTheDaemonAndItsStatusComesBack(@TempDir Path dir) throws Exception {
        List<String> lines = StartScript.render(Samples.sample()).lines().toList();
        int trap = indexOfPrefix(lines, "child=");
        int start = lines.indexOf("[ \"$stopping\" = 0 ] || exit 143");
        assertTrue(trap > 0 && start > trap, String.join("\n", lines));
        String forwarder = "set -eu\ndaemon=\"$1\"\nXRD_CONFIG=c\nXRD_INSTANCE=i\n"
                + String.join("\n", lines.subList(trap, trap + 3)) + "\n"
                + String.join("\n", lines.subList(start, lines.size())) + "\n";
        Path script = Files.writeString(dir.resolve("forward.sh"), forwarder);
        Path sleeper = Files.writeString(dir.resolve("sleeper"), "#!/bin/sh\nexec sleep 30\n");
        Path failer = Files.writeString(dir.resolve("failer"), "#!/bin/sh\nexit 3\n");
        sleeper.toFile().setExecutable(true);
        failer.toFile().setExecutable(true);

        Process failing = new ProcessBuilder("/bin/sh", script.toString(), failer.toString()).redirectErrorStream(true).start();
        assertTrue(failing.waitFor(10, TimeUnit.SECONDS));
        assertEquals(3, failing.exitValue());

        Process running = new ProcessBuilder("/bin/sh", script.toString(), sleeper.toString()).redirectErrorStream(true).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // Wait until the stand-in runs as the script's child, then SIGTERM the script alone.
            while (running.children().findAny().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            ProcessHandle child = running.children().findAny().orElseThrow();
            long sent = System.nanoTime();
            new ProcessBuilder("kill", "-TERM", Long.toString(running.pid())).start().waitFor();
            assertTrue(running.waitFor(5, TimeUnit.SECONDS), "the script did not stop within 5 s of SIGTERM");
            double seconds = (System.nanoTime() - sent) / 1e9;
            assertEquals(143, running.exitValue(), "the daemon's status after SIGTERM");
            assertTrue(seconds < 2, "stopped after " + seconds + " s");
            assertTrue(child.onExit().get(5, TimeUnit.SECONDS) != null && !child.isAlive());
        } finally {
            running.descendants().forEach(ProcessHandle::destroyForcibly);
            running.destroyForcibly();
        }
    }

    /**
     * The name-based redirect switch of start.sh, run as generated: XRD_RPIPA is exported exactly when the
     * length the hook rendered plus the pod's cluster domain fits the limit, and the log says which.
     */
    @Test
    void nameBasedRedirectsOnlyWhenTheLongestNameFitsWithThePodsDomain(@TempDir Path dir) throws Exception {
        List<String> lines = StartScript.render(Samples.sample()).lines().toList();
        int from = lines.indexOf("unset XRD_RPIPA");
        int to = from;
        while (to < lines.size() && !lines.get(to).equals("fi")) {
            to++;
        }
        assertTrue(from > 0 && to < lines.size(), String.join("\n", lines));
        String block = "set -eu\n" + String.join("\n", lines.subList(from, to + 1)) + "\necho \"rpipa=${XRD_RPIPA:-off}\"\n";
        Path script = Files.writeString(dir.resolve("rpipa.sh"), block);
        // 61 (the sample's names in "default") + cluster.local = 74; 65 + 13 = 78 exactly; 66 + 13 = 79.
        assertEquals("rpipa=1", runBlock(script, "61", "78", "cluster.local", "longest host:port 74 of at most 78"));
        assertEquals("rpipa=1", runBlock(script, "65", "78", "cluster.local", "longest host:port 78 of at most 78"));
        assertEquals("rpipa=off", runBlock(script, "66", "78", "cluster.local",
                "redirects carry pod IPs, not names: the longest member host:port would be 79 characters with the cluster domain cluster.local"));
        // A shorter domain makes room; 5.8's limit lifts it; no length (workers, 4.x) leaves it off silently.
        assertEquals("rpipa=1", runBlock(script, "66", "78", "k8s.lan", "longest host:port 73 of at most 78"));
        assertEquals("rpipa=1", runBlock(script, "100", "255", "cluster.local", "longest host:port 113 of at most 255"));
        assertEquals("rpipa=off", runBlock(script, "", "", "cluster.local", null));
    }

    private static String runBlock(Path script, String length, String max, String domain, String logged) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", script.toString());
        builder.environment().put("XRD_REDIRECT_NAME_LENGTH", length);
        builder.environment().put("XRD_HOST_PORT_MAX", max);
        builder.environment().put("XRD_CLUSTER_DOMAIN", domain);
        builder.environment().put("XRD_RPIPA", "1"); // inherited from nowhere: the script decides anew
        Path err = script.resolveSibling("err-" + length + "-" + domain);
        Process process = builder.redirectError(err.toFile()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), out + Files.readString(err));
        String log = Files.readString(err);
        if (logged == null) {
            assertEquals("", log);
        } else {
            assertTrue(log.contains(logged), log);
        }
        return out;
    }

    /**
     * The preStop drain (start.sh stop xrootd|cmsd) as generated, run by /bin/sh against a socket table it
     * reads instead of /proc/net/tcp: the xrootd container serves the floor, then as long as a client is
     * connected to the xrootd port; the cmsd container stays while the xrootd port listens; both return
     * once that ends, and an unknown container is refused.
     */
    @Test
    void preStopDrainsWhileClientsAreConnectedAndKeepsTheCmsdWhileXrootdListens(@TempDir Path dir) throws Exception {
        List<String> lines = StartScript.render(Samples.sample()).lines().toList();
        int from = lines.indexOf("if [ \"$daemon\" = stop ]; then");
        int to = lines.subList(from, lines.size()).indexOf("fi") + from;
        assertTrue(from > 0 && to > from, String.join("\n", lines));
        Path table = dir.resolve("tcp");
        String stop = "set -eu\ndaemon=\"$1\"\n" + String.join("\n", lines.subList(from, to + 1))
                .replace("/proc/net/tcp /proc/net/tcp6", table.toString()) + "\n";
        assertTrue(stop.contains(table.toString()), stop);
        Path script = Files.writeString(dir.resolve("stop.sh"), stop);
        String header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
        String listening = "   0: 00000000:0446 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 100 0 0 10 0\n";
        String client = "   1: 0A00020F:0446 0A000210:C350 01 00000000:00000000 00:00000000 00000000  1000        0 2 1 0 20 4 30 10 -1\n";
        // The redirector's own connection to its cmsd (another port) is no client.
        String toCmsd = "   2: 0A00020F:D431 0A00020F:0C31 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0 20 4 30 10 -1\n";

        Files.writeString(table, header + listening + toCmsd);
        within(timed(script, "xrootd", null, 0), 3.0, 4.5, "xrootd without clients: the 3 s floor");
        within(timed(script, "cmsd", null, 0, header + toCmsd), 0, 1.5, "cmsd once xrootd no longer listens: at once");

        // A client connected until 4.5 s: xrootd waits for it; cmsd waits while xrootd listens (until 1.5 s).
        Files.writeString(table, header + listening + client);
        within(timed(script, "xrootd", header + listening, 4500), 4.5, 7.5, "xrootd waits for the client, not for the 8 s cap");
        Files.writeString(table, header + listening);
        within(timed(script, "cmsd", header, 1500), 1.5, 4.0, "cmsd waits for xrootd to stop listening");

        Process other = new ProcessBuilder("/bin/sh", script.toString(), "stop", "other").redirectErrorStream(true).start();
        assertTrue(other.waitFor(5, TimeUnit.SECONDS));
        assertEquals(2, other.exitValue());
    }

    /**
     * Runs {@code stop.sh stop container}; after {@code afterMillis} (0: at once) the table becomes {@code then}
     * (null: unchanged). Returns the seconds it took; it must exit 0.
     */
    private static double timed(Path script, String container, String then, long afterMillis, String... now) throws Exception {
        Path table = script.resolveSibling("tcp");
        if (now.length > 0) {
            Files.writeString(table, now[0]);
        }
        long begin = System.nanoTime();
        Process process = new ProcessBuilder("/bin/sh", script.toString(), "stop", container).redirectErrorStream(true).start();
        if (then != null) {
            Thread.sleep(afterMillis);
            Files.writeString(table, then);
        }
        assertTrue(process.waitFor(15, TimeUnit.SECONDS), container + " did not return");
        double seconds = (System.nanoTime() - begin) / 1e9;
        assertEquals(0, process.exitValue(), container + ": " + new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        return seconds;
    }

    private static void within(double seconds, double from, double below, String what) {
        assertTrue(seconds >= from && seconds < below, what + ": " + seconds + " s, expected [" + from + ", " + below + ")");
    }

    private static int indexOfPrefix(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }
}
