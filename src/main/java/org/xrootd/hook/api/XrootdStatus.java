package org.xrootd.hook.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/** status of an Xrootd, as the hook writes it. */
public class XrootdStatus {
    @JsonPropertyDescription("The spec generation this status describes.")
    public Long observedGeneration;

    @JsonPropertyDescription("The XRootD version the cluster runs or is being moved to (while the spec cannot be acted on, the version its pods run).")
    public String version;

    @JsonPropertyDescription("The image that version resolves to.")
    public String image;

    @JsonPropertyDescription("Redirector pods as observed.")
    public Role redirector;

    @JsonPropertyDescription("Worker pods as observed.")
    public Role worker;

    @JsonPropertyDescription("Supervisor pods as observed; present only while the cluster has supervisors (more than 64 workers).")
    public Role supervisor;

    @JsonPropertyDescription("Ready, Progressing and Degraded as in Kubernetes API conventions, and VersionDeprecated when the catalog deprecates the version.")
    public List<Condition> conditions;

    public static class Role {
        @JsonPropertyDescription("Pods that exist.")
        public Integer replicas;

        @JsonPropertyDescription("Pods that pass their readiness probe.")
        public Integer readyReplicas;

        @JsonPropertyDescription("Pods that run the current pod template.")
        public Integer updatedReplicas;

        @JsonPropertyDescription("Ready pods out of the desired number, e.g. 2/2.")
        public String ready;

        @JsonPropertyDescription("Version of this role's pod template.")
        public String version;

        @JsonPropertyDescription("Image of this role's pod template.")
        public String image;

        @JsonPropertyDescription("Version every pod of this role ran when its last rollout finished; during an upgrade, the version the not yet updated pods run.")
        public String currentVersion;
    }

    public static class Condition {
        @Required
        @JsonPropertyDescription("Ready, Progressing, Degraded, or VersionDeprecated.")
        public String type;

        @Required
        public Enums.ConditionStatus status;

        public Long observedGeneration;

        @Required
        public String lastTransitionTime;

        @Required
        public String reason;

        @Required
        public String message;
    }
}
