package org.xrootd.hook.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Samples;

/** spec.allowedHosts and spec.networkPolicy: defaults, what is accepted, each refusal with its field. */
class AllowedHostsAndNetworkPolicySpecTest {
    private static List<String> problemFields(ObjectNode parent) {
        return SpecParser.parse(parent).problems().stream().map(Problem::field).toList();
    }

    @Test
    void defaultsAreNoExtraHostsAndAPolicyOpenToEveryClient() {
        XrootdSpec spec = Samples.sample();
        assertEquals(List.of(), spec.allowedHosts());
        assertTrue(spec.networkPolicy().enabled());
        assertEquals(List.of(), spec.networkPolicy().clients());
        assertEquals(java.util.Map.of(), spec.governingServices());
    }

    @Test
    void hostNamesAndPatternsWithOneStarAreAccepted() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putArray("allowedHosts").add("*.nodes.example.org").add("node-*.example.org").add("gw.example.org").add("*");
        assertEquals(List.of("*.nodes.example.org", "node-*.example.org", "gw.example.org", "*"), Samples.model(parent).allowedHosts());
    }

    @Test
    void twoStarsOtherCharactersDuplicatesAndTooManyAreRefused() {
        for (String bad : List.of("*.nodes.*.org", "a b", "", "host;rm", "x".repeat(254))) {
            ObjectNode parent = Samples.parent("x");
            Samples.spec(parent).putArray("allowedHosts").add(bad);
            assertEquals(List.of("spec.allowedHosts[0]"), problemFields(parent), bad);
        }
        ObjectNode twice = Samples.parent("x");
        Samples.spec(twice).putArray("allowedHosts").add("*.a.org").add("*.a.org");
        assertEquals(List.of("spec.allowedHosts[1]"), problemFields(twice));
        ObjectNode many = Samples.parent("x");
        var hosts = Samples.spec(many).putArray("allowedHosts");
        for (int i = 0; i <= SpecParser.MAX_ALLOWED_HOSTS; i++) {
            hosts.add("h" + i + ".example.org");
        }
        assertEquals(List.of("spec.allowedHosts"), problemFields(many));
        ObjectNode notList = Samples.parent("x");
        Samples.spec(notList).put("allowedHosts", "*.a.org");
        assertEquals(List.of("spec.allowedHosts"), problemFields(notList));
    }

    @Test
    void clientPeersAreReadAndCheckedAsTheApiServerChecksThem() throws Exception {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).set("networkPolicy", Json.MAPPER.readTree("{\"enabled\":true,\"clients\":["
                + "{\"namespaceSelector\":{\"matchLabels\":{\"kubernetes.io/metadata.name\":\"analysis\"}}},"
                + "{\"ipBlock\":{\"cidr\":\"2001:db8::/32\",\"except\":[\"2001:db8:1::/48\"]}}]}"));
        XrootdSpec spec = Samples.model(parent);
        assertEquals(2, spec.networkPolicy().clients().size());
        assertEquals("2001:db8::/32", spec.networkPolicy().clients().get(1).getIpBlock().getCidr());

        for (String[] bad : new String[][] {
                {"{}", "spec.networkPolicy.clients[0]"},
                {"{\"ipBlock\":{\"cidr\":\"10.0.0.0/8\"},\"podSelector\":{}}", "spec.networkPolicy.clients[0]"},
                {"{\"ipBlock\":{\"cidr\":\"10.0.0.0/33\"}}", "spec.networkPolicy.clients[0].ipBlock.cidr"},
                {"{\"ipBlock\":{\"cidr\":\"example.org/8\"}}", "spec.networkPolicy.clients[0].ipBlock.cidr"},
                {"{\"ipBlock\":{\"cidr\":\"10.0.0.0/8\",\"except\":[\"2001:db8::/64\"]}}", "spec.networkPolicy.clients[0].ipBlock.except[0]"},
                {"{\"podSelector\":{\"matchLabels\":{\"app\":\"bad value!\"}}}", "spec.networkPolicy.clients[0].podSelector.matchLabels.app"},
                {"{\"podSelector\":{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"In\"}]}}",
                        "spec.networkPolicy.clients[0].podSelector.matchExpressions[0].values"},
                {"{\"ports\":[]}", "spec.networkPolicy.clients[0].ports"}}) {
            ObjectNode refused = Samples.parent("x");
            Samples.spec(refused).putObject("networkPolicy").set("clients", Json.MAPPER.readTree("[" + bad[0] + "]"));
            List<String> fields = problemFields(refused);
            assertFalse(fields.isEmpty(), bad[0]);
            assertTrue(fields.get(0).startsWith(bad[1]), bad[0] + " -> " + fields);
        }
        ObjectNode badMember = Samples.parent("x");
        Samples.spec(badMember).putObject("networkPolicy").set("members", Json.MAPPER.readTree("[{\"ipBlock\":{\"cidr\":\"nodes\"}}]"));
        assertEquals(List.of("spec.networkPolicy.members[0].ipBlock.cidr"), problemFields(badMember));
        ObjectNode unknown = Samples.parent("x");
        Samples.spec(unknown).putObject("networkPolicy").putArray("egress");
        assertEquals(List.of("spec.networkPolicy.egress"), problemFields(unknown));
        ObjectNode off = Samples.parent("x");
        Samples.spec(off).putObject("networkPolicy").put("enabled", false);
        assertFalse(Samples.model(off).networkPolicy().enabled());
        ObjectNode wrongType = Samples.parent("x");
        Samples.spec(wrongType).putObject("networkPolicy").put("enabled", "yes");
        assertEquals(List.of("spec.networkPolicy.enabled"), problemFields(wrongType));
    }
}
