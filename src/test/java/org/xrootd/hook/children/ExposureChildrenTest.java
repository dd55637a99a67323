package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.testkit.Samples;

/** spec.redirector.exposure and spec.worker.exposure in the StatefulSets and the client Service. */
class ExposureChildrenTest {
    /** With spec.allowedHosts, which HostNetwork members need (cms.allow for their node addresses). */
    private static ObjectNode parent() {
        ObjectNode parent = Samples.parent("base-xrootd");
        Samples.spec(parent).putArray("allowedHosts").add("*.nodes.example.org");
        return parent;
    }

    private static ObjectNode exposure(ObjectNode parent, String role) {
        return ((ObjectNode) Samples.spec(parent).get(role)).putObject("exposure");
    }

    private static PodSpec pod(XrootdSpec spec, Component component) {
        return Samples.typed(Samples.statefulSet(spec, component, Samples.image()), StatefulSet.class).getSpec().getTemplate().getSpec();
    }

    private static Container container(PodSpec pod, String name) {
        return pod.getContainers().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    private static Service client(XrootdSpec spec) {
        return Samples.typed(Services.client(spec), Service.class);
    }

    private static List<PodAffinityTerm> requiredAntiAffinity(PodSpec pod) {
        return pod.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
    }

    @Test
    void podModeIsTodaysShape() {
        ObjectNode parent = parent();
        exposure(parent, "redirector").put("mode", "Pod");
        exposure(parent, "worker").put("mode", "Pod");
        XrootdSpec exposed = Samples.model(parent);
        XrootdSpec plain = Samples.model(parent());
        for (Component component : List.of(Component.REDIRECTOR, Component.WORKER)) {
            assertEquals(Samples.statefulSet(plain, component, Samples.image()), Samples.statefulSet(exposed, component, Samples.image()));
        }
        assertEquals(Services.client(plain), Services.client(exposed));
        assertEquals("ClusterIP", client(exposed).getSpec().getType());
    }

    @Test
    void hostNetworkPodsUseTheNodesNetworkOnePerNodeAcrossRolesSharingThePort() {
        ObjectNode parent = parent();
        exposure(parent, "redirector").put("mode", "HostNetwork");
        exposure(parent, "worker").put("mode", "HostNetwork");
        XrootdSpec spec = Samples.model(parent);
        for (Component component : List.of(Component.REDIRECTOR, Component.WORKER)) {
            PodSpec pod = pod(spec, component);
            assertTrue(pod.getHostNetwork());
            assertEquals("ClusterFirstWithHostNet", pod.getDnsPolicy());
            List<PodAffinityTerm> terms = requiredAntiAffinity(pod);
            assertEquals(1, terms.size());
            assertEquals("kubernetes.io/hostname", terms.get(0).getTopologyKey());
            assertEquals(List.of("redirector", "worker"), terms.get(0).getLabelSelector().getMatchExpressions().get(0).getValues());
            assertEquals(Map.of(Labels.NAME, "xrootd", Labels.INSTANCE, "base-xrootd"), terms.get(0).getLabelSelector().getMatchLabels());
            // The API server sets hostPort = containerPort for host-network pods; written out, no diff on resync.
            for (Container c : pod.getContainers()) {
                for (ContainerPort port : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
                    assertEquals(port.getContainerPort(), port.getHostPort());
                }
            }
            // Hardening stays.
            assertFalse(pod.getAutomountServiceAccountToken());
            assertTrue(pod.getSecurityContext().getRunAsNonRoot());
            for (Container c : pod.getContainers()) {
                assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
                assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
                assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
            }
        }
        assertNull(pod(spec, Component.WORKER).getContainers().get(0).getEnv().stream()
                .filter(e -> e.getName().equals("XRDIFADDRS")).findFirst().orElse(null), "HostNetwork advertises nothing");
    }

    @Test
    void theGeneratedTermIsAddedToTheUsersAffinityNotInPlaceOfIt() {
        ObjectNode parent = parent();
        exposure(parent, "worker").put("mode", "HostNetwork");
        ObjectNode affinity = ((ObjectNode) Samples.spec(parent).get("worker")).putObject("affinity");
        affinity.putObject("nodeAffinity").putObject("requiredDuringSchedulingIgnoredDuringExecution").putArray("nodeSelectorTerms")
                .addObject().putArray("matchExpressions").addObject().put("key", "disk").put("operator", "Exists");
        affinity.putObject("podAntiAffinity").putArray("requiredDuringSchedulingIgnoredDuringExecution").addObject()
                .put("topologyKey", "topology.kubernetes.io/zone").putObject("labelSelector").putObject("matchLabels").put("a", "b");
        PodSpec pod = pod(Samples.model(parent), Component.WORKER);
        assertEquals("disk", pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms().get(0).getMatchExpressions().get(0).getKey());
        List<PodAffinityTerm> terms = requiredAntiAffinity(pod);
        assertEquals(2, terms.size());
        assertEquals("topology.kubernetes.io/zone", terms.get(0).getTopologyKey());
        assertEquals("kubernetes.io/hostname", terms.get(1).getTopologyKey());
        assertEquals(List.of("worker"), terms.get(1).getLabelSelector().getMatchExpressions().get(0).getValues());
        // The redirectors stay on the pod network and untouched.
        assertNull(pod(Samples.model(parent), Component.REDIRECTOR).getAffinity());
    }

    @Test
    void hostPortWorkersPublishXrootdAndAdvertiseTheNodeNameOnBothDaemons() {
        ObjectNode parent = parent();
        exposure(parent, "worker").put("mode", "HostPort");
        PodSpec pod = pod(Samples.model(parent), Component.WORKER);
        assertNull(pod.getHostNetwork());
        ContainerPort port = container(pod, "xrootd").getPorts().get(0);
        assertEquals(1094, port.getContainerPort());
        assertEquals(1094, port.getHostPort());
        for (String daemon : List.of("cmsd", "xrootd")) {
            EnvVar advertised = container(pod, daemon).getEnv().stream().filter(e -> e.getName().equals("XRDIFADDRS")).findFirst().orElseThrow();
            assertEquals("spec.nodeName", advertised.getValueFrom().getFieldRef().getFieldPath());
        }
        assertEquals(List.of("worker"), requiredAntiAffinity(pod).get(0).getLabelSelector().getMatchExpressions().get(0).getValues());
    }

    @Test
    void advertiseNodeIpTakesTheHostIp() {
        ObjectNode parent = parent();
        exposure(parent, "worker").put("mode", "HostPort").put("advertise", "NodeIP");
        PodSpec pod = pod(Samples.model(parent), Component.WORKER);
        EnvVar advertised = container(pod, "cmsd").getEnv().stream().filter(e -> e.getName().equals("XRDIFADDRS")).findFirst().orElseThrow();
        assertEquals("status.hostIP", advertised.getValueFrom().getFieldRef().getFieldPath());
    }

    @Test
    void hostPortRedirectorsPublishBothPortsOnTheirOwnNodePorts() {
        ObjectNode parent = parent();
        exposure(parent, "redirector").put("mode", "HostPort").putObject("hostPorts").put("xrootd", 443).put("cmsd", 3121);
        exposure(parent, "worker").put("mode", "HostPort");
        XrootdSpec spec = Samples.model(parent);
        PodSpec pod = pod(spec, Component.REDIRECTOR);
        assertEquals(443, container(pod, "xrootd").getPorts().get(0).getHostPort());
        assertEquals(1094, container(pod, "xrootd").getPorts().get(0).getContainerPort());
        assertEquals(3121, container(pod, "cmsd").getPorts().get(0).getHostPort());
        // Node ports 443/3121 and 1094 do not meet: each role keeps only its own pods apart.
        assertEquals(List.of("redirector"), requiredAntiAffinity(pod).get(0).getLabelSelector().getMatchExpressions().get(0).getValues());
        assertEquals(List.of("worker"), requiredAntiAffinity(pod(spec, Component.WORKER)).get(0).getLabelSelector()
                .getMatchExpressions().get(0).getValues());
        assertTrue(container(pod, "xrootd").getEnv().stream().noneMatch(e -> e.getName().equals("XRDIFADDRS")));
    }

    @Test
    void redirectorAndWorkerOnTheSameNodePortNeverShareANode() {
        ObjectNode parent = parent();
        exposure(parent, "redirector").put("mode", "HostPort");
        exposure(parent, "worker").put("mode", "HostNetwork");
        XrootdSpec spec = Samples.model(parent);
        for (Component component : List.of(Component.REDIRECTOR, Component.WORKER)) {
            assertEquals(List.of("redirector", "worker"), requiredAntiAffinity(pod(spec, component)).get(0).getLabelSelector()
                    .getMatchExpressions().get(0).getValues());
        }
    }

    @Test
    void supervisorsStayOnThePodNetwork() {
        ObjectNode parent = parent();
        ((ObjectNode) Samples.spec(parent).get("worker")).put("replicas", 100);
        exposure(parent, "worker").put("mode", "HostNetwork");
        PodSpec pod = pod(Samples.model(parent), Component.SUPERVISOR);
        assertNull(pod.getHostNetwork());
        assertNull(pod.getAffinity());
    }

    @Test
    void loadBalancerServiceKeepsClientAddressesByDefault() {
        ObjectNode parent = parent();
        ObjectNode service = exposure(parent, "redirector").putObject("service");
        service.put("type", "LoadBalancer").put("loadBalancerClass", "example.com/lb").put("port", 443);
        service.putObject("annotations").put("example.com/pool", "public");
        service.putArray("loadBalancerSourceRanges").add("192.0.2.0/24");
        Service client = client(Samples.model(parent));
        assertEquals("LoadBalancer", client.getSpec().getType());
        assertEquals("Local", client.getSpec().getExternalTrafficPolicy());
        assertEquals("example.com/lb", client.getSpec().getLoadBalancerClass());
        assertEquals(List.of("192.0.2.0/24"), client.getSpec().getLoadBalancerSourceRanges());
        assertEquals(Map.of("example.com/pool", "public"), client.getMetadata().getAnnotations());
        assertEquals(443, client.getSpec().getPorts().get(0).getPort());
        assertEquals(1094, client.getSpec().getPorts().get(0).getTargetPort().getIntVal());
        assertNull(client.getSpec().getPorts().get(0).getNodePort());
    }

    @Test
    void nodePortServiceTakesTheGivenNodePortAndPolicy() {
        ObjectNode parent = parent();
        exposure(parent, "redirector").putObject("service").put("type", "NodePort").put("nodePort", 31094)
                .put("externalTrafficPolicy", "Cluster");
        Service client = client(Samples.model(parent));
        assertEquals("NodePort", client.getSpec().getType());
        assertEquals("Cluster", client.getSpec().getExternalTrafficPolicy());
        assertEquals(31094, client.getSpec().getPorts().get(0).getNodePort());
        assertNull(client.getSpec().getLoadBalancerClass());
    }

    @Test
    void hostPortRedirectorsAndWorkersOnOneNodePortKeepEachOtherApart() {
        ObjectNode parent = parent();
        exposure(parent, "redirector").put("mode", "HostPort");
        exposure(parent, "worker").put("mode", "HostPort");
        XrootdSpec spec = Samples.model(parent);
        for (Component component : List.of(Component.REDIRECTOR, Component.WORKER)) {
            assertEquals(List.of("redirector", "worker"), requiredAntiAffinity(pod(spec, component)).get(0).getLabelSelector()
                    .getMatchExpressions().get(0).getValues());
        }
    }

    @Test
    void outputIsDeterministic() {
        ObjectNode parent = parent();
        exposure(parent, "redirector").put("mode", "HostNetwork").putObject("service").put("type", "LoadBalancer")
                .putObject("annotations").put("b", "2").put("a", "1");
        exposure(parent, "worker").put("mode", "HostPort");
        for (Component component : List.of(Component.REDIRECTOR, Component.WORKER)) {
            assertEquals(Samples.statefulSet(Samples.model(parent), component, Samples.image()).toString(),
                    Samples.statefulSet(Samples.model(parent.deepCopy()), component, Samples.image()).toString());
        }
        assertEquals("{\"a\":\"1\",\"b\":\"2\"}", Services.client(Samples.model(parent)).get("metadata").get("annotations").toString());
    }

    /** The kind/name pairs of every child, e.g. "Service/xrd-w-1a2b3c". */
    private static List<String> kindsAndNames(XrootdSpec spec) {
        return Children.all(spec, Samples.image()).stream()
                .map(c -> c.path("kind").asText() + "/" + c.path("metadata").path("name").asText()).toList();
    }

    private static String serviceName(XrootdSpec spec, Component component) {
        return Samples.statefulSet(spec, component, Samples.image()).path("spec").path("serviceName").asText();
    }

    /**
     * A HostNetwork worker's node address must reverse-resolve to the node's site name, not to a pod name under
     * a headless Service that only the cluster resolves (the managers redirect clients to that name): no worker
     * headless Service, while the StatefulSet still names it and the other roles keep theirs.
     */
    @Test
    void hostNetworkWorkersHaveNoHeadlessServiceButKeepTheirServiceName() {
        ObjectNode parent = parent();
        exposure(parent, "worker").put("mode", "HostNetwork");
        exposure(parent, "redirector").put("mode", "HostNetwork");
        XrootdSpec spec = Samples.model(parent);
        String workerService = serviceName(spec, Component.WORKER);
        String redirectorService = serviceName(spec, Component.REDIRECTOR);
        assertTrue(workerService.startsWith("xrd-w-"), workerService);
        assertTrue(redirectorService.startsWith("xrd-r-"), redirectorService);
        List<String> children = kindsAndNames(spec);
        assertFalse(children.contains("Service/" + workerService), children.toString());
        assertTrue(children.contains("Service/" + redirectorService), children.toString());
        assertTrue(children.contains("Service/base-xrootd-xrootd"), children.toString());
        assertTrue(children.contains("StatefulSet/base-xrootd-xrootd-worker"), children.toString());
    }

    /** HostPort and Pod workers keep their pod network, so their pod IPs' PTRs are the cluster's names anyway. */
    @Test
    void hostPortAndPodWorkersKeepTheirHeadlessService() {
        for (String mode : List.of("Pod", "HostPort")) {
            ObjectNode parent = parent();
            exposure(parent, "worker").put("mode", mode);
            exposure(parent, "redirector").put("mode", "HostNetwork");
            XrootdSpec spec = Samples.model(parent);
            String workerService = serviceName(spec, Component.WORKER);
            assertTrue(workerService.startsWith("xrd-w-"), workerService);
            assertTrue(kindsAndNames(spec).contains("Service/" + workerService), mode + ": " + kindsAndNames(spec));
        }
    }
}
