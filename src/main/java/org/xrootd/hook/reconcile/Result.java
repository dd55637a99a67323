package org.xrootd.hook.reconcile;

/** What a sync or finalize call came to; {@link #label()} is the value logs and metrics use. */
public enum Result {
    SYNCED("synced"),
    INVALID("invalid"),
    VERSION_NOT_FOUND("version-not-found"),
    SECRET_NOT_FOUND("secret-not-found"),
    FINALIZING("finalizing"),
    FINALIZED("finalized");

    private final String label;

    Result(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The parent could not be acted on: every child was left as it is. */
    public boolean blocked() {
        return this == INVALID || this == VERSION_NOT_FOUND || this == SECRET_NOT_FOUND;
    }
}
