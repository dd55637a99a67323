package org.xrootd.hook.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * How clients outside Kubernetes reach a role (spec.redirector.exposure, spec.worker.exposure): the pod
 * network (the default), the node's network, or ports published on the node. docs/operations.md, "Exposing a
 * cluster outside Kubernetes", explains the choice.
 */
public final class Exposure {
    private Exposure() {}

    /** Most source ranges of a LoadBalancer (a CEL rule walks none, but the list stays bounded). */
    public static final int MAX_SOURCE_RANGES = 64;

    public enum Mode { Pod, HostNetwork, HostPort }

    public enum Advertise { NodeName, NodeIP }

    public enum ServiceType { ClusterIP, NodePort, LoadBalancer }

    public enum TrafficPolicy { Local, Cluster }

    static final String MODE_START = "Pod (the default) keeps the pod network: in-cluster clients only. HostNetwork runs the pods "
            + "in the node's network (hostNetwork, dnsPolicy ClusterFirstWithHostNet), at most one pod per node of the roles "
            + "sharing a node port (required pod anti-affinity, added to spec.";
    static final String MODE_END = ".affinity). HostPort publishes the xrootd port";

    @JsonPropertyOrder({"mode", "hostPorts", "service"})
    @ValidationRule(value = Rules.HOST_PORTS_MODE, message = Rules.HOST_PORTS_MODE_MESSAGE, fieldPath = ".hostPorts")
    public static class Redirector {
        @Default("Pod")
        @JsonPropertyDescription(MODE_START + "redirector" + MODE_END + " and the cmsd port on the node (hostPort, "
                + "exposure.hostPorts). Both need the privileged Pod Security level in the namespace.")
        public Mode mode;

        @JsonPropertyDescription("Node ports of a HostPort redirector (only with mode HostPort; by default spec.ports). "
                + "A node port may be below 1024: the node maps it to the daemon's port.")
        public HostPorts hostPorts;

        @Default("{}")
        @JsonPropertyDescription("The client Service N-xrootd over the ready redirectors.")
        public Service service;
    }

    @JsonPropertyOrder({"mode", "advertise"})
    @ValidationRule(value = Rules.ADVERTISE_MODE, message = Rules.ADVERTISE_MODE_MESSAGE, fieldPath = ".advertise")
    public static class Worker {
        @Default("Pod")
        @JsonPropertyDescription(MODE_START + "worker" + MODE_END + " on the node (hostPort = spec.ports.xrootd, the port "
                + "redirects name) and makes the worker advertise the node (XRDIFADDRS, exposure.advertise). Both need the "
                + "privileged Pod Security level in the namespace. xrootd 5.5.3 advertises only public-class addresses or DNS names: "
                + "private node IPs cannot be advertised.")
        public Mode mode;

        @JsonPropertyDescription("What a HostPort worker advertises to outside clients (only with mode HostPort; default "
                + "NodeName): NodeName, the node's name (spec.nodeName), for nodes named by resolvable DNS names; NodeIP, "
                + "the node's IP (status.hostIP), which xrootd 5.5.3 uses only when it is a public-class address.")
        public Advertise advertise;
    }

    public static class HostPorts {
        @Min(1)
        @Max(65535)
        @JsonPropertyDescription("Node port of xrootd; by default spec.ports.xrootd.")
        public Integer xrootd;

        @Min(1)
        @Max(65535)
        @JsonPropertyDescription("Node port of the cmsd; by default spec.ports.cmsd.")
        public Integer cmsd;
    }

    @JsonPropertyOrder({"type", "port", "annotations", "externalTrafficPolicy", "loadBalancerClass",
        "loadBalancerSourceRanges", "nodePort"})
    @ValidationRule(value = Rules.SERVICE_EXTERNAL_ONLY, message = Rules.SERVICE_EXTERNAL_ONLY_MESSAGE)
    @ValidationRule(value = Rules.SERVICE_LOAD_BALANCER_ONLY, message = Rules.SERVICE_LOAD_BALANCER_ONLY_MESSAGE)
    public static class Service {
        @Default("ClusterIP")
        @JsonPropertyDescription("Service type: ClusterIP (in-cluster clients), NodePort or LoadBalancer (outside clients).")
        public ServiceType type;

        @Min(1)
        @Max(65535)
        @JsonPropertyDescription("Port clients connect to; by default spec.ports.xrootd.")
        public Integer port;

        @Size(max = Roles.MAX_ENTRIES)
        @JsonPropertyDescription("Annotations of the Service, passed through (e.g. a cloud's load-balancer settings).")
        public Map<String, String> annotations;

        @JsonPropertyDescription("Only for NodePort and LoadBalancer; default Local, so that the redirectors see outside "
                + "clients' own addresses (with Cluster they look private and are sent to pod IPs).")
        public TrafficPolicy externalTrafficPolicy;

        @Size(min = 1, max = 316)
        @Pattern(Patterns.QUALIFIED_NAME)
        @JsonPropertyDescription("Only for LoadBalancer: the load-balancer implementation (spec.loadBalancerClass).")
        public String loadBalancerClass;

        @Size(max = MAX_SOURCE_RANGES)
        @JsonPropertyDescription("Only for LoadBalancer: client CIDRs the load balancer admits.")
        public List<@Size(max = 43) @Pattern(Patterns.CIDR) String> loadBalancerSourceRanges;

        @Min(1)
        @Max(65535)
        @JsonPropertyDescription("Only for NodePort and LoadBalancer: the node port (within the cluster's node-port range); "
                + "allocated by Kubernetes when omitted.")
        public Integer nodePort;
    }
}
