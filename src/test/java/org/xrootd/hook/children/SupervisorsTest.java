package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.TestSpecs;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.SpecParser;
import org.xrootd.hook.model.Supervisors;
import org.xrootd.hook.model.XrootdSpec;

/** More than 64 workers: the supervisor count, its configuration block, its StatefulSet and children. */
class SupervisorsTest {
    private static XrootdSpec withWorkers(int workers) {
        ObjectNode parent = TestSpecs.parent("wide");
        ((ObjectNode) TestSpecs.spec(parent).get("worker")).put("replicas", workers);
        return TestSpecs.model(parent);
    }

    @Test
    void countRuleIsNoneUpTo64ThenEnoughWithOneSpare() {
        assertEquals(0, Supervisors.required(0));
        assertEquals(0, Supervisors.required(64));
        assertEquals(2, Supervisors.required(65));
        assertEquals(2, Supervisors.required(100));
        assertEquals(2, Supervisors.required(127));
        assertEquals(3, Supervisors.required(128));
        assertEquals(8, Supervisors.required(500));
        assertEquals(16, Supervisors.required(1000));
        // With one supervisor down the others still hold every worker, up to the ceiling.
        for (int workers = 65; workers <= SpecParser.MAX_WORKERS; workers++) {
            int supervisors = Supervisors.required(workers);
            assertTrue(Supervisors.capacity(supervisors - 1) >= workers, workers + " workers, " + supervisors + " supervisors");
        }
    }

    @Test
    void theCeilingIsDocumentedAndEnforced() {
        assertEquals(1000, SpecParser.MAX_WORKERS);
        ObjectNode parent = TestSpecs.parent("wide");
        ((ObjectNode) TestSpecs.spec(parent).get("worker")).put("replicas", 1001);
        SpecParser.Result result = SpecParser.parse(parent);
        assertFalse(result.ok());
        assertEquals("spec.worker.replicas", result.problems().get(0).field());
    }

    @Test
    void anOverrideMayAddSupervisorsButNeverRemoveThem() {
        ObjectNode parent = TestSpecs.parent("wide");
        ((ObjectNode) TestSpecs.spec(parent).get("worker")).put("replicas", 100);
        TestSpecs.spec(parent).putObject("supervisor").put("replicas", 4);
        assertEquals(4, TestSpecs.model(parent).supervisor().replicas());
        ((ObjectNode) TestSpecs.spec(parent).get("supervisor")).put("replicas", 1);
        SpecParser.Result result = SpecParser.parse(parent);
        assertFalse(result.ok());
        assertEquals("spec.supervisor.replicas", result.problems().get(0).field());
        assertTrue(result.problems().get(0).message().contains("at least 2 for 100 workers"), result.problems().toString());
    }

    @Test
    void configSelectsTheSupervisorRoleByInstanceName() {
        String config = XrootdConf.render(withWorkers(100));
        assertTrue(config.contains("""
                else if named supervisor
                   # Up to 64 workers that a full manager sends on; subscribes to every manager (more than 64 workers).
                   all.role supervisor
                   cms.superport 3121
                   cms.delay startup 1 servers 1 lookup 1 qdl 1 drop 60
                else
                   all.role server
                """), config);
        // Workers keep listing only the redirectors: the managers hand overflow workers to supervisors.
        List<String> managers = config.lines().filter(l -> l.startsWith("all.manager")).toList();
        assertEquals(2, managers.size());
        assertTrue(managers.stream().allMatch(l -> l.contains("-xrootd-redirector-")), managers.toString());
    }

    @Test
    void upTo64WorkersNothingChanges() {
        XrootdSpec spec = withWorkers(64);
        assertTrue(XrootdConf.render(spec).lines().filter(line -> !line.startsWith("#")).noneMatch(line -> line.contains("supervisor")));
        assertNull(XrootdConf.rendered(spec).hash(Component.SUPERVISOR));
        List<JsonNode> children = Children.all(spec, TestSpecs.image());
        assertTrue(children.stream().noneMatch(c -> c.path("metadata").path("name").asText().contains("supervisor")));
    }

    @Test
    void crossing64WorkersRollsNoExistingPod() {
        XrootdConf.Rendered before = XrootdConf.rendered(withWorkers(64));
        XrootdConf.Rendered after = XrootdConf.rendered(withWorkers(100));
        assertEquals(before.hash(Component.REDIRECTOR), after.hash(Component.REDIRECTOR));
        assertEquals(before.hash(Component.WORKER), after.hash(Component.WORKER));
        assertNotNull(after.hash(Component.SUPERVISOR));
    }

    @Test
    void supervisorStatefulSetRunsBothDaemonsWithoutStorage() {
        XrootdSpec spec = withWorkers(100);
        JsonNode sts = TestSpecs.statefulSet(spec, Component.SUPERVISOR, TestSpecs.image());
        StatefulSet typed = TestSpecs.typed(sts, StatefulSet.class);
        assertEquals("wide-xrootd-supervisor", typed.getMetadata().getName());
        assertEquals(2, typed.getSpec().getReplicas());
        assertEquals("wide-xrootd-supervisor", typed.getSpec().getServiceName());
        assertEquals("supervisor", typed.getSpec().getSelector().getMatchLabels().get(Labels.COMPONENT));
        assertTrue(typed.getSpec().getVolumeClaimTemplates().isEmpty());
        assertEquals(TestSpecs.hash(spec, Component.SUPERVISOR),
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
        List<String> children = Children.all(withWorkers(100), TestSpecs.image()).stream()
                .map(c -> c.path("kind").asText() + " " + c.path("metadata").path("name").asText()).toList();
        assertEquals(List.of(
                "ConfigMap wide-xrootd-config",
                "Service wide-xrootd-redirector",
                "Service wide-xrootd-worker",
                "Service wide-xrootd-supervisor",
                "Service wide-xrootd",
                "StatefulSet wide-xrootd-redirector",
                "StatefulSet wide-xrootd-worker",
                "StatefulSet wide-xrootd-supervisor",
                "PodDisruptionBudget wide-xrootd-redirector",
                "PodDisruptionBudget wide-xrootd-worker",
                "PodDisruptionBudget wide-xrootd-supervisor"), children);
    }

    @Test
    void sssAndTlsReachTheSupervisorsLikeTheRedirectors() {
        ObjectNode parent = TestSpecs.parent("wide");
        ((ObjectNode) TestSpecs.spec(parent).get("worker")).put("replicas", 100);
        TestSpecs.spec(parent).putObject("sss").put("secretName", "keytab");
        TestSpecs.spec(parent).putObject("tls").put("secretName", "cert");
        XrootdSpec spec = TestSpecs.model(parent);
        JsonNode redirector = TestSpecs.statefulSet(spec, Component.REDIRECTOR, TestSpecs.image()).at("/spec/template/spec");
        JsonNode supervisor = TestSpecs.statefulSet(spec, Component.SUPERVISOR, TestSpecs.image()).at("/spec/template/spec");
        assertEquals(redirector.path("volumes"), supervisor.path("volumes"));
        assertEquals(redirector.at("/containers/1/volumeMounts"), supervisor.at("/containers/1/volumeMounts"));
        assertEquals(redirector.at("/containers/1/env").size(), supervisor.at("/containers/1/env").size());
    }
}
