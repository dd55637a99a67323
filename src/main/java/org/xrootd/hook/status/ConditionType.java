package org.xrootd.hook.status;

/** The condition types the hook writes, in the order it writes them. */
public enum ConditionType {
    READY("Ready"),
    PROGRESSING("Progressing"),
    DEGRADED("Degraded"),
    VERSION_DEPRECATED("VersionDeprecated");

    private final String wire;

    ConditionType(String wire) {
        this.wire = wire;
    }

    /** The {@code type} as written to the parent's status. */
    public String wire() {
        return wire;
    }
}
