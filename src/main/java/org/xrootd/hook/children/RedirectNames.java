package org.xrootd.hook.children;

import java.util.Optional;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.SpecParser;
import org.xrootd.hook.model.Supervisors;
import org.xrootd.hook.model.VersionQuirks;
import org.xrootd.hook.model.XrootdSpec;

/**
 * Name-based redirects inside the cluster ({@code xrd.network rpipa} on managers and supervisors). Without
 * it a manager sends clients to a member's pod IP (XRootD does not name private addresses,
 * XrdNetIF::GenIF), so a TLS certificate with DNS names only fails for in-cluster {@code roots://} and
 * HTTPS through the redirectors. With it the redirect carries the member's reverse DNS name, which the
 * cluster DNS gives every StatefulSet pod: {@code <pod>.<governing Service>.<namespace>.svc.<cluster domain>}.
 *
 * <p>Before XRootD 5.8 a client keeps at most 78 characters of {@code host:port} and silently cuts the rest
 * ({@code :1094} became {@code :10} and the client hung, docs/research/outside-access.md section 2), so
 * rpipa is only on when the longest such name fits. The hook knows every part but the cluster domain,
 * which start.sh reads from the pod's resolv.conf: it renders the longest {@code host:port} without the
 * domain ({@link #LENGTH_ENV}) and the limit ({@link #MAX_ENV}) into the managers' and supervisors'
 * containers, and start.sh turns rpipa on ({@link #ON_ENV}, read by xrootd.cf's {@code if defined}) only
 * when the sum fits, saying which in the pod's log.
 *
 * <p>The longest name is that of the highest ordinal the shape admits, not of today's replicas, so scaling
 * workers never rolls the redirectors: workers 0-63 without supervisors; above 64 workers, workers up to
 * {@link SpecParser#MAX_WORKERS} and the supervisors (whose pod names are longer).
 */
public final class RedirectNames {
    /** Longest member {@code host:port} without the cluster domain (set on managers and supervisors). */
    public static final String LENGTH_ENV = "XRD_REDIRECT_NAME_LENGTH";
    /** The longest {@code host:port} the catalog version keeps. */
    public static final String MAX_ENV = "XRD_HOST_PORT_MAX";
    /** Exported by start.sh when the names fit; xrootd.cf's {@code if defined ?~XRD_RPIPA} reads it. */
    public static final String ON_ENV = "XRD_RPIPA";
    /** Kubernetes' default cluster domain: what the status condition assumes. */
    public static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";

    private RedirectNames() {}

    /**
     * Whether the hook offers name-based redirects at all: XRootD 5 (proven on 5.5.3) and workers on the pod
     * network. Host-networked workers connect from their node's address, whose reverse name (the node's)
     * the hook cannot measure; they keep address-based redirects.
     */
    public static boolean offered(XrootdSpec spec) {
        return VersionQuirks.of(spec.version()).redirectHostPortMax() > 0 && !spec.worker().exposure().hostNetwork();
    }

    /** The longest redirect target, {@code <pod>.<Service>.<namespace>.svc.:<port>} without the domain. */
    public static String longestWithoutDomain(XrootdSpec spec) {
        boolean supervised = spec.supervisor().replicas() > 0;
        String longest = target(spec, Component.WORKER, (supervised ? SpecParser.MAX_WORKERS : Supervisors.CMSD_SLOTS) - 1);
        if (supervised) {
            String supervisor = target(spec, Component.SUPERVISOR, Supervisors.required(SpecParser.MAX_WORKERS) - 1);
            if (supervisor.length() > longest.length()) {
                longest = supervisor;
            }
        }
        return longest;
    }

    private static String target(XrootdSpec spec, Component component, int ordinal) {
        return Names.statefulSet(spec, component) + "-" + ordinal + "." + Names.memberSuffix(spec, component) + ".:"
                + spec.ports().xrootd();
    }

    /** The length {@link #LENGTH_ENV} carries: the cluster domain's length added, it is the real host:port. */
    public static int lengthWithoutDomain(XrootdSpec spec) {
        return longestWithoutDomain(spec).length();
    }

    public static int max(XrootdSpec spec) {
        return VersionQuirks.of(spec.version()).redirectHostPortMax();
    }

    /**
     * The status warning: empty when name-based redirects are not offered or fit with {@code cluster.local};
     * otherwise why in-cluster redirects keep carrying pod IPs, and what would lift it.
     */
    public static Optional<String> tooLong(XrootdSpec spec) {
        if (!offered(spec)) {
            return Optional.empty();
        }
        int length = lengthWithoutDomain(spec) + DEFAULT_CLUSTER_DOMAIN.length();
        int max = max(spec);
        if (length <= max) {
            return Optional.empty();
        }
        int fixed = lengthWithoutDomain(spec) - spec.name().length() - spec.namespace().length();
        int budget = max - DEFAULT_CLUSTER_DOMAIN.length() - fixed;
        String example = longestWithoutDomain(spec).replace(".:", "." + DEFAULT_CLUSTER_DOMAIN + ":");
        return Optional.of("in-cluster redirects carry pod IPs, not DNS names (no xrd.network rpipa): the longest member host:port, "
                + example + ", is " + length + " characters with the cluster domain " + DEFAULT_CLUSTER_DOMAIN + ", over the " + max
                + " that XRootD " + spec.version() + " keeps; a certificate with DNS names only then fails for in-cluster roots:// and HTTPS"
                + " through the redirectors. Names fit when metadata.name and metadata.namespace together have at most "
                + Math.max(0, budget) + " characters, or with a catalog version 5.8 or later");
    }
}
