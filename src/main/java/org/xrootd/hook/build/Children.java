package org.xrootd.hook.build;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.xrootd.hook.Json;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.model.XrootdSpec;

/** The complete desired child set of one Xrootd, in a fixed order. */
public final class Children {
    private Children() {}

    public static List<JsonNode> all(XrootdSpec spec, Catalog.Resolved image) {
        List<JsonNode> children = withoutImage(spec);
        children.add(tree(StatefulSets.build(spec, Component.REDIRECTOR, image)));
        children.add(tree(StatefulSets.build(spec, Component.WORKER, image)));
        children.add(tree(Pdbs.build(spec, Component.REDIRECTOR)));
        children.add(tree(Pdbs.build(spec, Component.WORKER)));
        return children;
    }

    /** The Kubernetes resource (plural) of a child kind, to match the CompositeController's childResources. */
    public static String resource(JsonNode child) {
        return switch (child.path("kind").asText()) {
            case "StatefulSet" -> "statefulsets";
            case "Service" -> "services";
            case "ConfigMap" -> "configmaps";
            case "PodDisruptionBudget" -> "poddisruptionbudgets";
            default -> child.path("kind").asText().toLowerCase(java.util.Locale.ROOT) + "s";
        };
    }

    /** The children that run nothing: they can exist before the version is known. */
    public static List<JsonNode> withoutImage(XrootdSpec spec) {
        List<JsonNode> children = new ArrayList<>();
        children.add(tree(ConfigMaps.build(spec)));
        children.add(tree(Services.headless(spec, Component.REDIRECTOR)));
        children.add(tree(Services.headless(spec, Component.WORKER)));
        children.add(tree(Services.client(spec)));
        return children;
    }

    private static JsonNode tree(Object object) {
        return Json.MAPPER.valueToTree(object);
    }
}
