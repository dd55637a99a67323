package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;

/** Headless Services for pod DNS names, and the client Service over the redirectors. */
public final class Services {
    private Services() {}

    /**
     * Gives each pod of a StatefulSet a DNS name. Not-ready pods are published too: workers must resolve a
     * redirector before it can become ready, and a redirector finds its own cmsd port by its own name.
     */
    public static ObjectNode headless(XrootdSpec spec, Component component) {
        ObjectNode service = JsonTrees.resource("v1", "Service", Names.headlessService(spec, component), spec.namespace(),
                Labels.of(spec, component, null));
        ObjectNode serviceSpec = service.putObject("spec");
        serviceSpec.put("clusterIP", "None");
        ArrayNode ports = serviceSpec.putArray("ports");
        ports.add(port("xrootd", spec.ports().xrootd()));
        if (component != Component.WORKER) {
            ports.add(port("cmsd", spec.ports().cmsd()));
        }
        serviceSpec.put("publishNotReadyAddresses", true);
        serviceSpec.set("selector", JsonTrees.map(Labels.selector(spec, component)));
        return service;
    }

    /**
     * What clients connect to (root://N-xrootd.NS:1094): only ready redirectors. ClusterIP unless
     * spec.redirector.exposure.service asks for NodePort or LoadBalancer; those keep the clients' source
     * address by default (externalTrafficPolicy Local), which the redirectors need to send outside clients
     * to the workers' outside addresses.
     */
    public static ObjectNode client(XrootdSpec spec) {
        XrootdSpec.ClientService settings = spec.redirector().exposure().service();
        ObjectNode service = JsonTrees.resource("v1", "Service", Names.clientService(spec), spec.namespace(),
                Labels.of(spec, Component.REDIRECTOR, null));
        if (settings != null && !settings.annotations().isEmpty()) {
            // annotations come first in ObjectMeta's order
            ObjectNode metadata = JsonTrees.object();
            metadata.set("annotations", JsonTrees.map(settings.annotations()));
            metadata.setAll((ObjectNode) service.get("metadata"));
            service.set("metadata", metadata);
        }
        ObjectNode serviceSpec = service.putObject("spec");
        String type = settings == null ? "ClusterIP" : settings.type();
        if (settings != null && settings.externalTrafficPolicy() != null) {
            serviceSpec.put("externalTrafficPolicy", settings.externalTrafficPolicy());
        }
        if (settings != null && settings.loadBalancerClass() != null) {
            serviceSpec.put("loadBalancerClass", settings.loadBalancerClass());
        }
        if (settings != null && !settings.loadBalancerSourceRanges().isEmpty()) {
            serviceSpec.set("loadBalancerSourceRanges", JsonTrees.strings(settings.loadBalancerSourceRanges().toArray(String[]::new)));
        }
        ObjectNode port = port("xrootd", settings == null ? spec.ports().xrootd() : settings.port());
        port.put("targetPort", spec.ports().xrootd());
        if (settings != null && settings.nodePort() != null) {
            ObjectNode ordered = JsonTrees.object();
            ordered.put("name", "xrootd");
            ordered.put("nodePort", settings.nodePort());
            ordered.setAll((ObjectNode) port.without("name"));
            port = ordered;
        }
        serviceSpec.putArray("ports").add(port);
        serviceSpec.set("selector", JsonTrees.map(Labels.selector(spec, Component.REDIRECTOR)));
        serviceSpec.put("type", type);
        return service;
    }

    /** The monitor's Service (spec.monitor): the daemons' reports (UDP) and the metrics (TCP). */
    public static ObjectNode monitor(XrootdSpec spec) {
        ObjectNode service = JsonTrees.resource("v1", "Service", Names.monitor(spec), spec.namespace(), Labels.monitor(spec));
        ObjectNode serviceSpec = service.putObject("spec");
        ArrayNode ports = serviceSpec.putArray("ports");
        ports.add(port("metrics", Deployments.METRICS_PORT));
        ObjectNode report = port("report", spec.monitor().reportPort());
        report.put("protocol", "UDP");
        ports.add(report);
        serviceSpec.set("selector", JsonTrees.map(Labels.monitorSelector(spec)));
        serviceSpec.put("type", "ClusterIP");
        return service;
    }

    private static ObjectNode port(String name, int number) {
        ObjectNode port = JsonTrees.object();
        port.put("name", name);
        port.put("port", number);
        port.put("protocol", "TCP");
        port.put("targetPort", number);
        return port;
    }
}
