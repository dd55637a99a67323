package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.xrootd.hook.model.XrootdSpec;

/**
 * prometheus-operator's ServiceMonitor for the monitor Service (only when the CompositeController declares
 * servicemonitors: k8s/components/prometheus-operator). honorLabels keeps the daemons' own pod labels.
 */
public final class ServiceMonitors {
    private ServiceMonitors() {}

    public static ObjectNode monitor(XrootdSpec spec) {
        ObjectNode serviceMonitor = JsonTrees.resource("monitoring.coreos.com/v1", "ServiceMonitor", Names.monitor(spec),
                spec.namespace(), Labels.monitor(spec));
        ObjectNode monitorSpec = serviceMonitor.putObject("spec");
        monitorSpec.putArray("endpoints").addObject().put("honorLabels", true).put("path", "/metrics").put("port", "metrics");
        monitorSpec.putObject("selector").set("matchLabels", JsonTrees.map(Labels.monitorSelector(spec)));
        return serviceMonitor;
    }
}
