package org.xrootd.hook.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Samples;

/** spec.tpc and spec.federation as SpecParser reads them: defaults, and a problem naming the field for each mistake. */
class GridTest {
    private static ObjectNode withTls(ObjectNode parent) {
        Samples.spec(parent).putObject("tls").put("secretName", "site-tls");
        return parent;
    }

    private static List<Problem> problems(ObjectNode parent) {
        SpecParser.Result result = SpecParser.parse(parent);
        assertFalse(result.ok(), "expected problems");
        return result.problems();
    }

    private static List<String> fields(ObjectNode parent) {
        return problems(parent).stream().map(Problem::field).toList();
    }

    @Test
    void absentMeansNoTpcAndNoFederation() {
        XrootdSpec spec = Samples.sample();
        assertEquals(Grid.Tpc.OFF, spec.tpc());
        assertEquals(Grid.Federation.NONE, spec.federation());
    }

    @Test
    void tpcIsReadWithItsOptions() {
        ObjectNode parent = withTls(Samples.parent("x"));
        Samples.spec(parent).putObject("tpc").put("xroot", true).put("http", true).put("streams", 4).put("maxTransfers", 20)
                .put("caKey", "ca.crt");
        assertEquals(new Grid.Tpc(true, true, 4, 20, "ca.crt"), Samples.model(parent).tpc());
        Samples.spec(parent).putObject("tpc").put("xroot", true);
        assertEquals(new Grid.Tpc(true, false, 0, 0, null), Samples.model(parent).tpc());
    }

    @Test
    void httpTpcWithoutTlsIsRefusedWithTheReason() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putObject("tpc").put("http", true);
        List<Problem> problems = problems(parent);
        assertEquals(List.of("spec.tpc.http"), problems.stream().map(Problem::field).toList());
        assertTrue(problems.get(0).message().contains("needs spec.tls") && problems.get(0).message().contains("400"), problems.toString());
        // xroot TPC alone needs no TLS.
        Samples.spec(parent).putObject("tpc").put("xroot", true);
        assertTrue(SpecParser.parse(parent).ok());
    }

    @Test
    void httpTpcWithSssIsRefused() {
        ObjectNode parent = withTls(Samples.parent("x"));
        Samples.spec(parent).putObject("sss").put("secretName", "keytab");
        Samples.spec(parent).putObject("tpc").put("http", true);
        List<Problem> problems = problems(parent);
        assertEquals(List.of("spec.tpc.http"), problems.stream().map(Problem::field).toList());
        assertTrue(problems.get(0).message().contains("spec.sss"), problems.toString());
    }

    @Test
    void badTpcValuesNameTheirField() {
        ObjectNode parent = withTls(Samples.parent("x"));
        Samples.spec(parent).putObject("tpc").put("xroot", "yes").put("streams", 16).put("maxTransfers", 0).put("colour", 1);
        assertEquals(List.of("spec.tpc.colour", "spec.tpc.xroot", "spec.tpc.streams", "spec.tpc.maxTransfers"), fields(parent));
        Samples.spec(parent).putObject("tpc").put("xroot", true).put("caKey", "ca.crt");
        assertEquals(List.of("spec.tpc.caKey"), fields(parent));
        Samples.spec(parent).putObject("tpc").put("http", true).put("caKey", "tls.key");
        assertEquals(List.of("spec.tpc.caKey"), fields(parent));
        Samples.spec(parent).putObject("tpc").put("http", true).put("caKey", "a/b");
        assertEquals(List.of("spec.tpc.caKey"), fields(parent));
        Samples.spec(parent).put("tpc", "on");
        assertEquals(List.of("spec.tpc"), fields(parent));
    }

    @Test
    void federationIsReadInOrder() {
        ObjectNode parent = Samples.parent("x");
        ObjectNode federation = Samples.spec(parent).putObject("federation").put("siteName", "T2_XX_Example");
        federation.putArray("managers").add(manager("meta1.example.org", 1213)).add(manager("meta2.example.org", 1098).put("allAddresses", true));
        Grid.Federation read = Samples.model(parent).federation();
        assertEquals("T2_XX_Example", read.siteName());
        assertEquals(List.of("meta1.example.org:1213", "meta2.example.org+:1098"), read.managers().stream().map(Grid.Manager::address).toList());
        assertFalse(read.metaManager());
    }

    @Test
    void managersNeedASiteNameAndEachManagerOnce() {
        ObjectNode parent = Samples.parent("x");
        ObjectNode federation = Samples.spec(parent).putObject("federation");
        federation.putArray("managers").add(manager("meta.example.org", 1213)).add(manager("meta.example.org", 1213));
        List<Problem> problems = problems(parent);
        assertEquals(List.of("spec.federation.managers[1]", "spec.federation.siteName"), problems.stream().map(Problem::field).toList());
        assertTrue(problems.get(1).message().contains("required"), problems.toString());
    }

    @Test
    void badManagersAndSiteNamesNameTheirField() {
        ObjectNode parent = Samples.parent("x");
        ObjectNode federation = Samples.spec(parent).putObject("federation").put("siteName", "bad site");
        federation.putArray("managers").add(manager("-bad", 1213)).add(Json.MAPPER.createObjectNode().put("host", "ok.example.org"))
                .add(manager("ok.example.org", 70000)).add("text");
        assertEquals(List.of("spec.federation.siteName", "spec.federation.managers[0].host", "spec.federation.managers[1].port",
                "spec.federation.managers[2].port", "spec.federation.managers[3]"), fields(parent));
        Samples.spec(parent).putObject("federation").put("siteName", "x".repeat(64));
        assertEquals(List.of("spec.federation.siteName"), fields(parent));
        ObjectNode many = Samples.spec(parent).putObject("federation").put("siteName", "S");
        for (int i = 0; i < Grid.MAX_MANAGERS + 1; i++) {
            many.withArray("managers").add(manager("m" + i + ".example.org", 1213));
        }
        assertEquals(List.of("spec.federation.managers"), fields(parent));
    }

    @Test
    void aSiteNameAlsoInSpecConfigIsRefused() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putObject("federation").put("siteName", "SITE");
        Samples.spec(parent).putObject("config").putArray("redirector").add("all.sitename OTHER");
        List<Problem> problems = problems(parent);
        assertEquals(List.of("spec.federation.siteName"), problems.stream().map(Problem::field).toList());
        assertTrue(problems.get(0).message().contains("first"), problems.toString());
    }

    @Test
    void aMetaManagerHasNoWorkersNoManagersAndAdmitsTheSites() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putObject("federation").put("metaManager", true);
        assertEquals(List.of("spec.worker.replicas", "spec.allowedHosts", "spec.networkPolicy.members"), fields(parent));
        ((ObjectNode) Samples.spec(parent).get("worker")).put("replicas", 0);
        Samples.spec(parent).putArray("allowedHosts").add("*.site-a.example.org");
        // The NetworkPolicy admits only the cluster's own pods to the cmsd port: the sites must be members.
        assertEquals(List.of("spec.networkPolicy.members"), fields(parent));
        Samples.spec(parent).putObject("networkPolicy").putArray("members").addObject().putObject("ipBlock").put("cidr", "192.0.2.0/24");
        assertTrue(Samples.model(parent).federation().metaManager());
        Samples.spec(parent).putObject("networkPolicy").put("enabled", false);
        assertTrue(Samples.model(parent).federation().metaManager());
        ((ObjectNode) Samples.spec(parent).get("federation")).put("siteName", "S").putArray("managers").add(manager("up.example.org", 1213));
        assertEquals(List.of("spec.federation.managers"), fields(parent));
    }

    private static ObjectNode manager(String host, int port) {
        return Json.MAPPER.createObjectNode().put("host", host).put("port", port);
    }
}
