package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.Exposures;
import org.xrootd.hook.model.Secrets;
import org.xrootd.hook.model.SpecParser;
import org.xrootd.hook.model.XrootdSpec;

/**
 * The StatefulSet of each role (redirectors, workers, and supervisors above 64 workers). Each pod runs
 * cmsd and xrootd from the same image, sharing an admin-path emptyDir; workers keep their data on a volume
 * from the claim template. Written as JSON
 * trees with keys in the API types' order (see {@link JsonTrees}); the fields passed through from the spec
 * (resources, affinity, tolerations, ...) are the model's own objects, converted where they are set.
 */
public final class StatefulSets {
    /** Pod template annotation whose value changes whenever the pod's configuration does. */
    public static final String CONFIG_HASH = "xrootd.org/config-hash";
    /**
     * A hash of the data digests of the Secrets the role's pods mount (model/Secrets): a rotated keytab or
     * certificate changes the template and so rolls exactly those pods, since the daemons read them once.
     */
    public static final String SECRETS_HASH = "xrootd.org/secrets-hash";
    /** Where XRootD clients (xrdfs, xrdcp) look for an sss keytab first. */
    static final String SSS_CLIENT_KEYTAB_ENV = "XrdSecSSSKT";
    /** Seconds between SIGTERM and SIGKILL when a pod stops. */
    static final int TERMINATION_GRACE_SECONDS = 10;
    static final String PARALLEL = "Parallel";
    static final String ORDERED_READY = "OrderedReady";
    /**
     * Seconds a supervisor stays ready before the StatefulSet controller creates the next one (with
     * OrderedReady it waits for each predecessor to be available). Longer than the managers' {@code
     * cms.delay drop 10}: by then a worker that the previous supervisor's login moved away from one manager
     * only, and that manager kept as a disconnected member, is dropped, so the next supervisor's login
     * cannot take its slot and be sent on to itself (docs/xrootd-configuration.md, supervisors).
     */
    static final int SUPERVISOR_MIN_READY_SECONDS = 15;

    private StatefulSets() {}

    /**
     * The StatefulSet of one role. {@code existing}: the role's StatefulSet as observed, whose volume claim
     * templates the new one keeps exactly (see {@link ExistingStatefulSet}).
     */
    public static ObjectNode build(XrootdSpec spec, Component component, Catalog.Resolved image, String configHash,
                                   Optional<ExistingStatefulSet> existing) {
        return build(spec, component, image, configHash, existing, Map.of());
    }

    /**
     * As above, with the data digest of each referenced Secret by name ({@link Secrets#resolve}); the role's
     * template carries {@link #SECRETS_HASH} over those its pods mount, or none if they mount none.
     */
    public static ObjectNode build(XrootdSpec spec, Component component, Catalog.Resolved image, String configHash,
                                   Optional<ExistingStatefulSet> existing, Map<String, String> secretDigests) {
        int replicas = spec.role(component).replicas();
        ObjectNode statefulSet = JsonTrees.resource("apps/v1", "StatefulSet", Names.statefulSet(spec, component),
                spec.namespace(), Labels.of(spec, component, image.version()));
        ObjectNode setSpec = statefulSet.putObject("spec");
        if (component == Component.SUPERVISOR) {
            // See SUPERVISOR_MIN_READY_SECONDS. Mutable, so existing supervisor StatefulSets get it too.
            setSpec.put("minReadySeconds", SUPERVISOR_MIN_READY_SECONDS);
        }
        if (component == Component.WORKER && spec.storage().deleteWithXrootd()) {
            // Opt-in only: by default (Kubernetes' default, Retain) worker data outlives the Xrootd.
            setSpec.putObject("persistentVolumeClaimRetentionPolicy").put("whenDeleted", "Delete").put("whenScaled", "Retain");
        }
        setSpec.put("podManagementPolicy", podManagementPolicy(component, existing));
        setSpec.put("replicas", replicas);
        setSpec.putObject("selector").set("matchLabels", JsonTrees.map(Labels.selector(spec, component)));
        setSpec.put("serviceName", Names.headlessService(spec, component));
        ObjectNode template = setSpec.putObject("template");
        ObjectNode templateMetadata = template.putObject("metadata");
        templateMetadata.set("annotations", JsonTrees.map(podAnnotations(spec, component, configHash, secretDigests)));
        templateMetadata.set("labels", JsonTrees.map(podLabels(spec, component, image)));
        template.set("spec", podSpec(spec, component, image));
        setSpec.putObject("updateStrategy").put("type", "RollingUpdate");
        if (existing.isPresent()) {
            if (existing.get().volumeClaimTemplates() != null) {
                setSpec.set("volumeClaimTemplates", existing.get().volumeClaimTemplates().deepCopy());
            }
        } else if (component == Component.WORKER) {
            ArrayNode claims = setSpec.putArray("volumeClaimTemplates");
            claims.add(dataClaim(spec));
            if (spec.isCache()) {
                for (XrootdSpec.Disk disk : spec.cache().disks()) {
                    claims.add(claim(PodLayout.CACHE_VOLUME_PREFIX + disk.name(), disk.capacity(), disk.storageClass()));
                }
            }
        }
        return statefulSet;
    }

    /**
     * Redirectors and workers: {@code Parallel}, their pods do not depend on each other's order. Supervisors:
     * {@code OrderedReady}, one at a time, each once the previous is ready (its cmsd holds a login to a
     * manager) for {@link #SUPERVISOR_MIN_READY_SECONDS}. Two supervisors logging in to the managers at
     * the same moment let a 5.5.3 manager send one of them the redirect meant for a worker it displaced,
     * and that supervisor subscribed to itself and left both managers (real daemons, run 5 of the
     * supervisor test). The field is immutable: an existing StatefulSet keeps what it was created with.
     */
    static String podManagementPolicy(Component component, Optional<ExistingStatefulSet> existing) {
        return existing.map(ExistingStatefulSet::podManagementPolicy)
                .orElse(component == Component.SUPERVISOR ? ORDERED_READY : PARALLEL);
    }

    private static XrootdSpec.Role role(XrootdSpec spec, Component component) {
        return spec.role(component);
    }

    private static Map<String, String> podLabels(XrootdSpec spec, Component component, Catalog.Resolved image) {
        Map<String, String> labels = new TreeMap<>(role(spec, component).pod().labels());
        labels.putAll(Labels.of(spec, component, image.version()));
        return labels;
    }

    private static Map<String, String> podAnnotations(XrootdSpec spec, Component component, String configHash,
                                                      Map<String, String> secretDigests) {
        Map<String, String> annotations = new TreeMap<>(role(spec, component).pod().annotations());
        annotations.put(CONFIG_HASH, configHash);
        Map<String, String> mounted = new TreeMap<>();
        for (String name : mountedSecrets(spec)) {
            if (secretDigests.containsKey(name)) {
                mounted.put(name, secretDigests.get(name));
            }
        }
        if (!mounted.isEmpty()) {
            annotations.put(SECRETS_HASH, Secrets.combined(mounted));
        }
        return annotations;
    }

    /**
     * The Secrets the pod template's volumes name, and the ConfigMaps besides the cluster's own (as
     * {@link Secrets#CONFIG_MAP_PREFIX}{@code name}): read from the volumes themselves, so the hash follows the mounts.
     */
    static List<String> mountedSecrets(XrootdSpec spec) {
        List<String> names = new ArrayList<>();
        for (JsonNode volume : volumes(spec)) {
            JsonNode secretName = volume.path("secret").path("secretName");
            if (secretName.isTextual()) {
                names.add(secretName.asText());
            }
            JsonNode configMap = volume.path("configMap").path("name");
            if (configMap.isTextual() && !configMap.asText().equals(Names.configMap(spec))) {
                names.add(Secrets.CONFIG_MAP_PREFIX + configMap.asText());
            }
        }
        return names;
    }

    private static ObjectNode podSpec(XrootdSpec spec, Component component, Catalog.Resolved image) {
        XrootdSpec.Pod pod = role(spec, component).pod();
        XrootdSpec.Exposure exposure = role(spec, component).exposure();
        ObjectNode podSpec = JsonTrees.object();
        ObjectNode affinity = affinity(spec, component);
        if (affinity != null) {
            podSpec.set("affinity", affinity);
        }
        // The daemons never talk to the Kubernetes API.
        podSpec.put("automountServiceAccountToken", false);
        ArrayNode containers = podSpec.putArray("containers");
        containers.add(cmsd(spec, component, image));
        containers.add(xrootd(spec, component, image));
        ObjectNode caBundle = TokenPods.initContainer(spec, image, pod.resources());
        if (caBundle != null) {
            podSpec.putArray("initContainers").add(caBundle);
        }
        if (exposure.hostNetwork()) {
            // The node's network (spec.ROLE.exposure.mode HostNetwork), still resolving cluster names.
            podSpec.put("dnsPolicy", "ClusterFirstWithHostNet");
            podSpec.put("hostNetwork", true);
        }
        passThroughList(podSpec, "imagePullSecrets", spec.imagePullSecrets());
        if (!pod.nodeSelector().isEmpty()) {
            podSpec.set("nodeSelector", JsonTrees.map(pod.nodeSelector()));
        }
        if (pod.priorityClassName() != null) {
            podSpec.put("priorityClassName", pod.priorityClassName());
        }
        ObjectNode security = podSpec.putObject("securityContext");
        security.put("fsGroup", spec.security().fsGroup());
        security.put("runAsGroup", spec.security().runAsGroup());
        security.put("runAsNonRoot", true);
        security.put("runAsUser", spec.security().runAsUser());
        security.putObject("seccompProfile").put("type", "RuntimeDefault");
        if (spec.serviceAccountName() != null) {
            podSpec.put("serviceAccountName", spec.serviceAccountName());
        }
        // start.sh forwards SIGTERM and the daemons exit at once (0.1 s on 5.5.3); they have no graceful
        // shutdown to wait for. Past this the kubelet sends SIGKILL: a stop that hangs (a daemon stuck in
        // I/O) holds a rolling update 10 s instead of 30 s. Redirectors' and supervisors' preStop drain
        // (start.sh stop) takes 3-8 s of it.
        podSpec.put("terminationGracePeriodSeconds", TERMINATION_GRACE_SECONDS);
        passThroughList(podSpec, "tolerations", pod.tolerations());
        passThroughList(podSpec, "topologySpreadConstraints", pod.topologySpreadConstraints());
        podSpec.set("volumes", volumes(spec));
        return podSpec;
    }

    /**
     * The role's affinity as given, plus, for pods that take node ports (HostNetwork, HostPort), a required
     * anti-affinity term that keeps them off nodes where a pod of a role taking the same port runs. Appended
     * to the user's required anti-affinity terms, which stay as they are.
     */
    static ObjectNode affinity(XrootdSpec spec, Component component) {
        XrootdSpec.Pod pod = role(spec, component).pod();
        ObjectNode affinity = pod.affinity() == null ? null : (ObjectNode) Json.MAPPER.valueToTree(pod.affinity());
        java.util.List<String> clashing = Exposures.clashing(spec, component);
        if (clashing.isEmpty()) {
            return affinity;
        }
        if (affinity == null) {
            affinity = JsonTrees.object();
        }
        ObjectNode antiAffinity = affinity.has("podAntiAffinity") ? (ObjectNode) affinity.get("podAntiAffinity")
                : affinity.putObject("podAntiAffinity");
        ArrayNode required = antiAffinity.has("requiredDuringSchedulingIgnoredDuringExecution")
                ? (ArrayNode) antiAffinity.get("requiredDuringSchedulingIgnoredDuringExecution")
                : antiAffinity.putArray("requiredDuringSchedulingIgnoredDuringExecution");
        ObjectNode term = required.addObject();
        ObjectNode selector = term.putObject("labelSelector");
        ObjectNode expression = selector.putArray("matchExpressions").addObject();
        expression.put("key", Labels.COMPONENT);
        expression.put("operator", "In");
        expression.set("values", JsonTrees.strings(clashing.toArray(String[]::new)));
        Map<String, String> cluster = new TreeMap<>();
        cluster.put(Labels.NAME, "xrootd");
        cluster.put(Labels.INSTANCE, spec.name());
        selector.set("matchLabels", JsonTrees.map(cluster));
        term.put("topologyKey", SpecParser.HOSTNAME_KEY);
        return affinity;
    }

    /** A field given in the spec, written as the Kubernetes model writes it; left out when unset. */
    private static void passThrough(ObjectNode object, String field, Object value) {
        if (value != null) {
            object.set(field, Json.MAPPER.valueToTree(value));
        }
    }

    /** The container's resources as the spec gives them, else {@link DefaultResources}. */
    private static Object resources(Object given, Component component, String daemon) {
        return given != null ? given : DefaultResources.requests(component, daemon);
    }

    /** A list given in the spec; left out when empty, as the model classes leave out empty lists. */
    private static void passThroughList(ObjectNode object, String field, java.util.List<?> values) {
        if (values != null && !values.isEmpty()) {
            object.set(field, Json.MAPPER.valueToTree(values));
        }
    }

    private static ObjectNode cmsd(XrootdSpec spec, Component component, Catalog.Resolved image) {
        ObjectNode port = null;
        // Supervisors listen on the cmsd port too (cms.superport), for the workers a manager sends on.
        if (component != Component.WORKER) {
            port = containerPort("cmsd", spec.ports().cmsd(), nodePort(spec, component, false));
        }
        ObjectNode container = container("cmsd", spec, component, image, cmsdLiveness(spec, component), port,
                cmsdReadiness(spec, component), resources(role(spec, component).pod().cmsdResources(), component, "cmsd"));
        container.set("volumeMounts", mounts(spec, component, false));
        return container;
    }

    /**
     * Redirectors and supervisors: the cmsd port accepts connections. Workers' cmsd listens on no port:
     * its admin socket (through which the pod's xrootd reaches it) exists and the process in its pid
     * file is alive.
     */
    static ObjectNode cmsdLiveness(XrootdSpec spec, Component component) {
        ObjectNode probe = JsonTrees.object();
        if (component == Component.WORKER) {
            String dir = PodLayout.ADMIN_DIR + "/" + component.instance();
            probe.putObject("exec").set("command", JsonTrees.strings("/bin/sh", "-c",
                    "test -S " + dir + "/.olb/olbd.admin && kill -0 \"$(cat " + dir + "/cmsd.pid)\""));
        }
        probe.put("initialDelaySeconds", 10);
        probe.put("periodSeconds", 20);
        if (component != Component.WORKER) {
            probe.putObject("tcpSocket").put("port", spec.ports().cmsd());
        }
        probe.put("timeoutSeconds", 5);
        return probe;
    }

    /**
     * Redirectors and supervisors: the cmsd port listens. Workers: the cmsd is logged in to a redirector
     * (the only connection from the pod to a cmsd port is the worker cmsd's login).
     */
    static ObjectNode cmsdReadiness(XrootdSpec spec, Component component) {
        ObjectNode probe = JsonTrees.object();
        if (component == Component.WORKER) {
            probe.putObject("exec").set("command",
                    JsonTrees.strings("/bin/sh", "-c", connectedToRedirector(spec.ports().cmsd())));
        }
        probe.put("failureThreshold", 3);
        probe.put("initialDelaySeconds", 1);
        probe.put("periodSeconds", 5);
        if (component != Component.WORKER) {
            probe.putObject("tcpSocket").put("port", spec.ports().cmsd());
        }
        probe.put("timeoutSeconds", 5);
        return probe;
    }

    private static ObjectNode xrootd(XrootdSpec spec, Component component, Catalog.Resolved image) {
        boolean cache = spec.isCache() && component == Component.WORKER;
        ObjectNode container = container("xrootd", spec, component, image, liveness(spec),
                containerPort("xrootd", spec.ports().xrootd(), nodePort(spec, component, true)), readiness(spec, component),
                cache ? cacheResources(spec) : resources(role(spec, component).pod().resources(), component, "xrootd"));
        if (cache) {
            container.set("startupProbe", cacheStartup(spec));
        }
        ArrayNode env = (ArrayNode) container.get("env");
        if (spec.security().sss() != null) {
            env(env, "XRD_SSS_SOURCE", PodLayout.SSS_SECRET_DIR + "/" + spec.security().sss().key());
            // The probes' xrdfs runs in this container with its environment and must log in with
            // sss like any client: it uses the daemon's private copy of the keytab.
            env(env, SSS_CLIENT_KEYTAB_ENV, PodLayout.SSS_KEYTAB);
        }
        if (spec.security().tlsSecret() != null) {
            env(env, "XRD_TLS_SOURCE", PodLayout.TLS_SECRET_DIR);
        }
        if (TokenPods.on(spec)) {
            // spec.tokens: start.sh collects the CAs the probes trust (TokenPods.PROBE_CA_DIR).
            env(env, "XRD_PROBE_CA", TokenPods.PROBE_CA_DIR);
        }
        container.set("volumeMounts", mounts(spec, component, true));
        return container;
    }

    /**
     * One daemon's container up to its securityContext (the caller adds volumeMounts, the last key);
     * probes, port and resources are left out where null.
     */
    private static ObjectNode container(String daemon, XrootdSpec spec, Component component, Catalog.Resolved image,
                                        ObjectNode liveness, ObjectNode port, ObjectNode readiness, Object resources) {
        ObjectNode container = JsonTrees.object();
        container.set("command", JsonTrees.strings("/bin/sh", PodLayout.START_SCRIPT, daemon));
        ArrayNode env = container.putArray("env");
        env(env, "XRD_INSTANCE", component.instance());
        env(env, "XRD_CONFIG", PodLayout.CONFIG_FILE);
        env(env, "XRD_ADMIN_DIR", PodLayout.ADMIN_DIR);
        // The root filesystem is read-only: anything that writes under $HOME writes to the /tmp emptyDir.
        env(env, "HOME", PodLayout.TMP_DIR);
        if (component == Component.WORKER) {
            env(env, "XRD_DATA_DIR", PodLayout.DATA_DIR);
        }
        String advertise = role(spec, component).exposure().advertiseField();
        if (advertise != null) {
            // A HostPort worker advertises its node to outside clients; cmsd sends it to the redirectors at
            // login (xrootd 5.5.3 keeps only public-class addresses and names: docs/research/outside-access.md §3).
            ObjectNode variable = env.addObject().put("name", "XRDIFADDRS");
            variable.putObject("valueFrom").putObject("fieldRef").put("apiVersion", "v1").put("fieldPath", advertise);
        }
        if (component != Component.WORKER && RedirectNames.offered(spec)) {
            // start.sh adds the cluster domain's length and turns on name-based redirects when it fits.
            env(env, RedirectNames.LENGTH_ENV, Integer.toString(RedirectNames.lengthWithoutDomain(spec)));
            env(env, RedirectNames.MAX_ENV, Integer.toString(RedirectNames.max(spec)));
        }
        if (component != Component.SUPERVISOR) {
            // xrootd.cf makes the pod name a worker's identity at the managers (cms.vnid), and the manager a
            // redirector's xrootd asks (its own pod's cmsd); both daemons read the file, so both get it.
            env.addObject().put("name", XrootdConf.POD_NAME_ENV).putObject("valueFrom").putObject("fieldRef")
                    .put("apiVersion", "v1").put("fieldPath", "metadata.name");
        }
        container.put("image", image.image());
        container.put("imagePullPolicy", spec.imagePullPolicy());
        if (component != Component.WORKER) {
            container.set("lifecycle", preStop(daemon));
        }
        if (liveness != null) {
            container.set("livenessProbe", liveness);
        }
        container.put("name", daemon);
        if (port != null) {
            container.putArray("ports").add(port);
        }
        if (readiness != null) {
            container.set("readinessProbe", readiness);
        }
        passThrough(container, "resources", resources);
        ObjectNode security = container.putObject("securityContext");
        security.put("allowPrivilegeEscalation", false);
        security.putObject("capabilities").set("drop", JsonTrees.strings("ALL"));
        security.put("readOnlyRootFilesystem", spec.security().readOnlyRootFilesystem());
        return container;
    }

    /**
     * Redirectors and supervisors drain before they stop ({@code start.sh stop}): the xrootd keeps answering
     * while the Service drops the pod's endpoint and while clients are connected, and the cmsd stays until
     * that xrootd has stopped listening, so a client in the middle of a request gets its answer instead of a
     * reset connection (UpgradeUnderLoadRealDaemonTest, docs/operations.md). Workers get none: a worker's
     * files are only on it, and its clients come back through the redirectors.
     */
    static ObjectNode preStop(String daemon) {
        ObjectNode lifecycle = JsonTrees.object();
        lifecycle.putObject("preStop").putObject("exec").set("command",
                JsonTrees.strings("/bin/sh", PodLayout.START_SCRIPT, "stop", daemon));
        return lifecycle;
    }

    private static void env(ArrayNode env, String name, String value) {
        env.addObject().put("name", name).put("value", value);
    }

    /**
     * Redirector: its xrootd reaches its own pod's cmsd, the only manager it asks, and that cmsd serves (a
     * worker has subscribed; a restarted manager cmsd stays suspended until then). Worker: its
     * xrootd is attached to the pod's own cmsd ({@code /a}) and that cmsd holds a connection to a
     * redirector's cmsd port. The attachment alone is true without any redirector (seen on real daemons):
     * the worker would count as ready, and a rolling update would move on, before it is back in the
     * cluster (docs/xrootd-configuration.md, probes).
     */
    public static ObjectNode readiness(XrootdSpec spec, Component component) {
        String query = TokenPods.xrdfs(spec) + " query config cms";
        String command = switch (component) {
            case REDIRECTOR -> query + " | grep -q '/c'";
            case WORKER -> query + " | grep -q '/a' && " + connectedToRedirector(spec.ports().cmsd());
            // A supervisor's cmsd stays suspended ("/s") until a worker subscribes, and a restarted one
            // gets none back (its workers moved to the other supervisors at once; seen on real daemons):
            // requiring workers would stall every rolling update. Ready: its xrootd reaches its cmsd, and
            // that cmsd is logged in to a manager.
            case SUPERVISOR -> query + " | grep -qE '/[cs]' && " + connectedToRedirector(spec.ports().cmsd());
        };
        ObjectNode probe = JsonTrees.object();
        probe.putObject("exec").set("command", JsonTrees.strings("/bin/sh", "-c", command));
        probe.put("failureThreshold", 3);
        probe.put("initialDelaySeconds", 2);
        probe.put("periodSeconds", 5);
        probe.put("timeoutSeconds", 5);
        return probe;
    }

    /**
     * True while a TCP connection from this pod to some redirector's cmsd port is established: the
     * worker cmsd's login. A cmsd that a redirector rejects is disconnected, so this is login, not mere
     * reachability. Reads the pod's socket table, which both containers share, with grep alone.
     */
    static String connectedToRedirector(int cmsdPort) {
        String port = String.format("%04X", cmsdPort);
        return "grep -qsE '^ *[0-9]+: [0-9A-F]+:[0-9A-F]{4} [0-9A-F]+:" + port + " 01 ' /proc/net/tcp /proc/net/tcp6";
    }

    /**
     * A cache's xrootd holds its blocks in flight in memory (spec.cache.ramSize): the container requests
     * at least that much; the user's resources otherwise as given (the parser refused a smaller memory
     * request or limit).
     */
    static io.fabric8.kubernetes.api.model.ResourceRequirements cacheResources(XrootdSpec spec) {
        io.fabric8.kubernetes.api.model.ResourceRequirements given = role(spec, Component.WORKER).pod().resources();
        io.fabric8.kubernetes.api.model.ResourceRequirements resources = given == null
                ? new io.fabric8.kubernetes.api.model.ResourceRequirements()
                : Json.MAPPER.convertValue(given, io.fabric8.kubernetes.api.model.ResourceRequirements.class);
        Map<String, io.fabric8.kubernetes.api.model.Quantity> requests = new TreeMap<>(
                resources.getRequests() == null ? Map.of() : resources.getRequests());
        if (!requests.containsKey("memory")) {
            requests.put("memory", new io.fabric8.kubernetes.api.model.Quantity(spec.cache().ram()));
        }
        resources.setRequests(requests);
        return resources;
    }

    /** Seconds a cache's xrootd may take to start before liveness applies (SLATE's charts wait 600 s). */
    static final int CACHE_STARTUP_SECONDS = 600;

    /**
     * A cache's first start on large disks scans them (the purge's first pass, a cleaner of dark data):
     * the startup probe gives it {@link #CACHE_STARTUP_SECONDS} before the liveness probe may restart it,
     * and marks it started as soon as xrootd answers.
     */
    static ObjectNode cacheStartup(XrootdSpec spec) {
        ObjectNode probe = JsonTrees.object();
        probe.putObject("exec").set("command",
                JsonTrees.strings("xrdfs", "localhost:" + spec.ports().xrootd(), "query", "config", "version"));
        probe.put("failureThreshold", CACHE_STARTUP_SECONDS / 10);
        probe.put("periodSeconds", 10);
        probe.put("timeoutSeconds", 10);
        return probe;
    }

    /** xrootd answers a configuration query: cheap, and true on every role. */
    public static ObjectNode liveness(XrootdSpec spec) {
        ObjectNode probe = JsonTrees.object();
        probe.putObject("exec").set("command", TokenPods.on(spec)
                ? JsonTrees.strings("/bin/sh", "-c", TokenPods.xrdfs(spec) + " query config version")
                : JsonTrees.strings("xrdfs", "localhost:" + spec.ports().xrootd(), "query", "config", "version"));
        probe.put("failureThreshold", 3);
        probe.put("initialDelaySeconds", 15);
        probe.put("periodSeconds", 20);
        probe.put("timeoutSeconds", 10);
        return probe;
    }

    /** The mounts every daemon has, and on xrootd those of the sss and TLS Secrets. */
    private static ArrayNode mounts(XrootdSpec spec, Component component, boolean secrets) {
        ArrayNode mounts = Json.MAPPER.createArrayNode();
        mount(mounts, PodLayout.CONFIG_VOLUME, PodLayout.CONFIG_DIR, true);
        mount(mounts, PodLayout.ADMIN_VOLUME, PodLayout.ADMIN_DIR, false);
        mount(mounts, PodLayout.TMP_VOLUME, PodLayout.TMP_DIR, false);
        if (component == Component.WORKER) {
            mount(mounts, PodLayout.DATA_VOLUME, PodLayout.DATA_DIR, false);
            if (spec.isCache()) {
                // Both daemons: the cmsd finds a cached file through the link oss puts in the worker volume.
                for (XrootdSpec.Disk disk : spec.cache().disks()) {
                    mount(mounts, PodLayout.CACHE_VOLUME_PREFIX + disk.name(), PodLayout.CACHE_DIR + "/" + disk.name(), false);
                }
            }
        }
        if (secrets && spec.security().sss() != null) {
            mount(mounts, PodLayout.SSS_VOLUME, PodLayout.SSS_SECRET_DIR, true);
        }
        if (secrets && spec.security().tlsSecret() != null) {
            mount(mounts, PodLayout.TLS_VOLUME, PodLayout.TLS_SECRET_DIR, true);
        }
        if (secrets) {
            TokenPods.xrootdMounts(spec, mounts);
        }
        return mounts;
    }

    private static void mount(ArrayNode mounts, String volume, String path, boolean readOnly) {
        ObjectNode mount = mounts.addObject().put("mountPath", path).put("name", volume);
        if (readOnly) {
            mount.put("readOnly", true);
        }
    }

    private static ArrayNode volumes(XrootdSpec spec) {
        ArrayNode volumes = Json.MAPPER.createArrayNode();
        ObjectNode config = volumes.addObject();
        config.putObject("configMap").put("name", Names.configMap(spec));
        config.put("name", PodLayout.CONFIG_VOLUME);
        for (String emptyDir : new String[] {PodLayout.ADMIN_VOLUME, PodLayout.TMP_VOLUME}) {
            ObjectNode volume = volumes.addObject();
            volume.putObject("emptyDir");
            volume.put("name", emptyDir);
        }
        if (spec.security().sss() != null) {
            String key = spec.security().sss().key();
            secretVolume(volumes, PodLayout.SSS_VOLUME, spec.security().sss().secretName(), key);
        }
        if (spec.security().tlsSecret() != null) {
            if (spec.tpc().caKey() == null) {
                secretVolume(volumes, PodLayout.TLS_VOLUME, spec.security().tlsSecret(), "tls.crt", "tls.key");
            } else {
                // The CAs HTTP TPC trusts (spec.tpc.caKey), read by xrootd where the kubelet mounts it.
                secretVolume(volumes, PodLayout.TLS_VOLUME, spec.security().tlsSecret(), "tls.crt", "tls.key", spec.tpc().caKey());
            }
        }
        TokenPods.volumes(spec, volumes);
        return volumes;
    }

    /** A Secret volume of the named keys, readable by the owner only. */
    private static void secretVolume(ArrayNode volumes, String name, String secretName, String... keys) {
        ObjectNode volume = volumes.addObject();
        volume.put("name", name);
        ObjectNode secret = volume.putObject("secret");
        secret.put("defaultMode", 0400);
        ArrayNode items = secret.putArray("items");
        for (String key : keys) {
            items.addObject().put("key", key).put("path", key);
        }
        secret.put("secretName", secretName);
    }

    /**
     * Spelled as the API server stores it (apiVersion, kind, volumeMode, status), because Metacontroller
     * replaces this list wholesale and would otherwise see a difference on every sync.
     */
    private static ObjectNode dataClaim(XrootdSpec spec) {
        return claim(PodLayout.DATA_VOLUME, spec.storage().capacity(), spec.storage().storageClass());
    }

    private static ObjectNode claim(String name, String capacity, String storageClass) {
        ObjectNode claim = JsonTrees.object();
        claim.put("apiVersion", "v1");
        claim.put("kind", "PersistentVolumeClaim");
        claim.putObject("metadata").put("name", name);
        ObjectNode claimSpec = claim.putObject("spec");
        claimSpec.set("accessModes", JsonTrees.strings("ReadWriteOnce"));
        claimSpec.putObject("resources").putObject("requests").put("storage", capacity);
        if (storageClass != null) {
            claimSpec.put("storageClassName", storageClass);
        }
        claimSpec.put("volumeMode", "Filesystem");
        claim.putObject("status").put("phase", "Pending");
        return claim;
    }

    /**
     * The node port of a daemon's container port: HostNetwork, the port itself (as the API server defaults
     * it); HostPort, the published port; else 0 (none).
     */
    private static int nodePort(XrootdSpec spec, Component component, boolean xrootd) {
        XrootdSpec.Exposure exposure = role(spec, component).exposure();
        if (exposure.hostNetwork() || exposure.hostPort()) {
            return xrootd ? exposure.xrootdNodePort() : exposure.cmsdNodePort();
        }
        return 0;
    }

    private static ObjectNode containerPort(String name, int port, int hostPort) {
        ObjectNode containerPort = JsonTrees.object();
        containerPort.put("containerPort", port);
        if (hostPort > 0) {
            containerPort.put("hostPort", hostPort);
        }
        containerPort.put("name", name);
        containerPort.put("protocol", "TCP");
        return containerPort;
    }
}
