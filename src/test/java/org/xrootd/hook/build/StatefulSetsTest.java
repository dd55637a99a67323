package org.xrootd.hook.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.TestSpecs;
import org.xrootd.hook.model.XrootdSpec;

class StatefulSetsTest {
    private final XrootdSpec spec = TestSpecs.sample();
    private final StatefulSet redirector = StatefulSets.build(spec, Component.REDIRECTOR, TestSpecs.image());
    private final StatefulSet worker = StatefulSets.build(spec, Component.WORKER, TestSpecs.image());

    @Test
    void namesFollowTheOriginDemo() {
        assertEquals("base-xrootd-xrootd-redirector", redirector.getMetadata().getName());
        assertEquals("base-xrootd-xrootd-worker", worker.getMetadata().getName());
        assertEquals(redirector.getMetadata().getName(), redirector.getSpec().getServiceName());
        assertEquals(worker.getMetadata().getName(), worker.getSpec().getServiceName());
    }

    @Test
    void replicasComeFromTheSpec() {
        assertEquals(2, redirector.getSpec().getReplicas());
        assertEquals(3, worker.getSpec().getReplicas());
    }

    @Test
    void eachPodRunsCmsdThenXrootdFromTheResolvedImage() {
        for (StatefulSet statefulSet : List.of(redirector, worker)) {
            List<Container> containers = statefulSet.getSpec().getTemplate().getSpec().getContainers();
            assertEquals(List.of("cmsd", "xrootd"), containers.stream().map(Container::getName).toList());
            containers.forEach(c -> assertEquals("qserv/xrootd:v4.11.2", c.getImage()));
            containers.forEach(c -> assertEquals(List.of("/bin/sh", PodLayout.START_SCRIPT, c.getName()), c.getCommand()));
        }
    }

    @Test
    void daemonsShareTheAdminPathEmptyDir() {
        for (StatefulSet statefulSet : List.of(redirector, worker)) {
            PodSpec pod = statefulSet.getSpec().getTemplate().getSpec();
            assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getName().equals(PodLayout.ADMIN_VOLUME) && v.getEmptyDir() != null));
            pod.getContainers().forEach(c -> assertTrue(c.getVolumeMounts().stream()
                    .anyMatch(m -> m.getName().equals(PodLayout.ADMIN_VOLUME) && m.getMountPath().equals(PodLayout.ADMIN_DIR))));
        }
    }

    @Test
    void workersClaimStorageOfTheRequestedSizeAndClass() {
        assertTrue(redirector.getSpec().getVolumeClaimTemplates().isEmpty(), "redirectors keep no data");
        PersistentVolumeClaim claim = worker.getSpec().getVolumeClaimTemplates().get(0);
        assertEquals("data", claim.getMetadata().getName());
        assertEquals("1Gi", claim.getSpec().getResources().getRequests().get("storage").toString());
        assertEquals("default", claim.getSpec().getStorageClassName());
    }

    @Test
    void noStorageClassMeansTheClusterDefault() {
        ObjectNode parent = TestSpecs.parent("x");
        ((ObjectNode) TestSpecs.spec(parent).get("worker").get("storage")).remove("class");
        StatefulSet built = StatefulSets.build(TestSpecs.model(parent), Component.WORKER, TestSpecs.image());
        assertNull(built.getSpec().getVolumeClaimTemplates().get(0).getSpec().getStorageClassName());
    }

    @Test
    void daemonsNeverRunAsRoot() {
        for (StatefulSet statefulSet : List.of(redirector, worker)) {
            PodSpec pod = statefulSet.getSpec().getTemplate().getSpec();
            assertTrue(pod.getSecurityContext().getRunAsNonRoot());
            assertEquals(1000L, pod.getSecurityContext().getRunAsUser());
            pod.getContainers().forEach(c -> assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation()));
        }
    }

    @Test
    void probesFollowTheRoleReadinessSignal() {
        Container redirectorXrootd = redirector.getSpec().getTemplate().getSpec().getContainers().get(1);
        Container workerXrootd = worker.getSpec().getTemplate().getSpec().getContainers().get(1);
        assertTrue(redirectorXrootd.getReadinessProbe().getExec().getCommand().get(2).endsWith("grep -q '/c'"));
        assertTrue(workerXrootd.getReadinessProbe().getExec().getCommand().get(2).endsWith("grep -q '/a'"));
        assertEquals(List.of("xrdfs", "localhost:1094", "query", "config", "version"),
                workerXrootd.getLivenessProbe().getExec().getCommand());
    }

    @Test
    void configHashAnnotationIsPerRole() {
        assertEquals(XrootdConfig.hash(spec, Component.REDIRECTOR),
                redirector.getSpec().getTemplate().getMetadata().getAnnotations().get(StatefulSets.CONFIG_HASH));
        assertEquals(XrootdConfig.hash(spec, Component.WORKER),
                worker.getSpec().getTemplate().getMetadata().getAnnotations().get(StatefulSets.CONFIG_HASH));
    }

    @Test
    void selectorIsStableAcrossVersions() {
        StatefulSet other = StatefulSets.build(spec, Component.WORKER,
                new org.xrootd.hook.model.Catalog.Resolved("5.5.3", "qserv/xrootd:v5.5.3", false, true));
        assertEquals(worker.getSpec().getSelector(), other.getSpec().getSelector());
        assertEquals("5.5.3", other.getSpec().getTemplate().getMetadata().getLabels().get(Labels.VERSION));
    }

    @Test
    void everyContainerPortSaysTcp() {
        for (StatefulSet statefulSet : List.of(redirector, worker)) {
            statefulSet.getSpec().getTemplate().getSpec().getContainers()
                    .forEach(c -> c.getPorts().forEach(p -> assertEquals("TCP", p.getProtocol())));
        }
    }
}
