package org.xrootd.hook.metacontroller;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Every kind of child the hook builds, with the three spellings Metacontroller uses for it: the object's
 * {@code apiVersion} and {@code kind}, the plural resource a CompositeController's {@code childResources}
 * names, and the "Kind.apiVersion" key of the observed children in a request. Plurals are irregular
 * (networkpolicies, ingresses, endpoints), so they are listed, never derived.
 */
public enum ChildKind {
    CONFIG_MAP("v1", "ConfigMap", "configmaps"),
    SERVICE("v1", "Service", "services"),
    STATEFUL_SET("apps/v1", "StatefulSet", "statefulsets"),
    POD_DISRUPTION_BUDGET("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets"),
    /** The cluster's own NetworkPolicy (spec.networkPolicy); other observed NetworkPolicies are the site's and kept. */
    NETWORK_POLICY("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies"),
    DEPLOYMENT("apps/v1", "Deployment", "deployments"),
    SERVICE_ACCOUNT("v1", "ServiceAccount", "serviceaccounts"),
    ROLE("rbac.authorization.k8s.io/v1", "Role", "roles"),
    ROLE_BINDING("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings"),
    /** prometheus-operator; declared only by the optional kustomize component k8s/components/prometheus-operator. */
    SERVICE_MONITOR("monitoring.coreos.com/v1", "ServiceMonitor", "servicemonitors"),
    PROMETHEUS_RULE("monitoring.coreos.com/v1", "PrometheusRule", "prometheusrules"),
    /** The drain of a worker before a scale-down removes it (reconcile/Drain); built only while one runs. */
    JOB("batch/v1", "Job", "jobs");

    /** The kinds the monitor cannot run without (spec.monitor): all must be declared for it to be built. */
    public static final java.util.List<ChildKind> MONITOR = java.util.List.of(SERVICE, DEPLOYMENT, SERVICE_ACCOUNT, ROLE, ROLE_BINDING);

    private final String apiVersion;
    private final String kind;
    private final String plural;

    ChildKind(String apiVersion, String kind, String plural) {
        this.apiVersion = apiVersion;
        this.kind = kind;
        this.plural = plural;
    }

    public String apiVersion() {
        return apiVersion;
    }

    public String kind() {
        return kind;
    }

    /** The resource name in a CompositeController's childResources. */
    public String plural() {
        return plural;
    }

    /** The key of this kind in a request's {@code children} map. */
    public String key() {
        return kind + "." + apiVersion;
    }

    /** The built kind of {@code child}, or empty for any kind the hook does not build. */
    public static Optional<ChildKind> of(JsonNode child) {
        String childKind = child.path("kind").asText();
        String childApiVersion = child.path("apiVersion").asText();
        for (ChildKind candidate : values()) {
            if (candidate.kind.equals(childKind) && candidate.apiVersion.equals(childApiVersion)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
