package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.xrootd.hook.model.Component;

/**
 * The resource requests a daemon container gets when its role's spec gives none ({@code spec.<role>.resources}
 * for xrootd, {@code cmsdResources} for cmsd): requests only, sized from what xrootd and cmsd 5.5.3 used in
 * the real-daemon harness at rest and under a client load (ResourceUsageRealDaemonTest; figures and reasoning
 * in docs/operations.md, "Resource requests"). Requests give the pods the Burstable class and a place the
 * scheduler reserves; no limits, so that a busy data server is never throttled or OOM-killed by a default.
 * A spec that sets the field (even to {@code {}}, no requests at all) replaces the default entirely.
 */
public final class DefaultResources {
    private DefaultResources() {}

    /** The default requests of {@code daemon} ("xrootd" or "cmsd") in a pod of {@code component}. */
    public static ObjectNode requests(Component component, String daemon) {
        boolean xrootd = "xrootd".equals(daemon);
        String cpu;
        String memory;
        if (component == Component.WORKER) {
            // The data path: every byte read or written goes through the worker's xrootd.
            cpu = xrootd ? WORKER_XROOTD_CPU : CMSD_CPU;
            memory = xrootd ? WORKER_XROOTD_MEMORY : CMSD_MEMORY;
        } else {
            // Managers answer opens with a redirect; their cmsd carries the cluster's state.
            cpu = xrootd ? MANAGER_XROOTD_CPU : CMSD_CPU;
            memory = xrootd ? MANAGER_XROOTD_MEMORY : CMSD_MEMORY;
        }
        ObjectNode resources = JsonTrees.object();
        resources.putObject("requests").put("cpu", cpu).put("memory", memory);
        return resources;
    }

    static final String WORKER_XROOTD_CPU = "100m";
    static final String WORKER_XROOTD_MEMORY = "64Mi";
    static final String MANAGER_XROOTD_CPU = "25m";
    static final String MANAGER_XROOTD_MEMORY = "32Mi";
    static final String CMSD_CPU = "10m";
    static final String CMSD_MEMORY = "32Mi";
}
