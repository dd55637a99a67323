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
        for (XrootdSpec spec : List.of(Samples.sample(), withSecretsAndExports())) {
            Path script = dir.resolve("start.sh");
            Files.writeString(script, StartScript.render(spec));
            Process shellcheck = new ProcessBuilder("shellcheck", "--shell=sh", "--severity=style", script.toString())
                    .redirectErrorStream(true).start();
            String output = new String(shellcheck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(shellcheck.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, shellcheck.exitValue(), output);
        }
    }
}
