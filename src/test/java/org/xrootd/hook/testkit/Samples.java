package org.xrootd.hook.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import org.xrootd.hook.children.StatefulSets;
import org.xrootd.hook.children.XrootdConf;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.SpecParser;
import org.xrootd.hook.model.XrootdSpec;

/**
 * The sample cluster (k8s/examples/base-xrootd.yaml: 2 redirectors, 3 workers with 1Gi each, xrootd 4.11.2)
 * for unit tests, adjustable field by field, and the golden scenarios' starting point.
 */
public final class Samples {
    private Samples() {}

    /** The sample's spec as written, without the CRD's defaults; a fresh copy each time. */
    public static ObjectNode sampleSpec() {
        ObjectNode spec = Json.MAPPER.createObjectNode();
        spec.put("version", "4.11.2");
        spec.putObject("redirector").put("replicas", 2);
        spec.putObject("worker").put("replicas", 3).putObject("storage").put("capacity", "1Gi").put("class", "default");
        return spec;
    }

    /** A parent named {@code name} in namespace ns1 with the sample spec. */
    public static ObjectNode parent(String name) {
        ObjectNode parent = Json.MAPPER.createObjectNode();
        parent.put("apiVersion", "xrootd.org/v1alpha1").put("kind", "Xrootd");
        parent.putObject("metadata").put("name", name).put("namespace", "ns1").put("generation", 3);
        parent.set("spec", sampleSpec());
        return parent;
    }

    public static ObjectNode spec(ObjectNode parent) {
        return (ObjectNode) parent.get("spec");
    }

    public static XrootdSpec model(ObjectNode parent) {
        SpecParser.Result result = SpecParser.parse(parent);
        if (!result.ok()) {
            throw new AssertionError("expected a valid spec: " + result.problems());
        }
        return result.spec();
    }

    public static XrootdSpec sample() {
        return model(parent("base-xrootd"));
    }

    /**
     * A child as the Kubernetes model class reads it: the builders write JSON trees, and reading one back
     * also checks it is a valid object of its kind.
     */
    public static <T> T typed(JsonNode child, Class<T> type) {
        try {
            return Json.MAPPER.treeToValue(child, type);
        } catch (Exception e) {
            throw new AssertionError("not a valid " + type.getSimpleName() + ": " + child, e);
        }
    }

    /** The StatefulSet of a role for a cluster that does not exist yet. */
    public static ObjectNode statefulSet(XrootdSpec spec, Component component, Catalog.Resolved image) {
        return StatefulSets.build(spec, component, image, hash(spec, component), Optional.empty());
    }

    /** The configuration hash in a role's pod template. */
    public static String hash(XrootdSpec spec, Component component) {
        return XrootdConf.rendered(spec).hash(component);
    }

    public static Catalog.Resolved image() {
        return new Catalog.Resolved("4.11.2", "qserv/xrootd:v4.11.2", false, true);
    }
}
