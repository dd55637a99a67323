package org.xrootd.hook.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Enumerations of core/v1 that the Kubernetes OpenAPI schema types as plain strings but the API server's
 * validation restricts; swapped into the passthrough fields' schemas (see {@link Xrootd}).
 */
public final class Enums {
    private Enums() {}

    public enum TolerationOperator { Exists, Equal }

    public enum TaintEffect {
        @JsonProperty("") All, NoSchedule, PreferNoSchedule, NoExecute
    }

    public enum WhenUnsatisfiable { DoNotSchedule, ScheduleAnyway }

    public enum InclusionPolicy { Honor, Ignore }

    public enum NodeSelectorOperator { In, NotIn, Exists, DoesNotExist, Gt, Lt }

    public enum LabelSelectorOperator { In, NotIn, Exists, DoesNotExist }

    public enum PullPolicy { Always, IfNotPresent, Never }

    public enum WhenDeleted { Retain, Delete }

    public enum ConditionStatus {
        @JsonProperty("True") TRUE, @JsonProperty("False") FALSE, @JsonProperty("Unknown") UNKNOWN
    }
}
