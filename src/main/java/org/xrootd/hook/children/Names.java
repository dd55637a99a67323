package org.xrootd.hook.children;

import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;

/**
 * Every child name in one place: selectors, serviceName, the all.manager host list and the probes
 * must agree. Pods are named {@code N-xrootd-<role>-<ordinal>} (StatefulSet ordinals).
 *
 * <p>XRootD 5.5.3 copies every {@code host:port} it handles into a 79-byte buffer (at most 78 characters,
 * longer ones silently cut), and glibc fails on the {@code .svc} form at long namespaces
 * (docs/research/outside-access.md, section 6). So the daemons name each other by the relative form
 * {@code <pod>.<governing Service>}, which the pod's DNS search list completes (the namespace and the
 * cluster domain do not count), and the governing headless Services of new StatefulSets get short names:
 * {@code xrd-<role letter>-<8 hex of sha256(namespace/name)>}, 14 characters. The longest redirector pod
 * (34-character name, ordinal 15) is 55 characters, so the longest all.manager entry is
 * 55 + 1 + 14 + 1 + 5 (port) = 76. A StatefulSet's serviceName is immutable: one that exists keeps the
 * Service it names ({@link XrootdSpec#governingServices()}).
 */
public final class Names {
    /** The longest host:port XRootD 5.5.3 keeps (XrdNetUtils::GetHostPort: char[MAXHOSTNAMELEN+15]). */
    public static final int XROOTD_HOST_PORT_MAX = 78;
    /** Length of a short governing Service name: "xrd-" + role letter + "-" + 8 hex digits. */
    public static final int SHORT_SERVICE_LENGTH = 14;

    private Names() {}

    public static String redirector(XrootdSpec spec) {
        return spec.name() + "-xrootd-redirector";
    }

    public static String worker(XrootdSpec spec) {
        return spec.name() + "-xrootd-worker";
    }

    public static String supervisor(XrootdSpec spec) {
        return spec.name() + "-xrootd-supervisor";
    }

    public static String statefulSet(XrootdSpec spec, Component component) {
        return switch (component) {
            case REDIRECTOR -> redirector(spec);
            case WORKER -> worker(spec);
            case SUPERVISOR -> supervisor(spec);
        };
    }

    /**
     * The headless Service that gives each pod of a StatefulSet its DNS name (the StatefulSet's
     * serviceName): the one an existing StatefulSet names, else the short name of a new one.
     */
    public static String headlessService(XrootdSpec spec, Component component) {
        String existing = spec.governingServices().get(component);
        return existing != null ? existing : shortService(spec, component);
    }

    /**
     * The governing Service name a new StatefulSet gets: {@code xrd-<r|w|s>-<8 hex>}, the hex from the
     * SHA-256 of {@code namespace/name}. Deterministic (the same Xrootd always gets the same names, so a
     * deleted and re-created cluster finds its names again), distinct per Xrootd and role, a DNS-1035
     * label, and short enough that every name the daemons use fits XRootD 5.5.3's 78 characters.
     */
    public static String shortService(XrootdSpec spec, Component component) {
        String letter = switch (component) {
            case REDIRECTOR -> "r";
            case WORKER -> "w";
            case SUPERVISOR -> "s";
        };
        return "xrd-" + letter + "-" + clusterHash(spec.namespace(), spec.name());
    }

    /** 8 hex digits of the SHA-256 of {@code namespace/name}. */
    static String clusterHash(String namespace, String name) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((namespace + "/" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** The cluster's NetworkPolicy (spec.networkPolicy). */
    public static String networkPolicy(XrootdSpec spec) {
        return spec.name() + "-xrootd";
    }

    /** The Service clients use: every ready redirector on the xrootd port. */
    public static String clientService(XrootdSpec spec) {
        return spec.name() + "-xrootd";
    }

    public static String configMap(XrootdSpec spec) {
        return spec.name() + "-xrootd-config";
    }

    /**
     * A redirector pod's stable DNS name in the relative form {@code <pod>.<governing Service>}: the pod's
     * search list ({@code <namespace>.svc.<cluster domain>} first) completes it, so neither the namespace
     * nor the cluster domain counts towards XRootD's 78 characters.
     */
    public static String redirectorHost(XrootdSpec spec, int ordinal) {
        return redirector(spec) + "-" + ordinal + "." + headlessService(spec, Component.REDIRECTOR);
    }

    /**
     * The suffix every member pod's reverse DNS name (PTR) ends with, up to the cluster domain:
     * {@code <governing Service>.<namespace>.svc}. The cms.allow patterns append the pod's cluster domain.
     */
    public static String memberSuffix(XrootdSpec spec, Component component) {
        return headlessService(spec, component) + "." + spec.namespace() + ".svc";
    }

    /** The monitor's Deployment, Service, ServiceAccount, Role and RoleBinding (spec.monitor). */
    public static String monitor(XrootdSpec spec) {
        return spec.name() + "-xrootd-monitor";
    }

    /** The ConfigMap the monitor writes and the status reads; not a child (the monitor owns its content). */
    public static String insight(XrootdSpec spec) {
        return org.xrootd.hook.monitor.Insight.name(spec.name());
    }

    /**
     * Where the daemons send their reports: the monitor Service by its bare name, which the pod's search
     * list completes in its own namespace ({@code <name>.<namespace>.svc} would pass XRootD's 78
     * characters at long namespaces).
     */
    public static String monitorHost(XrootdSpec spec) {
        return monitor(spec);
    }
}
