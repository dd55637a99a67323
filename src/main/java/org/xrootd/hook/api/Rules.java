package org.xrootd.hook.api;

/**
 * The CEL rules ({@code x-kubernetes-validations}) of the schema. They use the CEL standard library and,
 * for quantities, the Kubernetes quantity library ({@code isQuantity}, {@code quantity}), which API
 * servers have from 1.29 on; a server before 1.25 ignores the rules, and the hook checks the same.
 * Every rule stays cheap for the API server's cost estimate: no regular expression on map keys (whose
 * length the schema cannot bound), lists bounded by maxItems where a rule walks them.
 */
public final class Rules {
    private Rules() {}

    /** Resources whose quantities the schema checks; the hook checks every resource. */
    private static final String CHECKED = "['cpu', 'memory', 'ephemeral-storage']";

    public static final String QUANTITIES = CHECKED + ".all(r, "
            + "(!has(self.requests) || !(r in self.requests) || isQuantity(string(dyn(self.requests[r]))) && quantity(string(dyn(self.requests[r]))).sign() >= 0)"
            + " && (!has(self.limits) || !(r in self.limits) || isQuantity(string(dyn(self.limits[r]))) && quantity(string(dyn(self.limits[r]))).sign() >= 0))";
    public static final String QUANTITIES_MESSAGE = "cpu, memory and ephemeral-storage must be non-negative Kubernetes quantities (e.g. 500m, 1Gi)";

    public static final String REQUESTS_WITHIN_LIMITS = "!has(self.requests) || !has(self.limits) || " + CHECKED + ".all(r, "
            + "!(r in self.requests) || !(r in self.limits) || !isQuantity(string(dyn(self.requests[r]))) || !isQuantity(string(dyn(self.limits[r])))"
            + " || !quantity(string(dyn(self.requests[r]))).isGreaterThan(quantity(string(dyn(self.limits[r])))))";
    public static final String REQUESTS_WITHIN_LIMITS_MESSAGE = "a request must not be above its limit";

    public static final String CAPACITY = "isQuantity(self) && quantity(self).isInteger() && quantity(self).sign() > 0"
            + " && quantity(self).isLessThan(quantity('4Ei'))";
    public static final String CAPACITY_MESSAGE = "must be a whole number of bytes, greater than zero and below 4Ei";

    public static final String PORTS_DIFFER = "(has(self.xrootd) ? self.xrootd : 1094) != (has(self.cmsd) ? self.cmsd : 3121)";
    public static final String PORTS_DIFFER_MESSAGE = "xrootd and cmsd need different ports";

    /**
     * Supervisors: none needed up to 64 workers, above that ceil((workers - 64) / 63) + 1 (model.Supervisors),
     * which for workers > 64 is (workers - 2) / 63 + 1 in integer division.
     */
    public static final String ENOUGH_SUPERVISORS = "!has(self.supervisor) || !has(self.supervisor.replicas)"
            + " || !has(self.worker) || !has(self.worker.replicas) || self.worker.replicas <= 64"
            + " || self.supervisor.replicas >= (self.worker.replicas - 2) / 63 + 1";
    public static final String ENOUGH_SUPERVISORS_MESSAGE = "must be at least ceil((workers - 64) / 63) + 1 above 64 workers"
            + " (each manager holds 64 subscribers; the rule keeps one supervisor spare)";

    /** {@link Patterns#RESERVED_DIRECTIVE} in a CEL string literal (backslashes doubled). */
    public static final String NO_RESERVED_DIRECTIVE =
            "self.all(d, !d.matches('^ *(all\\\\.(role|manager|adminpath|pidpath|export)|oss\\\\.localroot|xrd\\\\.port)( .*)?$'))";
    public static final String NO_RESERVED_DIRECTIVE_MESSAGE = "all.role, all.manager, all.adminpath, all.pidpath, oss.localroot,"
            + " xrd.port and all.export are managed by the controller (exports: spec.config.exports)";

    public static final String UNIQUE = "self.all(p, self.exists_one(q, q == p))";
    public static final String UNIQUE_MESSAGE = "must not list a path twice";
    public static final String UNIQUE_ALGORITHMS = "self.all(a, self.exists_one(b, b == a))";
    public static final String UNIQUE_ALGORITHMS_MESSAGE = "must not list an algorithm twice";
    public static final String UNIQUE_HOSTS = "self.all(h, self.exists_one(g, g == h))";
    public static final String UNIQUE_HOSTS_MESSAGE = "must not list a host twice";
    public static final String NO_DOT_DOT = "self.all(p, !p.contains('..'))";
    public static final String NO_DOT_DOT_MESSAGE = "must not contain '..'";

    public static final String NAME_LENGTH = "size(self.metadata.name) <= " + Patterns.XROOTD_NAME_MAX;
    public static final String NAME_LENGTH_MESSAGE = "metadata.name must be at most " + Patterns.XROOTD_NAME_MAX
            + " characters: NAME-xrootd-redirector plus the 11-character revision suffix must fit in 63";
    public static final String NAME_FORM = "self.metadata.name.matches('" + Patterns.XROOTD_NAME + "')";
    public static final String NAME_FORM_MESSAGE = "metadata.name must start with a lower-case letter and contain only"
            + " lower-case letters, digits and '-' (it begins every Service name, a DNS-1035 label)";

    public static final String SPREAD_REQUIRED = "self.all(c, has(c.maxSkew) && has(c.topologyKey) && has(c.whenUnsatisfiable))";
    public static final String SPREAD_REQUIRED_MESSAGE = "each constraint needs maxSkew, topologyKey and whenUnsatisfiable";

    /** Labels the controller sets and selects by. */
    public static final String NO_RESERVED_LABEL = "['app.kubernetes.io/name', 'app.kubernetes.io/instance',"
            + " 'app.kubernetes.io/component', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/part-of',"
            + " 'app.kubernetes.io/version', 'controller-uid'].all(k, !(k in self))";
    public static final String NO_RESERVED_LABEL_MESSAGE = "the app.kubernetes.io labels and controller-uid are set by the controller";

    // spec.redirector.exposure, spec.worker.exposure (api.Exposure)
    public static final String HOST_PORTS_MODE = "!has(self.hostPorts) || has(self.mode) && self.mode == 'HostPort'";
    public static final String HOST_PORTS_MODE_MESSAGE = "hostPorts only with mode HostPort: a HostNetwork pod listens on the node"
            + " at spec.ports (at least 1024: the daemons run unprivileged)";
    public static final String ADVERTISE_MODE = "!has(self.advertise) || has(self.mode) && self.mode == 'HostPort'";
    public static final String ADVERTISE_MODE_MESSAGE = "advertise only with mode HostPort (a HostNetwork worker advertises"
            + " the node's address itself, a Pod worker its pod IP)";
    public static final String SERVICE_EXTERNAL_ONLY = "has(self.type) && self.type != 'ClusterIP'"
            + " || !has(self.externalTrafficPolicy) && !has(self.nodePort)";
    public static final String SERVICE_EXTERNAL_ONLY_MESSAGE = "externalTrafficPolicy and nodePort only with type NodePort or LoadBalancer";
    public static final String SERVICE_LOAD_BALANCER_ONLY = "has(self.type) && self.type == 'LoadBalancer'"
            + " || !has(self.loadBalancerClass) && !has(self.loadBalancerSourceRanges)";
    public static final String SERVICE_LOAD_BALANCER_ONLY_MESSAGE = "loadBalancerClass and loadBalancerSourceRanges only with type LoadBalancer";
    /** HostPort redirector: its node ports (by default spec.ports) must differ. */
    public static final String REDIRECTOR_NODE_PORTS_DIFFER = "!has(self.redirector) || !has(self.redirector.exposure)"
            + " || !has(self.redirector.exposure.hostPorts)"
            + " || (has(self.redirector.exposure.hostPorts.xrootd) ? self.redirector.exposure.hostPorts.xrootd"
            + " : has(self.ports) && has(self.ports.xrootd) ? self.ports.xrootd : 1094)"
            + " != (has(self.redirector.exposure.hostPorts.cmsd) ? self.redirector.exposure.hostPorts.cmsd"
            + " : has(self.ports) && has(self.ports.cmsd) ? self.ports.cmsd : 3121)";
    public static final String REDIRECTOR_NODE_PORTS_DIFFER_MESSAGE = "xrootd and cmsd of a HostPort redirector need different node ports"
            + " (hostPorts default to spec.ports)";
    /** A host-networked role logs in from node addresses, which only spec.allowedHosts can admit (cms.allow). */
    public static final String REDIRECTOR_HOST_NETWORK_ALLOWED = "!has(self.redirector) || !has(self.redirector.exposure)"
            + " || !has(self.redirector.exposure.mode) || self.redirector.exposure.mode != 'HostNetwork'"
            + " || has(self.allowedHosts) && size(self.allowedHosts) > 0";
    public static final String WORKER_HOST_NETWORK_ALLOWED = "!has(self.worker) || !has(self.worker.exposure)"
            + " || !has(self.worker.exposure.mode) || self.worker.exposure.mode != 'HostNetwork'"
            + " || has(self.allowedHosts) && size(self.allowedHosts) > 0";
    public static final String HOST_NETWORK_ALLOWED_MESSAGE = "HostNetwork pods log in to the redirectors' cmsd from their node's"
            + " address, which the managers admit only through spec.allowedHosts: list the nodes' names or a pattern such as"
            + " '*.nodes.example.org'";

    // spec.tokens (api.Tokens)
    public static final String TOKENS_NEED_TLS = "!has(self.tokens) || has(self.tls)";
    public static final String TOKENS_NEED_TLS_MESSAGE = "spec.tokens needs spec.tls: tokens travel only over TLS (HTTPS, and"
            + " roots:// with the ztn protocol)";
    public static final String TOKENS_WITHOUT_SSS = "!has(self.tokens) || !has(self.sss)";
    public static final String TOKENS_WITHOUT_SSS_MESSAGE = "spec.tokens and spec.sss exclude each other: sss requires sss of"
            + " every xroot client and turns HTTP off, tokens need ztn and HTTPS";
    public static final String FEDERATION_SITE_NAME = "!has(self.managers) || size(self.managers) == 0 || has(self.siteName)";
    public static final String FEDERATION_SITE_NAME_MESSAGE = "is required when the redirectors subscribe to meta managers";
    public static final String META_MANAGER_SUBSCRIBES_NOWHERE = "!has(self.metaManager) || !self.metaManager"
            + " || !has(self.managers) || size(self.managers) == 0";
    public static final String META_MANAGER_SUBSCRIBES_NOWHERE_MESSAGE = "must be empty for a meta manager (XRootD 5.5.3's meta"
            + " managers subscribe to no one)";
    public static final String UNIQUE_MANAGERS = "self.all(m, self.exists_one(n, n.host == m.host && n.port == m.port))";
    public static final String UNIQUE_MANAGERS_MESSAGE = "must not list a host and port twice";
    public static final String HTTP_TPC_NEEDS_TLS = "!has(self.tpc) || !has(self.tpc.http) || !self.tpc.http || has(self.tls)";
    public static final String HTTP_TPC_NEEDS_TLS_MESSAGE = "HTTP TPC needs spec.tls: XRootD 5.5.3 loads the HTTP-TPC handler"
            + " only with HTTPS (without it a COPY answers 400)";
    public static final String HTTP_TPC_WITHOUT_SSS = "!has(self.tpc) || !has(self.tpc.http) || !self.tpc.http || !has(self.sss)";
    public static final String HTTP_TPC_WITHOUT_SSS_MESSAGE = "HTTP TPC needs HTTP, which spec.sss turns off";
    public static final String META_MANAGER_NO_WORKERS = "!has(self.federation) || !has(self.federation.metaManager)"
            + " || !self.federation.metaManager || has(self.worker) && has(self.worker.replicas) && self.worker.replicas == 0";
    public static final String META_MANAGER_NO_WORKERS_MESSAGE = "must be 0 for a meta manager: its members are site redirectors";
    private static final String NOT_META = "!has(self.federation) || !has(self.federation.metaManager) || !self.federation.metaManager";
    public static final String META_MANAGER_ALLOWED_HOSTS = NOT_META + " || has(self.allowedHosts) && size(self.allowedHosts) > 0";
    public static final String META_MANAGER_ALLOWED_HOSTS_MESSAGE = "must name the site redirectors for a meta manager: its cmsd"
            + " admits only the hosts listed here";
    public static final String META_MANAGER_MEMBERS = NOT_META + " || has(self.networkPolicy) && (has(self.networkPolicy.enabled)"
            + " && !self.networkPolicy.enabled || has(self.networkPolicy.members) && size(self.networkPolicy.members) > 0)";
    public static final String META_MANAGER_MEMBERS_MESSAGE = "must admit the site redirectors to a meta manager's cmsd port (or"
            + " turn the NetworkPolicy off)";
    public static final String CA_KEY_NEEDS_HTTP = "!has(self.caKey) || has(self.http) && self.http";
    public static final String CA_KEY_NEEDS_HTTP_MESSAGE = "is used only by HTTP TPC: set http, or remove it";
    public static final String CA_KEY_NOT_THE_CERTIFICATE = "!has(self.caKey) || self.caKey != 'tls.crt' && self.caKey != 'tls.key'";
    public static final String CA_KEY_NOT_THE_CERTIFICATE_MESSAGE = "must name the key with the CA certificates (e.g. ca.crt), not"
            + " the pods' own certificate or key";
}
