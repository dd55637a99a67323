package org.xrootd.hook.children;

import org.xrootd.hook.model.Component;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.model.XrootdSpec;

/** The complete desired child set of one Xrootd, in a fixed order. */
public final class Children {
    private Children() {}

    public static List<JsonNode> all(XrootdSpec spec, Catalog.Resolved image) {
        return all(spec, image, XrootdConfig.rendered(spec));
    }

    /** The same, with the configuration already rendered (the sync hook also needs its hashes for status). */
    public static List<JsonNode> all(XrootdSpec spec, Catalog.Resolved image, XrootdConfig.Rendered rendered) {
        List<JsonNode> children = withoutImage(spec, rendered);
        children.add(StatefulSets.build(spec, Component.REDIRECTOR, image, rendered.hash(Component.REDIRECTOR)));
        children.add(StatefulSets.build(spec, Component.WORKER, image, rendered.hash(Component.WORKER)));
        if (hasSupervisors(spec)) {
            children.add(StatefulSets.build(spec, Component.SUPERVISOR, image, rendered.hash(Component.SUPERVISOR)));
        }
        children.add(Pdbs.build(spec, Component.REDIRECTOR));
        children.add(Pdbs.build(spec, Component.WORKER));
        if (hasSupervisors(spec)) {
            children.add(Pdbs.build(spec, Component.SUPERVISOR));
        }
        return children;
    }

    /** The children that run nothing: they can exist before the version is known. */
    public static List<JsonNode> withoutImage(XrootdSpec spec) {
        return withoutImage(spec, XrootdConfig.rendered(spec));
    }

    private static List<JsonNode> withoutImage(XrootdSpec spec, XrootdConfig.Rendered rendered) {
        List<JsonNode> children = new ArrayList<>();
        children.add(ConfigMaps.build(spec, rendered));
        children.add(Services.headless(spec, Component.REDIRECTOR));
        children.add(Services.headless(spec, Component.WORKER));
        if (hasSupervisors(spec)) {
            children.add(Services.headless(spec, Component.SUPERVISOR));
        }
        children.add(Services.client(spec));
        return children;
    }

    /**
     * Supervisors exist only above 64 workers. Below that none of their children is returned, so scaling
     * back down lets Metacontroller delete them, and smaller clusters look exactly as before.
     */
    public static boolean hasSupervisors(XrootdSpec spec) {
        return spec.supervisor().replicas() > 0;
    }
}
