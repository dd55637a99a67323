package org.xrootd.hook.model;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.math.BigInteger;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.xrootd.hook.api.Patterns;
import org.xrootd.hook.api.Roles;

/**
 * Reads an Xrootd parent into an {@link XrootdSpec}: defaults applied, every field checked. Wrong input
 * is never an exception: each mistake becomes a {@link Problem} naming the field, so the hook can report
 * all of them at once in a status condition.
 */
public final class SpecParser {
    /**
     * Longest parent name whose children stay within Kubernetes limits: the StatefulSet
     * "NAME-xrootd-redirector" gets an 11-character revision suffix in a 63-character label value.
     */
    public static final int MAX_NAME_LENGTH = 63 - 11 - "-xrootd-redirector".length();
    /**
     * Largest cluster the generated shape holds with one supervisor down: 1000 workers need 16 supervisors
     * ({@link Supervisors#required}), and 15 of them still hold {@code 64 + 63 * 15 = 1009} workers per
     * manager (past 3968 workers even the 64 supervisors a manager can hold would not be enough).
     */
    public static final int MAX_WORKERS = 1000;
    public static final int MAX_REDIRECTORS = 16;
    /** Each export appears twice in the ConfigMap, which Kubernetes caps at 1 MiB: keep it far below. */
    public static final int MAX_EXPORTS = 64;
    public static final int MAX_EXPORT_LENGTH = 512;

    public static final String DEFAULT_CAPACITY = "1Gi";
    public static final int DEFAULT_XROOTD_PORT = 1094;
    public static final int DEFAULT_CMSD_PORT = 3121;
    public static final long DEFAULT_UID = 1000;
    public static final String DEFAULT_SSS_KEY = "sss.keytab";
    /**
     * What transfer tools verify through the redirector (FTS and xrdcp use adler32, newer tools crc32c);
     * the CRD's default for spec.checksums.
     */
    public static final List<String> DEFAULT_CHECKSUMS = List.of("adler32", "crc32c");
    /** The algorithms xrootd computes natively (XrdCksManager); the CRD's enum (api.Enums.Checksum). */
    public static final List<String> CHECKSUM_ALGORITHMS = List.of("adler32", "crc32", "crc32c", "md5");

    /**
     * Directives that define the cluster's shape, which the generated configuration owns: overriding any
     * of them would split the cluster or point the daemons at paths that do not exist in the pod.
     */
    static final Set<String> RESERVED_DIRECTIVES = Set.of("all.role", "all.manager", "all.adminpath", "all.pidpath",
            "oss.localroot", "xrd.port", "all.export", "if", "else", "fi", "continue");
    /** Labels the controller sets and selects by. */
    static final Set<String> RESERVED_LABELS = Set.of("app.kubernetes.io/name", "app.kubernetes.io/instance",
            "app.kubernetes.io/component", "app.kubernetes.io/managed-by", "app.kubernetes.io/part-of",
            "app.kubernetes.io/version", "controller-uid");

    /** Most directives in each of spec.config.all, .redirector and .worker (the schema's maxItems). */
    public static final int MAX_DIRECTIVES = 256;

    // The schema's patterns (api.Patterns), so that the hook and the API server agree.
    private static final Pattern DNS_LABEL = Pattern.compile(Patterns.DNS_LABEL);
    private static final Pattern VERSION_NAME = Pattern.compile(Patterns.VERSION_NAME);
    /** A DNS-1035 label: the parent's name starts every Service name, and those must begin with a letter. */
    private static final Pattern SERVICE_NAME = Pattern.compile(Patterns.XROOTD_NAME);
    private static final Pattern EXPORT_PATH = Pattern.compile(Patterns.EXPORT_PATH);
    private static final Pattern DIRECTIVE = Pattern.compile(Patterns.DIRECTIVE);
    private static final Pattern SECRET_KEY = Pattern.compile(Patterns.SECRET_KEY);
    private static final Pattern CAPACITY = Pattern.compile(Patterns.CAPACITY);
    private static final Pattern NO_WHITESPACE = Pattern.compile(Patterns.NO_WHITESPACE);
    private static final Set<String> PULL_POLICIES = Set.of("Always", "IfNotPresent", "Never");
    /** Resource names a container may use without a domain prefix. */
    private static final Set<String> STANDARD_RESOURCES = Set.of("cpu", "memory", "ephemeral-storage");

    // The fields of each object of the spec: any other is refused, as the API server refuses (or prunes) it.
    private static final Set<String> SPEC_FIELDS = Set.of("version", "image", "imagePullSecrets", "serviceAccountName",
            "imagePullPolicy", "redirector", "worker", "supervisor", "ports", "securityContext", "config", "sss", "tls", "tokens", "monitor", "checksums",
            "allowedHosts", "networkPolicy", "cache", "tpc", "federation");
    private static final Set<String> NETWORK_POLICY_FIELDS = Set.of("enabled", "clients", "members");
    /** Most entries of spec.allowedHosts and spec.networkPolicy.clients (the schema's maxItems). */
    public static final int MAX_ALLOWED_HOSTS = 32;
    public static final int MAX_CLIENT_PEERS = 32;
    private static final Pattern ALLOWED_HOST = Pattern.compile(Patterns.ALLOWED_HOST);
    private static final Set<String> ROLE_FIELDS = Set.of("replicas", "maxUnavailable", "resources", "cmsdResources",
            "nodeSelector", "affinity", "tolerations", "topologySpreadConstraints", "priorityClassName", "podLabels", "podAnnotations");
    private static final Set<String> REDIRECTOR_FIELDS = union(ROLE_FIELDS, Set.of("exposure"));
    private static final Set<String> WORKER_FIELDS = union(ROLE_FIELDS, Set.of("storage", "exposure"));
    private static final Set<String> REDIRECTOR_EXPOSURE_FIELDS = Set.of("mode", "hostPorts", "service");
    private static final Set<String> WORKER_EXPOSURE_FIELDS = Set.of("mode", "advertise");
    private static final Set<String> HOST_PORTS_FIELDS = Set.of("xrootd", "cmsd");
    private static final Set<String> SERVICE_FIELDS = Set.of("type", "port", "annotations", "externalTrafficPolicy",
            "loadBalancerClass", "loadBalancerSourceRanges", "nodePort");
    private static final List<String> EXPOSURE_MODES = List.of("Pod", "HostNetwork", "HostPort");
    private static final List<String> SERVICE_TYPES = List.of("ClusterIP", "NodePort", "LoadBalancer");
    /** The node label the generated anti-affinity spreads over: one node each. */
    public static final String HOSTNAME_KEY = "kubernetes.io/hostname";
    private static final Set<String> STORAGE_FIELDS = Set.of("capacity", "class", "whenDeleted");
    private static final Set<String> PORTS_FIELDS = Set.of("xrootd", "cmsd");
    private static final Set<String> SECURITY_FIELDS = Set.of("runAsUser", "runAsGroup", "fsGroup", "readOnlyRootFilesystem");
    private static final Set<String> CONFIG_FIELDS = Set.of("exports", "all", "redirector", "worker");
    private static final Set<String> SSS_FIELDS = Set.of("secretName", "key");
    private static final Set<String> TLS_FIELDS = Set.of("secretName");
    private static final Set<String> MONITOR_FIELDS = Set.of("enabled", "reportPort", "reportIntervalSeconds", "resources");
    public static final int DEFAULT_REPORT_PORT = 9931;
    public static final int DEFAULT_REPORT_INTERVAL_SECONDS = 10;
    public static final int MAX_REPORT_INTERVAL_SECONDS = 600;

    /** Either a spec, or the problems that prevent one. */
    public record Result(XrootdSpec spec, List<Problem> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private final List<Problem> problems = new ArrayList<>();

    private SpecParser() {}

    public static Result parse(JsonNode parent) {
        return new SpecParser().read(parent);
    }

    private Result read(JsonNode parent) {
        JsonNode metadata = parent.path("metadata");
        String name = metadata.path("name").asText("");
        String namespace = metadata.path("namespace").asText("default");
        long generation = metadata.path("generation").asLong(0);
        if (name.length() > MAX_NAME_LENGTH) {
            problems.add(new Problem("metadata.name", "'" + Problem.excerpt(name) + "' is " + name.length()
                    + " characters; at most " + MAX_NAME_LENGTH + " fit the names of its StatefulSets and pods"
                    + " (NAME-xrootd-redirector plus the 11-character revision suffix must stay within 63)"));
        } else if (!SERVICE_NAME.matcher(name).matches()) {
            problems.add(new Problem("metadata.name", "'" + Problem.excerpt(name)
                    + "' must start with a lower-case letter and contain only lower-case letters, digits and '-'"
                    + " (it names Services, which must be DNS-1035 labels)"));
        }
        if (!metadata.path("namespace").isMissingNode() && !metadata.path("namespace").isNull()
                && (namespace.length() > 63 || !DNS_LABEL.matcher(namespace).matches())) {
            problems.add(new Problem("metadata.namespace", "'" + Problem.excerpt(namespace) + "' is not a namespace name (a DNS label of at most 63 characters)"));
        }

        JsonNode spec = parent.get("spec");
        if (spec == null || !spec.isObject()) {
            problems.add(new Problem("spec", "must be an object with at least spec.version"));
            return new Result(null, List.copyOf(problems));
        }
        known(spec, "spec", SPEC_FIELDS);
        String version = requiredString(spec, "version", "spec.version");
        if (version != null && (version.length() > Patterns.VERSION_NAME_MAX || !VERSION_NAME.matcher(version).matches())) {
            problems.add(new Problem("spec.version", "'" + abbreviate(version) + "' must name an XrootdVersion: at most "
                    + Patterns.VERSION_NAME_MAX + " lower-case letters, digits, '-' and '.' (a DNS-1123 subdomain)"));
        }
        String image = optionalString(spec, "image", "spec.image", null);
        if (image != null && !NO_WHITESPACE.matcher(image).matches()) {
            problems.add(new Problem("spec.image", "must not contain whitespace"));
        }
        String pullPolicy = optionalString(spec, "imagePullPolicy", "spec.imagePullPolicy", "IfNotPresent");
        if (pullPolicy != null && !PULL_POLICIES.contains(pullPolicy)) {
            problems.add(new Problem("spec.imagePullPolicy", "must be one of Always, IfNotPresent, Never"));
        }
        List<LocalObjectReference> pullSecrets = kube(spec.get("imagePullSecrets"), "spec.imagePullSecrets",
                new TypeReference<List<LocalObjectReference>>() {}, List.of(), "core/v1 LocalObjectReference list");
        String serviceAccount = optionalString(spec, "serviceAccountName", "spec.serviceAccountName", null);
        if (serviceAccount != null && !KubernetesValues.isDnsSubdomain(serviceAccount)) {
            problems.add(new Problem("spec.serviceAccountName", "'" + serviceAccount + "' is not a valid ServiceAccount name"));
        }

        JsonNode config = object(spec, "config", "spec.config");
        known(config, "spec.config", CONFIG_FIELDS);
        List<String> exports = exports(config);
        List<String> allDirectives = directives(config, "all", "spec.config.all");

        JsonNode redirectorNode = object(spec, "redirector", "spec.redirector");
        JsonNode workerNode = object(spec, "worker", "spec.worker");
        known(redirectorNode, "spec.redirector", REDIRECTOR_FIELDS);
        known(workerNode, "spec.worker", WORKER_FIELDS);
        XrootdSpec.Role redirector = role(redirectorNode, "spec.redirector", 1, 1, MAX_REDIRECTORS,
                directives(config, "redirector", "spec.config.redirector"));
        XrootdSpec.Role worker = role(workerNode, "spec.worker", 1, 0, MAX_WORKERS,
                directives(config, "worker", "spec.config.worker"));
        JsonNode storageNode = object(workerNode, "storage", "spec.worker.storage");
        known(storageNode, "spec.worker.storage", STORAGE_FIELDS);
        XrootdSpec.Storage storage = storage(storageNode);
        JsonNode supervisorNode = object(spec, "supervisor", "spec.supervisor");
        known(supervisorNode, "spec.supervisor", ROLE_FIELDS);
        XrootdSpec.Role supervisor = supervisor(supervisorNode, worker.replicas());

        JsonNode portsNode = object(spec, "ports", "spec.ports");
        known(portsNode, "spec.ports", PORTS_FIELDS);
        int xrootdPort = integer(portsNode, "xrootd", "spec.ports.xrootd", DEFAULT_XROOTD_PORT, 1024, 65535);
        int cmsdPort = integer(portsNode, "cmsd", "spec.ports.cmsd", DEFAULT_CMSD_PORT, 1024, 65535);
        if (xrootdPort == cmsdPort) {
            problems.add(new Problem("spec.ports", "xrootd and cmsd need different ports"));
        }

        XrootdSpec.Security security = security(spec);
        XrootdSpec.Exposure redirectorExposure = redirectorExposure(object(redirectorNode, "exposure", "spec.redirector.exposure"),
                xrootdPort, cmsdPort);
        XrootdSpec.Exposure workerExposure = workerExposure(object(workerNode, "exposure", "spec.worker.exposure"), xrootdPort);
        redirector = withExposure(redirector, redirectorExposure);
        worker = withExposure(worker, workerExposure);
        if (problems.isEmpty()) {
            Exposures.check(name, redirector, worker, problems::add);
        }
        XrootdSpec.Monitor monitor = monitor(spec);
        List<String> checksums = checksums(spec.get("checksums"));
        List<String> allowedHosts = allowedHosts(spec.get("allowedHosts"));
        XrootdSpec.NetworkPolicy networkPolicy = networkPolicy(spec);
        hostNetworkMembersNeedAllowedHosts(redirectorExposure, workerExposure, allowedHosts);
        XrootdSpec.Cache cache = CacheParser.parse(object(spec, "cache", "spec.cache"), storage, worker, allDirectives,
                redirector.directives(), problems);
        Grid.Tpc tpc = Grid.tpc(spec, spec.path("tls").isObject(), spec.path("sss").isObject(), problems::add);
        if (cache != null) {
            // 5.5.3's caches serve reads only (writes through a proxy are refused), so a cache gains nothing from a
            // third-party copy handler, and the token plugin's write scopes could never be used.
            if (tpc.xroot() || tpc.http()) {
                problems.add(new Problem("spec.tpc", "is not supported with spec.cache: an XCache serves reads only (5.5.3 refuses"
                        + " writes through the cache), so it cannot be a third-party copy destination"));
            }
            if (security.tokens() != null) {
                problems.add(new Problem("spec.tokens", "is not supported with spec.cache: 5.5.3's cache forwards no client token to"
                        + " the origin; authorize at the origin instead"));
            }
        }
        List<String> everyDirective = new ArrayList<>(allDirectives);
        everyDirective.addAll(redirector.directives());
        everyDirective.addAll(worker.directives());
        Grid.Federation federation = Grid.federation(spec, worker.replicas(), !allowedHosts.isEmpty(), everyDirective, problems::add);
        if (federation.metaManager() && networkPolicy.enabled() && networkPolicy.members().isEmpty()) {
            problems.add(new Problem("spec.networkPolicy.members", "must admit the site redirectors to a meta manager's cmsd port"
                    + " (spec.federation.metaManager), e.g. a namespaceSelector or ipBlock of the sites; or set spec.networkPolicy.enabled"
                    + " to false: the NetworkPolicy admits only the cluster's own pods there"));
        }

        if (!problems.isEmpty()) {
            return new Result(null, List.copyOf(problems));
        }
        return new Result(new XrootdSpec(name, namespace, metadata.path("uid").asText(""), generation, version, image, pullPolicy,
                pullSecrets, serviceAccount, redirector, worker, supervisor, storage, new XrootdSpec.Ports(xrootdPort, cmsdPort),
                security, exports, allDirectives, monitor, checksums, allowedHosts, networkPolicy, cache, tpc, federation, Map.of()), List.of());
    }

    /**
     * Supervisors follow the worker count; spec.supervisor.replicas may ask for more (never fewer) than
     * {@link Supervisors#required}. They read spec.config.all only: redirector directives are meant for
     * the managers clients connect to.
     */
    private XrootdSpec.Role supervisor(JsonNode node, int workers) {
        int required = Supervisors.required(workers);
        XrootdSpec.Role role = role(node, "spec.supervisor", required, 0, Supervisors.MAX, List.of());
        if (role.replicas() < required) {
            problems.add(new Problem("spec.supervisor.replicas", "must be at least " + required + " for " + workers
                    + " workers, got " + role.replicas() + " (each manager holds 64 subscribers; the rule keeps one supervisor spare)"));
        }
        return role;
    }

    private XrootdSpec.Role role(JsonNode node, String field, int defaultReplicas, int min, int max, List<String> directives) {
        int replicas = integer(node, "replicas", field + ".replicas", defaultReplicas, min, max);
        int maxUnavailable = integer(node, "maxUnavailable", field + ".maxUnavailable", 1, 1, max);
        if (node == null) {
            return new XrootdSpec.Role(replicas, maxUnavailable, directives, XrootdSpec.Pod.NONE, XrootdSpec.Exposure.POD);
        }
        Affinity affinity = kube(node.get("affinity"), field + ".affinity", new TypeReference<Affinity>() {}, null, "core/v1 Affinity");
        if (affinity != null) {
            KubernetesValues.affinity(affinity, field + ".affinity", problems::add);
        }
        List<Toleration> tolerations = kube(node.get("tolerations"), field + ".tolerations",
                new TypeReference<List<Toleration>>() {}, List.of(), "core/v1 Toleration");
        KubernetesValues.tolerations(tolerations, field + ".tolerations", problems::add);
        List<TopologySpreadConstraint> spread = kube(node.get("topologySpreadConstraints"), field + ".topologySpreadConstraints",
                new TypeReference<List<TopologySpreadConstraint>>() {}, List.of(), "core/v1 TopologySpreadConstraint");
        if (spread.size() > Roles.MAX_SPREAD_CONSTRAINTS) {
            problems.add(new Problem(field + ".topologySpreadConstraints", "lists " + spread.size() + " constraints; at most "
                    + Roles.MAX_SPREAD_CONSTRAINTS));
        }
        KubernetesValues.spreadConstraints(spread, field + ".topologySpreadConstraints", problems::add);
        String priorityClass = optionalString(node, "priorityClassName", field + ".priorityClassName", null);
        if (priorityClass != null && !KubernetesValues.isDnsSubdomain(priorityClass)) {
            problems.add(new Problem(field + ".priorityClassName", "'" + Problem.excerpt(priorityClass)
                    + "' is not a PriorityClass name (a DNS-1123 subdomain)"));
        }
        XrootdSpec.Pod pod = new XrootdSpec.Pod(
                resources(node.get("resources"), field + ".resources"),
                resources(node.get("cmsdResources"), field + ".cmsdResources"),
                stringMap(node.get("nodeSelector"), field + ".nodeSelector", MapKind.NODE_SELECTOR),
                affinity,
                tolerations,
                spread,
                priorityClass,
                stringMap(node.get("podLabels"), field + ".podLabels", MapKind.LABELS),
                stringMap(node.get("podAnnotations"), field + ".podAnnotations", MapKind.ANNOTATIONS));
        return new XrootdSpec.Role(replicas, maxUnavailable, directives, pod, XrootdSpec.Exposure.POD);
    }

    private static XrootdSpec.Role withExposure(XrootdSpec.Role role, XrootdSpec.Exposure exposure) {
        return new XrootdSpec.Role(role.replicas(), role.maxUnavailable(), role.directives(), role.pod(), exposure);
    }

    /**
     * spec.redirector.exposure: the mode, the node ports (HostNetwork: the daemons' own, at least 1024;
     * HostPort: hostPorts, by default the daemons' ports, any port) and the client Service.
     */
    private XrootdSpec.Exposure redirectorExposure(JsonNode node, int xrootdPort, int cmsdPort) {
        if (node == null) {
            return XrootdSpec.Exposure.POD;
        }
        String field = "spec.redirector.exposure";
        known(node, field, REDIRECTOR_EXPOSURE_FIELDS);
        String mode = oneOf(node, "mode", field + ".mode", "Pod", EXPOSURE_MODES);
        JsonNode hostPortsNode = object(node, "hostPorts", field + ".hostPorts");
        known(hostPortsNode, field + ".hostPorts", HOST_PORTS_FIELDS);
        int xrootdHostPort = integer(hostPortsNode, "xrootd", field + ".hostPorts.xrootd", xrootdPort, 1, 65535);
        int cmsdHostPort = integer(hostPortsNode, "cmsd", field + ".hostPorts.cmsd", cmsdPort, 1, 65535);
        XrootdSpec.ClientService service = clientService(object(node, "service", field + ".service"), xrootdPort);
        if (hostPortsNode != null && !"HostPort".equals(mode)) {
            boolean low = xrootdHostPort < 1024 || cmsdHostPort < 1024;
            problems.add(new Problem(field + ".hostPorts", "only with mode HostPort"
                    + ("HostNetwork".equals(mode) ? ": a HostNetwork redirector listens on the node at spec.ports"
                    + (low ? ", and a port below 1024 cannot be bound there: the daemons run unprivileged, without capabilities" : "")
                    : "")));
        }
        if ("HostPort".equals(mode) && xrootdHostPort == cmsdHostPort) {
            problems.add(new Problem(field + ".hostPorts", "xrootd and cmsd of a HostPort redirector need different node ports, both are "
                    + xrootdHostPort + " (hostPorts default to spec.ports)"));
        }
        return switch (mode == null ? "Pod" : mode) {
            case "HostNetwork" -> new XrootdSpec.Exposure(XrootdSpec.ExposureMode.HOST_NETWORK, xrootdPort, cmsdPort, null, service);
            case "HostPort" -> new XrootdSpec.Exposure(XrootdSpec.ExposureMode.HOST_PORT, xrootdHostPort, cmsdHostPort, null, service);
            default -> new XrootdSpec.Exposure(XrootdSpec.ExposureMode.POD, 0, 0, null, service);
        };
    }

    /** spec.redirector.exposure.service: ClusterIP by default; the external fields only with the types that have them. */
    private XrootdSpec.ClientService clientService(JsonNode node, int xrootdPort) {
        String field = "spec.redirector.exposure.service";
        known(node, field, SERVICE_FIELDS);
        String type = oneOf(node, "type", field + ".type", "ClusterIP", SERVICE_TYPES);
        int port = integer(node, "port", field + ".port", xrootdPort, 1, 65535);
        Map<String, String> annotations = node == null ? Map.of() : stringMap(node.get("annotations"), field + ".annotations", MapKind.ANNOTATIONS);
        boolean external = type != null && !type.equals("ClusterIP");
        boolean loadBalancer = "LoadBalancer".equals(type);
        String policy = oneOf(node, "externalTrafficPolicy", field + ".externalTrafficPolicy", null, List.of("Local", "Cluster"));
        if (policy != null && !external) {
            problems.add(new Problem(field + ".externalTrafficPolicy", "only with type NodePort or LoadBalancer"));
        }
        Integer nodePort = node == null || node.get("nodePort") == null || node.get("nodePort").isNull() ? null
                : integer(node, "nodePort", field + ".nodePort", 0, 1, 65535);
        if (nodePort != null && !external) {
            problems.add(new Problem(field + ".nodePort", "only with type NodePort or LoadBalancer"));
        }
        String loadBalancerClass = optionalString(node, "loadBalancerClass", field + ".loadBalancerClass", null);
        if (loadBalancerClass != null && (loadBalancerClass.length() > 316 || !KubernetesValues.isQualifiedName(loadBalancerClass))) {
            problems.add(new Problem(field + ".loadBalancerClass", "'" + Problem.excerpt(loadBalancerClass)
                    + "' is not a load-balancer class (a qualified name, e.g. example.com/lb)"));
        }
        if (loadBalancerClass != null && !loadBalancer) {
            problems.add(new Problem(field + ".loadBalancerClass", "only with type LoadBalancer"));
        }
        List<String> ranges = sourceRanges(node == null ? null : node.get("loadBalancerSourceRanges"), field + ".loadBalancerSourceRanges");
        if (!ranges.isEmpty() && !loadBalancer) {
            problems.add(new Problem(field + ".loadBalancerSourceRanges", "only with type LoadBalancer"));
        }
        return new XrootdSpec.ClientService(type == null ? "ClusterIP" : type, port, annotations,
                external ? (policy == null ? "Local" : policy) : null, loadBalancerClass, ranges, nodePort);
    }

    private List<String> sourceRanges(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.add(new Problem(field, "must be a list of CIDRs"));
            return List.of();
        }
        if (node.size() > org.xrootd.hook.api.Exposure.MAX_SOURCE_RANGES) {
            problems.add(new Problem(field, "lists " + node.size() + " ranges; at most " + org.xrootd.hook.api.Exposure.MAX_SOURCE_RANGES));
            return List.of();
        }
        List<String> ranges = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode range = node.get(i);
            if (!range.isTextual() || !KubernetesValues.isCidr(range.asText())) {
                problems.add(new Problem(field + "[" + i + "]", "'" + Problem.excerpt(range.isTextual() ? range.asText() : range.toString())
                        + "' is not a CIDR (e.g. 192.0.2.0/24, 2001:db8::/32)"));
            } else {
                ranges.add(range.asText());
            }
        }
        return List.copyOf(ranges);
    }

    /** spec.worker.exposure: the mode and, for HostPort, what the worker advertises (NodeName by default). */
    private XrootdSpec.Exposure workerExposure(JsonNode node, int xrootdPort) {
        String field = "spec.worker.exposure";
        known(node, field, WORKER_EXPOSURE_FIELDS);
        String mode = oneOf(node, "mode", field + ".mode", "Pod", EXPOSURE_MODES);
        String advertise = oneOf(node, "advertise", field + ".advertise", null, List.of("NodeName", "NodeIP"));
        if (advertise != null && !"HostPort".equals(mode)) {
            problems.add(new Problem(field + ".advertise", "only with mode HostPort: " + ("HostNetwork".equals(mode)
                    ? "a HostNetwork worker advertises the node's address itself" : "a Pod worker is reached at its pod IP")));
        }
        return switch (mode == null ? "Pod" : mode) {
            case "HostNetwork" -> new XrootdSpec.Exposure(XrootdSpec.ExposureMode.HOST_NETWORK, xrootdPort, 0, null, null);
            // The node port is the worker's own xrootd port: redirects name the port the worker listens on.
            case "HostPort" -> new XrootdSpec.Exposure(XrootdSpec.ExposureMode.HOST_PORT, xrootdPort, 0,
                    "NodeIP".equals(advertise) ? "status.hostIP" : "spec.nodeName", null);
            default -> XrootdSpec.Exposure.POD;
        };
    }

    /** A string that must be one of {@code values}; null when absent or wrong (wrong is a problem). */
    private String oneOf(JsonNode parent, String key, String field, String fallback, List<String> values) {
        String value = optionalString(parent, key, field, fallback);
        if (value != null && !values.contains(value)) {
            problems.add(new Problem(field, "'" + Problem.excerpt(value) + "' must be one of " + String.join(", ", values)));
            return null;
        }
        return value;
    }

    /**
     * Requests and limits with every quantity in canonical spelling: the API server stores "0.5" as
     * "500m", and any other spelling would look like a change to Metacontroller on every sync.
     */
    private ResourceRequirements resources(JsonNode node, String field) {
        ResourceRequirements resources = kube(node, field, new TypeReference<ResourceRequirements>() {}, null,
                "core/v1 ResourceRequirements");
        if (resources == null) {
            return null;
        }
        Map<String, BigDecimal> requested = new java.util.TreeMap<>();
        Map<String, BigDecimal> limited = new java.util.TreeMap<>();
        resources.setRequests(canonical(resources.getRequests(), field + ".requests", requested));
        resources.setLimits(canonical(resources.getLimits(), field + ".limits", limited));
        requested.forEach((name, amount) -> {
            BigDecimal limit = limited.get(name);
            if (limit != null && amount.compareTo(limit) > 0) {
                problems.add(new Problem(field + ".requests." + name, "must not be above its limit ("
                        + resources.getRequests().get(name) + " > " + resources.getLimits().get(name) + ")"));
            }
        });
        return resources;
    }

    /** A container resource: cpu, memory, ephemeral-storage, hugepages-SIZE, or an extended resource domain/name. */
    private static boolean isResourceName(String name) {
        return STANDARD_RESOURCES.contains(name) || name.startsWith("hugepages-") && name.length() <= 63
                || name.contains("/") && KubernetesValues.isQualifiedName(name);
    }

    private Map<String, Quantity> canonical(Map<String, Quantity> quantities, String field, Map<String, BigDecimal> amounts) {
        if (quantities == null || quantities.isEmpty()) {
            return quantities;
        }
        Map<String, Quantity> result = new java.util.TreeMap<>();
        quantities.forEach((name, quantity) -> {
            if (!isResourceName(name)) {
                problems.add(new Problem(field, "'" + Problem.excerpt(name) + "' is not a resource name (cpu, memory,"
                        + " ephemeral-storage, hugepages-SIZE, or an extended resource such as example.com/gpu)"));
                return;
            }
            if (quantity == null) {
                problems.add(new Problem(field + "." + name, "must be a quantity (e.g. 500m, 1Gi)"));
                return;
            }
            try {
                BigDecimal amount = Quantities.amount(quantity.toString());
                if (amount.signum() < 0) {
                    problems.add(new Problem(field + "." + name, "must not be negative"));
                    return;
                }
                result.put(name, new Quantity(Quantities.canonical(quantity.toString())));
                amounts.put(name, amount);
            } catch (IllegalArgumentException e) {
                problems.add(new Problem(field + "." + name, e.getMessage()));
            }
        });
        return result;
    }

    private XrootdSpec.Storage storage(JsonNode node) {
        String capacity = optionalString(node, "capacity", "spec.worker.storage.capacity", DEFAULT_CAPACITY);
        String storageClass = optionalString(node, "class", "spec.worker.storage.class", null);
        if (storageClass != null && !KubernetesValues.isDnsSubdomain(storageClass)) {
            problems.add(new Problem("spec.worker.storage.class", "'" + Problem.excerpt(storageClass)
                    + "' is not a StorageClass name (a DNS-1123 subdomain)"));
        }
        String whenDeleted = optionalString(node, "whenDeleted", "spec.worker.storage.whenDeleted", "Retain");
        if (whenDeleted != null && !whenDeleted.equals("Retain") && !whenDeleted.equals("Delete")) {
            problems.add(new Problem("spec.worker.storage.whenDeleted", "must be Retain (keep the data) or Delete"));
        }
        if (capacity == null) {
            return null;
        }
        if (!CAPACITY.matcher(capacity).matches()) {
            problems.add(new Problem("spec.worker.storage.capacity", "'" + Problem.excerpt(capacity)
                    + "' is not a Kubernetes quantity (e.g. 1Gi, 500Mi, 10G)"));
            return null;
        }
        try {
            Quantities.Bytes bytes = Quantities.parseBytes(capacity);
            return new XrootdSpec.Storage(bytes.canonical(), bytes.bytes(), storageClass, "Delete".equals(whenDeleted));
        } catch (IllegalArgumentException e) {
            problems.add(new Problem("spec.worker.storage.capacity", e.getMessage()));
            return null;
        }
    }

    /** spec.monitor: off unless enabled; the same defaults as the CRD. */
    private XrootdSpec.Monitor monitor(JsonNode spec) {
        JsonNode node = object(spec, "monitor", "spec.monitor");
        known(node, "spec.monitor", MONITOR_FIELDS);
        boolean enabled = bool(node, "enabled", "spec.monitor.enabled", false);
        int reportPort = integer(node, "reportPort", "spec.monitor.reportPort", DEFAULT_REPORT_PORT, 1024, 65535);
        int interval = integer(node, "reportIntervalSeconds", "spec.monitor.reportIntervalSeconds", DEFAULT_REPORT_INTERVAL_SECONDS,
                1, MAX_REPORT_INTERVAL_SECONDS);
        ResourceRequirements resources = node == null ? null : resources(node.get("resources"), "spec.monitor.resources");
        return new XrootdSpec.Monitor(enabled, reportPort, interval, resources);
    }

    private XrootdSpec.Security security(JsonNode spec) {
        JsonNode node = object(spec, "securityContext", "spec.securityContext");
        known(node, "spec.securityContext", SECURITY_FIELDS);
        long uid = integer(node, "runAsUser", "spec.securityContext.runAsUser", DEFAULT_UID, 1, Integer.MAX_VALUE);
        long gid = integer(node, "runAsGroup", "spec.securityContext.runAsGroup", uid, 1, Integer.MAX_VALUE);
        long fsGroup = integer(node, "fsGroup", "spec.securityContext.fsGroup", gid, 1, Integer.MAX_VALUE);
        boolean readOnlyRoot = bool(node, "readOnlyRootFilesystem", "spec.securityContext.readOnlyRootFilesystem", true);

        XrootdSpec.SecretKey sss = null;
        JsonNode sssNode = object(spec, "sss", "spec.sss");
        known(sssNode, "spec.sss", SSS_FIELDS);
        if (sssNode != null) {
            String secret = secretName(sssNode, "spec.sss.secretName");
            String key = optionalString(sssNode, "key", "spec.sss.key", DEFAULT_SSS_KEY);
            if (key != null && !SECRET_KEY.matcher(key).matches()) {
                problems.add(new Problem("spec.sss.key", "'" + key + "' is not a valid Secret key"));
            }
            sss = new XrootdSpec.SecretKey(secret, key);
        }
        String tls = null;
        JsonNode tlsNode = object(spec, "tls", "spec.tls");
        known(tlsNode, "spec.tls", TLS_FIELDS);
        if (tlsNode != null) {
            tls = secretName(tlsNode, "spec.tls.secretName");
        }
        TokenAuth tokens = TokensParser.parse(spec, problems::add);
        return new XrootdSpec.Security(uid, gid, fsGroup, readOnlyRoot, sss, tls, tokens);
    }

    private String secretName(JsonNode node, String field) {
        String name = requiredString(node, "secretName", field);
        if (name != null && !KubernetesValues.isDnsSubdomain(name)) {
            problems.add(new Problem(field, "'" + name + "' is not a valid Secret name"));
        }
        return name;
    }

    private List<String> exports(JsonNode config) {
        JsonNode node = config == null ? null : config.get("exports");
        if (node == null || node.isNull()) {
            return List.of("/data");
        }
        if (!node.isArray() || node.isEmpty()) {
            problems.add(new Problem("spec.config.exports", "must be a non-empty list of absolute paths"));
            return List.of();
        }
        if (node.size() > MAX_EXPORTS) {
            problems.add(new Problem("spec.config.exports", "lists " + node.size() + " paths; at most " + MAX_EXPORTS
                    + " fit the generated configuration"));
            return List.of();
        }
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode path = node.get(i);
            String field = "spec.config.exports[" + i + "]";
            if (path.isTextual() && path.asText().length() > MAX_EXPORT_LENGTH) {
                problems.add(new Problem(field, "is " + path.asText().length() + " characters; at most " + MAX_EXPORT_LENGTH));
            } else if (!path.isTextual() || !EXPORT_PATH.matcher(path.asText()).matches() || path.asText().contains("..")) {
                problems.add(new Problem(field, "must be an absolute path of letters, digits, '.', '_', '-' and '/'"));
            } else if (paths.contains(path.asText())) {
                problems.add(new Problem(field, "'" + Problem.excerpt(path.asText()) + "' is listed twice"));
            } else {
                paths.add(path.asText());
            }
        }
        return List.copyOf(paths);
    }

    /** spec.checksums: known algorithms, each once; absent means the default, empty turns checksums off. */
    private List<String> checksums(JsonNode node) {
        if (node == null || node.isNull()) {
            return DEFAULT_CHECKSUMS;
        }
        if (!node.isArray()) {
            problems.add(new Problem("spec.checksums", "must be a list of checksum algorithms (" + String.join(", ", CHECKSUM_ALGORITHMS) + ")"));
            return List.of();
        }
        if (node.size() > CHECKSUM_ALGORITHMS.size()) {
            problems.add(new Problem("spec.checksums", "lists " + node.size() + " algorithms; there are " + CHECKSUM_ALGORITHMS.size()
                    + " (" + String.join(", ", CHECKSUM_ALGORITHMS) + "), each at most once"));
            return List.of();
        }
        List<String> algorithms = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode algorithm = node.get(i);
            String field = "spec.checksums[" + i + "]";
            if (!algorithm.isTextual() || !CHECKSUM_ALGORITHMS.contains(algorithm.asText())) {
                problems.add(new Problem(field, "'" + Problem.excerpt(algorithm.isTextual() ? algorithm.asText() : algorithm.toString())
                        + "' is not a checksum algorithm xrootd computes; use " + String.join(", ", CHECKSUM_ALGORITHMS)));
            } else if (algorithms.contains(algorithm.asText())) {
                problems.add(new Problem("spec.checksums", "lists " + algorithm.asText() + " twice"));
            } else {
                algorithms.add(algorithm.asText());
            }
        }
        return List.copyOf(algorithms);
    }

    /**
     * A host-networked member reaches a manager's cmsd from its node's address, whose reverse name is the
     * node's, never a name under the cluster's headless Services: without a site pattern for the nodes the
     * managers' cms.allow would refuse it and the cluster would run without those members.
     */
    private void hostNetworkMembersNeedAllowedHosts(XrootdSpec.Exposure redirector, XrootdSpec.Exposure worker,
            List<String> allowedHosts) {
        if (!allowedHosts.isEmpty()) {
            return;
        }
        for (var role : List.of(Map.entry("spec.redirector", redirector), Map.entry("spec.worker", worker))) {
            if (role.getValue() != null && role.getValue().hostNetwork()) {
                problems.add(new Problem(role.getKey() + ".exposure.mode", org.xrootd.hook.api.Rules.HOST_NETWORK_ALLOWED_MESSAGE));
            }
        }
    }

    /**
     * spec.allowedHosts: more hosts the managers and supervisors admit (cms.allow host), for members that
     * connect from outside the pod network. XRootD takes a host name or a pattern with one '*' (a second
     * one would never match), letters, digits, '-' and '.'.
     */
    private List<String> allowedHosts(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.add(new Problem("spec.allowedHosts", "must be a list of host names or patterns with one '*'"));
            return List.of();
        }
        if (node.size() > MAX_ALLOWED_HOSTS) {
            problems.add(new Problem("spec.allowedHosts", "lists " + node.size() + " hosts; at most " + MAX_ALLOWED_HOSTS));
            return List.of();
        }
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode host = node.get(i);
            String field = "spec.allowedHosts[" + i + "]";
            String text = host.isTextual() ? host.asText() : null;
            if (text == null || text.isEmpty() || text.length() > Patterns.DNS_SUBDOMAIN_MAX) {
                problems.add(new Problem(field, "must be a host name or pattern of 1 to " + Patterns.DNS_SUBDOMAIN_MAX + " characters"));
            } else if (text.indexOf('*') != text.lastIndexOf('*')) {
                problems.add(new Problem(field, "'" + Problem.excerpt(text) + "' has more than one '*'; XRootD matches one (prefix*suffix)"));
            } else if (!ALLOWED_HOST.matcher(text).matches()) {
                problems.add(new Problem(field, "'" + Problem.excerpt(text) + "' is not a host name or pattern (letters, digits, '-', '.' and one '*')"));
            } else if (hosts.contains(text)) {
                problems.add(new Problem(field, "'" + Problem.excerpt(text) + "' is listed twice"));
            } else {
                hosts.add(text);
            }
        }
        return List.copyOf(hosts);
    }

    /** spec.networkPolicy: on by default; clients are NetworkPolicyPeers, checked as the API server checks them. */
    private XrootdSpec.NetworkPolicy networkPolicy(JsonNode spec) {
        JsonNode node = object(spec, "networkPolicy", "spec.networkPolicy");
        known(node, "spec.networkPolicy", NETWORK_POLICY_FIELDS);
        boolean enabled = bool(node, "enabled", "spec.networkPolicy.enabled", true);
        return new XrootdSpec.NetworkPolicy(enabled, peers(node, "clients"), peers(node, "members"));
    }

    private List<io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer> peers(JsonNode networkPolicy, String key) {
        String field = "spec.networkPolicy." + key;
        List<io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer> peers = networkPolicy == null ? List.of()
                : kube(networkPolicy.get(key), field,
                        new TypeReference<List<io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer>>() {}, List.of(),
                        "networking/v1 NetworkPolicyPeer list");
        if (peers.size() > MAX_CLIENT_PEERS) {
            problems.add(new Problem(field, "lists " + peers.size() + " peers; at most " + MAX_CLIENT_PEERS));
            return List.of();
        }
        for (int i = 0; i < peers.size(); i++) {
            KubernetesValues.networkPolicyPeer(peers.get(i), field + "[" + i + "]", problems::add);
        }
        return List.copyOf(peers);
    }

    /** Extra xrootd.cf lines: one directive each, none that would change the cluster's shape. */
    private List<String> directives(JsonNode config, String key, String field) {
        JsonNode node = config == null ? null : config.get(key);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.add(new Problem(field, "must be a list of xrootd directives, one per entry"));
            return List.of();
        }
        if (node.size() > MAX_DIRECTIVES) {
            problems.add(new Problem(field, "lists " + node.size() + " directives; at most " + MAX_DIRECTIVES));
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode line = node.get(i);
            String entry = field + "[" + i + "]";
            if (!line.isTextual() || line.asText().length() > 1024) {
                problems.add(new Problem(entry, "must be a string of at most 1024 characters"));
                continue;
            }
            String text = line.asText().strip();
            String directive = text.split("\\s+", 2)[0];
            if (RESERVED_DIRECTIVES.contains(directive)) {
                problems.add(new Problem(entry, "'" + directive + "' is managed by the controller and cannot be set here"
                        + (directive.equals("all.export") ? "; use spec.config.exports" : "")));
            } else if (!DIRECTIVE.matcher(line.asText()).matches()) {
                problems.add(new Problem(entry, "'" + abbreviate(text) + "' is not one xrootd directive (prefix.name followed by its arguments, on one line)"));
            } else {
                lines.add(text);
            }
        }
        return List.copyOf(lines);
    }

    private <T> T kube(JsonNode node, String field, TypeReference<T> type, T fallback, String typeName) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (hasNullElement(node)) {
            problems.add(new Problem(field, "must not contain null list entries"));
            return fallback;
        }
        T value = KubernetesValues.read(node, field, type, typeName, problems::add);
        return value == null ? fallback : value;
    }

    /** Refuses the fields of an object of the spec that the schema does not have. */
    private void known(JsonNode node, String field, Set<String> fields) {
        if (node == null) {
            return;
        }
        node.fieldNames().forEachRemaining(name -> {
            if (!fields.contains(name)) {
                problems.add(new Problem(field + "." + Problem.excerpt(name, 63), "is not a field of " + field));
            }
        });
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new java.util.HashSet<>(a);
        out.addAll(b);
        return Set.copyOf(out);
    }

    /** A null inside a list (or a quantity map) survives conversion and breaks the builders or the API server. */
    private static boolean hasNullElement(JsonNode node) {
        for (JsonNode child : node) {
            if (node.isArray() && child.isNull() || child.isContainerNode() && hasNullElement(child)) {
                return true;
            }
        }
        return false;
    }

    /** What a map of strings holds: the rules for its keys and values follow. */
    private enum MapKind { NODE_SELECTOR, LABELS, ANNOTATIONS }

    private Map<String, String> stringMap(JsonNode node, String field, MapKind kind) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            problems.add(new Problem(field, "must be a map of strings"));
            return Map.of();
        }
        if (node.size() > Roles.MAX_ENTRIES) {
            problems.add(new Problem(field, "has " + node.size() + " entries; at most " + Roles.MAX_ENTRIES));
            return Map.of();
        }
        Map<String, String> map = new LinkedHashMap<>();
        node.fields().forEachRemaining(entry -> {
            String key = entry.getKey();
            if (!entry.getValue().isTextual()) {
                problems.add(new Problem(field + "." + key, "must be a string"));
            } else if (!KubernetesValues.isQualifiedName(key)) {
                problems.add(new Problem(field, "'" + abbreviate(key) + "' is not a valid key"));
            } else if (kind == MapKind.LABELS && RESERVED_LABELS.contains(key)) {
                problems.add(new Problem(field + "." + key, "is set by the controller"));
            } else if (kind != MapKind.ANNOTATIONS && !KubernetesValues.isLabelValue(entry.getValue().asText())) {
                problems.add(new Problem(field + "." + key, "'" + abbreviate(entry.getValue().asText()) + "' is not a valid label value"
                        + " (at most 63 letters, digits, '-', '_' or '.', alphanumeric at both ends)"));
            } else {
                map.put(key, entry.getValue().asText());
            }
        });
        return Map.copyOf(map);
    }

    private JsonNode object(JsonNode parent, String key, String field) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add(new Problem(field, "must be an object"));
            return null;
        }
        return node;
    }

    private String requiredString(JsonNode parent, String key, String field) {
        JsonNode node = parent.get(key);
        if (node == null || node.isNull()) {
            problems.add(new Problem(field, "is required"));
            return null;
        }
        return string(node, field);
    }

    private String optionalString(JsonNode parent, String key, String field, String fallback) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        return string(node, field);
    }

    private String string(JsonNode node, String field) {
        if (!node.isTextual()) {
            problems.add(new Problem(field, "must be a string"));
            return null;
        }
        String text = node.asText();
        if (text.isBlank()) {
            problems.add(new Problem(field, "must not be empty"));
            return null;
        }
        if (text.length() > 1024) {
            problems.add(new Problem(field, "is longer than 1024 characters"));
            return null;
        }
        return text;
    }

    private boolean bool(JsonNode parent, String key, String field, boolean fallback) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            problems.add(new Problem(field, "must be true or false"));
            return fallback;
        }
        return node.asBoolean();
    }

    private int integer(JsonNode parent, String key, String field, long fallback, long min, long max) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return (int) fallback;
        }
        boolean finite = !(node.isFloatingPointNumber() && !node.isBigDecimal() && !Double.isFinite(node.doubleValue()));
        if (!finite || !node.isIntegralNumber() && !(node.isNumber() && node.decimalValue().stripTrailingZeros().scale() <= 0)) {
            problems.add(new Problem(field, "must be an integer"));
            return (int) fallback;
        }
        BigInteger value = node.decimalValue().toBigInteger();
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            problems.add(new Problem(field, "must be between " + min + " and " + max + ", got " + abbreviate(value.toString())
                    + hint(field)));
            return (int) fallback;
        }
        return value.intValue();
    }

    private static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 61) + "...";
    }

    private static String hint(String field) {
        if (field.equals("spec.worker.replicas")) {
            return " (above 64 workers the controller adds supervisors; " + MAX_WORKERS + " is the largest cluster they hold with one supervisor down)";
        }
        if (field.startsWith("spec.ports") || field.equals("spec.monitor.reportPort")) {
            return " (the daemons run unprivileged and cannot bind ports below 1024)";
        }
        return "";
    }
}
