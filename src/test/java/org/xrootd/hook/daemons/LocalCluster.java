package org.xrootd.hook.daemons;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xrootd.hook.children.StatefulSets;
import org.xrootd.hook.json.Json;

/**
 * Both StatefulSets of one hook response, every pod run locally ({@link LocalPod}) in its own network
 * namespace on one of {@link #NODES} nodes ({@link PodNetwork}), plus an in-cluster client pod from which
 * the test (and, for tcpSocket probes, the "kubelet") talks to the pods by their DNS names, and a client
 * outside the cluster that reaches only node addresses and the LoadBalancer addresses the response's
 * Services get ({@link #exposeServices}).
 *
 * Every container runs in the operand image ({@link OperandImage}).
 *
 * <p>One run at a time per machine (a lock file), so that what one run creates on the host (network
 * namespaces, /etc/netns entries) is never removed under another.
 */
final class LocalCluster implements AutoCloseable {
    private static final Path LOCK = Files.isDirectory(Path.of("/run/lock"))
            ? Path.of("/run/lock/xrootd-hook-real-daemons.lock") : Path.of("/tmp/xrootd-hook-real-daemons.lock");

    final List<LocalPod> redirectors = new ArrayList<>();
    final List<LocalPod> workers = new ArrayList<>();
    /** Present only when the hook built supervisors (more than 64 workers). */
    final List<LocalPod> supervisors = new ArrayList<>();
    /** The in-cluster client (a pod): reaches pod IPs. */
    final PodNetwork.Host client;
    /** A client outside the cluster: reaches node addresses and LoadBalancer addresses only. */
    final PodNetwork.Host outside;
    /** How many nodes the pods are spread over. */
    static final int NODES = 3;
    private final List<JsonNode> services = new ArrayList<>();
    private final Map<Integer, Set<Integer>> usedPorts = new HashMap<>();
    private final Map<Integer, Integer> podsOn = new HashMap<>();
    final int xrootdPort;
    final Path workDir;
    /** The ConfigMaps by name as the hook last returned them; pods read them at each start. */
    private final Map<String, JsonNode> configMaps = new HashMap<>();
    /** The Secrets' data by name and key as the test last applied them; pods read them at each start. */
    private final Map<String, Map<String, byte[]>> secrets = new HashMap<>();
    private final Procs procs;
    private final PodNetwork network;
    private final OperandImage image;
    /** Environment of every client command, e.g. the sss keytab a cluster requires. */
    private List<String> clientEnv = List.of();
    private String xrootdConfig;
    /** The StatefulSets of the last response. */
    private final List<JsonNode> statefulSetSpecs = new ArrayList<>();
    private FileChannel lockChannel;
    private FileLock lock;

    private LocalCluster(JsonNode response, Map<String, Map<String, byte[]>> secrets, OperandImage image, Path workDir, Procs procs) {
        this.workDir = workDir;
        this.image = image;
        this.procs = procs;
        this.secrets.putAll(secrets);
        this.network = new PodNetwork(procs, String.format("xh%04x", ThreadLocalRandom.current().nextInt(0x10000)), NODES,
                workDir.resolve("dns"));
        Desired desired = Desired.of(response);
        statefulSetSpecs.addAll(desired.statefulSets());
        configMaps.putAll(desired.configMaps());
        services.addAll(desired.services());
        this.xrootdConfig = desired.xrootdConfig();
        for (JsonNode sts : desired.statefulSets()) {
            for (int i = 0; i < sts.path("spec").path("replicas").asInt(); i++) {
                addPod(sts, i, false);
            }
        }
        if (redirectors.isEmpty()) {
            // (No workers is a meta manager's shape: its members are other clusters' redirectors.)
            throw new IllegalStateException("the response lacks redirector pods");
        }
        this.xrootdPort = desired.xrootdPort();
        // The in-cluster client: a pod on the first node (it also plays the kubelet for tcpSocket probes).
        this.client = network.add("client", "client", null, List.of(), network.nodes().get(0), false, true, false, Map.of());
        this.outside = network.outside;
    }

    /** The ConfigMap and the two or three StatefulSets of a hook response. */
    private record Desired(Map<String, JsonNode> configMaps, List<JsonNode> statefulSets, List<JsonNode> services) {
        static Desired of(JsonNode response) {
            Map<String, JsonNode> configMaps = new HashMap<>();
            List<JsonNode> statefulSets = new ArrayList<>();
            List<JsonNode> services = new ArrayList<>();
            for (JsonNode child : response.path("children")) {
                switch (child.path("kind").asText()) {
                    case "ConfigMap" -> configMaps.put(child.path("metadata").path("name").asText(), child);
                    case "StatefulSet" -> statefulSets.add(child);
                    case "Service" -> services.add(child);
                    default -> { }
                }
            }
            // Several Xrootds at once (their responses' children together, see combined): one ConfigMap and two or
            // three StatefulSets each.
            if (configMaps.isEmpty() || statefulSets.size() < 2 * configMaps.size() || statefulSets.size() > 3 * configMaps.size()) {
                throw new IllegalStateException("expected one ConfigMap and two or three StatefulSets per Xrootd, got " + configMaps.keySet()
                        + " and " + statefulSets.size() + " StatefulSets");
            }
            return new Desired(configMaps, statefulSets, services);
        }

        /** The xrootd.cf of the first ConfigMap by name (with several Xrootds: the site's own shape is the same in each). */
        String xrootdConfig() {
            return new java.util.TreeMap<>(configMaps).firstEntry().getValue().path("data").path("xrootd.cf").asText();
        }

        int xrootdPort() {
            for (JsonNode sts : statefulSets) {
                for (JsonNode c : sts.path("spec").path("template").path("spec").path("containers")) {
                    for (JsonNode p : c.path("ports")) {
                        if ("xrootd".equals(p.path("name").asText())) {
                            return p.path("containerPort").asInt();
                        }
                    }
                }
            }
            throw new IllegalStateException("no container port named xrootd in the response");
        }
    }

    /**
     * Several hook responses as one, for Xrootds that run side by side in one harness network (two sites, a
     * federation): their children together, each answer unchanged.
     */
    static JsonNode combined(JsonNode... responses) {
        com.fasterxml.jackson.databind.node.ObjectNode all = Json.MAPPER.createObjectNode();
        com.fasterxml.jackson.databind.node.ArrayNode children = all.putArray("children");
        for (JsonNode response : responses) {
            response.path("children").forEach(children::add);
        }
        return all;
    }

    /** The pods (redirectors, supervisors, workers) of the Xrootd named {@code name}. */
    List<LocalPod> podsOf(String name) {
        return allPods().stream().filter(p -> p.name.startsWith(name + "-xrootd-")).toList();
    }

    /** Pod {@code ordinal} of a StatefulSet, with its DNS names; {@code live}: the network exists already. */
    private LocalPod addPod(JsonNode sts, int ordinal, boolean live) {
        List<LocalPod> pods = podsOf(sts);
        String stsName = sts.path("metadata").path("name").asText();
        String namespace = sts.path("metadata").path("namespace").asText("default");
        String service = sts.path("spec").path("serviceName").asText();
        String podName = stsName + "-" + ordinal;
        String relative = podName + "." + service + "." + namespace + ".svc";
        String fqdn = relative + "." + PodNetwork.CLUSTER_DOMAIN;
        JsonNode podSpec = sts.path("spec").path("template").path("spec");
        boolean hostNetwork = podSpec.path("hostNetwork").asBoolean(false);
        String dnsPolicy = podSpec.path("dnsPolicy").asText("ClusterFirst");
        // A hostNetwork pod resolves through the cluster DNS only with ClusterFirstWithHostNet; with
        // ClusterFirst it falls back to its node's resolver (Kubernetes' dnsPolicy rules).
        boolean clusterDns = hostNetwork ? "ClusterFirstWithHostNet".equals(dnsPolicy) : !"Default".equals(dnsPolicy);
        Map<Integer, Integer> ports = hostPorts(podSpec);
        PodNetwork.Node node = schedule(podName, hostNetwork, ports.keySet());
        // The cluster DNS knows <pod>.<service> only while a headless Service of that name selects the pod
        // (CoreDNS publishes the endpoints of headless Services); the StatefulSet's serviceName alone
        // names nothing (the kubelet still writes the name into the pod's own hosts file).
        boolean inClusterDns = governed(service, sts.path("spec").path("template").path("metadata").path("labels"));
        PodNetwork.Host host = network.add(podName, podName, fqdn, List.of(fqdn, relative), node, hostNetwork, clusterDns,
                inClusterDns, ports);
        LocalPod pod = new LocalPod(namespace, stsName, ordinal, host, sts.path("spec").path("template"), configMaps, secrets, image,
                workDir, procs).withClaims(sts.path("spec").path("volumeClaimTemplates"));
        pods.add(pod);
        return pod;
    }

    /** A headless Service named {@code service} in the response whose selector matches {@code podLabels}. */
    private boolean governed(String service, JsonNode podLabels) {
        for (JsonNode s : services) {
            JsonNode spec = s.path("spec");
            if (!service.equals(s.path("metadata").path("name").asText()) || !"None".equals(spec.path("clusterIP").asText())
                    || !spec.path("selector").isObject() || spec.path("selector").isEmpty()) {
                continue;
            }
            boolean selects = true;
            for (var it = spec.path("selector").fields(); it.hasNext(); ) {
                var entry = it.next();
                selects &= entry.getValue().asText().equals(podLabels.path(entry.getKey()).asText(null));
            }
            if (selects) {
                return true;
            }
        }
        return false;
    }

    /**
     * The pod's ports on its node: each container port's {@code hostPort} (to its containerPort), or
     * with hostNetwork every container port itself, which the pod then binds on the node.
     */
    private static Map<Integer, Integer> hostPorts(JsonNode podSpec) {
        Map<Integer, Integer> ports = new LinkedHashMap<>();
        boolean hostNetwork = podSpec.path("hostNetwork").asBoolean(false);
        for (JsonNode c : podSpec.path("containers")) {
            for (JsonNode p : c.path("ports")) {
                int containerPort = p.path("containerPort").asInt();
                if (hostNetwork) {
                    ports.put(containerPort, containerPort);
                } else if (p.has("hostPort")) {
                    ports.put(p.path("hostPort").asInt(), containerPort);
                }
            }
        }
        return ports;
    }

    /**
     * Places a pod as the scheduler's NodePorts filter does: never on a node where another pod already
     * uses one of its host ports (a hostNetwork pod uses all its container ports), else on the node
     * with the fewest pods. No node left: the pod would stay Pending, and the run fails.
     */
    private PodNetwork.Node schedule(String podName, boolean hostNetwork, Set<Integer> ports) {
        PodNetwork.Node best = null;
        for (PodNetwork.Node node : network.nodes()) {
            Set<Integer> used = usedPorts.computeIfAbsent(node.index(), k -> new TreeSet<>());
            if (ports.stream().anyMatch(used::contains)) {
                continue;
            }
            if (best == null || podsOn.getOrDefault(node.index(), 0) < podsOn.getOrDefault(best.index(), 0)) {
                best = node;
            }
        }
        if (best == null) {
            throw new IllegalStateException(podName + " would stay Pending: every node already uses one of its host ports "
                    + ports + (hostNetwork ? " (hostNetwork)" : ""));
        }
        usedPorts.get(best.index()).addAll(ports);
        podsOn.merge(best.index(), 1, Integer::sum);
        return best;
    }

    /**
     * Takes the machine's run lock, clears what a dead run left, creates the network.
     * {@code secrets}: the data of every Secret the pods mount, by Secret name and key.
     */
    static LocalCluster create(JsonNode response, Map<String, Map<String, byte[]>> secrets, OperandImage image, Path workDir,
                               Procs procs) throws IOException, InterruptedException {
        LocalCluster cluster = new LocalCluster(response, secrets, image, workDir, procs);
        procs.onShutdown(cluster::close);
        try {
            cluster.lock();
            PodNetwork.removeStale(procs);
            Files.createDirectories(workDir.resolve("logs"));
            Files.createDirectories(workDir.resolve("client"));
            LocalPod.prepareRuntime(workDir, procs);
            cluster.network.create();
            return cluster;
        } catch (IOException | RuntimeException | InterruptedException e) {
            cluster.close();
            throw e;
        }
    }

    /** The xrootd.cf of the ConfigMap as the hook last returned it. */
    String xrootdConfig() {
        return xrootdConfig;
    }

    /**
     * Replaces a Secret's data, as {@code kubectl apply} of the Secret does. Pods started from now on see
     * the new data, and the kubelets update the volumes of it in the running pods in place
     * ({@link LocalPod#refreshSecret}; here at once, a kubelet within its sync period); running daemons,
     * which copied theirs at start, keep the old until their pod is replaced. Returns how many running
     * pods' volumes were updated.
     */
    int secret(String name, Map<String, byte[]> data) {
        secrets.put(name, Map.copyOf(data));
        int pods = 0;
        for (LocalPod pod : allPods()) {
            pods += pod.refreshSecret(name) > 0 ? 1 : 0;
        }
        return pods;
    }

    /** Sets the environment of every later client command (e.g. XrdSecSSSKT). */
    void clientEnv(List<String> env) {
        this.clientEnv = List.copyOf(env);
    }

    /**
     * Applies a new hook response as Kubernetes does. The ConfigMap gets the new contents at once
     * (every pod started from now on reads them; running daemons read their configuration only at
     * start). Each StatefulSet then does what its controller does with a {@code RollingUpdate} strategy
     * (stateful_set_control.go): pods for new ordinals are created from the new template, with {@code
     * podManagementPolicy: Parallel} at once, with {@code OrderedReady} one at a time, each only once every
     * pod below it is ready and has been for the StatefulSet's {@code minReadySeconds} (available); then,
     * going down from the highest ordinal, a pod whose template differs is deleted and recreated from the
     * new one, and the controller waits while the pod at the current ordinal is not ready (with
     * OrderedReady, not available). The StatefulSets roll side by side, each on its own. Readiness is each
     * pod's readiness probe, run as the kubelet runs it: first after {@code initialDelaySeconds}, then
     * every {@code periodSeconds}.
     *
     * <p>A pod is replaced here by killing its containers and starting them again at the same address
     * ({@link Replacement#KILL_KEEP_ADDRESS}); see the overload for a replacement as a real cluster does it.
     *
     * @return one line per event (pod replaced, pod ready), with the seconds since the update began
     */
    List<String> rollingUpdate(JsonNode response, Duration limit) throws IOException {
        return rollingUpdate(response, limit, Replacement.KILL_KEEP_ADDRESS);
    }

    /** How {@link #rollingUpdate} replaces a pod whose template changed. */
    enum Replacement {
        /** SIGKILL to every container, the new pod at the same address (the harness's first model). */
        KILL_KEEP_ADDRESS,
        /**
         * As a real cluster does it: the pod is deleted as the kubelet deletes it (SIGTERM, SIGKILL after
         * {@code terminationGracePeriodSeconds}), the controller creates it again only once it is gone (a
         * StatefulSet never runs two pods of one name), and the new pod gets a new IP, which the cluster DNS
         * then answers for its name.
         */
        DELETE_NEW_ADDRESS
    }

    /** As {@link #rollingUpdate(JsonNode, Duration)}, each pod replaced as {@code replacement} says. */
    List<String> rollingUpdate(JsonNode response, Duration limit, Replacement replacement) throws IOException {
        long begin = System.nanoTime();
        Desired desired = Desired.of(response);
        configMaps.clear();
        configMaps.putAll(desired.configMaps());
        xrootdConfig = desired.xrootdConfig();
        services.clear();
        services.addAll(desired.services());
        statefulSetSpecs.clear();
        statefulSetSpecs.addAll(desired.statefulSets());
        List<String> events = new ArrayList<>();
        Map<LocalPod, Readiness> readiness = new LinkedHashMap<>();
        allPods().forEach(pod -> readiness.put(pod, new Readiness(probe(pod), true, 0)));
        List<List<LocalPod>> sets = new ArrayList<>();
        List<JsonNode> templates = new ArrayList<>();
        List<JsonNode> setSpecs = new ArrayList<>();
        for (JsonNode sts : desired.statefulSets()) {
            JsonNode template = sts.path("spec").path("template");
            int replicas = sts.path("spec").path("replicas").asInt();
            List<LocalPod> pods = podsOf(sts);
            if (replicas < pods.size()) {
                throw new UnsupportedOperationException("scaling down is not emulated");
            }
            if (!orderedReady(sts)) {
                for (int i = pods.size(); i < replicas; i++) {
                    LocalPod pod = addPod(sts, i, true);
                    pod.start();
                    readiness.put(pod, new Readiness(probe(pod), false, System.nanoTime()));
                    events.add(String.format("%6.2f s  created %s", since(begin), pod.name));
                }
            }
            sets.add(pods);
            templates.add(template);
            setSpecs.add(sts);
        }
        // Each kubelet probes its pods concurrently; probing 72 pods one after the other took 25-40 s per
        // pass on a loaded machine, which delayed every readiness the controller waits for.
        ExecutorService prober = Executors.newFixedThreadPool(PROBE_THREADS, runnable -> {
            Thread thread = new Thread(runnable, "probe");
            thread.setDaemon(true);
            return thread;
        });
        try {
            return rollingUpdate(begin, limit, readiness, sets, templates, setSpecs, events, prober, replacement);
        } finally {
            prober.shutdownNow();
        }
    }

    /** Probes run at once in a rolling update. */
    private static final int PROBE_THREADS = 16;

    private List<String> rollingUpdate(long begin, Duration limit, Map<LocalPod, Readiness> readiness, List<List<LocalPod>> sets,
                                       List<JsonNode> templates, List<JsonNode> setSpecs, List<String> events,
                                       ExecutorService prober, Replacement replacement) throws IOException {
        long deadline = begin + limit.toNanos();
        while (true) {
            Map<LocalPod, Future<Boolean>> probes = new LinkedHashMap<>();
            readiness.forEach((pod, state) -> {
                if (state.due()) {
                    probes.put(pod, prober.submit(() -> ready(pod)));
                }
            });
            for (Map.Entry<LocalPod, Future<Boolean>> probe : probes.entrySet()) {
                Readiness state = readiness.get(probe.getKey());
                boolean ok;
                try {
                    ok = probe.getValue().get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                } catch (ExecutionException e) {
                    ok = false;
                }
                if (state.record(ok)) {
                    events.add(String.format("%6.2f s  %s %s", since(begin), state.ready ? "ready" : "not ready", probe.getKey().name));
                }
            }
            boolean done = true;
            for (int s = 0; s < sets.size(); s++) {
                List<LocalPod> pods = sets.get(s);
                JsonNode sts = setSpecs.get(s);
                if (orderedReady(sts)) {
                    // OrderedReady: the next ordinal only once every pod below it is available; never
                    // more than the controller does (it creates one pod per pass and then waits).
                    Duration minReady = Duration.ofSeconds(sts.path("spec").path("minReadySeconds").asLong(0));
                    if (pods.size() < sts.path("spec").path("replicas").asInt()) {
                        done = false;
                        if (pods.stream().allMatch(p -> readiness.get(p).available(minReady))) {
                            LocalPod pod = addPod(sts, pods.size(), true);
                            pod.start();
                            readiness.put(pod, new Readiness(probe(pod), false, System.nanoTime()));
                            events.add(String.format("%6.2f s  created %s", since(begin), pod.name));
                        }
                        continue;
                    }
                }
                Duration available = orderedReady(sts)
                        ? Duration.ofSeconds(sts.path("spec").path("minReadySeconds").asLong(0)) : Duration.ZERO;
                for (int target = pods.size() - 1; target >= 0; target--) {
                    LocalPod pod = pods.get(target);
                    if (!pod.template().equals(templates.get(s))) {
                        String how = "";
                        if (replacement == Replacement.DELETE_NEW_ADDRESS) {
                            Duration stopped = pod.stop();
                            network.unpublish(pod.name);
                            pod.readdress(network.readdress(pod.name));
                            how = String.format(" (stopped in %.2f s, new IP %s)", stopped.toMillis() / 1000.0, pod.host.ip());
                        } else {
                            pod.kill();
                        }
                        pod.template(templates.get(s));
                        pod.start();
                        readiness.put(pod, new Readiness(probe(pod), false, System.nanoTime()));
                        events.add(String.format("%6.2f s  replaced %s%s", since(begin), pod.name, how));
                        done = false;
                        break;
                    }
                    if (!readiness.get(pod).available(available)) {
                        done = false;
                        break;
                    }
                }
            }
            if (done) {
                return events;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("rolling update not done within " + limit.toSeconds() + " s:\n" + String.join("\n", events));
            }
            sleepQuietly(Duration.ofMillis(100));
        }
    }

    /**
     * A pod's Ready condition as the kubelet keeps it: the probe runs {@code initialDelaySeconds} after
     * the start, then every {@code periodSeconds}; one success makes the pod ready, {@code
     * failureThreshold} failures in a row unready.
     */
    private static final class Readiness {
        boolean ready;
        /** When the pod last became ready (System.nanoTime), for minReadySeconds; 0 while unready. */
        private long readySince;
        private long nextProbe;
        private final long periodNanos;
        private final int failureThreshold;
        private int failures;

        /** {@code started}: when the pod started (its first probe is due after the initial delay), or 0 for a running pod. */
        Readiness(JsonNode probe, boolean ready, long started) {
            this.ready = ready;
            this.readySince = ready ? System.nanoTime() - Duration.ofDays(1).toNanos() : 0;
            this.periodNanos = Duration.ofSeconds(probe.path("periodSeconds").asLong(10)).toNanos();
            this.failureThreshold = probe.path("failureThreshold").asInt(3);
            this.nextProbe = started == 0 ? System.nanoTime()
                    : started + Duration.ofSeconds(probe.path("initialDelaySeconds").asLong(0)).toNanos();
        }

        /** True when the next probe is due. */
        boolean due() {
            return System.nanoTime() >= nextProbe;
        }

        /** Records a probe's result (the next is due a period later); true when the Ready condition changed. */
        boolean record(boolean passed) {
            nextProbe = System.nanoTime() + periodNanos;
            boolean was = ready;
            if (passed) {
                failures = 0;
                ready = true;
            } else if (++failures >= failureThreshold) {
                ready = false;
            }
            if (ready && !was) {
                readySince = System.nanoTime();
            }
            return ready != was;
        }

        /** Ready, and for at least {@code minReady} (a pod's availability as the StatefulSet controller sees it). */
        boolean available(Duration minReady) {
            return ready && System.nanoTime() - readySince >= minReady.toNanos();
        }
    }

    /** True when the StatefulSet creates its pods one at a time ({@code podManagementPolicy: OrderedReady}, Kubernetes' default). */
    private static boolean orderedReady(JsonNode sts) {
        return !"Parallel".equals(sts.path("spec").path("podManagementPolicy").asText("OrderedReady"));
    }

    /**
     * True when some StatefulSet of the cluster with more than one pod is OrderedReady: then its pods do
     * not all start at once, which a cold start that starts every pod together would not honour.
     */
    boolean startsOneAtATime() {
        return statefulSetSpecs.stream().anyMatch(sts -> orderedReady(sts) && sts.path("spec").path("replicas").asInt() > 1);
    }

    /** The readiness probe of the pod's (first) container that has one. */
    private static JsonNode probe(LocalPod pod) {
        for (String container : pod.containerNames()) {
            if (pod.container(container).has("readinessProbe")) {
                return pod.container(container).path("readinessProbe");
            }
        }
        return Json.MAPPER.createObjectNode();
    }

    /** True when every readiness probe of the pod passes right now. */
    boolean ready(LocalPod pod) {
        return failing(pod, "readinessProbe").isEmpty();
    }

    /** Descriptions of the pod's probes of one kind that fail right now; empty when all pass. */
    List<String> failing(LocalPod pod, String probeField) {
        List<String> failures = new ArrayList<>();
        for (String container : pod.containerNames()) {
            if (pod.container(container).has(probeField)) {
                Procs.Result result = pod.probe(container, probeField, client);
                if (!result.ok()) {
                    failures.add(container + ": " + result);
                }
            }
        }
        return failures;
    }

    private static double since(long begin) {
        return (System.nanoTime() - begin) / 1e9;
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** How long a run waits for another to finish: several helpers' runs of many minutes may queue on one machine. */
    private static final long LOCK_WAIT_MINUTES = Long.getLong("xrootd.daemons.lockWaitMinutes", 45);

    private void lock() throws IOException, InterruptedException {
        lockChannel = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        long deadline = System.nanoTime() + Duration.ofMinutes(LOCK_WAIT_MINUTES).toNanos();
        while ((lock = lockChannel.tryLock()) == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("another real-daemon test run holds " + LOCK);
            }
            Thread.sleep(500);
        }
    }

    List<LocalPod> allPods() {
        List<LocalPod> all = new ArrayList<>(redirectors);
        all.addAll(supervisors);
        all.addAll(workers);
        return all;
    }

    /** The pod list of a StatefulSet's component. */
    private List<LocalPod> podsOf(JsonNode sts) {
        return switch (sts.path("metadata").path("labels").path("app.kubernetes.io/component").asText()) {
            case "redirector" -> redirectors;
            case "supervisor" -> supervisors;
            default -> workers;
        };
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

    /**
     * A pod that is no member of the cluster (e.g. a token issuer the test serves), on the first node, whose
     * name {@code <name>.<service>.<namespace>.svc.cluster.local} the cluster DNS answers, as for a pod a
     * headless Service selects.
     */
    PodNetwork.Host servicePod(String name, String service) {
        String relative = name + "." + service + "." + DaemonRun.NAMESPACE + ".svc";
        String fqdn = relative + "." + PodNetwork.CLUSTER_DOMAIN;
        return network.add("service-" + name, name, fqdn, List.of(fqdn, relative), network.nodes().get(0), false, true, true, Map.of());
    }

    /** Starts a long-running process (as root) in a pod's network namespace; stopped by PID at close. */
    Process startIn(PodNetwork.Host host, List<String> argv, java.nio.file.Path log) {
        List<String> command = new ArrayList<>(PodNetwork.inNamespace(host));
        command.addAll(argv);
        return procs.start(command, log);
    }

    /** Runs a command in the client namespace (as root: the client is not a daemon), with the client environment. */
    Procs.Result client(Duration timeout, String... argv) {
        return clientWith(clientEnv, timeout, argv);
    }

    /** Runs a command in the client namespace with exactly this environment on top of root's. */
    Procs.Result clientWith(List<String> env, Duration timeout, String... argv) {
        List<String> command = new ArrayList<>(PodNetwork.inNamespace(client));
        if (!env.isEmpty()) {
            command.add("env");
            command.addAll(env);
        }
        command.addAll(List.of(argv));
        return procs.run(command, timeout);
    }

    List<PodNetwork.Node> nodes() {
        return network.nodes();
    }

    /** Runs a command in the outside client's namespace (as root), with exactly this environment on top of root's. */
    Procs.Result outside(List<String> env, Duration timeout, String... argv) {
        List<String> command = new ArrayList<>(PodNetwork.inNamespace(outside));
        if (!env.isEmpty()) {
            command.add("env");
            command.addAll(env);
        }
        command.addAll(List.of(argv));
        return procs.run(command, timeout);
    }

    /** What a LoadBalancer or NodePort Service of the response got: its address and name, and its node ports. */
    record Exposed(String service, String address, String name, PodNetwork.Node announcedBy, Map<Integer, Integer> nodePorts) {}

    /**
     * Emulates the Services of type LoadBalancer and NodePort of the last response for the pods that
     * are ready now (their endpoints), with {@code externalTrafficPolicy: Local} semantics whatever the
     * Service says, so never more than Kubernetes gives: a node forwards only to ready endpoints on
     * itself, by destination NAT (the pod sees the client's address). A LoadBalancer address is put on
     * one node that has a ready endpoint (as MetalLB's layer-2 mode announces it from one such node)
     * and named {@code <service>.<namespace>.lb.<site zone>} in the site DNS (A and PTR). A NodePort
     * without {@code nodePort} gets one from 30000 up, as the API server allocates it. Call it again
     * after readiness changes; ClusterIP Services are not emulated (clients use pod names).
     */
    List<Exposed> exposeServices() throws IOException {
        List<Exposed> exposed = new ArrayList<>();
        Map<Integer, List<String>> addresses = new HashMap<>();
        Map<Integer, List<PodNetwork.Forward>> forwards = new HashMap<>();
        int lb = 0;
        int allocated = 30000;
        for (JsonNode svc : services) {
            String type = svc.path("spec").path("type").asText("ClusterIP");
            if (!"LoadBalancer".equals(type) && !"NodePort".equals(type)) {
                continue;
            }
            String svcName = svc.path("metadata").path("name").asText();
            String namespace = svc.path("metadata").path("namespace").asText("default");
            List<LocalPod> endpoints = allPods().stream().filter(p -> selects(svc.path("spec").path("selector"), p) && ready(p)).toList();
            if (endpoints.isEmpty()) {
                throw new IllegalStateException("Service " + svcName + " has no ready endpoint");
            }
            Map<Integer, Integer> nodePorts = new LinkedHashMap<>();
            for (JsonNode port : svc.path("spec").path("ports")) {
                int nodePort = port.has("nodePort") ? port.path("nodePort").asInt() : allocated++;
                nodePorts.put(port.path("port").asInt(), nodePort);
                for (PodNetwork.Node node : network.nodes()) {
                    endpoints.stream().filter(p -> p.host.node() == node).findFirst().ifPresent(local ->
                            forwards.computeIfAbsent(node.index(), k -> new ArrayList<>()).add(new PodNetwork.Forward(
                                    node.ip(), nodePort, local.host.ip(), targetPort(port))));
                }
            }
            String address = null;
            String name = null;
            PodNetwork.Node announcer = null;
            if ("LoadBalancer".equals(type)) {
                announcer = endpoints.get(0).host.node();
                address = PodNetwork.SITE_NET + (200 + lb++);
                name = svcName + "." + namespace + ".lb." + PodNetwork.SITE_DOMAIN;
                addresses.computeIfAbsent(announcer.index(), k -> new ArrayList<>()).add(address);
                LocalPod local = endpoints.get(0);
                for (JsonNode port : svc.path("spec").path("ports")) {
                    forwards.computeIfAbsent(announcer.index(), k -> new ArrayList<>()).add(new PodNetwork.Forward(
                            address, port.path("port").asInt(), local.host.ip(), targetPort(port)));
                }
                network.siteRecord(name, address);
            }
            exposed.add(new Exposed(svcName, address, name, announcer, nodePorts));
        }
        for (PodNetwork.Node node : network.nodes()) {
            network.serviceForwards(node, addresses.getOrDefault(node.index(), List.of()),
                    forwards.getOrDefault(node.index(), List.of()));
        }
        return exposed;
    }

    /** A numeric targetPort (the hook's Services use numbers), or the port itself when absent. */
    private static int targetPort(JsonNode port) {
        JsonNode target = port.path("targetPort");
        if (target.isMissingNode()) {
            return port.path("port").asInt();
        }
        if (!target.canConvertToInt()) {
            throw new IllegalStateException("named targetPort is not emulated: " + port);
        }
        return target.asInt();
    }

    /** True when every label of the selector is on the pod's template. */
    private static boolean selects(JsonNode selector, LocalPod pod) {
        JsonNode labels = pod.template().path("metadata").path("labels");
        var fields = selector.fields();
        while (fields.hasNext()) {
            var f = fields.next();
            if (!f.getValue().asText().equals(labels.path(f.getKey()).asText(null))) {
                return false;
            }
        }
        return selector.size() > 0;
    }

    /** True once something accepts TCP connections on the pod's xrootd port. */
    boolean accepts(LocalPod pod, int port) {
        return client(Duration.ofSeconds(2), "bash", "-c", "exec 3<>/dev/tcp/$0/$1", pod.host.ip(), Integer.toString(port)).ok();
    }

    private static final Pattern SERVER = Pattern.compile("\\[(?:::ffff:|::)?([0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+)\\]:([0-9]+)");

    /**
     * IPs of the data servers a redirector's cluster map lists ({@code xrdmapc --list s}; rc is always 0).
     * xrdmapc prints a server by the name its address's PTR record gives, by address when there is none
     * (an address whose pod is gone); a name is taken as the address of the pod that owns it now.
     * Anything else is kept as printed, so that no assertion on IPs passes by accident.
     */
    Set<String> subscribedServers(LocalPod redirector) {
        Procs.Result map = client(Duration.ofSeconds(10), "xrdmapc", "--list", "s", dnsName(redirector) + ":" + xrootdPort);
        Set<String> ips = new TreeSet<>();
        for (String line : map.output().split("\n")) {
            if (line.strip().startsWith("Srv ")) {
                String entry = line.strip().split("\\s+")[1];
                ips.add(addressOf(entry).orElse(entry));
            }
        }
        return ips;
    }

    /**
     * The IP of a server entry as xrdmapc prints it: {@code [::ffff:<ip>]:<port>} when its address has
     * no PTR record, or {@code <name>:<port>} with the name the PTR gives, taken as the address of the
     * pod that owns that name now. Empty for anything else.
     */
    java.util.Optional<String> addressOf(String entry) {
        Matcher m = SERVER.matcher(entry);
        if (m.find()) {
            return java.util.Optional.of(m.group(1));
        }
        String name = entry.replaceFirst(":[0-9]+$", "");
        return allPods().stream().filter(p -> name.equals(p.host.fqdn())).map(p -> p.host.ip()).findFirst();
    }

    /** True when a worker cmsd's log says it logged in to the redirector ("Logged into [site] host"). */
    static boolean loggedInto(String cmsdLog, LocalPod redirector) {
        return Pattern.compile("Protocol: Logged into (\\S+ )?" + Pattern.quote(redirector.host.fqdn()) + "$", Pattern.MULTILINE)
                .matcher(cmsdLog).find();
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
    /**
     * Every container exit the emulated kubelet restarted ({@link LocalPod#restartEvents}), of members and
     * foreign pods, each with the last lines of the container's log.
     */
    List<String> restartEvents() {
        List<LocalPod> pods = new ArrayList<>(allPods());
        pods.addAll(foreign);
        List<String> events = new ArrayList<>();
        for (LocalPod pod : pods) {
            synchronized (pod.restartEvents) {
                events.addAll(pod.restartEvents);
            }
        }
        return events;
    }

    /** How many restarts each restarted container had over the run ("pod/container: N"), or "none". */
    String restartSummary() {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (String event : restartEvents()) {
            counts.merge(event.substring(0, event.indexOf(' ')), 1, Integer::sum);
        }
        return counts.isEmpty() ? "none" : counts.toString();
    }

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

    /**
     * Deletes a pod as the kubelet does (SIGTERM, SIGKILL after the grace period) and creates it again
     * with a new IP, as a StatefulSet pod rescheduled to another node: same name, same claim, fresh
     * emptyDirs, every hosts file naming the new address. Returns how long the old pod took to stop.
     */
    Duration recreateWithNewAddress(LocalPod pod) throws IOException {
        Duration stopped = pod.stop();
        network.unpublish(pod.name);
        pod.readdress(network.readdress(pod.name));
        pod.start();
        return stopped;
    }

    /**
     * Takes what a hook response asks for without rolling any pod: the ConfigMap files the next pod start
     * reads (the kubelet updates a mounted ConfigMap in place; the daemons read it at start), the Services
     * and the StatefulSet specs. Pods keep their templates until {@link #replaceWithNewAddress} replaces them.
     */
    void adopt(JsonNode response) {
        Desired desired = Desired.of(response);
        configMaps.clear();
        configMaps.putAll(desired.configMaps());
        xrootdConfig = desired.xrootdConfig();
        services.clear();
        services.addAll(desired.services());
        statefulSetSpecs.clear();
        statefulSetSpecs.addAll(desired.statefulSets());
    }

    /**
     * One step of a StatefulSet rolling update with a real cluster's semantics: the pod is deleted as the
     * kubelet does it (SIGTERM, SIGKILL after its grace period) and created again from {@code template}
     * with a new IP (a re-created pod gets a new address). Returns how long the old pod took to stop.
     */
    Duration replaceWithNewAddress(LocalPod pod, JsonNode template) throws IOException {
        Duration stopped = pod.stop();
        network.unpublish(pod.name);
        pod.readdress(network.readdress(pod.name));
        pod.template(template);
        pod.start();
        return stopped;
    }

    void killAllPods() {
        for (LocalPod pod : allPods()) {
            pod.kill();
        }
        for (LocalPod pod : foreign) {
            pod.kill();
        }
    }

    /** Pods that are no member of the cluster ({@link #foreignPod}, {@link #siteMachinePod}); killed at close. */
    private final List<LocalPod> foreign = new ArrayList<>();

    /**
     * A pod that is not a member: {@code podName} (a StatefulSet name and an ordinal) of namespace
     * {@code namespace}, governed by headless Service {@code service}, made from {@code template} (e.g.
     * a copy of a worker's: the same ConfigMap, so the same xrootd.cf) on {@code node}. The cluster DNS
     * publishes {@code <pod>.<service>.<namespace>.svc.cluster.local} (A and PTR) as for any
     * StatefulSet pod. {@code dnsSearches}: the pod's {@code dnsConfig.searches}, which the kubelet appends
     * to the search line of its resolv.conf. Not started; not in {@link #allPods}.
     */
    LocalPod foreignPod(String statefulSet, String namespace, String service, JsonNode template, JsonNode claimTemplates,
                        PodNetwork.Node node, List<String> dnsSearches) throws IOException {
        String podName = statefulSet + "-0";
        String relative = podName + "." + service + "." + namespace + ".svc";
        String fqdn = relative + "." + PodNetwork.CLUSTER_DOMAIN;
        PodNetwork.Host host = network.add(podName, podName, fqdn, List.of(fqdn, relative), node, false, true, true, Map.of());
        if (!dnsSearches.isEmpty()) {
            Path resolv = host.etc().resolve("resolv.conf");
            Files.writeString(resolv, Files.readString(resolv).replaceFirst("(?m)^(search .*)$", "$1 " + String.join(" ", dnsSearches)));
        }
        LocalPod pod = new LocalPod(namespace, statefulSet, 0, host, template, configMaps, secrets, image, workDir, procs)
                .withClaims(claimTemplates);
        foreign.add(pod);
        return pod;
    }

    /**
     * A second Xrootd of the same namespace, from its own hook response, run beside this cluster on the same
     * pod network and cluster DNS (e.g. the origin in front of which this cluster is a cache): its
     * ConfigMap joins the ones pods read, and each of its StatefulSets, which must have one replica, gets
     * its pod {@code <StatefulSet>-0}, named in DNS under its governing Service. Not started; not in
     * {@link #allPods}; killed at close. Returns the pods in the response's StatefulSet order.
     */
    List<LocalPod> neighbour(JsonNode response) throws IOException {
        Desired desired = Desired.of(response);
        configMaps.putAll(desired.configMaps());
        List<LocalPod> pods = new ArrayList<>();
        int next = 1;
        for (JsonNode sts : desired.statefulSets()) {
            if (sts.path("spec").path("replicas").asInt() != 1) {
                throw new IllegalArgumentException("a neighbour's StatefulSets must have one replica each: " + sts.path("metadata"));
            }
            pods.add(foreignPod(sts.path("metadata").path("name").asText(), sts.path("metadata").path("namespace").asText("default"),
                    sts.path("spec").path("serviceName").asText(), sts.path("spec").path("template"),
                    sts.path("spec").path("volumeClaimTemplates"), network.nodes().get(next++ % NODES), List.of()));
        }
        return pods;
    }

    /**
     * Containers run on a machine of the site network outside the cluster that has routes to the pod
     * network ({@link PodNetwork#routedSiteMachine}), made from {@code template}. Not in {@link #allPods}.
     */
    LocalPod siteMachinePod(String statefulSet, JsonNode template, JsonNode claimTemplates, List<String> dnsSearches) throws IOException {
        PodNetwork.Host host = network.routedSiteMachine(statefulSet + "-0", dnsSearches);
        LocalPod pod = new LocalPod("site", statefulSet, 0, host, template, configMaps, secrets, image, workDir, procs)
                .withClaims(claimTemplates);
        foreign.add(pod);
        return pod;
    }

    /** Stops every pod by PID, deletes the namespaces, releases the lock. */
    @Override
    public synchronized void close() {
        try {
            killAllPods();
        } finally {
            try {
                network.close();
            } finally {
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
