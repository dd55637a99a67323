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

    private static int indexOfPrefix(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }
}
