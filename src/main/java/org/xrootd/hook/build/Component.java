package org.xrootd.hook.build;

/** The two kinds of pod in an XRootD cluster, with the xrootd instance name (-n) each runs under. */
public enum Component {
    REDIRECTOR("redirector", "manager"),
    WORKER("worker", "worker");

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
