package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.http.HookServer;
import org.xrootd.hook.testkit.Tiers;

/**
 * The operand image (images/xrootd) has everything the files the hook generates refer to, read from
 * those files ({@link ImageReferences}): the start script's and the probes' commands, the plugins of
 * xrootd.cf, and the libraries each of them loads. The configurations checked: the default cluster
 * (HTTP on), one with sss and TLS, and one with the directives a site adds for the plugins the image is
 * for (tokens, HTTP third-party copy, macaroons, the proxy file cache). A second test removes files from
 * a copy of the image and requires the check to name each of them, so the first cannot pass vacuously.
 */
@Tiers.Daemons
class OperandImageTest {
    private static Procs procs;
    private static OperandImage image;
    private static HookServer hook;

    @BeforeAll
    static void unpack() throws Exception {
        procs = new Procs();
        image = Prerequisites.requireOrSkip(procs);
        if (!Prerequisites.onPath("shfmt")) {
            String message = "OperandImageTest parses the generated shell with shfmt: apt-get install -y shfmt";
            if (Prerequisites.inCi()) {
                throw new AssertionError(message + " (CI=true: this test must run in CI)");
            }
            org.junit.jupiter.api.Assumptions.abort(message);
        }
        hook = HookServer.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        if (hook != null) {
            hook.close();
        }
        if (procs != null) {
            procs.close();
        }
    }

    private static JsonNode render(ObjectNode spec) throws Exception {
        return DaemonRun.sync(hook.port(), "img", spec, 1, image.reference());
    }

    /** The generated files of the three configurations, and what they refer to. */
    private static ImageReferences references() throws Exception {
        ObjectNode plain = DaemonRun.spec(2, 3);
        ObjectNode secured = DaemonRun.spec(1, 2);
        secured.putObject("sss").put("secretName", "img-sss");
        secured.putObject("tls").put("secretName", "img-tls");
        ObjectNode site = DaemonRun.spec(1, 2);
        ObjectNode config = site.putObject("config");
        config.putArray("all")
                .add("ofs.authlib ++ libXrdAccSciTokens.so config=/etc/xrootd-hook/scitokens.cfg")
                .add("http.exthandler xrdtpc libXrdHttpTPC.so")
                .add("http.exthandler xrdmacaroons libXrdMacaroons.so");
        config.putArray("worker").add("pss.cachelib libXrdPfc.so").add("ofs.osslib ++ libXrdPss.so");
        ImageReferences refs = ImageReferences.of(render(plain), procs);
        refs.and(ImageReferences.of(render(secured), procs)).and(ImageReferences.of(render(site), procs));
        return refs;
    }

    private static String path() {
        return image.env().stream().filter(e -> e.startsWith("PATH=")).map(e -> e.substring(5)).findFirst()
                .orElseThrow(() -> new AssertionError("the image sets no PATH: " + image.config));
    }

    @Test
    void theImageHasEveryCommandPluginAndLibraryTheGeneratedFilesReferTo() throws Exception {
        ImageReferences refs = references();
        System.out.println("operand image " + image + ": checking " + refs.all().size() + " references");
        refs.all().forEach(r -> System.out.println("  " + r.kind() + " " + r.name() + "  <- " + r.from()));
        // What the parse must find at the least, so that an empty reference list cannot pass.
        assertTrue(refs.names(ImageReferences.Kind.COMMAND).containsAll(List.of("/bin/sh", "xrootd", "cmsd", "xrdfs", "grep", "mkdir")),
                refs.names(ImageReferences.Kind.COMMAND).toString());
        assertTrue(refs.names(ImageReferences.Kind.PLUGIN).containsAll(List.of("libXrdHttp.so", "libXrdSec.so", "libXrdSecsss.so",
                "libXrdAccSciTokens.so", "libXrdPfc.so")), refs.names(ImageReferences.Kind.PLUGIN).toString());
        assertEquals(List.of(), refs.missingIn(image.rootfs, path(), procs), "what the operand image lacks");
    }

    @Test
    void aCopyOfTheImageWithoutGrepTheHttpPluginOrXrootdsUtilityLibraryFailsTheCheck() throws Exception {
        ImageReferences refs = references();
        Path copy = image.rootfs.getParent().resolveSibling(image.rootfs.getParent().getFileName() + "-check-copy");
        procs.run(List.of("rm", "-rf", copy.toString()), Duration.ofMinutes(2));
        // Hard links: removing a name from the copy leaves the image as it is.
        procs.check(List.of("cp", "-al", image.rootfs.toString(), copy.toString()), Duration.ofMinutes(2));
        try {
            List<String> removed = new ArrayList<>();
            for (String file : List.of("usr/bin/grep", "usr/lib/x86_64-linux-gnu/libXrdHttp-5.so")) {
                Files.delete(copy.resolve(file));
                removed.add(file);
            }
            try (var libs = Files.list(copy.resolve("usr/lib/x86_64-linux-gnu"))) {
                for (Path lib : libs.filter(p -> p.getFileName().toString().startsWith("libXrdUtils.so.3")).toList()) {
                    Files.delete(lib);
                    removed.add(lib.toString());
                }
            }
            assertTrue(removed.size() >= 3, removed.toString());
            List<String> problems = refs.missingIn(copy, path(), procs);
            String all = String.join("\n", problems);
            assertTrue(all.contains("command grep") && all.contains("not in the image"), all);
            assertTrue(all.contains("plugin libXrdHttp.so") && all.contains("not in the image"), all);
            assertTrue(all.contains("command xrootd") && all.contains("libXrdUtils.so.3"), all);
            assertTrue(all.contains("command cmsd") && all.contains("command xrdfs"), all);
        } finally {
            procs.run(List.of("rm", "-rf", copy.toString()), Duration.ofMinutes(2));
        }
    }

    @Test
    void theHooksDefaultIdentityIsTheImagesDaemonAccountAndTheImageHasNoSetuidFiles() throws Exception {
        OperandImage.Account account = image.account(Prerequisites.DAEMON_USER).orElseThrow();
        for (JsonNode child : render(DaemonRun.spec(1, 1)).path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText())) {
                JsonNode security = child.path("spec").path("template").path("spec").path("securityContext");
                assertEquals(account.uid(), security.path("runAsUser").asLong(), "runAsUser of " + child.path("metadata").path("name"));
                assertEquals(account.gid(), security.path("runAsGroup").asLong(), "runAsGroup");
                assertEquals(account.gid(), security.path("fsGroup").asLong(), "fsGroup");
                for (JsonNode c : child.path("spec").path("template").path("spec").path("containers")) {
                    assertEquals(image.reference(), c.path("image").asText());
                }
            }
        }
        // Numeric, so that the kubelet can check runAsNonRoot without the pod's securityContext.
        assertEquals(account.uid() + ":" + account.gid(), image.config.path("User").asText(), "the image's User");
        Procs.Result setuid = procs.check(List.of("find", image.rootfs.toString(), "-xdev", "-type", "f", "-perm", "/6000"),
                Duration.ofMinutes(1));
        assertEquals("", setuid.output().strip(), "setuid/setgid files in the image");
    }
}
