package org.xrootd.hook.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Samples;

/** SpecParser on spec.redirector.exposure and spec.worker.exposure: defaults, and every bad combination. */
class ExposureParserTest {
    private final ObjectNode parent = withNodeNames(Samples.parent("x"));

    /** HostNetwork members need spec.allowedHosts; every case here names the nodes unless it tests that rule. */
    private static ObjectNode withNodeNames(ObjectNode parent) {
        Samples.spec(parent).putArray("allowedHosts").add("*.nodes.example.org");
        return parent;
    }

    private ObjectNode exposure(String role) {
        return ((ObjectNode) Samples.spec(parent).get(role)).putObject("exposure");
    }

    private ObjectNode role(String role) {
        return (ObjectNode) Samples.spec(parent).get(role);
    }

    /** The single problem the parent has: its field, and that its message contains {@code text}. */
    private void refused(String field, String text) {
        SpecParser.Result result = SpecParser.parse(parent);
        assertEquals(List.of(field), result.problems().stream().map(Problem::field).toList(), result.problems().toString());
        assertTrue(result.problems().get(0).message().contains(text), result.problems().get(0).message());
    }

    @Test
    void absentOrPodIsTodaysBehaviour() {
        XrootdSpec spec = Samples.sample();
        assertEquals(XrootdSpec.Exposure.POD, spec.redirector().exposure());
        assertEquals(XrootdSpec.Exposure.POD, spec.worker().exposure());
        assertEquals(XrootdSpec.Exposure.POD, spec.supervisor().exposure());
        exposure("redirector").put("mode", "Pod");
        XrootdSpec pod = Samples.model(parent);
        assertEquals(XrootdSpec.ExposureMode.POD, pod.redirector().exposure().mode());
        assertEquals("ClusterIP", pod.redirector().exposure().service().type());
        assertEquals(1094, pod.redirector().exposure().service().port());
        assertNull(pod.redirector().exposure().service().externalTrafficPolicy());
    }

    @Test
    void hostNetworkMembersWithoutAllowedHostsAreRefused() {
        Samples.spec(parent).remove("allowedHosts");
        exposure("worker").put("mode", "HostNetwork");
        refused("spec.worker.exposure.mode", "spec.allowedHosts");
        exposure("worker").put("mode", "HostPort");
        exposure("redirector").put("mode", "HostNetwork");
        refused("spec.redirector.exposure.mode", "spec.allowedHosts");
    }

    @Test
    void nodePortsFollowTheMode() {
        exposure("redirector").put("mode", "HostNetwork");
        exposure("worker").put("mode", "HostPort");
        XrootdSpec spec = Samples.model(parent);
        assertEquals(Set.of(1094, 3121), spec.redirector().exposure().nodePorts());
        assertEquals(Set.of(1094), spec.worker().exposure().nodePorts());
        assertEquals("spec.nodeName", spec.worker().exposure().advertiseField());
    }

    @Test
    void externalServicesDefaultToTheLocalTrafficPolicy() {
        exposure("redirector").putObject("service").put("type", "NodePort");
        assertEquals("Local", Samples.model(parent).redirector().exposure().service().externalTrafficPolicy());
    }

    @Test
    void hostPortsOnlyWithHostPort() {
        exposure("redirector").put("mode", "Pod").putObject("hostPorts").put("xrootd", 2094);
        refused("spec.redirector.exposure.hostPorts", "only with mode HostPort");
    }

    @Test
    void hostNetworkCannotTakeAPortBelow1024() {
        exposure("redirector").put("mode", "HostNetwork").putObject("hostPorts").put("xrootd", 443);
        refused("spec.redirector.exposure.hostPorts", "below 1024 cannot be bound");
    }

    @Test
    void aHostPortMayBeBelow1024() {
        exposure("redirector").put("mode", "HostPort").putObject("hostPorts").put("xrootd", 443);
        assertEquals(Set.of(443, 3121), Samples.model(parent).redirector().exposure().nodePorts());
    }

    @Test
    void twoDaemonsOfOnePodOnOneNodePortAreRefused() {
        exposure("redirector").put("mode", "HostPort").putObject("hostPorts").put("cmsd", 1094);
        refused("spec.redirector.exposure.hostPorts", "different node ports");
    }

    @Test
    void advertiseOnlyWithHostPort() {
        exposure("worker").put("mode", "HostNetwork").put("advertise", "NodeIP");
        refused("spec.worker.exposure.advertise", "advertises the node's address itself");
        exposure("worker").put("advertise", "NodeName");
        refused("spec.worker.exposure.advertise", "only with mode HostPort");
    }

    @Test
    void externalServiceFieldsOnlyWithTheirTypes() {
        exposure("redirector").putObject("service").put("type", "ClusterIP").put("externalTrafficPolicy", "Local");
        refused("spec.redirector.exposure.service.externalTrafficPolicy", "only with type NodePort or LoadBalancer");
        exposure("redirector").putObject("service").put("nodePort", 30000);
        refused("spec.redirector.exposure.service.nodePort", "only with type NodePort or LoadBalancer");
        exposure("redirector").putObject("service").put("type", "NodePort").put("loadBalancerClass", "example.com/lb");
        refused("spec.redirector.exposure.service.loadBalancerClass", "only with type LoadBalancer");
        exposure("redirector").putObject("service").put("type", "NodePort").putArray("loadBalancerSourceRanges").add("10.0.0.0/8");
        refused("spec.redirector.exposure.service.loadBalancerSourceRanges", "only with type LoadBalancer");
    }

    @Test
    void sourceRangesMustBeCidrs() {
        exposure("redirector").putObject("service").put("type", "LoadBalancer").putArray("loadBalancerSourceRanges")
                .add("192.0.2.0/24").add("2001:db8::/32").add("300.0.0.0/8");
        refused("spec.redirector.exposure.service.loadBalancerSourceRanges[2]", "not a CIDR");
    }

    @Test
    void unknownModesAndFieldsAreRefused() {
        exposure("worker").put("mode", "LoadBalancer");
        refused("spec.worker.exposure.mode", "must be one of Pod, HostNetwork, HostPort");
        exposure("worker").put("hostPorts", 1);
        refused("spec.worker.exposure.hostPorts", "is not a field");
        role("worker").remove("exposure");
        ((ObjectNode) Samples.spec(parent)).putObject("supervisor").putObject("exposure");
        refused("spec.supervisor.exposure", "is not a field");
    }

    @Test
    void requiredAffinityToAClashingRoleOnTheSameNodeIsRefused() {
        exposure("worker").put("mode", "HostNetwork");
        exposure("redirector").put("mode", "HostPort");
        role("worker").putObject("affinity").putObject("podAffinity").putArray("requiredDuringSchedulingIgnoredDuringExecution")
                .addObject().put("topologyKey", "kubernetes.io/hostname").putObject("labelSelector").putObject("matchLabels")
                .put("app.kubernetes.io/component", "redirector");
        refused("spec.worker.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]", "requires redirector pods on the same node");
    }

    @Test
    void affinityToOtherPodsOrZonesIsKept() {
        exposure("worker").put("mode", "HostNetwork");
        ObjectNode terms = role("worker").putObject("affinity").putObject("podAffinity");
        terms.putArray("requiredDuringSchedulingIgnoredDuringExecution").addObject().put("topologyKey", "kubernetes.io/hostname")
                .putObject("labelSelector").putObject("matchLabels").put("app", "cache");
        ((com.fasterxml.jackson.databind.node.ArrayNode) terms.get("requiredDuringSchedulingIgnoredDuringExecution")).addObject()
                .put("topologyKey", "topology.kubernetes.io/zone").putObject("labelSelector").putObject("matchLabels")
                .put("app.kubernetes.io/component", "worker");
        assertTrue(SpecParser.parse(parent).ok(), SpecParser.parse(parent).problems().toString());
    }

    @Test
    void pinningSeveralHostNetworkPodsToOneNodeIsRefused() {
        exposure("worker").put("mode", "HostNetwork");
        role("worker").putObject("nodeSelector").put("kubernetes.io/hostname", "node-1");
        refused("spec.worker.nodeSelector", "pins 3 pods to one node");
        role("worker").put("replicas", 1);
        assertTrue(SpecParser.parse(parent).ok());
    }

    @Test
    void labelSelectorsMatchAsKubernetesDoes() {
        var labels = java.util.Map.of("a", "1", "b", "2");
        var selector = new io.fabric8.kubernetes.api.model.LabelSelectorBuilder().addToMatchLabels("a", "1")
                .addNewMatchExpression().withKey("b").withOperator("In").withValues("2", "3").endMatchExpression()
                .addNewMatchExpression().withKey("c").withOperator("DoesNotExist").endMatchExpression().build();
        assertTrue(Exposures.matches(selector, labels));
        assertTrue(Exposures.matches(new io.fabric8.kubernetes.api.model.LabelSelector(), labels));
        assertTrue(!Exposures.matches(null, labels));
        selector.getMatchExpressions().get(1).setOperator("Exists");
        assertTrue(!Exposures.matches(selector, labels));
    }
}
