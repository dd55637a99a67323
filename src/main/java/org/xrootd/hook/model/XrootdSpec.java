package org.xrootd.hook.model;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * A validated Xrootd parent: everything the builders need, with defaults applied. Builders never look
 * at the raw JSON; only {@link SpecParser} interprets what the user wrote. {@code checksums}: the
 * xrootd.chksum algorithms of every role, in the user's order (empty: no checksum queries).
 * {@code allowedHosts}: the site's extra cms.allow host names or patterns (spec.allowedHosts).
 * {@code governingServices}: not from the spec, but from the cluster as observed: the serviceName of each
 * role's existing StatefulSet, which Kubernetes never lets change (empty for a new cluster; see
 * {@link #withGoverningServices}). {@code tpc}, {@code federation}: spec.tpc and spec.federation ({@link Grid}).
 */
public record XrootdSpec(
        String name,
        String namespace,
        String uid,
        long generation,
        String version,
        String imageOverride,
        String imagePullPolicy,
        List<LocalObjectReference> imagePullSecrets,
        String serviceAccountName,
        Role redirector,
        Role worker,
        Role supervisor,
        Storage storage,
        Ports ports,
        Security security,
        List<String> exports,
        List<String> directives,
        Monitor monitor,
        List<String> checksums,
        List<String> allowedHosts,
        NetworkPolicy networkPolicy,
        Cache cache,
        Grid.Tpc tpc,
        Grid.Federation federation,
        Map<Component, String> governingServices) {

    /** The role's settings; supervisors have 0 replicas up to 64 workers. */
    public Role role(org.xrootd.hook.model.Component component) {
        return switch (component) {
            case REDIRECTOR -> redirector;
            case WORKER -> worker;
            case SUPERVISOR -> supervisor;
        };
    }

    /**
     * Per-role settings: size, extra xrootd directives, what is passed through to the pods, and how outside
     * clients reach the role (supervisors: always {@link Exposure#POD}).
     */
    public record Role(int replicas, int maxUnavailable, List<String> directives, Pod pod, Exposure exposure) {}

    /** spec.ROLE.exposure.mode. */
    public enum ExposureMode { POD, HOST_NETWORK, HOST_PORT }

    /**
     * How a role's pods are reached (spec.ROLE.exposure). {@code xrootdNodePort}, {@code cmsdNodePort}: the
     * ports the pod takes on its node (0: none; HostNetwork: the daemons' own ports; HostPort: the published
     * ports). {@code advertiseField}: the downward-API field a HostPort worker advertises as XRDIFADDRS
     * ({@code spec.nodeName} or {@code status.hostIP}), else null. {@code service}: the redirectors' client
     * Service, null for other roles.
     */
    public record Exposure(ExposureMode mode, int xrootdNodePort, int cmsdNodePort, String advertiseField, ClientService service) {
        public static final Exposure POD = new Exposure(ExposureMode.POD, 0, 0, null, null);

        /** The node ports this role's pods take; empty in Pod mode. */
        public java.util.Set<Integer> nodePorts() {
            java.util.Set<Integer> ports = new java.util.TreeSet<>();
            if (xrootdNodePort > 0) {
                ports.add(xrootdNodePort);
            }
            if (cmsdNodePort > 0) {
                ports.add(cmsdNodePort);
            }
            return ports;
        }

        public boolean hostNetwork() {
            return mode == ExposureMode.HOST_NETWORK;
        }

        public boolean hostPort() {
            return mode == ExposureMode.HOST_PORT;
        }
    }

    /**
     * The client Service over the redirectors (spec.redirector.exposure.service): type, the port clients use,
     * annotations passed through, and for NodePort/LoadBalancer the external traffic policy (Local by default)
     * and node port (null: allocated); for LoadBalancer its class and source ranges (null/empty: none).
     */
    public record ClientService(String type, int port, Map<String, String> annotations, String externalTrafficPolicy,
                                String loadBalancerClass, List<String> loadBalancerSourceRanges, Integer nodePort) {}

    /** Scheduling and metadata passed through to a role's pod template, unchanged. */
    public record Pod(
            ResourceRequirements resources,
            ResourceRequirements cmsdResources,
            Map<String, String> nodeSelector,
            Affinity affinity,
            List<Toleration> tolerations,
            List<TopologySpreadConstraint> topologySpreadConstraints,
            String priorityClassName,
            Map<String, String> labels,
            Map<String, String> annotations) {

        public static final Pod NONE = new Pod(null, null, Map.of(), null, List.of(), List.of(), null, Map.of(), Map.of());
    }

    /** The worker's persistent volume: size in canonical spelling and bytes, optional class, fate on deletion. */
    public record Storage(String capacity, BigInteger bytes, String storageClass, boolean deleteWithXrootd) {}

    /** xrootd's data port (xroot and HTTP) and the redirectors' cmsd port. */
    public record Ports(int xrootd, int cmsd) {}

    /**
     * The unprivileged identity both daemons run as, and the optional secrets: an sss keytab for
     * authentication, a TLS certificate for HTTPS on the xroot port, and bearer-token authorization
     * (spec.tokens, null when off).
     */
    public record Security(long runAsUser, long runAsGroup, long fsGroup, boolean readOnlyRootFilesystem,
                           SecretKey sss, String tlsSecret, TokenAuth tokens) {}

    /**
     * The per-cluster monitor (spec.monitor): whether it runs, the UDP port and interval of the daemons'
     * reports, and the monitor container's resources (null: the builder's defaults).
     */
    public record Monitor(boolean enabled, int reportPort, int reportIntervalSeconds, ResourceRequirements resources) {
        public static final Monitor OFF = new Monitor(false, SpecParser.DEFAULT_REPORT_PORT, SpecParser.DEFAULT_REPORT_INTERVAL_SECONDS, null);
    }

    /** The same cluster without the monitor (a controller that does not declare the monitor's kinds). */
    public XrootdSpec withoutMonitor() {
        return new XrootdSpec(name, namespace, uid, generation, version, imageOverride, imagePullPolicy, imagePullSecrets,
                serviceAccountName, redirector, worker, supervisor, storage, ports, security, exports, directives, Monitor.OFF, checksums,
                allowedHosts, networkPolicy, cache, tpc, federation, governingServices);
    }

    /** The same cluster without its NetworkPolicy (a controller that does not declare networkpolicies). */
    public XrootdSpec withoutNetworkPolicy() {
        return new XrootdSpec(name, namespace, uid, generation, version, imageOverride, imagePullPolicy, imagePullSecrets,
                serviceAccountName, redirector, worker, supervisor, storage, ports, security, exports, directives, monitor, checksums,
                allowedHosts, NetworkPolicy.OFF, cache, tpc, federation, governingServices);
    }

    /**
     * The same cluster whose existing StatefulSets govern their pods through {@code services} (role to the
     * observed spec.serviceName). Those names are immutable, so they are kept, with the headless Services
     * they name; roles without a StatefulSet yet get the short names (children.Names).
     */
    public XrootdSpec withGoverningServices(Map<Component, String> services) {
        return new XrootdSpec(name, namespace, uid, generation, version, imageOverride, imagePullPolicy, imagePullSecrets,
                serviceAccountName, redirector, worker, supervisor, storage, ports, security, exports, directives, monitor, checksums,
                allowedHosts, networkPolicy, cache, tpc, federation, Map.copyOf(services));
    }

    /**
     * spec.networkPolicy: whether the cluster gets its NetworkPolicy, who may reach the xroot port (empty:
     * anyone), and which peers besides the cluster's own pods may reach the cmsd port (members that connect
     * from node addresses).
     */
    public record NetworkPolicy(boolean enabled, List<io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer> clients,
                                List<io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer> members) {
        public static final NetworkPolicy DEFAULT = new NetworkPolicy(true, List.of(), List.of());
        public static final NetworkPolicy OFF = new NetworkPolicy(false, List.of(), List.of());
    }

    /** A key of a user-named Secret. */
    public record SecretKey(String secretName, String key) {}

    /** True when the cluster is an XCache (spec.cache) rather than a set of data servers. */
    public boolean isCache() {
        return cache != null;
    }

    /**
     * spec.cache: the origin (host:port, or "=" for the client's), the RAM, block size (null: XRootD's
     * default) and prefetch (null: XRootD's default) of each cache, the watermarks already in bytes of
     * the data space's capacity, the purge interval, and the extra disks with the data space's capacity.
     */
    public record Cache(String origin, BigInteger ramBytes, String ram, BigInteger blockBytes, Integer prefetch,
                        java.math.BigDecimal lowWaterMark, java.math.BigDecimal highWaterMark, BigInteger lowBytes,
                        BigInteger highBytes, int purgeIntervalSeconds, List<Disk> disks, BigInteger dataBytes) {

        /** The oss space the cached blocks go to: "data" with data disks, else the worker volume's "public". */
        public String dataSpace() {
            return disks.stream().anyMatch(d -> d.type() == DiskType.DATA) ? "data" : "public";
        }

        /** The oss space of the .cinfo files: "meta" with meta disks, else "public". */
        public String metaSpace() {
            return disks.stream().anyMatch(d -> d.type() == DiskType.META) ? "meta" : "public";
        }
    }

    /** A cache disk: its name, what it holds, its claim's size (canonical and bytes) and class. */
    public record Disk(String name, DiskType type, String capacity, BigInteger bytes, String storageClass) {}

    public enum DiskType {
        DATA("data"), META("meta");

        private final String space;

        DiskType(String space) {
            this.space = space;
        }

        /** The oss space name (and spec spelling). */
        public String space() {
            return space;
        }
    }
}
