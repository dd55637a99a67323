package org.xrootd.hook.children;

import java.util.LinkedHashMap;
import java.util.Map;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;

/** The recommended app.kubernetes.io labels. Selectors use only the ones that never change. */
public final class Labels {
    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String VERSION = "app.kubernetes.io/version";
    public static final String PART_OF = "app.kubernetes.io/part-of";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGER = "xrootd-hook";
    /** Kubernetes' limit on a label value. */
    public static final int MAX_VALUE_LENGTH = 63;

    private Labels() {}

    /** Stable labels a StatefulSet or Service selects its pods by. */
    public static Map<String, String> selector(XrootdSpec spec, Component component) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, "xrootd");
        labels.put(INSTANCE, spec.name());
        labels.put(COMPONENT, component.label());
        return labels;
    }

    /** Labels of a child or pod of one component; version only where it is known. */
    public static Map<String, String> of(XrootdSpec spec, Component component, String version) {
        Map<String, String> labels = selector(spec, component);
        labels.put(PART_OF, "xrootd");
        labels.put(MANAGED_BY, MANAGER);
        if (version != null) {
            labels.put(VERSION, version);
        }
        return labels;
    }

    /** Labels of a child that serves the whole cluster (client Service, ConfigMap). */
    public static Map<String, String> cluster(XrootdSpec spec) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, "xrootd");
        labels.put(INSTANCE, spec.name());
        labels.put(PART_OF, "xrootd");
        labels.put(MANAGED_BY, MANAGER);
        return labels;
    }

    /** The component label of the monitor's children and pod. */
    public static final String MONITOR = "monitor";

    /** Stable labels the monitor's Deployment and Service select its pod by. */
    public static Map<String, String> monitorSelector(XrootdSpec spec) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, "xrootd");
        labels.put(INSTANCE, spec.name());
        labels.put(COMPONENT, MONITOR);
        return labels;
    }

    /** Labels of the monitor's children and pod. */
    public static Map<String, String> monitor(XrootdSpec spec) {
        Map<String, String> labels = monitorSelector(spec);
        labels.put(PART_OF, "xrootd");
        labels.put(MANAGED_BY, MANAGER);
        return labels;
    }
}
