package org.xrootd.hook.daemons;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Both StatefulSets of one hook response, every pod run locally ({@link LocalPod}) in its own network
 * namespace ({@link PodNetwork}), plus one client namespace from which the test (and, for tcpSocket
 * probes, the "kubelet") talks to the pods by their DNS names.
 *
 * <p>One run at a time per machine (a lock file), so that what one run creates on the host (mount-point
 * directories, /etc/netns entries) is never removed under another.
 */
final class LocalCluster implements AutoCloseable {
    private static final Path LOCK = Files.isDirectory(Path.of("/run/lock"))
            ? Path.of("/run/lock/xrootd-hook-real-daemons.lock") : Path.of("/tmp/xrootd-hook-real-daemons.lock");

    final List<LocalPod> redirectors = new ArrayList<>();
    final List<LocalPod> workers = new ArrayList<>();
    final PodNetwork.Host client;
    final String xrootdConfig;
    final int xrootdPort;
    final Path workDir;
    private final Procs procs;
    private final PodNetwork network;
    private final List<Path> createdMountPoints = new ArrayList<>();
    private FileChannel lockChannel;
    private FileLock lock;

    private LocalCluster(JsonNode response, Path workDir, Procs procs) {
        this.workDir = workDir;
        this.procs = procs;
        this.network = new PodNetwork(procs, String.format("xh%04x", ThreadLocalRandom.current().nextInt(0x10000)));
        Map<String, JsonNode> configMaps = new HashMap<>();
        List<JsonNode> statefulSets = new ArrayList<>();
        for (JsonNode child : response.path("children")) {
            switch (child.path("kind").asText()) {
                case "ConfigMap" -> configMaps.put(child.path("metadata").path("name").asText(), child);
                case "StatefulSet" -> statefulSets.add(child);
                default -> { }
            }
        }
        if (statefulSets.size() != 2 || configMaps.size() != 1) {
            throw new IllegalStateException("expected one ConfigMap and two StatefulSets, got " + configMaps.keySet()
                    + " and " + statefulSets.size() + " StatefulSets");
        }
        this.xrootdConfig = configMaps.values().iterator().next().path("data").path("xrootd.cf").asText();
        int port = -1;
        for (JsonNode sts : statefulSets) {
            String component = sts.path("metadata").path("labels").path("app.kubernetes.io/component").asText();
            List<LocalPod> pods = "redirector".equals(component) ? redirectors : workers;
            String stsName = sts.path("metadata").path("name").asText();
            String namespace = sts.path("metadata").path("namespace").asText("default");
            String service = sts.path("spec").path("serviceName").asText();
            JsonNode podSpec = sts.path("spec").path("template").path("spec");
            for (JsonNode c : podSpec.path("containers")) {
                for (JsonNode p : c.path("ports")) {
                    if ("xrootd".equals(p.path("name").asText())) {
                        port = p.path("containerPort").asInt();
                    }
                }
            }
            for (int i = 0; i < sts.path("spec").path("replicas").asInt(); i++) {
                String podName = stsName + "-" + i;
                String relative = podName + "." + service + "." + namespace + ".svc";
                String fqdn = relative + "." + PodNetwork.CLUSTER_DOMAIN;
                PodNetwork.Host host = network.add(podName, podName, fqdn, List.of(fqdn, relative));
                pods.add(new LocalPod(stsName, i, host, podSpec, configMaps, workDir, procs)
                        .withClaims(sts.path("spec").path("volumeClaimTemplates")));
            }
        }
        if (redirectors.isEmpty() || workers.isEmpty() || port < 0) {
            throw new IllegalStateException("the response lacks redirector or worker pods, or the xrootd port");
        }
        this.xrootdPort = port;
        this.client = network.add("client", "client", null, List.of());
    }

    /** Takes the machine's run lock, clears what a dead run left, creates mount points and the network. */
    static LocalCluster create(JsonNode response, Path workDir, Procs procs) throws IOException, InterruptedException {
        LocalCluster cluster = new LocalCluster(response, workDir, procs);
        procs.onShutdown(cluster::close);
        try {
            cluster.lock();
            PodNetwork.removeStale(procs);
            Files.createDirectories(workDir.resolve("logs"));
            Files.createDirectories(workDir.resolve("client"));
            cluster.createMountPoints();
            cluster.network.create();
            return cluster;
        } catch (IOException | RuntimeException | InterruptedException e) {
            cluster.close();
            throw e;
        }
    }

    private void lock() throws IOException, InterruptedException {
        lockChannel = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while ((lock = lockChannel.tryLock()) == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("another real-daemon test run holds " + LOCK);
            }
            Thread.sleep(500);
        }
    }

    /**
     * A bind mount needs an existing directory to mount on. Kubernetes creates each mountPath inside the
     * container's own root; here the containers share the host's root, so the mount points (e.g.
     * /etc/xrootd-hook, /xrootd/admin) are created on the host when absent: empty directories, which
     * stay empty on the host because every mount happens in a private mount namespace. Those this run
     * created are removed at the end.
     */
    private void createMountPoints() throws IOException {
        Set<String> paths = new TreeSet<>();
        for (LocalPod pod : allPods()) {
            paths.addAll(pod.mountPaths());
        }
        for (String mountPath : paths) {
            Path path = Path.of(mountPath);
            List<Path> missing = new ArrayList<>();
            for (Path p = path; p != null && !Files.exists(p); p = p.getParent()) {
                missing.add(0, p);
            }
            Files.createDirectories(path);
            createdMountPoints.addAll(missing);
        }
    }

    List<LocalPod> allPods() {
        List<LocalPod> all = new ArrayList<>(redirectors);
        all.addAll(workers);
        return all;
    }

    /** The name a client in the cluster uses for a pod: relative to the cluster domain, as in all.manager. */
    static String dnsName(LocalPod pod) {
        return pod.host.dnsNames().get(1);
    }

    String rootUrl(LocalPod redirector, String lfn) {
        return "root://" + dnsName(redirector) + ":" + xrootdPort + "/" + lfn;
    }

    String httpUrl(LocalPod redirector, String lfn) {
        return "http://" + dnsName(redirector) + ":" + xrootdPort + lfn;
    }

    /** Runs a command in the client namespace (as root: the client is not a daemon). */
    Procs.Result client(Duration timeout, String... argv) {
        List<String> command = new ArrayList<>(PodNetwork.inNamespace(client));
        command.addAll(List.of(argv));
        return procs.run(command, timeout);
    }

    /** True once something accepts TCP connections on the pod's xrootd port. */
    boolean accepts(LocalPod pod, int port) {
        return client(Duration.ofSeconds(2), "bash", "-c", "exec 3<>/dev/tcp/$0/$1", pod.host.ip(), Integer.toString(port)).ok();
    }

    private static final Pattern SERVER = Pattern.compile("\\[(?:::ffff:|::)?([0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+)\\]:([0-9]+)");

    /** IPs of the data servers a redirector's cluster map lists ({@code xrdmapc --list s}; rc is always 0). */
    Set<String> subscribedServers(LocalPod redirector) {
        Procs.Result map = client(Duration.ofSeconds(10), "xrdmapc", "--list", "s", dnsName(redirector) + ":" + xrootdPort);
        Set<String> ips = new TreeSet<>();
        for (String line : map.output().split("\n")) {
            if (line.strip().startsWith("Srv ")) {
                Matcher m = SERVER.matcher(line);
                if (m.find()) {
                    ips.add(m.group(1));
                }
            }
        }
        return ips;
    }

    /** IPs in the output of xrdfs locate. */
    static Set<String> ipsIn(String output) {
        Set<String> ips = new TreeSet<>();
        Matcher m = SERVER.matcher(output);
        while (m.find()) {
            ips.add(m.group(1));
        }
        return ips;
    }

    LocalPod workerAt(String ip) {
        return workers.stream().filter(w -> w.host.ip().equals(ip)).findFirst()
                .orElseThrow(() -> new AssertionError(ip + " is no worker's address"));
    }

    /** Last lines of every container log, for failure messages. */
    String logTails(int lines) {
        StringBuilder out = new StringBuilder();
        try (var files = Files.list(workDir.resolve("logs"))) {
            for (Path log : files.sorted().toList()) {
                List<String> all = Files.readAllLines(log);
                out.append("----- ").append(log.getFileName()).append(" (last ").append(Math.min(lines, all.size())).append(" lines)\n");
                all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> out.append(l).append('\n'));
            }
        } catch (IOException e) {
            out.append("(logs unavailable: ").append(e).append(")\n");
        }
        return out.toString();
    }

    void killAllPods() {
        for (LocalPod pod : allPods()) {
            pod.kill();
        }
    }

    /** Stops every pod by PID, deletes the namespaces, removes created mount points, releases the lock. */
    @Override
    public synchronized void close() {
        try {
            killAllPods();
        } finally {
            try {
                network.close();
            } finally {
                for (int i = createdMountPoints.size() - 1; i >= 0; i--) {
                    try {
                        Files.deleteIfExists(createdMountPoints.get(i));
                    } catch (IOException e) {
                        System.err.println("left mount point " + createdMountPoints.get(i) + ": " + e);
                    }
                }
                createdMountPoints.clear();
                try {
                    if (lock != null) {
                        lock.release();
                        lock = null;
                    }
                    if (lockChannel != null) {
                        lockChannel.close();
                        lockChannel = null;
                    }
                } catch (IOException e) {
                    System.err.println("could not release " + LOCK + ": " + e);
                }
            }
        }
    }
}
