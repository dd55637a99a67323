package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.testkit.ConfigReader;
import org.xrootd.hook.testkit.Samples;

/** More than 64 workers: the supervisors' configuration block, StatefulSet and other children. */
class SupervisorChildrenTest {
    private static XrootdSpec withWorkers(int workers) {
        ObjectNode parent = Samples.parent("wide");
        ((ObjectNode) Samples.spec(parent).get("worker")).put("replicas", workers);
        return Samples.model(parent);
    }

    @Test
    void configSelectsTheSupervisorRoleByInstanceName() {
        String config = XrootdConf.render(withWorkers(100));
        assertTrue(config.contains("""
                else if named supervisor
                   # Up to 64 workers that a full manager sends on; subscribes to every manager (more than 64 workers).
                   all.role supervisor
                   cms.superport 3121
                   # Only the cluster's own pods may log in: patterns on the peer's reverse DNS name.
                   cms.allow host *.xrd-r-c436fdd6.ns1.svc.$(clusterdom)
                   cms.allow host *.xrd-w-c436fdd6.ns1.svc.$(clusterdom)
                   cms.allow host *.xrd-s-c436fdd6.ns1.svc.$(clusterdom)
                   # Serve 1 s after start, no 80% rule, 1 s lookups; forget a worker gone from this manager after 10 s:
                   # one that a supervisor's login moved behind a supervisor leaves every manager (docs/xrootd-configuration.md).
                   cms.delay startup 1 servers 1 lookup 1 qdl 1 drop 10
                else
                   all.role server
                """), config);
        // Workers keep listing only the redirectors: the managers hand overflow workers to supervisors.
        List<String> managers = ConfigReader.managers(config, "cmsd", "worker", Map.of("POD_NAME", "w"));
        assertEquals(2, managers.size());
        assertEquals(managers, ConfigReader.managers(config, "cmsd", "supervisor", Map.of()));
        assertTrue(managers.stream().allMatch(l -> l.contains("-xrootd-redirector-")), managers.toString());
    }

    @Test
    void upTo64WorkersNothingChanges() {
        XrootdSpec spec = withWorkers(64);
        assertTrue(XrootdConf.render(spec).lines().filter(line -> !line.startsWith("#")).noneMatch(line -> line.contains("supervisor")));
        assertNull(XrootdConf.rendered(spec).hash(Component.SUPERVISOR));
        List<JsonNode> children = Children.all(spec, Samples.image());
        assertTrue(children.stream().noneMatch(c -> c.path("metadata").path("name").asText().contains("supervisor")));
    }

    /**
     * Each manager bumps its own last connected worker for a supervisor's login; a worker bumped by one
     * leaves the other, which kept it offline and held back creates for the whole drop delay (56-63 s
     * with 60 s on real daemons). Above 64 workers the managers and supervisors drop after 10 s.
     */
    @Test
    void aboveSixtyFourWorkersManagersForgetAGoneWorkerAfterTenSeconds() {
        for (Component component : List.of(Component.REDIRECTOR, Component.SUPERVISOR)) {
            List<String> lines = XrootdConf.renderFor(withWorkers(65), component).lines().map(String::strip).toList();
            assertTrue(lines.contains("cms.delay startup 1 servers 1 lookup 1 qdl 1 drop 10"), component + ": " + lines);
            assertTrue(lines.stream().noneMatch(l -> l.contains("drop 60")), component + ": " + lines);
        }
        List<String> upTo64 = XrootdConf.renderFor(withWorkers(64), Component.REDIRECTOR).lines().map(String::strip).toList();
        assertTrue(upTo64.contains("cms.delay startup 1 servers 1 lookup 1 qdl 1 service 2 drop 60"), upTo64.toString());
        assertTrue(XrootdConf.renderFor(withWorkers(65), Component.WORKER).lines().noneMatch(l -> l.contains("cms.delay")));
    }

    @Test
    void crossing64WorkersRollsTheRedirectorsForTheirDropDelayButNotTheWorkers() {
        XrootdConf.Rendered before = XrootdConf.rendered(withWorkers(64));
        XrootdConf.Rendered after = XrootdConf.rendered(withWorkers(100));
        assertNotEquals(before.hash(Component.REDIRECTOR), after.hash(Component.REDIRECTOR));
        assertEquals(after.hash(Component.REDIRECTOR), XrootdConf.rendered(withWorkers(65)).hash(Component.REDIRECTOR));
        // Workers keep their cms.vnid above 64 (SupervisorRealDaemonTest), so their file does not change.
        assertTrue(XrootdConf.renderFor(withWorkers(64), Component.WORKER).contains("cms.vnid =$(podname)"));
        assertTrue(XrootdConf.renderFor(withWorkers(100), Component.WORKER).contains("cms.vnid =$(podname)"));
        assertFalse(XrootdConf.renderFor(withWorkers(100), Component.SUPERVISOR).contains("cms.vnid"));
        assertEquals(before.hash(Component.WORKER), after.hash(Component.WORKER));
        assertNotNull(after.hash(Component.SUPERVISOR));
    }

    @Test
    void supervisorStatefulSetRunsBothDaemonsWithoutStorage() {
        XrootdSpec spec = withWorkers(100);
        JsonNode sts = Samples.statefulSet(spec, Component.SUPERVISOR, Samples.image());
        StatefulSet typed = Samples.typed(sts, StatefulSet.class);
        assertEquals("wide-xrootd-supervisor", typed.getMetadata().getName());
        assertEquals(2, typed.getSpec().getReplicas());
        assertEquals(Names.shortService(spec, Component.SUPERVISOR), typed.getSpec().getServiceName());
        assertEquals("supervisor", typed.getSpec().getSelector().getMatchLabels().get(Labels.COMPONENT));
        assertTrue(typed.getSpec().getVolumeClaimTemplates().isEmpty());
        assertEquals(Samples.hash(spec, Component.SUPERVISOR),
                typed.getSpec().getTemplate().getMetadata().getAnnotations().get(StatefulSets.CONFIG_HASH));
        var containers = typed.getSpec().getTemplate().getSpec().getContainers();
        assertEquals(List.of("cmsd", "xrootd"), containers.stream().map(c -> c.getName()).toList());
        assertEquals("supervisor", containers.get(0).getEnv().get(0).getValue());
        assertEquals(3121, containers.get(0).getLivenessProbe().getTcpSocket().getPort().getIntVal());
        String readiness = String.join(" ", containers.get(1).getReadinessProbe().getExec().getCommand());
        assertTrue(readiness.contains("grep -qE '/[cs]'") && readiness.contains("/proc/net/tcp"), readiness);
        assertTrue(containers.stream().noneMatch(c -> c.getVolumeMounts().stream()
                .anyMatch(m -> m.getMountPath().equals(PodLayout.DATA_DIR))));
    }

    @Test
    void supervisorsGetTheirOwnServiceAndBudgetInAFixedOrder() {
        List<String> children = Children.all(withWorkers(100), Samples.image()).stream()
                .map(c -> c.path("kind").asText() + " " + c.path("metadata").path("name").asText()).toList();
        assertEquals(List.of(
                "ConfigMap wide-xrootd-config",
                "Service " + Names.shortService(withWorkers(100), Component.REDIRECTOR),
                "Service " + Names.shortService(withWorkers(100), Component.WORKER),
                "Service " + Names.shortService(withWorkers(100), Component.SUPERVISOR),
                "Service wide-xrootd",
                "StatefulSet wide-xrootd-redirector",
                "StatefulSet wide-xrootd-worker",
                "StatefulSet wide-xrootd-supervisor",
                "PodDisruptionBudget wide-xrootd-redirector",
                "PodDisruptionBudget wide-xrootd-worker",
                "PodDisruptionBudget wide-xrootd-supervisor",
                "NetworkPolicy wide-xrootd"), children);
    }

    @Test
    void sssAndTlsReachTheSupervisorsLikeTheRedirectors() {
        ObjectNode parent = Samples.parent("wide");
        ((ObjectNode) Samples.spec(parent).get("worker")).put("replicas", 100);
        Samples.spec(parent).putObject("sss").put("secretName", "keytab");
        Samples.spec(parent).putObject("tls").put("secretName", "cert");
        XrootdSpec spec = Samples.model(parent);
        JsonNode redirector = Samples.statefulSet(spec, Component.REDIRECTOR, Samples.image()).at("/spec/template/spec");
        JsonNode supervisor = Samples.statefulSet(spec, Component.SUPERVISOR, Samples.image()).at("/spec/template/spec");
        assertEquals(redirector.path("volumes"), supervisor.path("volumes"));
        assertEquals(redirector.at("/containers/1/volumeMounts"), supervisor.at("/containers/1/volumeMounts"));
        // The same env but the pod name: supervisors have no cms.vnid (see XrootdQuirksTest) and ask no manager
        // of their own, so no pod name; a redirector's xrootd asks its own pod's cmsd by that name.
        assertEquals(redirector.at("/containers/1/env").size(), supervisor.at("/containers/1/env").size() + 1);
        assertTrue(redirector.at("/containers/1/env").findValuesAsText("name").contains("POD_NAME"));
        assertFalse(supervisor.at("/containers/1/env").findValuesAsText("name").contains("POD_NAME"));
        assertEquals("supervisor", supervisor.at("/containers/1/env/0/value").asText());
    }

    /**
     * Two supervisors logging in at the same moment let a 5.5.3 manager send one of them a displaced
     * worker's redirect (it subscribed to itself, run 5 on real daemons): new supervisor StatefulSets start
     * one pod at a time, each once the previous has been ready (logged in) longer than the drop delay.
     */
    @Test
    void supervisorsStartOneAtATimeLongerThanTheDropDelayApart() {
        XrootdSpec spec = withWorkers(100);
        JsonNode supervisors = Samples.statefulSet(spec, Component.SUPERVISOR, Samples.image()).path("spec");
        assertEquals("OrderedReady", supervisors.path("podManagementPolicy").asText());
        assertEquals(15, supervisors.path("minReadySeconds").asInt());
        assertTrue(supervisors.path("minReadySeconds").asInt() > 10, "longer than cms.delay drop 10");
        for (Component component : List.of(Component.REDIRECTOR, Component.WORKER)) {
            JsonNode other = Samples.statefulSet(spec, component, Samples.image()).path("spec");
            assertEquals("Parallel", other.path("podManagementPolicy").asText(), component.toString());
            assertFalse(other.has("minReadySeconds"), component.toString());
        }
        // The readiness that OrderedReady waits for includes the cmsd's connection to a manager (its login).
        String readiness = String.join(" ", Samples.typed(Samples.statefulSet(spec, Component.SUPERVISOR, Samples.image()),
                StatefulSet.class).getSpec().getTemplate().getSpec().getContainers().get(1).getReadinessProbe().getExec().getCommand());
        assertTrue(readiness.contains(StatefulSets.connectedToRedirector(spec.ports().cmsd())), readiness);
    }

    /** podManagementPolicy is immutable: an existing StatefulSet keeps the policy it was created with. */
    @Test
    void anExistingStatefulSetKeepsItsPodManagementPolicy() {
        XrootdSpec spec = withWorkers(100);
        ObjectNode parallel = Samples.statefulSet(spec, Component.SUPERVISOR, Samples.image());
        ((ObjectNode) parallel.get("spec")).put("podManagementPolicy", "Parallel");
        JsonNode rebuilt = StatefulSets.build(spec, Component.SUPERVISOR, Samples.image(), Samples.hash(spec, Component.SUPERVISOR),
                java.util.Optional.of(ExistingStatefulSet.of(parallel))).path("spec");
        assertEquals("Parallel", rebuilt.path("podManagementPolicy").asText());
        // minReadySeconds is mutable and still set (harmless with Parallel: it gates no creation there).
        assertEquals(15, rebuilt.path("minReadySeconds").asInt());
        ObjectNode ordered = Samples.statefulSet(spec, Component.WORKER, Samples.image());
        ((ObjectNode) ordered.get("spec")).put("podManagementPolicy", "OrderedReady");
        assertEquals("OrderedReady", StatefulSets.build(spec, Component.WORKER, Samples.image(), Samples.hash(spec, Component.WORKER),
                java.util.Optional.of(ExistingStatefulSet.of(ordered))).path("spec").path("podManagementPolicy").asText());
        // Missing or unknown (not what an API server stores): the hook's own choice.
        ((ObjectNode) parallel.get("spec")).put("podManagementPolicy", "Sometimes");
        assertEquals("OrderedReady", StatefulSets.build(spec, Component.SUPERVISOR, Samples.image(), Samples.hash(spec, Component.SUPERVISOR),
                java.util.Optional.of(ExistingStatefulSet.of(parallel))).path("spec").path("podManagementPolicy").asText());
        ((ObjectNode) parallel.get("spec")).remove("podManagementPolicy");
        assertEquals("OrderedReady", StatefulSets.build(spec, Component.SUPERVISOR, Samples.image(), Samples.hash(spec, Component.SUPERVISOR),
                java.util.Optional.of(ExistingStatefulSet.of(parallel))).path("spec").path("podManagementPolicy").asText());
    }
}
