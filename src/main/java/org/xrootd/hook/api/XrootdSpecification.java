package org.xrootd.hook.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;

/** spec of an Xrootd: the desired cluster. */
@ValidationRule(value = Rules.ENOUGH_SUPERVISORS, message = Rules.ENOUGH_SUPERVISORS_MESSAGE, fieldPath = ".supervisor.replicas")
@ValidationRule(value = Rules.REDIRECTOR_HOST_NETWORK_ALLOWED, message = Rules.HOST_NETWORK_ALLOWED_MESSAGE,
        fieldPath = ".redirector.exposure.mode")
@ValidationRule(value = Rules.WORKER_HOST_NETWORK_ALLOWED, message = Rules.HOST_NETWORK_ALLOWED_MESSAGE,
        fieldPath = ".worker.exposure.mode")
@ValidationRule(value = Rules.REDIRECTOR_NODE_PORTS_DIFFER, message = Rules.REDIRECTOR_NODE_PORTS_DIFFER_MESSAGE,
        fieldPath = ".redirector.exposure.hostPorts")
@ValidationRule(value = Rules.TOKENS_NEED_TLS, message = Rules.TOKENS_NEED_TLS_MESSAGE, fieldPath = ".tokens")
@ValidationRule(value = Rules.TOKENS_WITHOUT_SSS, message = Rules.TOKENS_WITHOUT_SSS_MESSAGE, fieldPath = ".tokens")
@ValidationRule(value = Rules.HTTP_TPC_NEEDS_TLS, message = Rules.HTTP_TPC_NEEDS_TLS_MESSAGE, fieldPath = ".tpc.http")
@ValidationRule(value = Rules.HTTP_TPC_WITHOUT_SSS, message = Rules.HTTP_TPC_WITHOUT_SSS_MESSAGE, fieldPath = ".tpc.http")
@ValidationRule(value = Rules.META_MANAGER_NO_WORKERS, message = Rules.META_MANAGER_NO_WORKERS_MESSAGE, fieldPath = ".worker.replicas")
@ValidationRule(value = Rules.META_MANAGER_ALLOWED_HOSTS, message = Rules.META_MANAGER_ALLOWED_HOSTS_MESSAGE, fieldPath = ".allowedHosts")
@ValidationRule(value = Rules.META_MANAGER_MEMBERS, message = Rules.META_MANAGER_MEMBERS_MESSAGE, fieldPath = ".networkPolicy.members")
public class XrootdSpecification {
    @Required
    @Size(min = 1, max = Patterns.VERSION_NAME_MAX)
    @Pattern(Patterns.VERSION_NAME)
    @JsonPropertyDescription("Name of an XrootdVersion (catalog.xrootd.org) in the same namespace that gives the image to run. "
            + "Changing it upgrades the cluster, pod by pod.")
    public String version;

    @Size(min = 1, max = 1024)
    @Pattern(Patterns.NO_WHITESPACE)
    @JsonPropertyDescription("Container image with xrootd, cmsd and xrdfs; overrides the catalog's image for spec.version.")
    public String image;

    @JsonPropertyDescription("Secrets for pulling the image from a private registry.")
    public List<LocalObjectReference> imagePullSecrets;

    @Size(min = 1, max = Patterns.DNS_SUBDOMAIN_MAX)
    @Pattern(Patterns.DNS_SUBDOMAIN)
    @JsonPropertyDescription("ServiceAccount of the XRootD pods (its token is not mounted; the daemons never call the Kubernetes API).")
    public String serviceAccountName;

    @Default("IfNotPresent")
    @JsonPropertyDescription("Pull policy of the XRootD containers.")
    public Enums.PullPolicy imagePullPolicy;

    @Default("{}")
    @JsonPropertyDescription("The redirectors (managers) clients connect to.")
    public Roles.Redirector redirector;

    @Default("{}")
    @JsonPropertyDescription("The workers (data servers) that store the files.")
    public Roles.Worker worker;

    @JsonPropertyDescription("Supervisors (xrootd + cmsd, all.role supervisor), built only above 64 workers: a full redirector "
            + "sends further workers on to them, each takes up to 64. Their number follows spec.worker.replicas; the fields "
            + "below are passed to their pods like the other roles'.")
    public Roles.Supervisor supervisor;

    @Default("{}")
    @JsonPropertyDescription("Ports of the daemons; both must be 1024 or above, as the daemons run unprivileged, and different.")
    public Ports ports;

    @Default("{}")
    @JsonPropertyDescription("The unprivileged identity both daemons run as (xrootd refuses to run as root).")
    public SecurityContext securityContext;

    @Default("{}")
    @JsonPropertyDescription("Additions to the generated xrootd.cf. Directives that define the cluster's shape (all.role, "
            + "all.manager, all.adminpath, all.pidpath, oss.localroot, xrd.port, all.export, if/else/fi, continue) are "
            + "refused. A change rolls only the pods it concerns.")
    public Config config;

    @Default("[\"adler32\", \"crc32c\"]")
    @Size(max = 4)
    @ValidationRule(value = Rules.UNIQUE_ALGORITHMS, message = Rules.UNIQUE_ALGORITHMS_MESSAGE)
    @JsonPropertyDescription("Checksum algorithms every pod computes or answers for (xrootd.chksum on redirectors, supervisors "
            + "and workers): a checksum query through a redirector is answered by the worker holding the file, for the "
            + "algorithm the client names (?cks.type=...), the first one by default. An empty list turns checksum queries "
            + "off. An xrootd.chksum directive in spec.config replaces this list for the pods it reaches.")
    public List<Enums.Checksum> checksums;

    @JsonPropertyDescription("Require the sss shared-secret protocol from every xroot client, on redirectors and workers. The "
            + "keytab (made with xrdsssadmin) comes from a Secret, is mounted read-only (defaultMode 0400; the kubelet makes "
            + "it 0440 for fsGroup, so the xrootd container reads a private 0400 copy) and never appears in a ConfigMap. "
            + "HTTP(S) is turned off, because XrdHttp cannot require sss and would serve every file to anyone.")
    public Sss sss;

    @JsonPropertyDescription("TLS offered on the xroot port (roots:// and HTTPS through XrdHttp; plain xroot and HTTP still "
            + "work), from a kubernetes.io/tls Secret (tls.crt, tls.key). Redirectors send clients to a worker by pod IP, so "
            + "a client that verifies the certificate (every roots:// client) succeeds only if the certificate also lists "
            + "the worker pod IPs as DNS-type names; otherwise use HTTPS with verification off, or name-only access to the "
            + "redirectors.")
    public Tls tls;

    @JsonPropertyDescription("Bearer-token authorization (WLCG / SciTokens JWTs) on every pod, over HTTPS (Authorization: "
            + "Bearer) and roots:// (the ztn protocol); needs spec.tls and a certificate that names the pods (the probes connect "
            + "to the pod's own name over verified TLS). The redirectors forward namespace operations (mkdir, rm, rmdir, mv) "
            + "to every worker.")
    public Tokens tokens;

    @Default("{}")
    @JsonPropertyDescription("The per-cluster monitor (docs/monitoring.md): a Deployment N-xrootd-monitor running the hook's own "
            + "image that every daemon sends its xrd.report summary to; it serves Prometheus metrics and writes the cluster's "
            + "view to the ConfigMap N-xrootd-insight, which the status reports (connected workers, free space). Off by default: "
            + "turning it on adds xrd.report to xrootd.cf and so rolls every pod once.")
    public Monitor monitor;

    @Size(max = 32)
    @ValidationRule(value = Rules.UNIQUE_HOSTS, message = Rules.UNIQUE_HOSTS_MESSAGE)
    @JsonPropertyDescription("More hosts the redirectors and supervisors let log in to their cmsd (cms.allow host), besides the "
            + "cluster's own pods, which are always admitted by the pattern *.<headless Service>.<namespace>.svc.<cluster domain>: "
            + "e.g. *.nodes.example.org for members that connect from node addresses (host networking). A host name (resolved "
            + "once, at start) or a pattern with one '*' matched against the peer's reverse DNS name. '*' alone admits anyone.")
    public List<@Size(min = 1, max = Patterns.DNS_SUBDOMAIN_MAX) @Pattern(Patterns.ALLOWED_HOST) String> allowedHosts;

    @Default("{}")
    @JsonPropertyDescription("The cluster's NetworkPolicy N-xrootd: the cmsd port accepts only the cluster's own pods, the xroot "
            + "port the clients below (everyone by default). Needs a network plugin that enforces NetworkPolicy; host-networked "
            + "pods are outside it.")
    public NetworkPolicy networkPolicy;

    @JsonPropertyDescription("Run the cluster as an XCache, a clustered caching proxy in front of a remote origin (docs/operations.md, "
            + "Running XCache): each worker is a cache (libXrdPss with libXrdPfc) that reads missing files from the origin and keeps "
            + "them on its disks, exported read-only; the redirectors send each file to one cache. Writes are refused.")
    public Cache cache;

    @JsonPropertyDescription("Third-party copy over xroot and HTTP (docs/operations.md, \"Third-party copy\"); off by default.")
    public ThirdPartyCopy tpc;

    @JsonPropertyDescription("The cluster in a data federation: its redirectors subscribe to meta managers, or are one "
            + "(docs/operations.md, \"Federation\").")
    public Federation federation;

    public static class NetworkPolicy {
        @Default("true")
        @JsonPropertyDescription("Create the NetworkPolicy.")
        public Boolean enabled;

        @Size(max = 32)
        @JsonPropertyDescription("Who may connect to the xroot port (networking/v1 NetworkPolicyPeer: podSelector, "
                + "namespaceSelector, ipBlock); the cluster's own pods always may. Empty: everyone.")
        public List<io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer> clients;

        @Size(max = 32)
        @JsonPropertyDescription("More peers that may connect to the cmsd port besides the cluster's own pods (networking/v1 "
                + "NetworkPolicyPeer), e.g. an ipBlock of the node network for members that use host networking, whose "
                + "connections come from node addresses. They may reach the xroot port too.")
        public List<io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer> members;
    }

    public static class Monitor {
        @Default("false")
        @JsonPropertyDescription("Run the monitor and point every daemon's reports at it.")
        public Boolean enabled;

        @Default("9931")
        @Min(1024)
        @Max(65535)
        @JsonPropertyDescription("UDP port the monitor receives the reports on (its Service's port too).")
        public Integer reportPort;

        @Default("10")
        @Min(1)
        @Max(600)
        @JsonPropertyDescription("Seconds between two reports of each daemon (xrd.report every); a daemon silent for 3 intervals is stale.")
        public Integer reportIntervalSeconds;

        @ValidationRule(value = Rules.QUANTITIES, message = Rules.QUANTITIES_MESSAGE)
        @ValidationRule(value = Rules.REQUESTS_WITHIN_LIMITS, message = Rules.REQUESTS_WITHIN_LIMITS_MESSAGE)
        @JsonPropertyDescription("Resource requests and limits of the monitor container (core/v1 ResourceRequirements); "
                + "default requests cpu 50m and memory 256Mi, limit memory 256Mi.")
        public ResourceRequirements resources;
    }

    @ValidationRule(value = Rules.PORTS_DIFFER, message = Rules.PORTS_DIFFER_MESSAGE)
    public static class Ports {
        @Default("1094")
        @Min(1024)
        @Max(65535)
        @JsonPropertyDescription("xrootd's port, for the xroot and HTTP protocols.")
        public Integer xrootd;

        @Default("3121")
        @Min(1024)
        @Max(65535)
        @JsonPropertyDescription("Port of the redirectors' cmsd, to which every worker subscribes.")
        public Integer cmsd;
    }

    public static class SecurityContext {
        @Default("1000")
        @Min(1)
        @Max(Integer.MAX_VALUE)
        @JsonPropertyDescription("UID of the xrootd and cmsd processes.")
        public Long runAsUser;

        @Min(1)
        @Max(Integer.MAX_VALUE)
        @JsonPropertyDescription("GID of the processes; defaults to runAsUser.")
        public Long runAsGroup;

        @Min(1)
        @Max(Integer.MAX_VALUE)
        @JsonPropertyDescription("Group that owns the worker volumes; defaults to runAsGroup.")
        public Long fsGroup;

        @Default("true")
        @JsonPropertyDescription("Run the daemons on a read-only root filesystem (they write only to the admin, /tmp and data volumes).")
        public Boolean readOnlyRootFilesystem;
    }

    public static class Config {
        @Default("[\"/data\"]")
        @Size(min = 1, max = 64)
        @ValidationRule(value = Rules.UNIQUE, message = Rules.UNIQUE_MESSAGE)
        @ValidationRule(value = Rules.NO_DOT_DOT, message = Rules.NO_DOT_DOT_MESSAGE)
        @JsonPropertyDescription("Paths the cluster exports (all.export); each is created on every worker's volume.")
        public List<@Size(max = 512) @Pattern(Patterns.EXPORT_PATH) String> exports;

        @Size(max = 256)
        @ValidationRule(value = Rules.NO_RESERVED_DIRECTIVE, message = Rules.NO_RESERVED_DIRECTIVE_MESSAGE)
        @JsonPropertyDescription("Directives for every pod and daemon, one per entry (e.g. \"xrootd.trace emsg login\").")
        public List<@Size(max = 1024) @Pattern(Patterns.DIRECTIVE) String> all;

        @Size(max = 256)
        @ValidationRule(value = Rules.NO_RESERVED_DIRECTIVE, message = Rules.NO_RESERVED_DIRECTIVE_MESSAGE)
        @JsonPropertyDescription("Directives for redirector pods only.")
        public List<@Size(max = 1024) @Pattern(Patterns.DIRECTIVE) String> redirector;

        @Size(max = 256)
        @ValidationRule(value = Rules.NO_RESERVED_DIRECTIVE, message = Rules.NO_RESERVED_DIRECTIVE_MESSAGE)
        @JsonPropertyDescription("Directives for worker pods only.")
        public List<@Size(max = 1024) @Pattern(Patterns.DIRECTIVE) String> worker;
    }

    public static class Sss {
        @Required
        @Size(min = 1, max = Patterns.DNS_SUBDOMAIN_MAX)
        @Pattern(Patterns.DNS_SUBDOMAIN)
        @JsonPropertyDescription("Secret holding the keytab, in the Xrootd's namespace.")
        public String secretName;

        @Default("sss.keytab")
        @Size(min = 1, max = 253)
        @Pattern(Patterns.SECRET_KEY)
        @JsonPropertyDescription("Key of the keytab in that Secret.")
        public String key;
    }

    public static class Tls {
        @Required
        @Size(min = 1, max = Patterns.DNS_SUBDOMAIN_MAX)
        @Pattern(Patterns.DNS_SUBDOMAIN)
        @JsonPropertyDescription("The TLS Secret, in the Xrootd's namespace.")
        public String secretName;
    }
}
