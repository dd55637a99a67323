package org.xrootd.hook.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.List;
import java.util.Map;

/** The three roles of a cluster: their size and what is passed through to their pods. */
public final class Roles {
    private Roles() {}

    /** Most entries a map or list of pod settings may have where a CEL rule reads it (the rule's cost stays bounded). */
    public static final int MAX_ENTRIES = 64;
    /** Most topology spread constraints a role may have. */
    public static final int MAX_SPREAD_CONSTRAINTS = 16;

    /**
     * What every role passes to its pods. The Kubernetes types are fabric8's model classes, so the schema
     * carries the full Kubernetes schema of each (kubectl explain shows it, unknown fields are refused).
     */
    @JsonPropertyOrder({"replicas", "maxUnavailable"})
    public abstract static class Pods {
        @ValidationRule(value = Rules.QUANTITIES, message = Rules.QUANTITIES_MESSAGE)
        @ValidationRule(value = Rules.REQUESTS_WITHIN_LIMITS, message = Rules.REQUESTS_WITHIN_LIMITS_MESSAGE)
        @JsonPropertyDescription("Resource requests and limits of the xrootd container (core/v1 ResourceRequirements).")
        public ResourceRequirements resources;

        @ValidationRule(value = Rules.QUANTITIES, message = Rules.QUANTITIES_MESSAGE)
        @ValidationRule(value = Rules.REQUESTS_WITHIN_LIMITS, message = Rules.REQUESTS_WITHIN_LIMITS_MESSAGE)
        @JsonPropertyDescription("Resource requests and limits of the cmsd container (core/v1 ResourceRequirements).")
        public ResourceRequirements cmsdResources;

        @Size(max = MAX_ENTRIES)
        @JsonPropertyDescription("Node labels this role's pods must run on (values are label values).")
        public Map<String, @Size(max = Patterns.LABEL_VALUE_MAX) @Pattern(Patterns.LABEL_VALUE) String> nodeSelector;

        @JsonPropertyDescription("Pod affinity and anti-affinity of this role (core/v1 Affinity).")
        public Affinity affinity;

        @JsonPropertyDescription("Tolerations of this role's pods (core/v1 Toleration).")
        public List<Toleration> tolerations;

        @Size(max = MAX_SPREAD_CONSTRAINTS)
        @ValidationRule(value = Rules.SPREAD_REQUIRED, message = Rules.SPREAD_REQUIRED_MESSAGE)
        @JsonPropertyDescription("How this role's pods spread over zones or nodes (core/v1 TopologySpreadConstraint).")
        public List<TopologySpreadConstraint> topologySpreadConstraints;

        @Size(min = 1, max = Patterns.DNS_SUBDOMAIN_MAX)
        @Pattern(Patterns.DNS_SUBDOMAIN)
        @JsonPropertyDescription("PriorityClass of this role's pods.")
        public String priorityClassName;

        @Size(max = MAX_ENTRIES)
        @ValidationRule(value = Rules.NO_RESERVED_LABEL, message = Rules.NO_RESERVED_LABEL_MESSAGE)
        @JsonPropertyDescription("Extra labels on this role's pods (the app.kubernetes.io labels are the controller's).")
        public Map<String, @Size(max = Patterns.LABEL_VALUE_MAX) @Pattern(Patterns.LABEL_VALUE) String> podLabels;

        @Size(max = MAX_ENTRIES)
        @JsonPropertyDescription("Extra annotations on this role's pods.")
        public Map<String, String> podAnnotations;
    }

    @JsonPropertyOrder({"replicas", "maxUnavailable", "exposure"})
    public static class Redirector extends Pods {
        @Default("1")
        @Min(1)
        @Max(16)
        @JsonPropertyDescription("Number of redirector pods. Every pod's all.manager list names each of them, so changing it rolls every pod.")
        public Integer replicas;

        @Default("1")
        @Min(1)
        @Max(16)
        @JsonPropertyDescription(MAX_UNAVAILABLE)
        public Integer maxUnavailable;

        @JsonPropertyDescription("How clients outside Kubernetes reach the redirectors; by default (unset, or mode Pod) only "
                + "in-cluster clients, through a ClusterIP Service.")
        public Exposure.Redirector exposure;
    }

    @JsonPropertyOrder({"replicas", "maxUnavailable", "storage", "exposure"})
    public static class Worker extends Pods {
        @Default("1")
        @Min(0)
        @Max(1000)
        @JsonPropertyDescription("Number of worker pods. A redirector's cmsd accepts at most 64; above that the controller adds "
                + "supervisors (spec.supervisor), which hold 64 each. 1000 is the largest cluster they hold with one supervisor down.")
        public Integer replicas;

        @Default("1")
        @Min(1)
        @Max(1000)
        @JsonPropertyDescription(MAX_UNAVAILABLE)
        public Integer maxUnavailable;

        @Default("{}")
        @JsonPropertyDescription("Each worker's persistent volume (one claim per pod, kept when the pod or the Xrootd goes away).")
        public Storage storage;

        @JsonPropertyDescription("How clients outside Kubernetes reach the workers a redirector sends them to; by default "
                + "(unset, or mode Pod) the workers' pod IPs, for in-cluster clients only.")
        public Exposure.Worker exposure;
    }

    public static class Supervisor extends Pods {
        @Min(0)
        @Max(64)
        @JsonPropertyDescription("Number of supervisor pods; by default none up to 64 workers, above that ceil((workers - 64) / 63) + 1 "
                + "(enough for every worker with one supervisor down). A larger number may be given, a smaller one is refused.")
        public Integer replicas;

        @Default("1")
        @Min(1)
        @Max(64)
        @JsonPropertyDescription(MAX_UNAVAILABLE)
        public Integer maxUnavailable;
    }

    private static final String MAX_UNAVAILABLE = "PodDisruptionBudget of this role; how many of its pods a voluntary disruption "
            + "(a node drain) may take at once.";

    public static class Storage {
        @Default("1Gi")
        @Size(min = 1, max = Patterns.QUANTITY_MAX)
        @Pattern(Patterns.CAPACITY)
        @ValidationRule(value = Rules.CAPACITY, message = Rules.CAPACITY_MESSAGE)
        @JsonPropertyDescription("Size of each worker's volume, as a Kubernetes quantity (e.g. 1Gi, 500Gi). Also sizes xrootd's "
                + "free-space threshold (cms.space). Fixed once the workers exist.")
        public String capacity;

        @Size(min = 1, max = Patterns.DNS_SUBDOMAIN_MAX)
        @Pattern(Patterns.DNS_SUBDOMAIN)
        @JsonPropertyDescription("StorageClass of the worker volumes; the cluster default when omitted. Fixed once the workers exist.")
        @com.fasterxml.jackson.annotation.JsonProperty("class")
        public String storageClass;

        @Default("Retain")
        @JsonPropertyDescription("What happens to the worker volumes when the Xrootd is deleted. Retain (the default) keeps the "
                + "data; Delete removes the claims with the StatefulSet (Kubernetes 1.27+, StatefulSet PVC retention policy).")
        public Enums.WhenDeleted whenDeleted;
    }
}
