package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.testkit.Samples;

class RedirectNamesTest {
    private static XrootdSpec spec(String name, String namespace, String version, int workers) {
        ObjectNode parent = Samples.parent(name);
        ((ObjectNode) parent.get("metadata")).put("namespace", namespace);
        Samples.spec(parent).put("version", version);
        ((ObjectNode) Samples.spec(parent).get("worker")).put("replicas", workers);
        return Samples.model(parent);
    }

    /** The oracle spells the longest name out: worker ordinal 63 without supervisors (at most 64 workers). */
    @Test
    void theLongestNameIsTheHighestWorkerOrdinalAManagerHolds() {
        XrootdSpec spec = spec("base-xrootd", "default", "5.5.3", 3);
        String worker = "base-xrootd-xrootd-worker-63." + Names.shortService(spec, Component.WORKER) + ".default.svc.";
        assertEquals(worker + ":1094", RedirectNames.longestWithoutDomain(spec));
        assertEquals(61, RedirectNames.lengthWithoutDomain(spec));
        // 61 + "cluster.local" = 74 <= 78
        assertEquals(Optional.empty(), RedirectNames.tooLong(spec));
        // Scaling within 64 workers changes nothing the redirectors read.
        assertEquals(61, RedirectNames.lengthWithoutDomain(spec("base-xrootd", "default", "5.5.3", 64)));
    }

    /** Above 64 workers: supervisor ordinal 15 (16 supervisors for 1000 workers) is longer than worker 999. */
    @Test
    void withSupervisorsTheLongestIsASupervisor() {
        XrootdSpec spec = spec("base-xrootd", "default", "5.5.3", 65);
        String supervisor = "base-xrootd-xrootd-supervisor-15." + Names.shortService(spec, Component.SUPERVISOR) + ".default.svc.:1094";
        assertEquals(supervisor, RedirectNames.longestWithoutDomain(spec));
        assertEquals(65, supervisor.length());
    }

    /** name + namespace = 22 is the bound without supervisors at cluster.local and port 1094: 78 exactly. */
    @Test
    void theBoundIsNamePlusNamespaceOf22() {
        XrootdSpec atBound = spec("fifteen-chars-x", "default", "5.5.3", 2);
        assertEquals(78 - "cluster.local".length(), RedirectNames.lengthWithoutDomain(atBound));
        assertEquals(Optional.empty(), RedirectNames.tooLong(atBound));
        XrootdSpec over = spec("sixteen-chars-xy", "default", "5.5.3", 2);
        String message = RedirectNames.tooLong(over).orElseThrow();
        assertTrue(message.contains("is 79 characters with the cluster domain cluster.local, over the 78 that XRootD 5.5.3 keeps"), message);
        assertTrue(message.contains("together have at most 22 characters"), message);
        assertTrue(message.contains("sixteen-chars-xy-xrootd-worker-63." + Names.shortService(over, Component.WORKER)
                + ".default.svc.cluster.local:1094"), message);
    }

    /** A cluster whose StatefulSets keep the long governing Services of earlier releases: usually over the bound. */
    @Test
    void keptLongGoverningServicesCount() {
        XrootdSpec spec = spec("base-xrootd", "default", "5.5.3", 3)
                .withGoverningServices(java.util.Map.of(Component.WORKER, "base-xrootd-xrootd-worker"));
        assertEquals("base-xrootd-xrootd-worker-63.base-xrootd-xrootd-worker.default.svc.:1094", RedirectNames.longestWithoutDomain(spec));
        String message = RedirectNames.tooLong(spec).orElseThrow();
        assertTrue(message.contains("is 85 characters"), message);
    }

    @Test
    void fromXrootd58TheLimitIs255AndOn4xNothingIsOffered() {
        XrootdSpec long58 = spec("sixteen-chars-xy", "default", "5.8.0", 2);
        assertEquals(255, RedirectNames.max(long58));
        assertEquals(Optional.empty(), RedirectNames.tooLong(long58));
        XrootdSpec old = spec("sixteen-chars-xy", "default", "4.11.2", 2);
        assertFalse(RedirectNames.offered(old));
        assertEquals(Optional.empty(), RedirectNames.tooLong(old));
        assertFalse(XrootdConf.render(old).contains("rpipa"));
    }

    @Test
    void hostNetworkedWorkersKeepAddressRedirects() {
        ObjectNode parent = Samples.parent("base-xrootd");
        Samples.spec(parent).put("version", "5.5.3");
        ((ObjectNode) Samples.spec(parent).get("worker")).putObject("exposure").put("mode", "HostNetwork");
        Samples.spec(parent).putArray("allowedHosts").add("*.nodes.example.org");
        XrootdSpec spec = Samples.model(parent);
        assertFalse(RedirectNames.offered(spec));
        assertFalse(XrootdConf.render(spec).contains("rpipa"));
        assertFalse(Children.all(spec, Samples.image()).stream().filter(c -> "StatefulSet".equals(c.path("kind").asText()))
                .anyMatch(c -> c.toString().contains(RedirectNames.LENGTH_ENV)));
    }

    /** Managers (and supervisors) carry the length and the limit; workers do not. */
    @Test
    void onlyManagersAndSupervisorsCarryTheLength() {
        XrootdSpec spec = spec("base-xrootd", "default", "5.5.3", 65);
        for (com.fasterxml.jackson.databind.JsonNode child : Children.all(spec, Samples.image())) {
            if ("StatefulSet".equals(child.path("kind").asText())) {
                for (com.fasterxml.jackson.databind.JsonNode container : child.at("/spec/template/spec/containers")) {
                    String env = container.path("env").toString();
                    boolean worker = child.at("/metadata/name").asText().endsWith("-worker");
                    assertEquals(!worker, env.contains("{\"name\":\"XRD_REDIRECT_NAME_LENGTH\",\"value\":\"65\"}"), env);
                    assertEquals(!worker, env.contains("{\"name\":\"XRD_HOST_PORT_MAX\",\"value\":\"78\"}"), env);
                }
            }
        }
    }

    /** The rendered switch: rpipa only where start.sh exported XRD_RPIPA, the same dyndns either way. */
    @Test
    void theConfigurationSwitchesOnTheVariableStartShExports() {
        String conf = XrootdConf.render(spec("base-xrootd", "default", "5.5.3", 3));
        assertTrue(conf.contains("if defined ?~XRD_RPIPA\n   xrd.network dyndns rpipa\nelse\n   xrd.network dyndns\nfi\n"), conf);
    }
}
