package org.xrootd.hook.daemons;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What the real-daemon test needs from the machine. Without it the test is skipped with instructions,
 * except in CI (env CI=true), where it fails: CI installs everything (tests/run-all.sh).
 */
final class Prerequisites {
    static final String INSTALL = "apt-get install -y xrootd-server xrootd-client iproute2 util-linux curl openssl (as root; tests/run-all.sh does this)";
    /**
     * The daemons, the clients, what builds a pod (netns, mount/UTS namespaces, identity), and what
     * makes the day-2 tests' secrets (an sss keytab, a self-signed certificate).
     */
    static final List<String> BINARIES = List.of("xrootd", "cmsd", "xrdcp", "xrdfs", "xrdmapc", "curl",
            "ip", "unshare", "nsenter", "setpriv", "mount", "bash", "chgrp", "id", "xrdsssadmin", "openssl");
    /** The unprivileged account the Debian package creates; the test's Xrootd runs the pods as it. */
    static final String DAEMON_USER = "xrootd";

    record Account(long uid, long gid) {}

    private Prerequisites() {}

    static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Returns the daemon account, or skips (locally) / fails (in CI) saying what is missing. */
    static Account requireOrSkip(Procs procs) {
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
        Procs.Result uid = procs.run(List.of("id", "-u", DAEMON_USER), Duration.ofSeconds(10));
        Procs.Result gid = procs.run(List.of("id", "-g", DAEMON_USER), Duration.ofSeconds(10));
        if (!uid.ok() || !gid.ok()) {
            unavailable("real-daemon test needs the '" + DAEMON_USER + "' account of the xrootd-server package. Install: " + INSTALL);
        }
        return new Account(Long.parseLong(uid.output().strip()), Long.parseLong(gid.output().strip()));
    }

    private static void unavailable(String message) {
        if (inCi()) {
            Assertions.fail(message + " (CI=true: this test must run in CI)");
        }
        // Surefire does not print why a class was skipped: say it where a developer looks.
        System.err.println("SKIPPED RealDaemonClusterTest: " + message);
        Assumptions.abort(message);
    }

    private static boolean onPath(String binary) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, binary))) {
                return true;
            }
        }
        return false;
    }
}
