package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.testkit.Samples;

class ServicesTest {
    private final XrootdSpec spec = Samples.sample();

    private static Service headless(XrootdSpec spec, Component component) {
        return Samples.typed(Services.headless(spec, component), Service.class);
    }

    private static Service client(XrootdSpec spec) {
        return Samples.typed(Services.client(spec), Service.class);
    }

    @Test
    void headlessServicesPublishNotReadyPodsForCmsdDiscovery() {
        for (Component component : Component.values()) {
            Service service = headless(spec, component);
            assertEquals("None", service.getSpec().getClusterIP());
            assertTrue(service.getSpec().getPublishNotReadyAddresses());
            assertEquals(Names.shortService(spec, component), service.getMetadata().getName());
            assertEquals(Labels.selector(spec, component), service.getSpec().getSelector());
        }
    }

    @Test
    void redirectorHeadlessServiceCarriesTheCmsdPort() {
        assertEquals(2, headless(spec, Component.REDIRECTOR).getSpec().getPorts().size());
        assertEquals(1, headless(spec, Component.WORKER).getSpec().getPorts().size());
    }

    @Test
    void clientServiceSelectsOnlyRedirectorsOnTheXrootdPort() {
        Service client = client(spec);
        assertEquals("base-xrootd-xrootd", client.getMetadata().getName());
        assertEquals("redirector", client.getSpec().getSelector().get(Labels.COMPONENT));
        assertEquals(1094, client.getSpec().getPorts().get(0).getPort());
    }

    @Test
    void everyPortSaysTcp() {
        for (Service service : new Service[] {client(spec), headless(spec, Component.REDIRECTOR),
                headless(spec, Component.WORKER)}) {
            for (ServicePort port : service.getSpec().getPorts()) {
                assertEquals("TCP", port.getProtocol());
            }
        }
    }
}
