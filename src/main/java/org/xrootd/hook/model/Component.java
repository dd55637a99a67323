package org.xrootd.hook.model;

/**
 * The kinds of pod in an XRootD cluster, with the xrootd instance name (-n) each runs under. Supervisors
 * exist only above 64 workers (see {@link org.xrootd.hook.model.Supervisors}).
 */
public enum Component {
    REDIRECTOR("redirector", "manager"),
    WORKER("worker", "worker"),
    SUPERVISOR("supervisor", "supervisor");

    private final String label;
    private final String instance;

    Component(String label, String instance) {
        this.label = label;
        this.instance = instance;
    }

    /** Value of app.kubernetes.io/component. */
    public String label() {
        return label;
    }

    /** xrootd/cmsd instance name; the shared configuration selects the role with "if named". */
    public String instance() {
        return instance;
    }
}
