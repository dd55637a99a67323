package org.xrootd.hook.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * How Metacontroller picks the related objects of a customize rule and the parents a related object's change
 * wakes up, transcribed from {@code pkg/controller/common/customize/manager.go} ({@code determineSelectionType},
 * {@code GetRelatedObjects}, {@code matchesRelatedRule}), and how the sync request then keys them, from
 * {@code pkg/controller/common/api/v2/common.go} ({@code UniformObjectMap}, {@code Convert}) and
 * {@code api/v1/common.go} ({@code relativeName}).
 *
 * <p>The selection depends on the customize hook's version: under v1 a namespaced parent sees namespaced
 * related objects of its own namespace only when the rule has a label selector, a rule naming another
 * namespace is an error, and a namespace selector is rejected; under v2 a {@code names} rule without
 * {@code namespace} matches that name in every namespace. The objects are collected in a uniform map
 * ({@code namespace/name}); the sync request's version then decides the keys: v2 sends it as it is, v1
 * converts it, and for a namespaced parent that conversion drops every object of another namespace and
 * every cluster-scoped one.
 */
final class RelatedRules {
    enum Selection { LABELS, NAMESPACE_AND_NAMES, NAMESPACE_AND_LABELS, NAMESPACE_SELECTOR }

    private RelatedRules() {}

    /** {@code determineSelectionType}; an invalid combination is an error. */
    static Selection selection(JsonNode rule) {
        boolean hasLabelSelector = present(rule.get("labelSelector"));
        boolean hasNamespaceSelector = present(rule.get("namespaceSelector"));
        boolean hasNamespace = !rule.path("namespace").asText("").isEmpty();
        boolean hasNames = rule.path("names").isArray() && !rule.path("names").isEmpty();
        if (hasNames && (hasLabelSelector || hasNamespaceSelector)) {
            throw new IllegalStateException("related rule cannot have both names and labelSelector/namespaceSelector specified: " + rule);
        }
        if (hasNamespace && hasNamespaceSelector) {
            throw new IllegalStateException("related rule cannot have both namespace and namespaceSelector specified: " + rule);
        }
        if (hasNamespaceSelector) {
            return Selection.NAMESPACE_SELECTOR;
        }
        if (hasLabelSelector && hasNamespace) {
            return Selection.NAMESPACE_AND_LABELS;
        }
        if (hasNamespace || hasNames) {
            return Selection.NAMESPACE_AND_NAMES;
        }
        return Selection.LABELS;
    }

    /**
     * {@code GetRelatedObjects} for one rule: the objects it selects, keyed {@code namespace/name} (cluster-scoped:
     * {@code name}).
     *
     * @param customizeVersion the customize hook's version, "v1" or "v2"
     * @param all every cached object of the rule's resource (the informer's lister)
     * @param namespaces every cached Namespace (Metacontroller's namespace informer)
     */
    static Map<String, ObjectNode> select(String customizeVersion, ObjectNode parent, boolean parentNamespaced, JsonNode rule,
                                          KubeApi.Resource related, Collection<ObjectNode> all, Collection<ObjectNode> namespaces) {
        boolean v1 = !"v2".equals(customizeVersion);
        String parentNamespace = namespace(parent);
        String ruleNamespace = rule.path("namespace").asText("");
        Map<String, ObjectNode> out = new TreeMap<>();
        switch (selection(rule)) {
            case LABELS -> {
                Predicate<JsonNode> selector = selector(rule.get("labelSelector"));
                boolean ownNamespace = v1 && parentNamespaced && related.namespaced();
                for (ObjectNode object : all) {
                    if ((!ownNamespace || namespace(object).equals(parentNamespace)) && selector.test(labels(object))) {
                        out.put(uniformKey(object), object);
                    }
                }
            }
            case NAMESPACE_AND_LABELS -> {
                if (v1 && parentNamespaced && related.namespaced() && !ruleNamespace.equals(parentNamespace)) {
                    throw new IllegalStateException("requested related object namespace " + ruleNamespace
                            + " differs from parent object namespace " + parentNamespace);
                }
                Predicate<JsonNode> selector = selector(rule.get("labelSelector"));
                for (ObjectNode object : list(all, ruleNamespace, related.namespaced())) {
                    if (selector.test(labels(object))) {
                        out.put(uniformKey(object), object);
                    }
                }
            }
            case NAMESPACE_SELECTOR -> {
                if (v1 && parentNamespaced && related.namespaced()) {
                    throw new IllegalStateException("namespaceSelector is not supported for namespaced parent in v1 hook version");
                }
                if (!related.namespaced()) {
                    throw new IllegalStateException("namespaceSelector is only supported for namespaced related resources");
                }
                Predicate<JsonNode> namespaceSelector = selector(rule.get("namespaceSelector"));
                Predicate<JsonNode> selector = selector(rule.get("labelSelector"));
                for (ObjectNode ns : namespaces) {
                    if (!namespaceSelector.test(labels(ns))) {
                        continue;
                    }
                    for (ObjectNode object : list(all, ns.path("metadata").path("name").asText(), true)) {
                        if (selector.test(labels(object))) {
                            out.put(uniformKey(object), object);
                        }
                    }
                }
            }
            case NAMESPACE_AND_NAMES -> {
                if (v1 && parentNamespaced && related.namespaced() && !ruleNamespace.isEmpty()
                        && !ruleNamespace.equals(parentNamespace)) {
                    throw new IllegalStateException("requested related object namespace " + ruleNamespace
                            + " differs from parent object namespace " + parentNamespace);
                }
                List<String> names = names(rule);
                for (ObjectNode object : list(all, ruleNamespace, related.namespaced())) {
                    if (names.isEmpty() || names.contains(object.path("metadata").path("name").asText())) {
                        out.put(uniformKey(object), object);
                    }
                }
            }
            default -> throw new IllegalStateException("unreachable");
        }
        return out;
    }

    /**
     * {@code matchesRelatedRule}: whether a change of {@code object} concerns a parent with this rule (its
     * parent is then queued). Errors are thrown; Metacontroller logs them and skips the rule.
     */
    static boolean matches(String customizeVersion, ObjectNode parent, boolean parentNamespaced, ObjectNode object,
                           JsonNode rule, KubeApi.Resource related, Collection<ObjectNode> namespaces) {
        if (!object.path("apiVersion").asText().equals(rule.path("apiVersion").asText())
                || !object.path("kind").asText().equals(related.kind())) {
            return false;
        }
        boolean v1 = !"v2".equals(customizeVersion);
        String parentNamespace = namespace(parent);
        String ruleNamespace = rule.path("namespace").asText("");
        switch (selection(rule)) {
            case LABELS -> {
                if (!selector(rule.get("labelSelector")).test(labels(object))) {
                    return false;
                }
                return !(v1 && parentNamespaced && related.namespaced() && !parentNamespace.equals(namespace(object)));
            }
            case NAMESPACE_AND_LABELS -> {
                if (v1 && parentNamespaced) {
                    requireParentNamespace(parent, parentNamespace, ruleNamespace);
                    if (related.namespaced() && !parentNamespace.equals(namespace(object))) {
                        return false;
                    }
                }
                if (!selector(rule.get("labelSelector")).test(labels(object))) {
                    return false;
                }
                return !(related.namespaced() && !namespace(object).equals(ruleNamespace));
            }
            case NAMESPACE_SELECTOR -> {
                if (v1 && parentNamespaced) {
                    throw new IllegalStateException("namespaceSelector cannot be used by namespaced parent in v1 hook");
                }
                if (!related.namespaced()) {
                    throw new IllegalStateException("namespaceSelector is only supported for namespaced related resources");
                }
                if (!selector(rule.get("labelSelector")).test(labels(object))) {
                    return false;
                }
                for (ObjectNode ns : namespaces) {
                    if (ns.path("metadata").path("name").asText().equals(namespace(object))) {
                        return selector(rule.get("namespaceSelector")).test(labels(ns));
                    }
                }
                return false;
            }
            case NAMESPACE_AND_NAMES -> {
                if (v1 && parentNamespaced) {
                    requireParentNamespace(parent, parentNamespace, ruleNamespace);
                    if (related.namespaced() && !parentNamespace.equals(namespace(object))) {
                        return false;
                    }
                } else if (related.namespaced() && !ruleNamespace.isEmpty() && !namespace(object).equals(ruleNamespace)) {
                    return false;
                }
                List<String> names = names(rule);
                return names.isEmpty() || names.contains(object.path("metadata").path("name").asText());
            }
            default -> throw new IllegalStateException("unreachable");
        }
    }

    /**
     * The {@code children} or {@code related} map of a sync request: v2 sends the uniform map as it is; v1
     * converts it ({@code UniformObjectMap.Convert}): for a namespaced parent only objects of the parent's
     * namespace, keyed by name; for a cluster-scoped parent every object, keyed {@code namespace/name} when
     * namespaced. Every group stays, possibly empty.
     *
     * @param uniform groups ("Kind.apiVersion") of objects keyed {@code namespace/name}
     */
    static ObjectNode forRequest(String syncVersion, ObjectNode parent, Map<String, Map<String, ObjectNode>> uniform) {
        ObjectNode out = KubeApi.MAPPER.createObjectNode();
        boolean v2 = "v2".equals(syncVersion);
        String parentNamespace = namespace(parent);
        uniform.forEach((group, objects) -> {
            ObjectNode map = out.putObject(group);
            objects.forEach((key, object) -> {
                if (v2) {
                    map.set(key, object);
                } else if (parentNamespace.isEmpty()) {
                    map.set(uniformKey(object), object); // relativeName of a cluster-scoped parent
                } else if (parentNamespace.equals(namespace(object))) {
                    map.set(object.path("metadata").path("name").asText(), object);
                }
            });
        });
        return out;
    }

    /** {@code UniformObjectMap.qualifiedName}. */
    static String uniformKey(JsonNode object) {
        String namespace = namespace(object);
        String name = object.path("metadata").path("name").asText();
        return namespace.isEmpty() ? name : namespace + "/" + name;
    }

    // ------------------------------------------------------------------ label selectors

    /**
     * {@code toSelector}: nil selects everything; otherwise {@code metav1.LabelSelectorAsSelector} ({@code {}}
     * selects everything; In/NotIn need values, Exists/DoesNotExist take none).
     */
    static Predicate<JsonNode> selector(JsonNode selector) {
        if (!present(selector)) {
            return labels -> true;
        }
        List<Predicate<JsonNode>> requirements = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.path("matchLabels").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> label = it.next();
            String key = label.getKey();
            String value = label.getValue().asText("");
            requirements.add(labels -> value.equals(labels.path(key).asText(null)));
        }
        for (JsonNode expression : selector.path("matchExpressions")) {
            String key = expression.path("key").asText("");
            String operator = expression.path("operator").asText("");
            List<String> values = new ArrayList<>();
            expression.path("values").forEach(v -> values.add(v.asText("")));
            switch (operator) {
                case "In", "NotIn" -> {
                    if (values.isEmpty()) {
                        throw new IllegalStateException("for 'in', 'notin' operators, values set can't be empty");
                    }
                    boolean in = operator.equals("In");
                    requirements.add(labels -> labels.has(key) ? values.contains(labels.path(key).asText()) == in : !in);
                }
                case "Exists", "DoesNotExist" -> {
                    if (!values.isEmpty()) {
                        throw new IllegalStateException("values set must be empty for exists and does not exist");
                    }
                    boolean exists = operator.equals("Exists");
                    requirements.add(labels -> labels.has(key) == exists);
                }
                default -> throw new IllegalStateException("\"" + operator + "\" is not a valid label selector operator");
            }
        }
        return labels -> requirements.stream().allMatch(r -> r.test(labels));
    }

    // ------------------------------------------------------------------ helpers

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull() && !node.isMissingNode();
    }

    /** {@code listObjects}: one namespace when the resource is namespaced and a namespace is given, else all. */
    private static List<ObjectNode> list(Collection<ObjectNode> all, String namespace, boolean namespaced) {
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode object : all) {
            if (!namespaced || namespace.isEmpty() || namespace.equals(namespace(object))) {
                out.add(object);
            }
        }
        return out;
    }

    private static List<String> names(JsonNode rule) {
        List<String> names = new ArrayList<>();
        rule.path("names").forEach(name -> names.add(name.asText("")));
        return names;
    }

    private static JsonNode labels(JsonNode object) {
        return object.path("metadata").path("labels");
    }

    private static String namespace(JsonNode object) {
        return object.path("metadata").path("namespace").asText("");
    }

    /** Under v1 a namespaced parent's rule may name only the parent's own namespace (Metacontroller errors otherwise). */
    private static void requireParentNamespace(JsonNode parent, String parentNamespace, String ruleNamespace) {
        if (!ruleNamespace.isEmpty() && !parentNamespace.equals(ruleNamespace)) {
            throw new IllegalStateException(parent.path("kind").asText() + ": Namespace of parent "
                    + parent.path("metadata").path("name").asText() + " does not match with namespace "
                    + ruleNamespace + " of related rule");
        }
    }
}
