package org.xrootd.hook.model;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * What the exposure modes of the roles imply together (spec.redirector.exposure, spec.worker.exposure):
 * which roles' pods must never share a node, because they would take the same node port, and which user
 * settings contradict that.
 */
public final class Exposures {
    private Exposures() {}

    /** Roles whose pods can take node ports: supervisors only talk to cluster members and stay on the pod network. */
    private static final List<Component> EXPOSED = List.of(Component.REDIRECTOR, Component.WORKER);

    /**
     * The roles (their app.kubernetes.io/component values, sorted) whose pods may not run on a node where a pod
     * of {@code component} runs: those taking a node port it takes, itself included. Empty in Pod mode.
     */
    public static List<String> clashing(XrootdSpec spec, Component component) {
        return clashing(spec.redirector(), spec.worker(), component);
    }

    private static List<String> clashing(XrootdSpec.Role redirector, XrootdSpec.Role worker, Component component) {
        if (component == Component.SUPERVISOR) {
            return List.of();
        }
        Set<Integer> ports = role(redirector, worker, component).exposure().nodePorts();
        Set<String> roles = new TreeSet<>();
        for (Component other : EXPOSED) {
            Set<Integer> shared = new TreeSet<>(role(redirector, worker, other).exposure().nodePorts());
            shared.retainAll(ports);
            if (!shared.isEmpty()) {
                roles.add(other.label());
            }
        }
        return List.copyOf(roles);
    }

    private static XrootdSpec.Role role(XrootdSpec.Role redirector, XrootdSpec.Role worker, Component component) {
        return component == Component.REDIRECTOR ? redirector : worker;
    }

    /**
     * User settings that the generated anti-affinity makes unsatisfiable: a required pod affinity to pods of a
     * clashing role on the same node, or a nodeSelector on one node name for more than one pod.
     */
    static void check(String name, XrootdSpec.Role redirector, XrootdSpec.Role worker, Consumer<Problem> problems) {
        for (Component component : EXPOSED) {
            XrootdSpec.Role role = role(redirector, worker, component);
            List<String> clashing = clashing(redirector, worker, component);
            if (clashing.isEmpty()) {
                continue;
            }
            String field = "spec." + component.label();
            String why = mode(role) + " pods taking node port " + role.exposure().nodePorts().iterator().next()
                    + " run one per node (with every pod taking the same port)";
            if (role.pod().nodeSelector().containsKey(SpecParser.HOSTNAME_KEY) && role.replicas() > 1) {
                problems.accept(new Problem(field + ".nodeSelector", "pins " + role.replicas() + " pods to one node ("
                        + SpecParser.HOSTNAME_KEY + "), but " + why));
            }
            if (role.pod().affinity() == null || role.pod().affinity().getPodAffinity() == null
                    || role.pod().affinity().getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
                continue;
            }
            List<PodAffinityTerm> terms = role.pod().affinity().getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
            for (int i = 0; i < terms.size(); i++) {
                PodAffinityTerm term = terms.get(i);
                if (!SpecParser.HOSTNAME_KEY.equals(term.getTopologyKey()) || term.getNamespaceSelector() != null
                        || term.getNamespaces() != null && !term.getNamespaces().isEmpty()) {
                    continue;
                }
                for (String other : clashing) {
                    Component target = other.equals(Component.REDIRECTOR.label()) ? Component.REDIRECTOR : Component.WORKER;
                    XrootdSpec.Role targetRole = role(redirector, worker, target);
                    boolean possible = target == component ? targetRole.replicas() > 1 : targetRole.replicas() > 0;
                    if (possible && matches(term.getLabelSelector(), podLabels(name, target, targetRole))) {
                        problems.accept(new Problem(field + ".affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[" + i + "]",
                                "requires " + other + " pods on the same node (" + SpecParser.HOSTNAME_KEY + "), but " + why));
                        break;
                    }
                }
            }
        }
    }

    private static String mode(XrootdSpec.Role role) {
        return role.exposure().hostNetwork() ? "HostNetwork" : "HostPort";
    }

    /** The labels a role's pods carry that are known before the version is resolved. */
    private static Map<String, String> podLabels(String name, Component component, XrootdSpec.Role role) {
        Map<String, String> labels = new LinkedHashMap<>(role.pod().labels());
        labels.put("app.kubernetes.io/name", "xrootd");
        labels.put("app.kubernetes.io/instance", name);
        labels.put("app.kubernetes.io/component", component.label());
        labels.put("app.kubernetes.io/part-of", "xrootd");
        labels.put("app.kubernetes.io/managed-by", "xrootd-hook");
        return labels;
    }

    /** Kubernetes' label selector semantics; a null selector matches nothing, an empty one everything. */
    static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        if (selector.getMatchLabels() != null) {
            for (Map.Entry<String, String> entry : selector.getMatchLabels().entrySet()) {
                if (!entry.getValue().equals(labels.get(entry.getKey()))) {
                    return false;
                }
            }
        }
        List<LabelSelectorRequirement> expressions = selector.getMatchExpressions() == null ? List.of() : selector.getMatchExpressions();
        for (LabelSelectorRequirement r : expressions) {
            String value = labels.get(r.getKey());
            List<String> values = r.getValues() == null ? new ArrayList<>() : r.getValues();
            boolean ok = switch (String.valueOf(r.getOperator())) {
                case "In" -> value != null && values.contains(value);
                case "NotIn" -> value == null || !values.contains(value);
                case "Exists" -> value != null;
                case "DoesNotExist" -> value == null;
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
