package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.monitor.AlertRules;

/**
 * prometheus-operator's PrometheusRule with the cluster's alerts (only when the CompositeController declares
 * prometheusrules): {@link AlertRules}, thresholds from the spec, as the rule's {@code spec}.
 */
public final class PrometheusRules {
    private static final YAMLMapper YAML = new YAMLMapper();

    private PrometheusRules() {}

    public static AlertRules rules(XrootdSpec spec) {
        return AlertRules.of(new AlertRules.Spec(spec.name(), spec.namespace(), spec.redirector().replicas(), spec.worker().replicas(),
                spec.supervisor().replicas(), XrootdConf.spaceMinBytes(spec), Duration.ofSeconds(spec.monitor().reportIntervalSeconds())));
    }

    public static ObjectNode monitor(XrootdSpec spec) {
        ObjectNode rule = JsonTrees.resource("monitoring.coreos.com/v1", "PrometheusRule", Names.monitor(spec), spec.namespace(),
                Labels.monitor(spec));
        try {
            rule.set("spec", sorted(YAML.readTree(rules(spec).yaml())));
        } catch (IOException e) {
            throw new IllegalStateException("AlertRules gave YAML that does not parse", e);
        }
        return rule;
    }

    /** The same tree with every object's keys in alphabetical order, as the children's bytes must be. */
    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = JsonTrees.object();
            List<String> keys = new ArrayList<>();
            node.fieldNames().forEachRemaining(keys::add);
            keys.stream().sorted().forEach(key -> out.set(key, sorted(node.get(key))));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = Json.MAPPER.createArrayNode();
            node.forEach(element -> out.add(sorted(element)));
            return out;
        }
        return node;
    }
}
