package org.xrootd.hook.children;

import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;

/**
 * Every child name in one place: selectors, serviceName, the all.manager host list and the probes
 * must agree. Pods are named {@code N-xrootd-<role>-<ordinal>} (StatefulSet ordinals).
 */
public final class Names {
    private Names() {}

    public static String redirector(XrootdSpec spec) {
        return spec.name() + "-xrootd-redirector";
    }

    public static String worker(XrootdSpec spec) {
        return spec.name() + "-xrootd-worker";
    }

    public static String supervisor(XrootdSpec spec) {
        return spec.name() + "-xrootd-supervisor";
    }

    public static String statefulSet(XrootdSpec spec, Component component) {
        return switch (component) {
            case REDIRECTOR -> redirector(spec);
            case WORKER -> worker(spec);
            case SUPERVISOR -> supervisor(spec);
        };
    }

    /** The headless Service that gives each pod of a StatefulSet its DNS name. */
    public static String headlessService(XrootdSpec spec, Component component) {
        return statefulSet(spec, component);
    }

    /** The Service clients use: every ready redirector on the xrootd port. */
    public static String clientService(XrootdSpec spec) {
        return spec.name() + "-xrootd";
    }

    public static String configMap(XrootdSpec spec) {
        return spec.name() + "-xrootd-config";
    }

    /**
     * A redirector pod's stable DNS name, relative to the cluster domain: the pod resolver's search path
     * completes "svc" with the cluster domain, so nothing here assumes "cluster.local".
     */
    public static String redirectorHost(XrootdSpec spec, int ordinal) {
        return redirector(spec) + "-" + ordinal + "." + redirector(spec) + "." + spec.namespace() + ".svc";
    }

    /** The monitor's Deployment, Service, ServiceAccount, Role and RoleBinding (spec.monitor). */
    public static String monitor(XrootdSpec spec) {
        return spec.name() + "-xrootd-monitor";
    }

    /** The ConfigMap the monitor writes and the status reads; not a child (the monitor owns its content). */
    public static String insight(XrootdSpec spec) {
        return org.xrootd.hook.monitor.Insight.name(spec.name());
    }

    /** Where the daemons send their reports: the monitor Service, relative to the cluster domain. */
    public static String monitorHost(XrootdSpec spec) {
        return monitor(spec) + "." + spec.namespace() + ".svc";
    }
}
