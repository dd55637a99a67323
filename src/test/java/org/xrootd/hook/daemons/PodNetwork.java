package org.xrootd.hook.daemons;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a Kubernetes cluster's network gives its pods, and where it ends, made from Linux network
 * namespaces. Nothing is attached to the machine's own network: every address exists only inside these
 * namespaces.
 *
 * <pre>
 *  outside client 203.0.113.100 ─┐            site switch: namespace "-br", bridge br0 203.0.113.1
 *  (no route to any pod IP)       ├── br0 ──   (site DNS on .1; cluster DNS 10.96.0.10 on its lo)
 *  node-k eth0 203.0.113.(11+k) ──┘
 *  node-k: namespace "-n&lt;k&gt;", br0 10.213.k.1/24 (its pod CIDR), ip_forward, routes to the other
 *          nodes' pod CIDRs via their node addresses (a host-gw pod network), nft DNAT for hostPorts,
 *          LoadBalancer and NodePort Services (no SNAT)
 *  pod:    namespace of its own, eth0 10.213.k.x/24 on its node's bridge, default route via its node;
 *          a hostNetwork pod runs in its node's namespace instead
 * </pre>
 *
 * <p>Names come from DNS servers, as in a cluster: one dnsmasq plays the cluster DNS (A and PTR records
 * {@code <pod>.<headless service>.<ns>.svc.cluster.local} of every pod that exists, published when the
 * pod is created, removed when it is deleted, changed when it is re-created with a new IP; node names as
 * A records only), another the site's DNS (node and LoadBalancer names, A and PTR), the one the outside
 * client uses. Each pod's {@code /etc/hosts} and {@code /etc/resolv.conf} are what the kubelet writes.
 */
final class PodNetwork implements AutoCloseable {
    static final String CLUSTER_DOMAIN = "cluster.local";
    /** The site's DNS zone: node names and LoadBalancer names, resolvable outside the cluster. */
    static final String SITE_DOMAIN = "site.example";
    /**
     * The site network of nodes, LoadBalancer addresses and the outside client. A public-class range
     * (TEST-NET-3): XRootD 5.5.3 advertises an extra address (XRDIFADDRS) only when it is public-class.
     */
    static final String SITE_NET = "203.0.113.";
    static final String SITE_DNS = SITE_NET + "1";
    static final String OUTSIDE_IP = SITE_NET + "100";
    /** The cluster DNS Service's address, like kube-dns's ClusterIP. */
    static final String CLUSTER_DNS = "10.96.0.10";
    /** Pod CIDRs: node k has 10.213.k.0/24; private-class, as pod networks are. */
    static final String POD_NET = "10.213.";
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(20);
    private static final Path NETNS_ETC = Path.of("/etc/netns");

    /** A node: a namespace with a site address and a pod CIDR; its name resolves (A and PTR) in the site zone. */
    record Node(int index, String name, String namespace, String ip) {
        String hostname() {
            return name.substring(0, name.indexOf('.'));
        }

        String podCidr() {
            return POD_NET + index + ".0/24";
        }
    }

    /**
     * One network identity: a pod (on {@code node}), the in-cluster test client, or the outside client
     * ({@code node} null). A hostNetwork pod shares its node's namespace and address. {@code etc} holds
     * the kubelet's hosts and resolv.conf of this pod. {@code inClusterDns}: a headless Service of the
     * pod's subdomain selects it, so the cluster DNS has its A and PTR records; without one the kubelet
     * still writes {@code fqdn} into the pod's hosts file, but no DNS server knows it.
     */
    record Host(String namespace, String ip, String hostname, String fqdn, List<String> dnsNames, Node node, Path etc,
                boolean hostNetwork, boolean inClusterDns) {
        /** The name the cluster DNS answers for this host, or null. */
        String clusterDnsName() {
            return inClusterDns ? fqdn : null;
        }
    }

    /** A DNAT rule of a node: traffic to {@code address:port} goes to {@code toIp:toPort}, its source kept. */
    record Forward(String address, int port, String toIp, int toPort) {}

    private final Procs procs;
    private final String prefix;
    private final String switchNamespace;
    private final String outsideNamespace;
    private final Path dnsDir;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    /** Hosts whose cluster DNS records are published (pods that exist). */
    private final Map<String, Host> published = new LinkedHashMap<>();
    /** hostPort mappings of each pod: hostPort -> containerPort. */
    private final Map<String, Map<Integer, Integer>> hostPorts = new LinkedHashMap<>();
    /** Service forwards (LoadBalancer, NodePort) per node index; replaced by {@link #serviceForwards}. */
    private final Map<Integer, List<Forward>> serviceForwards = new LinkedHashMap<>();
    /** Extra addresses (LoadBalancer) per node index. */
    private final Map<Integer, List<String>> extraAddresses = new LinkedHashMap<>();
    /** Site zone records beyond the nodes' (LoadBalancer names): name -> address. */
    private final Map<String, String> siteRecords = new LinkedHashMap<>();
    private final List<String> created = new ArrayList<>();
    private final List<Path> etcDirs = new ArrayList<>();
    private final List<Process> dnsServers = new ArrayList<>();
    private Process clusterDns;
    private Process siteDns;
    private boolean createdNetnsEtc;
    /** The next pod namespace's number (its veth on the node is named after it). */
    private int nextIndex;
    /** Per host: true when it resolves through the cluster DNS, false for its node's resolver. */
    private final Map<String, Boolean> resolvers = new LinkedHashMap<>();
    private final Map<Integer, Integer> nextPodIp = new LinkedHashMap<>();
    final Host outside;

    PodNetwork(Procs procs, String prefix, int nodeCount, Path dnsDir) {
        this.procs = procs;
        this.prefix = prefix;
        this.switchNamespace = prefix + "-br";
        this.outsideNamespace = prefix + "-out";
        this.dnsDir = dnsDir;
        for (int k = 0; k < nodeCount; k++) {
            nodes.add(new Node(k, "node-" + k + "." + SITE_DOMAIN, prefix + "-n" + k, SITE_NET + (11 + k)));
        }
        this.outside = new Host(outsideNamespace, OUTSIDE_IP, "outside", null, List.of(), null,
                NETNS_ETC.resolve(outsideNamespace), false, false);
    }

    /** Names the test's namespaces start with; any of them found at start belong to a dead run. */
    static String namespacePrefixPattern() {
        return "xh[0-9a-f]{4}-.*";
    }

    List<Node> nodes() {
        return List.copyOf(nodes);
    }

    /**
     * A pod (or the in-cluster client, {@code fqdn} null) on {@code node}, with its own namespace and an
     * IP from the node's pod CIDR, or with {@code hostNetwork} the node's namespace and address.
     * {@code clusterDns}: the pod resolves through the cluster DNS (dnsPolicy ClusterFirst, or
     * ClusterFirstWithHostNet for a hostNetwork pod); otherwise it gets its node's resolv.conf.
     * {@code inClusterDns}: see {@link Host}.
     */
    Host add(String key, String hostname, String fqdn, List<String> dnsNames, Node node, boolean hostNetwork,
             boolean clusterDns, boolean inClusterDns, Map<Integer, Integer> ports) {
        Host host;
        if (hostNetwork) {
            Path etc = NETNS_ETC.resolve(prefix + "-hn-" + key);
            host = new Host(node.namespace(), node.ip(), node.hostname(), fqdn, List.copyOf(dnsNames), node, etc, true, inClusterDns);
        } else {
            String namespace = prefix + "-" + nextIndex++;
            host = new Host(namespace, nextPodIp(node), hostname, fqdn, List.copyOf(dnsNames), node,
                    NETNS_ETC.resolve(namespace), false, inClusterDns);
        }
        hosts.put(key, host);
        hostPorts.put(key, Map.copyOf(ports));
        resolvers.put(key, clusterDns);
        if (!created.isEmpty()) {
            try {
                materialise(key, host);
                publish(key);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return host;
    }

    private String nextPodIp(Node node) {
        int next = nextPodIp.merge(node.index(), 1, Integer::sum);
        if (next > 240) {
            throw new IllegalStateException("node " + node.name() + " has no pod IPs left");
        }
        return POD_NET + node.index() + "." + (9 + next);
    }

    /**
     * Gives a pod a new IP from its node's CIDR, as a pod deleted and re-created gets one: the address
     * of its namespace is replaced, its kubelet hosts file rewritten in place, its DNS records and
     * hostPort rules follow. Only while nothing runs in the namespace.
     */
    Host readdress(String key) throws IOException {
        Host old = host(key);
        if (old.hostNetwork()) {
            throw new IllegalStateException(key + " uses the node's network: its address is the node's");
        }
        String ip = nextPodIp(old.node());
        Host moved = new Host(old.namespace(), ip, old.hostname(), old.fqdn(), old.dnsNames(), old.node(), old.etc(), false,
                old.inClusterDns());
        hosts.put(key, moved);
        ip("-n", old.namespace(), "addr", "flush", "dev", "eth0");
        ip("-n", old.namespace(), "addr", "add", ip + "/24", "dev", "eth0");
        ip("-n", old.namespace(), "route", "replace", "default", "via", gateway(old.node()));
        rewriteInPlace(moved.etc().resolve("hosts"), kubeletHosts(moved));
        publish(key);
        return moved;
    }

    /** The pod is deleted: its DNS records and hostPort rules go away (until {@link #publish}). */
    void unpublish(String key) throws IOException {
        Host host = published.remove(key);
        if (host != null) {
            writeClusterDns();
            if (host.clusterDnsName() != null) {
                awaitAnswer(host.clusterDnsName(), null);
            }
            applyRules(host.node());
        }
    }

    /** The pod exists (again): its A and PTR records are served, its hostPorts forwarded. */
    void publish(String key) throws IOException {
        Host host = host(key);
        published.put(key, host);
        writeClusterDns();
        if (host.clusterDnsName() != null) {
            awaitAnswer(host.clusterDnsName(), host.ip());
        }
        if (host.node() != null) {
            applyRules(host.node());
        }
    }

    Host host(String key) {
        Host host = hosts.get(key);
        if (host == null) {
            throw new IllegalArgumentException("no host " + key);
        }
        return host;
    }

    /** Creates the site switch, the DNS servers, the nodes, the outside client and every host added so far. */
    void create() throws IOException {
        if (!Files.isDirectory(NETNS_ETC)) {
            Files.createDirectories(NETNS_ETC);
            createdNetnsEtc = true;
        }
        Files.createDirectories(dnsDir);
        netns(switchNamespace);
        ip("-n", switchNamespace, "link", "set", "lo", "up");
        ip("-n", switchNamespace, "addr", "add", CLUSTER_DNS + "/32", "dev", "lo");
        ip("-n", switchNamespace, "link", "add", "br0", "type", "bridge");
        ip("-n", switchNamespace, "addr", "add", SITE_DNS + "/24", "dev", "br0");
        ip("-n", switchNamespace, "link", "set", "br0", "up");
        writeEtcFiles(NETNS_ETC.resolve(switchNamespace), "127.0.0.1\tlocalhost\n", "nameserver " + CLUSTER_DNS + "\n");
        for (Node node : nodes) {
            createNode(node);
            // Replies of the DNS servers to pods go back through the pod's node.
            ip("-n", switchNamespace, "route", "add", node.podCidr(), "via", node.ip());
        }
        for (Node node : nodes) {
            for (Node other : nodes) {
                if (other != node) {
                    ip("-n", node.namespace(), "route", "add", other.podCidr(), "via", other.ip());
                }
            }
            ip("-n", node.namespace(), "route", "add", CLUSTER_DNS + "/32", "via", SITE_DNS);
        }
        netns(outsideNamespace);
        String veth = prefix + "o";
        ip("-n", switchNamespace, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", outsideNamespace);
        ip("-n", switchNamespace, "link", "set", veth, "master", "br0");
        ip("-n", switchNamespace, "link", "set", veth, "up");
        ip("-n", outsideNamespace, "link", "set", "lo", "up");
        // Only the site network: a client beyond the site's router has no route to any pod CIDR.
        ip("-n", outsideNamespace, "addr", "add", OUTSIDE_IP + "/24", "dev", "eth0");
        ip("-n", outsideNamespace, "link", "set", "eth0", "up");
        writeEtcFiles(outside.etc(), "127.0.0.1\tlocalhost\n", "search " + SITE_DOMAIN + "\nnameserver " + SITE_DNS + "\n");
        writeSiteDns();
        writeClusterDns();
        startDns();
        for (Map.Entry<String, Host> entry : hosts.entrySet()) {
            materialise(entry.getKey(), entry.getValue());
            published.put(entry.getKey(), entry.getValue());
        }
        writeClusterDns();
        for (Node node : nodes) {
            applyRules(node);
        }
    }

    private void createNode(Node node) throws IOException {
        netns(node.namespace());
        String uplink = prefix + "u" + node.index();
        ip("-n", switchNamespace, "link", "add", uplink, "type", "veth", "peer", "name", "eth0", "netns", node.namespace());
        ip("-n", switchNamespace, "link", "set", uplink, "master", "br0");
        ip("-n", switchNamespace, "link", "set", uplink, "up");
        ip("-n", node.namespace(), "link", "set", "lo", "up");
        ip("-n", node.namespace(), "addr", "add", node.ip() + "/24", "dev", "eth0");
        ip("-n", node.namespace(), "link", "set", "eth0", "up");
        ip("-n", node.namespace(), "link", "add", "br0", "type", "bridge");
        ip("-n", node.namespace(), "addr", "add", gateway(node) + "/24", "dev", "br0");
        ip("-n", node.namespace(), "link", "set", "br0", "up");
        procs.check(List.of("ip", "netns", "exec", node.namespace(), "sysctl", "-qw", "net.ipv4.ip_forward=1"), IP_TIMEOUT);
        writeEtcFiles(NETNS_ETC.resolve(node.namespace()), nodeHosts(node), "search " + SITE_DOMAIN + "\nnameserver " + SITE_DNS + "\n");
    }

    private static String gateway(Node node) {
        return POD_NET + node.index() + ".1";
    }

    /** The host's namespace (unless it shares its node's) and its kubelet files. */
    private void materialise(String key, Host host) throws IOException {
        if (!host.hostNetwork()) {
            String veth = prefix + "v" + host.namespace().substring(prefix.length() + 1);
            Node node = host.node();
            netns(host.namespace());
            ip("-n", node.namespace(), "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", host.namespace());
            ip("-n", node.namespace(), "link", "set", veth, "master", "br0");
            ip("-n", node.namespace(), "link", "set", veth, "up");
            ip("-n", host.namespace(), "link", "set", "lo", "up");
            ip("-n", host.namespace(), "addr", "add", host.ip() + "/24", "dev", "eth0");
            ip("-n", host.namespace(), "link", "set", "eth0", "up");
            ip("-n", host.namespace(), "route", "add", "default", "via", gateway(node));
        } else {
            etcDirs.add(host.etc());
        }
        String resolv = resolvers.getOrDefault(key, true)
                ? "search " + searchPath(host) + "\nnameserver " + CLUSTER_DNS + "\noptions ndots:5\n"
                : "search " + SITE_DOMAIN + "\nnameserver " + SITE_DNS + "\n";
        writeEtcFiles(host.etc(), host.hostNetwork() ? nodeHosts(host.node()) : kubeletHosts(host), resolv);
    }

    private void writeEtcFiles(Path dir, String hostsFile, String resolvConf) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("hosts"), hostsFile, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("resolv.conf"), resolvConf, StandardCharsets.UTF_8);
    }

    /** The /etc/hosts the kubelet writes for a pod with hostname and subdomain (a StatefulSet pod). */
    private static String kubeletHosts(Host host) {
        StringBuilder out = new StringBuilder("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"
                + "::1\tlocalhost ip6-localhost ip6-loopback\n");
        if (host.fqdn() != null) {
            out.append(host.ip()).append('\t').append(host.fqdn()).append('\t').append(host.hostname()).append('\n');
        }
        return out.toString();
    }

    /** A node's own /etc/hosts, which the kubelet gives hostNetwork pods too. */
    private static String nodeHosts(Node node) {
        return "127.0.0.1\tlocalhost\n" + node.ip() + "\t" + node.name() + "\t" + node.hostname() + "\n";
    }

    /**
     * Writes a file over the old one without truncating it first (a process that reads it while it is
     * empty fails to resolve names); shorter contents are padded with a comment line.
     */
    private static void rewriteInPlace(Path file, String text) throws IOException {
        byte[] content = text.getBytes(StandardCharsets.UTF_8);
        long old = Files.size(file);
        if (content.length < old) {
            content = (text + "#" + "-".repeat((int) (old - content.length) - 2) + "\n").getBytes(StandardCharsets.UTF_8);
        }
        try (var out = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            out.write(content);
        }
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

    // ---------------------------------------------------------------- DNS

    private void startDns() {
        // TTL 0 so a changed record is seen at the next lookup, as CoreDNS's 5 s TTL never hides a
        // re-created pod for long. dnsmasq keeps running as root (--user=root) so it can read the records
        // under the run's directory after a SIGHUP. The site's DNS answers only for its zones (--local: no
        // forwarding, unknown names are NXDOMAIN at once). The cluster DNS owns cluster.local (NXDOMAIN for
        // what it does not know, as CoreDNS's kubernetes plugin) and forwards the rest to the site's DNS, as
        // CoreDNS forwards to its upstream: node names, and reverse lookups it has no record for (the
        // kubernetes plugin's "fallthrough in-addr.arpa"), e.g. a hostNetwork pod's node address when no
        // headless Service publishes the pod. dnsmasq answers from its hosts file before forwarding.
        clusterDns = startDnsServer("cluster", CLUSTER_DNS, dnsDir.resolve("cluster.hosts"), dnsDir.resolve("cluster.conf"),
                List.of("--local=/" + CLUSTER_DOMAIN + "/", "--server=/in-addr.arpa/" + SITE_DNS,
                        "--server=/" + SITE_DOMAIN + "/" + SITE_DNS));
        siteDns = startDnsServer("site", SITE_DNS, dnsDir.resolve("site.hosts"), Path.of("/dev/null"),
                List.of("--local=/" + CLUSTER_DOMAIN + "/", "--local=/in-addr.arpa/", "--local=/" + SITE_DOMAIN + "/"));
    }

    private Process startDnsServer(String label, String address, Path hostsFile, Path conf, List<String> zones) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", switchNamespace, "dnsmasq", "--keep-in-foreground",
                "--user=root", "--conf-file=" + conf, "--no-resolv", "--no-hosts", "--addn-hosts=" + hostsFile,
                "--listen-address=" + address, "--bind-interfaces"));
        command.addAll(zones);
        command.addAll(List.of("--local-ttl=0", "--pid-file=", "--log-facility=-"));
        Process p = procs.start(command, dnsDir.resolve(label + "-dns.log"));
        dnsServers.add(p);
        return p;
    }

    /**
     * The cluster zone: one line per existing pod that a headless Service publishes, {@code <ip> <pod
     * FQDN>} (dnsmasq answers A for the name and PTR for the address), written by rename so dnsmasq never
     * reads half a file, then reloaded (SIGHUP) and waited for. Node names and their PTRs are the site's
     * DNS's, reached by forwarding (see {@link #startDns}).
     */
    private synchronized void writeClusterDns() throws IOException {
        StringBuilder records = new StringBuilder();
        published.values().stream().filter(h -> h.clusterDnsName() != null)
                .forEach(h -> records.append(h.ip()).append('\t').append(h.clusterDnsName()).append('\n'));
        replace(dnsDir.resolve("cluster.hosts"), records.toString());
        if (clusterDns == null) {
            replace(dnsDir.resolve("cluster.conf"), "");
            return;
        }
        reload(clusterDns);
    }

    private void writeSiteDns() throws IOException {
        StringBuilder records = new StringBuilder();
        nodes.forEach(n -> records.append(n.ip()).append('\t').append(n.name()).append('\n'));
        siteRecords.forEach((name, address) -> records.append(address).append('\t').append(name).append('\n'));
        replace(dnsDir.resolve("site.hosts"), records.toString());
        if (siteDns != null) {
            reload(siteDns);
        }
    }

    private void reload(Process server) {
        procs.check(List.of("kill", "-HUP", Long.toString(server.pid())), IP_TIMEOUT);
    }

    /**
     * Waits until the cluster DNS answers {@code name} with {@code ip} (null: no longer answers it):
     * dnsmasq handles SIGHUP asynchronously, and a pod must not start before its record exists.
     */
    private void awaitAnswer(String name, String ip) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        // The switch namespace resolves through the cluster DNS (its resolv.conf), never through hosts.
        while (System.nanoTime() < deadline) {
            Procs.Result r = procs.run(List.of("ip", "netns", "exec", switchNamespace, "getent", "ahostsv4", name + "."), IP_TIMEOUT);
            if (ip == null ? !r.ok() : r.ok() && r.output().startsWith(ip + " ")) {
                return;
            }
            DaemonRun.sleep(Duration.ofMillis(20));
        }
        throw new IllegalStateException("cluster DNS does not answer " + name + " -> " + ip);
    }

    private static void replace(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A name in the site zone (A and PTR), e.g. a LoadBalancer address. */
    void siteRecord(String name, String address) throws IOException {
        siteRecords.put(name, address);
        writeSiteDns();
    }

    /**
     * A machine on the site network (the outside client's namespace and address) at a site whose
     * routers carry the pod network's routes (a routed pod network: BGP-peered CNIs such as Calico, or
     * static routes to each node's pod CIDR), so it reaches pod IPs and the cluster DNS without being
     * in the cluster. Its own resolver is the cluster DNS (it can query it like anyone with a route;
     * {@code searches} first on its search line),
     * and its address has no record there, as for any machine that is no pod. Additive: the outside
     * client gets these routes too, from then on.
     */
    Host routedSiteMachine(String hostname, List<String> searches) throws IOException {
        for (Node node : nodes) {
            ip("-n", outsideNamespace, "route", "replace", node.podCidr(), "via", node.ip());
        }
        ip("-n", outsideNamespace, "route", "replace", CLUSTER_DNS + "/32", "via", SITE_DNS);
        Path etc = NETNS_ETC.resolve(prefix + "-hn-site-" + hostname);
        writeEtcFiles(etc, "127.0.0.1\tlocalhost\n" + OUTSIDE_IP + "\t" + hostname + "\n",
                "search " + String.join(" ", searches) + " " + CLUSTER_DOMAIN + "\nnameserver " + CLUSTER_DNS + "\noptions ndots:5\n");
        etcDirs.add(etc);
        return new Host(outsideNamespace, OUTSIDE_IP, hostname, null, List.of(), null, etc, false, false);
    }

    // ---------------------------------------------------------------- node rules

    /**
     * Replaces a node's Service forwards and extra addresses (LoadBalancer addresses it announces, as
     * MetalLB's layer-2 mode puts them on one node).
     */
    void serviceForwards(Node node, List<String> addresses, List<Forward> forwards) {
        for (String old : extraAddresses.getOrDefault(node.index(), List.of())) {
            ip("-n", node.namespace(), "addr", "del", old + "/32", "dev", "eth0");
        }
        for (String address : addresses) {
            ip("-n", node.namespace(), "addr", "add", address + "/32", "dev", "eth0");
        }
        extraAddresses.put(node.index(), List.copyOf(addresses));
        serviceForwards.put(node.index(), List.copyOf(forwards));
        applyRules(node);
    }

    /**
     * The node's DNAT rules: each existing pod's hostPorts on the node address (what the portmap CNI
     * plugin installs), then the Service forwards. Destination NAT only: the pod sees the client's own
     * address, as with portmap and with externalTrafficPolicy: Local. Both prerouting (traffic from
     * elsewhere) and output (from the node itself, hostNetwork pods).
     */
    private synchronized void applyRules(Node node) {
        List<Forward> forwards = new ArrayList<>();
        hosts.forEach((key, h) -> {
            if (h.node() == node && published.containsKey(key) && !h.hostNetwork()) {
                hostPorts.getOrDefault(key, Map.of()).forEach((hostPort, containerPort) ->
                        forwards.add(new Forward(node.ip(), hostPort, h.ip(), containerPort)));
            }
        });
        forwards.addAll(serviceForwards.getOrDefault(node.index(), List.of()));
        StringBuilder rules = new StringBuilder();
        for (Forward f : forwards) {
            rules.append("    ip daddr ").append(f.address()).append(" tcp dport ").append(f.port())
                    .append(" dnat to ").append(f.toIp()).append(':').append(f.toPort()).append('\n');
        }
        String script = "table ip xrootd-hook\ndelete table ip xrootd-hook\ntable ip xrootd-hook {\n"
                + "  chain prerouting {\n    type nat hook prerouting priority -100; policy accept;\n" + rules + "  }\n"
                + "  chain output {\n    type nat hook output priority -100; policy accept;\n" + rules + "  }\n}\n";
        try {
            Path file = dnsDir.resolve("nft-" + node.hostname() + ".nft");
            Files.writeString(file, script, StandardCharsets.UTF_8);
            procs.check(List.of("ip", "netns", "exec", node.namespace(), "nft", "-f", file.toString()), IP_TIMEOUT);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The command prefix that runs something inside a host's namespace. */
    static List<String> inNamespace(Host host) {
        return List.of("ip", "netns", "exec", host.namespace());
    }

    private void netns(String name) {
        ip("netns", "add", name);
        created.add(name);
    }

    private void ip(String... args) {
        List<String> command = new ArrayList<>();
        command.add("ip");
        command.addAll(List.of(args));
        procs.check(command, IP_TIMEOUT);
    }

    /** Stops the DNS servers, deletes the namespaces this network made and their /etc/netns files. */
    @Override
    public void close() {
        for (Process p : dnsServers) {
            Procs.kill(p);
        }
        dnsServers.clear();
        for (int i = created.size() - 1; i >= 0; i--) {
            deleteNamespace(procs, created.get(i));
        }
        created.clear();
        for (Path dir : etcDirs) {
            deleteEtc(dir);
        }
        etcDirs.clear();
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
        deleteEtc(NETNS_ETC.resolve(namespace));
    }

    private static void deleteEtc(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve("hosts"));
            Files.deleteIfExists(dir.resolve("resolv.conf"));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            System.err.println("could not remove " + dir + ": " + e);
        }
    }

    /** Removes namespaces (and hostNetwork pods' kubelet files) left by an earlier run that died without its teardown. */
    static void removeStale(Procs procs) {
        Procs.Result list = procs.run(List.of("ip", "netns", "list"), IP_TIMEOUT);
        if (list.ok()) {
            for (String line : list.output().split("\n")) {
                String name = line.split("\\s+")[0];
                if (name.matches(namespacePrefixPattern())) {
                    System.out.println("removing namespace " + name + " left by an earlier run");
                    deleteNamespace(procs, name);
                }
            }
        }
        if (Files.isDirectory(NETNS_ETC)) {
            try (var dirs = Files.list(NETNS_ETC)) {
                dirs.filter(d -> d.getFileName().toString().matches("xh[0-9a-f]{4}-hn-.*")).forEach(PodNetwork::deleteEtc);
            } catch (IOException e) {
                System.err.println("could not list " + NETNS_ETC + ": " + e);
            }
        }
    }
}
