package org.xrootd.hook.daemons;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A manager and data servers (cmsd and xrootd each, 5.5.3 from the operand image) on loopback, every daemon
 * sending {@code xrd.report ... every 1s all} to a collector's UDP port: what the monitor's real-daemon tests
 * share. Every process is started through {@link Procs}, so it is stopped by PID, also on failure.
 */
final class ReportingDaemons implements AutoCloseable {
    /** Where the work directory appears inside the image's root. */
    static final String INSIDE = "/tmp";

    final Procs procs;
    final Path work;
    private final OperandImage image;
    private final OperandImage.Account account;
    private final Map<String, List<Process>> daemons = new LinkedHashMap<>();
    private final List<Path> volumes = new ArrayList<>();

    /**
     * Writes the configuration for a manager and {@code dataServers} (named ds1, ds2, ...) reporting to
     * {@code reportPort}; {@code serverLines} go into the data servers' part (e.g. their cms.space).
     */
    ReportingDaemons(Procs procs, OperandImage image, int reportPort, int dataServers, List<String> serverLines) throws IOException {
        this.procs = procs;
        this.image = image;
        this.account = image.account(Prerequisites.DAEMON_USER).orElseThrow();
        this.work = Files.createTempDirectory("xrootd-monitor-");
        int managerCms = freePort();
        int managerXrd = freePort();
        List<String> cf = new ArrayList<>(List.of(
                "all.export /data",
                "all.adminpath " + INSIDE + "/admin",
                "all.pidpath " + INSIDE + "/admin",
                "all.manager 127.0.0.1:" + managerCms,
                "xrd.report 127.0.0.1:" + reportPort + " every 1s all",
                "if named manager",
                "   all.role manager",
                "   xrd.port " + managerCms + " if exec cmsd",
                "   xrd.port " + managerXrd + " if exec xrootd",
                "   cms.delay startup 1 servers 1 lookup 1 qdl 1 drop 600",
                "else",
                "   all.role server"));
        serverLines.forEach(line -> cf.add("   " + line));
        cf.add("fi");
        List<String> dirs = new ArrayList<>(List.of("admin", "manager"));
        for (int i = 1; i <= dataServers; i++) {
            // Each data server its own volume (its directory, or a small tmpfs: smallVolume), as each pod has its claim.
            cf.addAll(List.of("if named ds" + i, "   xrd.port " + freePort() + " if exec xrootd",
                    "   oss.localroot " + INSIDE + "/ds" + i + "/data", "fi"));
            dirs.add("ds" + i + "/data/data");
        }
        cf.addAll(List.of("if exec xrootd", "   cms.conwait 1", "fi"));
        Files.writeString(work.resolve("xrootd.cf"), String.join("\n", cf) + "\n");
        for (String dir : dirs) {
            Files.createDirectories(work.resolve(dir));
        }
        procs.check(List.of("chown", "-R", account.uid() + ":" + account.gid(), work.toString()), Duration.ofSeconds(10));
    }

    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Both daemons of one instance, each chroot'ed into the operand image as its unprivileged account, in a
     * mount namespace of its own: an overlay over the unpacked image (which other tests share and which
     * stays untouched) with the host's /etc/hosts added as a kubelet adds one, the work directory bound at
     * {@value #INSIDE}, the host's /dev and a /proc. Every step execs the next, so the process the test
     * holds is the daemon itself.
     */
    void start(String instance) {
        List<Process> started = new ArrayList<>();
        String script = String.join("\n",
                "set -e",
                "r=\"$1/.root-$4-$5\"; u=\"$1/.upper-$4-$5\"; w=\"$1/.ovl-$4-$5\"",
                "mkdir -p \"$r\" \"$u/etc\" \"$w\"",
                "cp /etc/hosts \"$u/etc/hosts\"",
                "mount -t overlay overlay -o \"lowerdir=$2,upperdir=$u,workdir=$w\" \"$r\"",
                // rbind: a small volume mounted under the work directory (smallVolume) is seen inside too.
                "mount --rbind \"$1\" \"$r" + INSIDE + "\"",
                "mount --rbind /dev \"$r/dev\"",
                "mount -t proc proc \"$r/proc\"",
                "exec chroot --userspec=\"$3\" \"$r\" /usr/bin/env -C " + INSIDE + "/\"$4\" HOME=" + INSIDE + " \"$5\" -n \"$4\" -c "
                        + INSIDE + "/xrootd.cf");
        for (String program : List.of("cmsd", "xrootd")) {
            List<String> command = List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh",
                    work.toString(), image.rootfs.toString(), account.uid() + ":" + account.gid(), instance, program);
            started.add(procs.start(command, work.resolve(instance + "-" + program + ".log")));
        }
        daemons.put(instance, started);
    }

    /**
     * Gives data server {@code instance} a volume of {@code mebibytes} (a tmpfs owned by the daemons' account, at
     * its oss.localroot), before it starts; returns the export's directory on the host, to fill it.
     */
    Path smallVolume(String instance, int mebibytes) {
        Path root = work.resolve(instance).resolve("data");
        procs.check(List.of("mount", "-t", "tmpfs", "-o", "size=" + mebibytes + "m,mode=0755,uid=" + account.uid() + ",gid="
                + account.gid(), "tmpfs-" + instance, root.toString()), Duration.ofSeconds(10));
        volumes.add(root);
        procs.check(List.of("setpriv", "--reuid=" + account.uid(), "--regid=" + account.gid(), "--clear-groups", "mkdir", "-p",
                root.resolve("data").toString()), Duration.ofSeconds(10));
        return root.resolve("data");
    }

    /** Kills both daemons of {@code instance}, as a pod dies. */
    void kill(String instance) {
        for (Process p : daemons.get(instance)) {
            Procs.kill(p);
        }
    }

    /** The last lines of every log in the work directory. */
    String logs() throws IOException {
        StringBuilder b = new StringBuilder();
        try (var files = Files.list(work)) {
            for (Path log : files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
                b.append("\n== ").append(log.getFileName()).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size())));
            }
        }
        return b.toString();
    }

    /** Unmounts the small volumes and removes the work directory; the processes are stopped by {@link Procs#close()} first. */
    @Override
    public void close() {
        for (Path volume : volumes) {
            procs.run(List.of("umount", "-l", volume.toString()), Duration.ofSeconds(30));
        }
        procs.run(List.of("rm", "-rf", work.toString()), Duration.ofSeconds(30));
    }
}
