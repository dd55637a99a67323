package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.testkit.Samples;

class NetworkPoliciesTest {
    private static final Map<String, String> CLUSTER = Map.of("app.kubernetes.io/instance", "base-xrootd", "app.kubernetes.io/name", "xrootd");

    private static NetworkPolicy policy(XrootdSpec spec) {
        return Samples.typed(NetworkPolicies.build(spec), NetworkPolicy.class);
    }

    private static void isMembers(io.fabric8.kubernetes.api.model.LabelSelector selector) {
        assertEquals(CLUSTER, selector.getMatchLabels());
        assertEquals(1, selector.getMatchExpressions().size());
        assertEquals("app.kubernetes.io/component", selector.getMatchExpressions().get(0).getKey());
        assertEquals("In", selector.getMatchExpressions().get(0).getOperator());
        assertEquals(List.of("redirector", "supervisor", "worker"), selector.getMatchExpressions().get(0).getValues(),
                "every member role, not the monitor");
    }

    @Test
    void cmsdOnlyFromTheClustersPodsXrootOpenToEveryone() {
        NetworkPolicy policy = policy(Samples.sample());
        assertEquals("base-xrootd-xrootd", policy.getMetadata().getName());
        assertEquals("ns1", policy.getMetadata().getNamespace());
        isMembers(policy.getSpec().getPodSelector());
        assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes());
        List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
        assertEquals(2, rules.size());
        assertEquals(3121, rules.get(0).getPorts().get(0).getPort().getIntVal());
        assertEquals("TCP", rules.get(0).getPorts().get(0).getProtocol());
        assertEquals(1, rules.get(0).getFrom().size());
        isMembers(rules.get(0).getFrom().get(0).getPodSelector());
        assertNull(rules.get(0).getFrom().get(0).getNamespaceSelector(), "this namespace only");
        assertEquals(1094, rules.get(1).getPorts().get(0).getPort().getIntVal());
        assertTrue(rules.get(1).getFrom().isEmpty(), "no from: every source");
    }

    @Test
    void clientsLimitTheXrootPortAndTheMembersKeepIt() throws Exception {
        ObjectNode parent = Samples.parent("base-xrootd");
        Samples.spec(parent).putObject("ports").put("xrootd", 2094).put("cmsd", 4121);
        Samples.spec(parent).putObject("networkPolicy").set("clients",
                Json.MAPPER.readTree("[{\"ipBlock\":{\"cidr\":\"192.0.2.0/24\"}}]"));
        NetworkPolicy policy = policy(Samples.model(parent));
        List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
        assertEquals(4121, rules.get(0).getPorts().get(0).getPort().getIntVal());
        assertEquals(2094, rules.get(1).getPorts().get(0).getPort().getIntVal());
        assertEquals(3, rules.get(1).getFrom().size());
        assertEquals("192.0.2.0/24", rules.get(1).getFrom().get(0).getIpBlock().getCidr());
        isMembers(rules.get(1).getFrom().get(1).getPodSelector());
        // The drain Job's pod of a scale-down copies over the xroot port.
        assertEquals(java.util.Map.of("app.kubernetes.io/component", "drain", "app.kubernetes.io/instance", "base-xrootd",
                "app.kubernetes.io/name", "xrootd"), rules.get(1).getFrom().get(2).getPodSelector().getMatchLabels());
    }

    @Test
    void membersOnNodeAddressesReachTheCmsdPort() throws Exception {
        ObjectNode parent = Samples.parent("base-xrootd");
        Samples.spec(parent).putObject("networkPolicy").set("members",
                Json.MAPPER.readTree("[{\"ipBlock\":{\"cidr\":\"198.51.100.0/24\"}}]"));
        List<NetworkPolicyIngressRule> rules = policy(Samples.model(parent)).getSpec().getIngress();
        assertEquals(2, rules.get(0).getFrom().size());
        isMembers(rules.get(0).getFrom().get(0).getPodSelector());
        assertEquals("198.51.100.0/24", rules.get(0).getFrom().get(1).getIpBlock().getCidr());
        assertTrue(rules.get(1).getFrom().isEmpty(), "the xroot port stays open to everyone");
    }

    @Test
    void disabledNoPolicyIsBuilt() {
        ObjectNode parent = Samples.parent("base-xrootd");
        Samples.spec(parent).putObject("networkPolicy").put("enabled", false);
        assertTrue(Children.all(Samples.model(parent), Samples.image()).stream().noneMatch(c -> "NetworkPolicy".equals(c.path("kind").asText())));
        assertEquals(1, Children.all(Samples.sample(), Samples.image()).stream().filter(c -> "NetworkPolicy".equals(c.path("kind").asText())).count());
    }
}
