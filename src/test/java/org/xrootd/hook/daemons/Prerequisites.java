package org.xrootd.hook.daemons;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What the real-daemon test needs from the machine. Without it the test is skipped with instructions,
 * except in CI (env CI=true), where it fails: CI installs everything (tests/run-all.sh).
 */
final class Prerequisites {
    static final String INSTALL = "apt-get install -y xrootd-client xrootd-server iproute2 util-linux coreutils curl openssl umoci dnsmasq-base nftables davix (as root; tests/run-all.sh does this)";
    /**
     * What builds a pod around the image (netns, mount/UTS namespaces, overlay and bind mounts, chroot,
     * identity), what unpacks the image, the test's own clients (xrdcp, xrdfs, xrdmapc, curl: a client
     * outside the cluster), and what makes the day-2 tests' secrets (an sss keytab, a self-signed
     * certificate). The daemons themselves come from the image, never from the host.
     */
    static final List<String> BINARIES = List.of("xrdcp", "xrdfs", "xrdmapc", "curl", "ip", "unshare", "nsenter",
            "setpriv", "mount", "chroot", "bash", "chgrp", "id", "tar", "umoci", "xrdsssadmin", "openssl", "dnsmasq", "nft", "getent");
    /** The image's unprivileged account, which the hook's default securityContext runs the daemons as. */
    static final String DAEMON_USER = "xrootd";

    private Prerequisites() {}

    static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Returns the unpacked operand image, or skips (locally) / fails (in CI) saying what is missing. */
    static OperandImage requireOrSkip(Procs procs) throws IOException {
        List<String> missing = new ArrayList<>();
        for (String binary : BINARIES) {
            if (!onPath(binary)) {
                missing.add(binary);
            }
        }
        if (!missing.isEmpty()) {
            unavailable("real-daemon test needs " + String.join(", ", missing) + " on PATH. Install: " + INSTALL);
        }
        Procs.Result whoami = procs.run(List.of("id", "-u"), Duration.ofSeconds(10));
        if (!whoami.ok() || !"0".equals(whoami.output().strip())) {
            unavailable("real-daemon test needs root: it creates network and mount namespaces for the pods");
        }
        Optional<Path> archive = OperandImage.archiveFromEnv();
        if (archive.isEmpty() || !Files.isRegularFile(archive.get())) {
            unavailable("real-daemon test runs the pods in the operand image: "
                    + (archive.isEmpty() ? OperandImage.ENV + " is not set" : archive.get() + " does not exist")
                    + ". Build it: " + OperandImage.BUILD);
        }
        OperandImage image = OperandImage.unpack(archive.get(), Path.of("target", "real-daemons", "image").toAbsolutePath(), procs);
        if (image.account(DAEMON_USER).isEmpty()) {
            Assertions.fail("the operand image " + image + " has no account '" + DAEMON_USER + "' in /etc/passwd");
        }
        return image;
    }

    /** Skips (locally) or fails (in CI) unless every binary one test class needs beyond the tier's is on PATH. */
    static void requireBinaries(String... binaries) {
        List<String> missing = new ArrayList<>();
        for (String binary : binaries) {
            if (!onPath(binary)) {
                missing.add(binary);
            }
        }
        if (!missing.isEmpty()) {
            unavailable("this real-daemon test needs " + String.join(", ", missing) + " on PATH. Install: " + INSTALL);
        }
    }

    private static void unavailable(String message) {
        if (inCi()) {
            Assertions.fail(message + " (CI=true: this test must run in CI)");
        }
        // Surefire does not print why a class was skipped: say it where a developer looks.
        System.err.println("SKIPPED real-daemon test: " + message);
        Assumptions.abort(message);
    }

    static boolean onPath(String binary) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, binary))) {
                return true;
            }
        }
        return false;
    }
}
