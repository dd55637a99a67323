package org.xrootd.hook.build;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.ArrayList;
import java.util.List;
import org.xrootd.hook.model.XrootdSpec;

/** Headless Services for pod DNS names, and the client Service over the redirectors. */
public final class Services {
    private Services() {}

    /**
     * Gives each pod of a StatefulSet a DNS name. Not-ready pods are published too: workers must resolve a
     * redirector before it can become ready, and a redirector finds its own cmsd port by its own name.
     */
    public static Service headless(XrootdSpec spec, Component component) {
        List<ServicePort> ports = new ArrayList<>();
        ports.add(port("xrootd", spec.ports().xrootd()));
        if (component == Component.REDIRECTOR) {
            ports.add(port("cmsd", spec.ports().cmsd()));
        }
        return new ServiceBuilder()
                .withNewMetadata()
                    .withName(Names.headlessService(spec, component))
                    .withNamespace(spec.namespace())
                    .withLabels(Labels.of(spec, component, null))
                .endMetadata()
                .withNewSpec()
                    .withClusterIP("None")
                    .withPublishNotReadyAddresses(true)
                    .withSelector(Labels.selector(spec, component))
                    .withPorts(ports)
                .endSpec()
                .build();
    }

    /** What clients connect to (root://N-xrootd.NS:1094): only ready redirectors. */
    public static Service client(XrootdSpec spec) {
        return new ServiceBuilder()
                .withNewMetadata()
                    .withName(Names.clientService(spec))
                    .withNamespace(spec.namespace())
                    .withLabels(Labels.of(spec, Component.REDIRECTOR, null))
                .endMetadata()
                .withNewSpec()
                    .withType("ClusterIP")
                    .withSelector(Labels.selector(spec, Component.REDIRECTOR))
                    .withPorts(port("xrootd", spec.ports().xrootd()))
                .endSpec()
                .build();
    }

    private static ServicePort port(String name, int number) {
        return new ServicePortBuilder()
                .withName(name)
                .withPort(number)
                .withTargetPort(new IntOrString(number))
                .withProtocol("TCP")
                .build();
    }
}
