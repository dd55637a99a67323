package org.xrootd.hook.status;

/** Every reason a condition can give; {@link #wire()} is what {@code kubectl} and alerts see. */
public enum Reason {
    CREATING("Creating"),
    UPGRADING("Upgrading"),
    SCALING("Scaling"),
    RECONFIGURING("Reconfiguring"),
    ROLLING_UPDATE("RollingUpdate"),
    PODS_STARTING("PodsStarting"),
    ROLLOUT_COMPLETE("RolloutComplete"),
    ALL_REPLICAS_READY("AllReplicasReady"),
    REPLICAS_NOT_READY("ReplicasNotReady"),
    REPLICAS_UNAVAILABLE("ReplicasUnavailable"),
    AS_EXPECTED("AsExpected"),
    INVALID_SPEC("InvalidSpec"),
    VERSION_NOT_FOUND("VersionNotFound"),
    SECRET_NOT_FOUND("SecretNotFound"),
    DELETING("Deleting"),
    DEPRECATED_IN_CATALOG("DeprecatedInCatalog"),
    NAMES_TOO_LONG("NamesTooLong"),
    MONITOR_UNAVAILABLE("MonitorUnavailable"),
    INSIGHT_MISSING("InsightMissing"),
    INSIGHT_UNREADABLE("InsightUnreadable"),
    REPORTS_STALE("ReportsStale"),
    INSIGHT_CURRENT("InsightCurrent"),
    WORKERS_NOT_ACTIVE("WorkersNotActive"),
    ALL_WORKERS_ACTIVE("AllWorkersActive"),
    SPACE_BELOW_MINIMUM("SpaceBelowMinimum"),
    SPACE_AVAILABLE("SpaceAvailable"),
    DRAIN_STARTING("DrainStarting"),
    DRAINING_WORKER("DrainingWorker"),
    WORKER_RETIRING("WorkerRetiring"),
    WORKER_DRAINED("WorkerDrained"),
    DRAIN_FAILED("DrainFailed"),
    DRAIN_BLOCKED("DrainBlocked"),
    DRAIN_SKIPPED("DrainSkipped");

    private final String wire;

    Reason(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** The reasons for which the hook leaves every child as it is: the parent cannot be acted on. */
    public boolean blocksSync() {
        return this == INVALID_SPEC || this == VERSION_NOT_FOUND || this == SECRET_NOT_FOUND;
    }
}
