package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;

/** The complete desired child set of one Xrootd, in a fixed order. */
public final class Children {
    private Children() {}

    /**
     * The image the monitor runs when the hook is not told (--monitor-image): the hook's own, as
     * k8s/deployment.yaml names it (KustomizeTest checks they agree).
     */
    public static final String DEFAULT_MONITOR_IMAGE = "xrootd-hook:0.1.0";

    /** The children of a cluster that does not exist yet. */
    public static List<JsonNode> all(XrootdSpec spec, Catalog.Resolved image) {
        return all(spec, image, XrootdConf.rendered(spec), Map.of(), DEFAULT_MONITOR_IMAGE);
    }

    /**
     * Every child, with the configuration already rendered (the sync hook also needs its hashes for status)
     * and the roles' StatefulSets as observed, which fix what cannot change.
     */
    public static List<JsonNode> all(XrootdSpec spec, Catalog.Resolved image, XrootdConf.Rendered rendered,
                                     Map<Component, ExistingStatefulSet> existing, String monitorImage) {
        return all(spec, image, rendered, existing, monitorImage, Map.of());
    }

    /** As above, with the data digest of each referenced Secret by name (the roles that mount one carry a hash). */
    public static List<JsonNode> all(XrootdSpec spec, Catalog.Resolved image, XrootdConf.Rendered rendered,
                                     Map<Component, ExistingStatefulSet> existing, String monitorImage,
                                     Map<String, String> secretDigests) {
        List<JsonNode> children = withoutImage(spec, rendered);
        for (Component component : rendered.hashes().keySet()) {
            children.add(StatefulSets.build(spec, component, image, rendered.hash(component),
                    Optional.ofNullable(existing.get(component)), secretDigests));
        }
        children.add(Pdbs.build(spec, Component.REDIRECTOR));
        children.add(Pdbs.build(spec, Component.WORKER));
        if (hasSupervisors(spec)) {
            children.add(Pdbs.build(spec, Component.SUPERVISOR));
        }
        if (spec.networkPolicy().enabled()) {
            children.add(NetworkPolicies.build(spec));
        }
        if (spec.monitor().enabled()) {
            children.add(ServiceAccounts.monitor(spec));
            children.add(RbacRoles.monitor(spec));
            children.add(RoleBindings.monitor(spec));
            children.add(Services.monitor(spec));
            children.add(Deployments.monitor(spec, monitorImage));
            children.add(ServiceMonitors.monitor(spec));
            children.add(PrometheusRules.monitor(spec));
        }
        return children;
    }

    /** The children that run nothing: they can exist before the version is known. */
    public static List<JsonNode> withoutImage(XrootdSpec spec) {
        return withoutImage(spec, XrootdConf.rendered(spec));
    }

    private static List<JsonNode> withoutImage(XrootdSpec spec, XrootdConf.Rendered rendered) {
        List<JsonNode> children = new ArrayList<>();
        children.add(ConfigMaps.build(spec, rendered));
        children.add(Services.headless(spec, Component.REDIRECTOR));
        if (hasWorkerHeadlessService(spec)) {
            children.add(Services.headless(spec, Component.WORKER));
        }
        if (hasSupervisors(spec)) {
            children.add(Services.headless(spec, Component.SUPERVISOR));
        }
        children.add(Services.client(spec));
        return children;
    }

    /**
     * HostNetwork workers get no governing headless Service. A hostNetwork worker's cmsd logs in from its
     * node's address, and the cluster DNS answers that address's PTR with the pod's name under the headless
     * Service (an endpoint with a hostname), so the managers would redirect every client, outside ones too,
     * to {@code <pod>.<service>.<ns>.svc.<cluster domain>}, which only the cluster resolves. Without the
     * Service the PTR is the site's (the node name). Nothing looks a worker up by name (all.manager names
     * the managers; the managers learn workers from their logins), their admission goes through
     * spec.allowedHosts (required for HostNetwork), and the StatefulSet keeps its serviceName, which may name
     * a missing Service. Redirectors and supervisors keep theirs: workers find them by those names.
     */
    public static boolean hasWorkerHeadlessService(XrootdSpec spec) {
        return !spec.worker().exposure().hostNetwork();
    }

    /**
     * Supervisors exist only above 64 workers. Below that none of their children is returned, so scaling
     * back down lets Metacontroller delete them, and smaller clusters look exactly as before.
     */
    public static boolean hasSupervisors(XrootdSpec spec) {
        return spec.supervisor().replicas() > 0;
    }
}
