package org.xrootd.hook.daemons;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the Kubernetes pod network and cluster DNS give each pod, made from Linux network namespaces:
 * one namespace per pod (its own IP, so every pod uses the same ports, as in Kubernetes), all joined by
 * veth pairs to a bridge that lives in a namespace of its own. Nothing is attached to the machine's own
 * network: the addresses exist only inside these namespaces.
 *
 * <p>DNS is replaced by hosts files: {@code ip netns exec} bind-mounts {@code /etc/netns/NS/hosts} over
 * {@code /etc/hosts}. Each pod's file starts like the kubelet-managed {@code /etc/hosts} (its own IP,
 * FQDN and hostname) and then lists every pod's name as the headless Services publish it (with
 * {@code publishNotReadyAddresses}), fully qualified, relative to the cluster domain, and in
 * the form {@code <pod>.<service>} that the search list completes (glibc searches only in DNS).
 */
final class PodNetwork implements AutoCloseable {
    /** A private range that exists only inside the test's namespaces. */
    static final String SUBNET = "10.213.0.";
    static final String CLUSTER_DOMAIN = "cluster.local";
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(20);
    private static final Path NETNS_ETC = Path.of("/etc/netns");

    /** One network namespace: a pod, or the test's client (which also stands in for the kubelet). */
    record Host(String namespace, String ip, String hostname, String fqdn, List<String> dnsNames) {}

    private final Procs procs;
    private final String prefix;
    private final String bridgeNamespace;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final List<String> created = new ArrayList<>();
    private boolean createdNetnsEtc;
    /** The next host's index (its IP's last byte is 10 + index); a re-addressed host takes one too. */
    private int nextIndex;

    PodNetwork(Procs procs, String prefix) {
        this.procs = procs;
        this.prefix = prefix;
        this.bridgeNamespace = prefix + "-br";
    }

    /** Names the test's namespaces start with; any of them found at start belong to a dead run. */
    static String namespacePrefixPattern() {
        return "xh[0-9a-f]{4}-.*";
    }

    Host add(String key, String hostname, String fqdn, List<String> dnsNames) {
        int index = nextIndex++;
        String ip = SUBNET + (10 + index);
        Host host = new Host(prefix + "-" + index, ip, hostname, fqdn, List.copyOf(dnsNames));
        hosts.put(key, host);
        return host;
    }

    /**
     * A host added once the network exists, as a pod that a StatefulSet creates later: its namespace is
     * created at once, and its names go into every hosts file, as cluster DNS publishes a new pod.
     * They are appended to the files in place (one write of one line; the new host is the last of the
     * list a file is written from), so processes already running see the new names and a daemon
     * reading its hosts file meanwhile never finds it truncated: a rewrite once made a starting cmsd
     * fail with "Unable to determine host name".
     */
    Host addLive(String key, String hostname, String fqdn, List<String> dnsNames) throws IOException {
        if (created.isEmpty()) {
            throw new IllegalStateException("the network does not exist yet: use add()");
        }
        Host host = add(key, hostname, fqdn, dnsNames);
        createNamespace(host, nextIndex - 1);
        for (Host each : hosts.values()) {
            if (each == host) {
                writeEtc(each);
            } else if (!host.dnsNames().isEmpty()) {
                Files.writeString(NETNS_ETC.resolve(each.namespace()).resolve("hosts"), hostsLine(host),
                        StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            }
        }
        return host;
    }

    /**
     * Gives a host a new IP, as a pod deleted and re-created elsewhere gets one: the namespace's address
     * is replaced, and every hosts file rewritten in place with the new address for its names (cluster
     * DNS answers with the new pod IP). Only while nothing runs in the namespace.
     */
    Host readdress(String key) throws IOException {
        Host old = host(key);
        String ip = SUBNET + (10 + nextIndex++);
        Host moved = new Host(old.namespace(), ip, old.hostname(), old.fqdn(), old.dnsNames());
        hosts.put(key, moved);
        ip("-n", old.namespace(), "addr", "flush", "dev", "eth0");
        ip("-n", old.namespace(), "addr", "add", ip + "/24", "dev", "eth0");
        for (Host each : hosts.values()) {
            rewriteInPlace(each);
        }
        return moved;
    }

    /**
     * Writes a hosts file over the old one without truncating it first (a process that reads it while
     * it is empty fails to resolve names); shorter contents are padded with a comment line.
     */
    private void rewriteInPlace(Host self) throws IOException {
        Path file = NETNS_ETC.resolve(self.namespace()).resolve("hosts");
        byte[] content = hostsFile(self).getBytes(StandardCharsets.UTF_8);
        long old = Files.size(file);
        if (content.length < old) {
            content = (hostsFile(self) + "#" + "-".repeat((int) (old - content.length) - 2) + "\n").getBytes(StandardCharsets.UTF_8);
        }
        try (var out = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            out.write(content);
        }
    }

    /**
     * A host's names, and its fully qualified name once more for the IPv4-mapped IPv6 form of its address:
     * the daemons accept on dual-stack sockets and look a peer up by that form (cms.allow matches the name
     * it gets). glibc's DNS module maps such a lookup to the IPv4 PTR, as kube DNS answers it; its files
     * module finds only a line of that exact form.
     */
    private static String hostsLine(Host host) {
        return host.ip() + "\t" + String.join(" ", host.dnsNames()) + "\n"
                + "::ffff:" + host.ip() + "\t" + host.dnsNames().get(0) + "\n";
    }

    Host host(String key) {
        Host host = hosts.get(key);
        if (host == null) {
            throw new IllegalArgumentException("no host " + key);
        }
        return host;
    }

    /** Creates the bridge and every namespace, and writes the hosts files. */
    void create() throws IOException {
        if (!Files.isDirectory(NETNS_ETC)) {
            Files.createDirectories(NETNS_ETC);
            createdNetnsEtc = true;
        }
        ip("netns", "add", bridgeNamespace);
        created.add(bridgeNamespace);
        ip("-n", bridgeNamespace, "link", "add", "br0", "type", "bridge");
        ip("-n", bridgeNamespace, "link", "set", "br0", "up");
        int index = 0;
        for (Host host : hosts.values()) {
            createNamespace(host, index++);
            writeEtc(host);
        }
    }

    private void createNamespace(Host host, int index) {
        String veth = prefix + "v" + index;
        ip("netns", "add", host.namespace());
        created.add(host.namespace());
        ip("-n", bridgeNamespace, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", host.namespace());
        ip("-n", bridgeNamespace, "link", "set", veth, "master", "br0");
        ip("-n", bridgeNamespace, "link", "set", veth, "up");
        ip("-n", host.namespace(), "link", "set", "lo", "up");
        ip("-n", host.namespace(), "addr", "add", host.ip() + "/24", "dev", "eth0");
        ip("-n", host.namespace(), "link", "set", "eth0", "up");
    }

    private void writeEtc(Host self) throws IOException {
        Path dir = NETNS_ETC.resolve(self.namespace());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("hosts"), hostsFile(self), StandardCharsets.UTF_8);
        // No name server: every name the cluster uses is in the hosts file, and nothing leaves the namespace.
        Files.writeString(dir.resolve("resolv.conf"), "search " + searchPath(self) + "\noptions ndots:5\n",
                StandardCharsets.UTF_8);
    }

    private String hostsFile(Host self) {
        List<String> lines = new ArrayList<>();
        lines.add("# Written by RealDaemonClusterTest: the kubelet's /etc/hosts plus cluster DNS for the test's pods.");
        lines.add("127.0.0.1\tlocalhost");
        lines.add("::1\tlocalhost ip6-localhost ip6-loopback");
        if (self.fqdn() != null) {
            lines.add(self.ip() + "\t" + self.fqdn() + "\t" + self.hostname());
        }
        for (Host other : hosts.values()) {
            if (!other.dnsNames().isEmpty()) {
                lines.add(hostsLine(other).strip());
            }
        }
        return String.join("\n", lines) + "\n";
    }

    private static String searchPath(Host host) {
        if (host.fqdn() == null) {
            return "svc." + CLUSTER_DOMAIN + " " + CLUSTER_DOMAIN;
        }
        // <pod>.<service>.<namespace>.svc.cluster.local -> <namespace>.svc.cluster.local ...
        String[] parts = host.fqdn().split("\\.");
        String namespace = parts.length > 2 ? parts[2] : "default";
        return namespace + ".svc." + CLUSTER_DOMAIN + " svc." + CLUSTER_DOMAIN + " " + CLUSTER_DOMAIN;
    }

    /** The command prefix that runs something inside a host's namespace, with its /etc/hosts. */
    static List<String> inNamespace(Host host) {
        return List.of("ip", "netns", "exec", host.namespace());
    }

    private void ip(String... args) {
        List<String> command = new ArrayList<>();
        command.add("ip");
        command.addAll(List.of(args));
        procs.check(command, IP_TIMEOUT);
    }

    /** Deletes the namespaces this network made (after their processes are gone) and their /etc/netns files. */
    @Override
    public void close() {
        for (int i = created.size() - 1; i >= 0; i--) {
            deleteNamespace(procs, created.get(i));
        }
        created.clear();
        if (createdNetnsEtc) {
            try {
                Files.deleteIfExists(NETNS_ETC);
            } catch (IOException e) {
                System.err.println("left " + NETNS_ETC + ": " + e);
            }
            createdNetnsEtc = false;
        }
    }

    /** Stops every process still inside a namespace (by PID), deletes it and its /etc/netns directory. */
    static void deleteNamespace(Procs procs, String namespace) {
        Procs.Result pids = procs.run(List.of("ip", "netns", "pids", namespace), IP_TIMEOUT);
        if (pids.ok()) {
            for (String line : pids.output().split("\\s+")) {
                if (line.matches("[0-9]+")) {
                    ProcessHandle.of(Long.parseLong(line)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
        procs.run(List.of("ip", "netns", "delete", namespace), IP_TIMEOUT);
        Path dir = NETNS_ETC.resolve(namespace);
        try {
            Files.deleteIfExists(dir.resolve("hosts"));
            Files.deleteIfExists(dir.resolve("resolv.conf"));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            System.err.println("could not remove " + dir + ": " + e);
        }
    }

    /** Removes namespaces left by an earlier run that died without its teardown (the run lock is held). */
    static void removeStale(Procs procs) {
        Procs.Result list = procs.run(List.of("ip", "netns", "list"), IP_TIMEOUT);
        if (!list.ok()) {
            return;
        }
        for (String line : list.output().split("\n")) {
            String name = line.split("\\s+")[0];
            if (name.matches(namespacePrefixPattern())) {
                System.out.println("removing namespace " + name + " left by an earlier run");
                deleteNamespace(procs, name);
            }
        }
    }
}
