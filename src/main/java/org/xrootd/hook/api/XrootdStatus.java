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

    @JsonPropertyDescription("What the cluster serves: DataServer (its workers store files) or Cache (spec.cache: its workers cache "
            + "an origin's files).")
    public String mode;

    @JsonPropertyDescription("The cache (spec.cache): origin and size; only in Cache mode.")
    public CacheStatus cache;

    @JsonPropertyDescription("Redirector pods as observed.")
    public Role redirector;

    @JsonPropertyDescription("Worker pods as observed.")
    public Role worker;

    @JsonPropertyDescription("Supervisor pods as observed; present only while the cluster has supervisors (more than 64 workers).")
    public Role supervisor;

    @JsonPropertyDescription("What the monitor's insight (ConfigMap N-xrootd-insight) says; only with spec.monitor.enabled, once the insight is readable.")
    public Monitor monitor;

    @JsonPropertyDescription("A pending scale-down of the workers: the worker being drained before it is removed; present only "
            + "while spec.worker.replicas is below the workers' StatefulSet.")
    public Drain drain;

    @JsonPropertyDescription("Ready, Progressing and Degraded as in Kubernetes API conventions, VersionDeprecated when the catalog "
            + "deprecates the version, RedirectsByAddress when in-cluster redirects cannot carry DNS names (too long for XRootD), "
            + "with spec.monitor MonitorStale, WorkersDisconnected and SpaceLow, and Draining during a scale-down of the workers.")
    public List<Condition> conditions;

    public static class Drain {
        @JsonPropertyDescription("DrainStarting, DrainingWorker, WorkerRetiring, WorkerDrained, DrainFailed, DrainBlocked or DrainSkipped (the Draining condition's reason).")
        public String phase;

        @JsonPropertyDescription("The worker pod being drained (the StatefulSet's highest ordinal).")
        public String worker;

        @JsonPropertyDescription("The workers' StatefulSet replicas as observed.")
        public Integer replicas;

        @JsonPropertyDescription("spec.worker.replicas.")
        public Integer targetReplicas;

        @JsonPropertyDescription("The drain Job moving the worker's files (its log lists them, its pod's termination message gives the totals).")
        public String job;

        @JsonPropertyDescription("How far the drain Job is, from the progress line its script sends the monitor after every file "
                + "(spec.monitor; the monitor's insight carries it). Absent without spec.monitor or before the first line.")
        public DrainProgress progress;
    }

    public static class DrainProgress {
        @JsonPropertyDescription("running, done or failed, as the drain Job's script last reported.")
        public String state;

        @JsonPropertyDescription("True when the monitor has heard nothing from the drain for 3 report intervals (its pod is gone or stuck): "
                + "the figures are the last ones it sent.")
        public Boolean stale;

        @JsonPropertyDescription("The listing of the draining worker the script works through (1, then 2 when files arrived during the first).")
        public Long pass;

        @JsonPropertyDescription("Files the Job's current pod has moved (copied, checked, removed from the draining worker).")
        public Long filesDone;

        @JsonPropertyDescription("The bytes of filesDone.")
        public Long bytesDone;

        @JsonPropertyDescription("Files of the current pass's listing still on the draining worker (files written meanwhile count from the next pass).")
        public Long filesLeft;

        @JsonPropertyDescription("The bytes of filesLeft.")
        public Long bytesLeft;
    }

    public static class CacheStatus {
        @JsonPropertyDescription("The origin the caches read from (host:port, or '=' for the client's).")
        public String origin;

        @JsonPropertyDescription("Data space of each cache worker (its data disks, else its volume), as a quantity.")
        public String sizePerWorker;

        @JsonPropertyDescription("Data space of all cache workers together, in bytes.")
        public Long totalBytes;
    }

    public static class Monitor {
        @JsonPropertyDescription("Active subscribers of the redirector that sees the fewest, out of those each should see, e.g. 3/3.")
        public String connected;

        @JsonPropertyDescription("Each redirector's view, in ordinal order.")
        public List<RedirectorView> redirectors;

        @JsonPropertyDescription("Workers a reporting redirector does not see active (with supervisors: that no one sees active); at most 10.")
        public List<String> workersNotActive;

        @JsonPropertyDescription("Free bytes of the reporting workers together.")
        public Long freeBytes;

        @JsonPropertyDescription("Bytes of the reporting workers' volumes together.")
        public Long totalBytes;

        @JsonPropertyDescription("The worker with the least free space.")
        public FullestWorker fullestWorker;
    }

    public static class RedirectorView {
        @JsonPropertyDescription("The redirector pod.")
        public String name;

        @JsonPropertyDescription("Whether its cmsd's reports reach the monitor (not stale).")
        public Boolean reporting;

        @JsonPropertyDescription("Expected subscribers (workers, or with supervisors the supervisors and workers) it sees active.")
        public Integer connected;

        @JsonPropertyDescription("Subscribers it should see: all workers and supervisors, at most 64.")
        public Integer expected;

        @JsonPropertyDescription("Expected workers (with supervisors: supervisors) it does not see active; at most 10.")
        public List<String> notActive;
    }

    public static class FullestWorker {
        @JsonPropertyDescription("The worker pod.")
        public String name;

        @JsonPropertyDescription("Its free bytes (rounded down to 1 MiB or 0.1% of the volume).")
        public Long freeBytes;
    }

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
        @JsonPropertyDescription("Ready, Progressing, Degraded, VersionDeprecated, RedirectsByAddress, MonitorStale, WorkersDisconnected, SpaceLow, or Draining.")
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
