package org.xrootd.hook.model;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.xrootd.hook.api.Patterns;
import org.xrootd.hook.json.Json;

/**
 * Kubernetes values passed through to the pods, checked as the API server checks the pod template: read
 * into fabric8's model classes with unknown fields refused (the schema prunes them; the hook never
 * passes one on), then the rules of Kubernetes' own validation that its OpenAPI schema does not express
 * (k8s.io/kubernetes pkg/apis/core/validation: tolerations, affinity, spread constraints, label selectors,
 * label keys and values, names). Every problem names the field.
 */
final class KubernetesValues {
    private static final Pattern QUALIFIED_NAME = Pattern.compile(Patterns.QUALIFIED_NAME);
    private static final Pattern LABEL_VALUE = Pattern.compile(Patterns.LABEL_VALUE);
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(Patterns.DNS_SUBDOMAIN);

    /**
     * fabric8's model classes keep unknown fields in an "additionalProperties" map; without that any-setter
     * an unknown field fails the read, with its path.
     */
    private static final ObjectMapper STRICT = Json.MAPPER.copy()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(Annotated a) {
                    return Boolean.FALSE;
                }

                @Override
                public Boolean hasAnyGetter(Annotated a) {
                    return Boolean.FALSE;
                }
            });

    private KubernetesValues() {}

    /** Reads a Kubernetes value strictly; a problem (and null) for an unknown field or a wrong type. */
    static <T> T read(JsonNode node, String field, TypeReference<T> type, String typeName, Consumer<Problem> problems) {
        try {
            return STRICT.convertValue(node, type);
        } catch (IllegalArgumentException e) {
            if (e.getCause() instanceof JsonMappingException mapping) {
                String at = field + path(mapping.getPath());
                if (mapping instanceof UnrecognizedPropertyException unknown) {
                    problems.accept(new Problem(at, "is not a field of " + typeName + " ('"
                            + Problem.excerpt(unknown.getPropertyName(), 63) + "' is unknown)"));
                } else {
                    problems.accept(new Problem(at, "has the wrong type for " + typeName));
                }
            } else {
                problems.accept(new Problem(field, "is not a valid " + typeName));
            }
            return null;
        }
    }

    private static String path(List<JsonMappingException.Reference> references) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference reference : references) {
            if (reference.getFieldName() != null) {
                out.append('.').append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                out.append('[').append(reference.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    static boolean isQualifiedName(String key) {
        if (key == null || !QUALIFIED_NAME.matcher(key).matches()) {
            return false;
        }
        int slash = key.indexOf('/');
        return slash < 0 || slash <= Patterns.DNS_SUBDOMAIN_MAX;
    }

    static boolean isLabelValue(String value) {
        return value != null && value.length() <= Patterns.LABEL_VALUE_MAX && LABEL_VALUE.matcher(value).matches();
    }

    private static final java.util.regex.Pattern IPV4 =
            java.util.regex.Pattern.compile("^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$");

    /** An IPv4 or IPv6 CIDR such as 192.0.2.0/24 or 2001:db8::/32 (a LoadBalancer's source range). */
    static boolean isCidr(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 0 || text.length() > 43 || !text.substring(slash + 1).matches("^(0|[1-9][0-9]{0,2})$")) {
            return false;
        }
        String address = text.substring(0, slash);
        int prefix = Integer.parseInt(text.substring(slash + 1));
        if (IPV4.matcher(address).matches()) {
            return prefix <= 32;
        }
        if (!address.contains(":") || !address.matches("^[0-9a-fA-F:.]+$") || prefix > 128) {
            return false;
        }
        try {
            // A literal with ':' is parsed as an IPv6 address, never looked up.
            return java.net.InetAddress.getByName(address) instanceof java.net.Inet6Address;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    static boolean isDnsSubdomain(String name) {
        return name != null && name.length() <= Patterns.DNS_SUBDOMAIN_MAX && DNS_SUBDOMAIN.matcher(name).matches();
    }

    static void tolerations(List<Toleration> tolerations, String field, Consumer<Problem> problems) {
        for (int i = 0; i < tolerations.size(); i++) {
            Toleration t = tolerations.get(i);
            String at = field + "[" + i + "]";
            String operator = t.getOperator() == null ? "" : t.getOperator();
            String key = t.getKey() == null ? "" : t.getKey();
            String value = t.getValue() == null ? "" : t.getValue();
            if (!operator.isEmpty() && !operator.equals("Equal") && !operator.equals("Exists")) {
                problems.accept(new Problem(at + ".operator", "must be Equal or Exists"));
            }
            if (t.getEffect() != null && !Set.of("", "NoSchedule", "PreferNoSchedule", "NoExecute").contains(t.getEffect())) {
                problems.accept(new Problem(at + ".effect", "must be NoSchedule, PreferNoSchedule or NoExecute"));
            }
            if (!key.isEmpty() && !isQualifiedName(key)) {
                problems.accept(new Problem(at + ".key", "'" + Problem.excerpt(key) + "' is not a valid key"));
            }
            if (key.isEmpty() && !operator.equals("Exists")) {
                problems.accept(new Problem(at, "a toleration without a key must have operator Exists"));
            }
            if (operator.equals("Exists") && !value.isEmpty()) {
                problems.accept(new Problem(at, "a toleration with operator Exists must not have a value"));
            }
            if (!operator.equals("Exists") && !isLabelValue(value)) {
                problems.accept(new Problem(at + ".value", "'" + Problem.excerpt(value) + "' is not a valid value"));
            }
            if (t.getTolerationSeconds() != null && !"NoExecute".equals(t.getEffect())) {
                problems.accept(new Problem(at, "tolerationSeconds needs effect NoExecute"));
            }
        }
    }

    static void spreadConstraints(List<TopologySpreadConstraint> constraints, String field, Consumer<Problem> problems) {
        Set<String> pairs = new HashSet<>();
        for (int i = 0; i < constraints.size(); i++) {
            TopologySpreadConstraint c = constraints.get(i);
            String at = field + "[" + i + "]";
            if (c.getMaxSkew() == null || c.getMaxSkew() <= 0) {
                problems.accept(new Problem(at + ".maxSkew", "is required and must be greater than zero"));
            }
            if (c.getTopologyKey() == null || !isQualifiedName(c.getTopologyKey())) {
                problems.accept(new Problem(at + ".topologyKey", "is required and must be a label key"));
            }
            String when = c.getWhenUnsatisfiable();
            if (!"DoNotSchedule".equals(when) && !"ScheduleAnyway".equals(when)) {
                problems.accept(new Problem(at + ".whenUnsatisfiable", "is required: DoNotSchedule or ScheduleAnyway"));
            }
            if (c.getMinDomains() != null && (c.getMinDomains() <= 0 || !"DoNotSchedule".equals(when))) {
                problems.accept(new Problem(at + ".minDomains", "must be greater than zero, with whenUnsatisfiable DoNotSchedule"));
            }
            for (String policy : new String[] {"nodeAffinityPolicy", "nodeTaintsPolicy"}) {
                String value = policy.equals("nodeAffinityPolicy") ? c.getNodeAffinityPolicy() : c.getNodeTaintsPolicy();
                if (value != null && !value.equals("Honor") && !value.equals("Ignore")) {
                    problems.accept(new Problem(at + "." + policy, "must be Honor or Ignore"));
                }
            }
            if (!pairs.add(c.getTopologyKey() + "/" + when)) {
                problems.accept(new Problem(at, "repeats the topologyKey and whenUnsatisfiable of an earlier constraint"));
            }
            labelSelector(c.getLabelSelector(), at + ".labelSelector", problems);
        }
    }

    static void affinity(Affinity affinity, String field, Consumer<Problem> problems) {
        if (affinity.getNodeAffinity() != null) {
            var node = affinity.getNodeAffinity();
            String at = field + ".nodeAffinity";
            if (node.getRequiredDuringSchedulingIgnoredDuringExecution() != null) {
                List<NodeSelectorTerm> terms = node.getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
                String termsAt = at + ".requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms";
                if (terms == null || terms.isEmpty()) {
                    problems.accept(new Problem(termsAt, "must have at least one term"));
                } else {
                    for (int i = 0; i < terms.size(); i++) {
                        nodeSelectorTerm(terms.get(i), termsAt + "[" + i + "]", problems);
                    }
                }
            }
            var preferred = node.getPreferredDuringSchedulingIgnoredDuringExecution();
            for (int i = 0; preferred != null && i < preferred.size(); i++) {
                String term = at + ".preferredDuringSchedulingIgnoredDuringExecution[" + i + "]";
                weight(preferred.get(i).getWeight(), term + ".weight", problems);
                if (preferred.get(i).getPreference() == null) {
                    problems.accept(new Problem(term + ".preference", "is required"));
                } else {
                    nodeSelectorTerm(preferred.get(i).getPreference(), term + ".preference", problems);
                }
            }
        }
        if (affinity.getPodAffinity() != null) {
            podAffinity(affinity.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution(),
                    affinity.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecution(), field + ".podAffinity", problems);
        }
        if (affinity.getPodAntiAffinity() != null) {
            podAffinity(affinity.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution(),
                    affinity.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution(), field + ".podAntiAffinity", problems);
        }
    }

    private static void podAffinity(List<PodAffinityTerm> required, List<WeightedPodAffinityTerm> preferred, String field,
                                    Consumer<Problem> problems) {
        for (int i = 0; required != null && i < required.size(); i++) {
            podAffinityTerm(required.get(i), field + ".requiredDuringSchedulingIgnoredDuringExecution[" + i + "]", problems);
        }
        for (int i = 0; preferred != null && i < preferred.size(); i++) {
            String at = field + ".preferredDuringSchedulingIgnoredDuringExecution[" + i + "]";
            weight(preferred.get(i).getWeight(), at + ".weight", problems);
            if (preferred.get(i).getPodAffinityTerm() == null) {
                problems.accept(new Problem(at + ".podAffinityTerm", "is required"));
            } else {
                podAffinityTerm(preferred.get(i).getPodAffinityTerm(), at + ".podAffinityTerm", problems);
            }
        }
    }

    private static void podAffinityTerm(PodAffinityTerm term, String field, Consumer<Problem> problems) {
        if (term.getTopologyKey() == null || !isQualifiedName(term.getTopologyKey())) {
            problems.accept(new Problem(field + ".topologyKey", "is required and must be a label key"));
        }
        labelSelector(term.getLabelSelector(), field + ".labelSelector", problems);
        labelSelector(term.getNamespaceSelector(), field + ".namespaceSelector", problems);
        List<String> namespaces = term.getNamespaces() == null ? List.of() : term.getNamespaces();
        for (int i = 0; i < namespaces.size(); i++) {
            String ns = namespaces.get(i);
            if (ns == null || ns.length() > 63 || !ns.matches(Patterns.DNS_LABEL)) {
                problems.accept(new Problem(field + ".namespaces[" + i + "]", "is not a namespace name"));
            }
        }
    }

    private static void weight(Integer weight, String field, Consumer<Problem> problems) {
        if (weight == null || weight < 1 || weight > 100) {
            problems.accept(new Problem(field, "must be between 1 and 100"));
        }
    }

    private static void nodeSelectorTerm(NodeSelectorTerm term, String field, Consumer<Problem> problems) {
        List<NodeSelectorRequirement> expressions = term.getMatchExpressions() == null ? List.of() : term.getMatchExpressions();
        for (int i = 0; i < expressions.size(); i++) {
            NodeSelectorRequirement r = expressions.get(i);
            String at = field + ".matchExpressions[" + i + "]";
            if (!isQualifiedName(r.getKey())) {
                problems.accept(new Problem(at + ".key", "is required and must be a label key"));
            }
            int values = r.getValues() == null ? 0 : r.getValues().size();
            String operator = r.getOperator() == null ? "" : r.getOperator();
            switch (operator) {
                case "In", "NotIn" -> {
                    if (values == 0) {
                        problems.accept(new Problem(at + ".values", "must not be empty for " + operator));
                    }
                }
                case "Exists", "DoesNotExist" -> {
                    if (values != 0) {
                        problems.accept(new Problem(at + ".values", "must be empty for " + operator));
                    }
                }
                case "Gt", "Lt" -> {
                    if (values != 1 || !r.getValues().get(0).matches("^-?[0-9]{1,18}$")) {
                        problems.accept(new Problem(at + ".values", "must be one integer for " + operator));
                    }
                }
                default -> problems.accept(new Problem(at + ".operator", "must be In, NotIn, Exists, DoesNotExist, Gt or Lt"));
            }
        }
        List<NodeSelectorRequirement> fields = term.getMatchFields() == null ? List.of() : term.getMatchFields();
        for (int i = 0; i < fields.size(); i++) {
            NodeSelectorRequirement r = fields.get(i);
            if (!"metadata.name".equals(r.getKey()) || !Set.of("In", "NotIn").contains(String.valueOf(r.getOperator()))
                    || r.getValues() == null || r.getValues().size() != 1) {
                problems.accept(new Problem(field + ".matchFields[" + i + "]", "must be metadata.name In or NotIn exactly one node name"));
            }
        }
    }

    static void labelSelector(LabelSelector selector, String field, Consumer<Problem> problems) {
        if (selector == null) {
            return;
        }
        Map<String, String> labels = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        labels(labels, field + ".matchLabels", problems);
        List<LabelSelectorRequirement> expressions = selector.getMatchExpressions() == null ? List.of() : selector.getMatchExpressions();
        for (int i = 0; i < expressions.size(); i++) {
            LabelSelectorRequirement r = expressions.get(i);
            String at = field + ".matchExpressions[" + i + "]";
            if (!isQualifiedName(r.getKey())) {
                problems.accept(new Problem(at + ".key", "is required and must be a label key"));
            }
            List<String> values = r.getValues() == null ? List.of() : r.getValues();
            String operator = r.getOperator() == null ? "" : r.getOperator();
            switch (operator) {
                case "In", "NotIn" -> {
                    if (values.isEmpty()) {
                        problems.accept(new Problem(at + ".values", "must not be empty for " + operator));
                    }
                }
                case "Exists", "DoesNotExist" -> {
                    if (!values.isEmpty()) {
                        problems.accept(new Problem(at + ".values", "must be empty for " + operator));
                    }
                }
                default -> problems.accept(new Problem(at + ".operator", "must be In, NotIn, Exists or DoesNotExist"));
            }
            for (int j = 0; j < values.size(); j++) {
                if (!isLabelValue(values.get(j))) {
                    problems.accept(new Problem(at + ".values[" + j + "]", "'" + Problem.excerpt(values.get(j)) + "' is not a valid label value"));
                }
            }
        }
    }

    /** Label keys and values, as in metadata.labels and matchLabels. */
    static void labels(Map<String, String> labels, String field, Consumer<Problem> problems) {
        labels.forEach((key, value) -> {
            if (!isQualifiedName(key)) {
                problems.accept(new Problem(field, "'" + Problem.excerpt(key) + "' is not a valid label key"));
            } else if (!isLabelValue(value)) {
                problems.accept(new Problem(field + "." + key, "'" + Problem.excerpt(value) + "' is not a valid label value"
                        + " (at most 63 letters, digits, '-', '_' or '.', alphanumeric at both ends)"));
            }
        });
    }

    /**
     * A NetworkPolicyPeer as the API server validates it: at least one of podSelector, namespaceSelector
     * and ipBlock, ipBlock alone, its cidr and except entries CIDRs of one family.
     */
    static void networkPolicyPeer(io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer peer, String field,
                                  Consumer<Problem> problems) {
        boolean selectors = peer.getPodSelector() != null || peer.getNamespaceSelector() != null;
        if (!selectors && peer.getIpBlock() == null) {
            problems.accept(new Problem(field, "must set podSelector, namespaceSelector or ipBlock"));
            return;
        }
        if (selectors && peer.getIpBlock() != null) {
            problems.accept(new Problem(field, "ipBlock cannot be combined with podSelector or namespaceSelector"));
            return;
        }
        labelSelector(peer.getPodSelector(), field + ".podSelector", problems);
        labelSelector(peer.getNamespaceSelector(), field + ".namespaceSelector", problems);
        if (peer.getIpBlock() != null) {
            String cidr = peer.getIpBlock().getCidr();
            if (!isCidr(cidr)) {
                problems.accept(new Problem(field + ".ipBlock.cidr", "'" + Problem.excerpt(String.valueOf(cidr)) + "' is not a CIDR (e.g. 10.0.0.0/8)"));
            }
            List<String> except = peer.getIpBlock().getExcept() == null ? List.of() : peer.getIpBlock().getExcept();
            for (int i = 0; i < except.size(); i++) {
                if (!isCidr(except.get(i)) || cidr != null && cidr.contains(":") != except.get(i).contains(":")) {
                    problems.accept(new Problem(field + ".ipBlock.except[" + i + "]", "'" + Problem.excerpt(String.valueOf(except.get(i)))
                            + "' is not a CIDR of the same family as ipBlock.cidr"));
                }
            }
        }
    }
}
