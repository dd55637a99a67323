package org.xrootd.hook.status;

/** The condition types the hook writes, in the order it writes them. */
public enum ConditionType {
    READY("Ready"),
    PROGRESSING("Progressing"),
    DEGRADED("Degraded"),
    VERSION_DEPRECATED("VersionDeprecated"),
    /** In-cluster redirects carry pod IPs because the members' DNS names pass XRootD's host:port limit. */
    REDIRECTS_BY_ADDRESS("RedirectsByAddress"),
    /** spec.monitor: the insight cannot be trusted (monitor down, no insight, no redirector reporting). */
    MONITOR_STALE("MonitorStale"),
    /** spec.monitor: a redirector sees fewer subscribers active than expected. */
    WORKERS_DISCONNECTED("WorkersDisconnected"),
    /** spec.monitor: a worker has less free space than its cms.space minimum. */
    SPACE_LOW("SpaceLow"),
    /** A scale-down of the workers is pending: a worker's files are being moved off it, or cannot be (reconcile/Drain). */
    DRAINING("Draining");

    private final String wire;

    ConditionType(String wire) {
        this.wire = wire;
    }

    /** The {@code type} as written to the parent's status. */
    public String wire() {
        return wire;
    }
}
