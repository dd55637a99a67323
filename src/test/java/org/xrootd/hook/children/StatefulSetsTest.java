package org.xrootd.hook.children;

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
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.testkit.Samples;

class StatefulSetsTest {
    private final XrootdSpec spec = Samples.sample();
    private final StatefulSet redirector = build(spec, Component.REDIRECTOR, Samples.image());
    private final StatefulSet worker = build(spec, Component.WORKER, Samples.image());

    private static StatefulSet build(XrootdSpec spec, Component component, Catalog.Resolved image) {
        return Samples.typed(Samples.statefulSet(spec, component, image), StatefulSet.class);
    }

    @Test
    void namesFollowTheOriginDemo() {
        assertEquals("base-xrootd-xrootd-redirector", redirector.getMetadata().getName());
        assertEquals("base-xrootd-xrootd-worker", worker.getMetadata().getName());
        // New StatefulSets are governed by short Services (Names): xrd-<role letter>-<8 hex of sha256("ns1/base-xrootd")>.
        assertEquals("xrd-r-ed1625b6", redirector.getSpec().getServiceName());
        assertEquals("xrd-w-ed1625b6", worker.getSpec().getServiceName());
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
        ObjectNode parent = Samples.parent("x");
        ((ObjectNode) Samples.spec(parent).get("worker").get("storage")).remove("class");
        StatefulSet built = build(Samples.model(parent), Component.WORKER, Samples.image());
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
        // Attached to its own cmsd, and that cmsd logged in to a redirector (XrootdQuirksTest).
        String workerReady = workerXrootd.getReadinessProbe().getExec().getCommand().get(2);
        assertTrue(workerReady.contains("grep -q '/a' && "), workerReady);
        assertTrue(workerReady.endsWith(StatefulSets.connectedToRedirector(3121)), workerReady);
        assertEquals(List.of("xrdfs", "localhost:1094", "query", "config", "version"),
                workerXrootd.getLivenessProbe().getExec().getCommand());
    }

    /**
     * Redirectors and supervisors drain before they stop: each container's preStop runs start.sh stop with
     * its own name (the xrootd serves its last clients, the cmsd outlives it). Workers have none.
     */
    @Test
    void redirectorsAndSupervisorsDrainBeforeTheyStopWorkersDoNot() {
        ObjectNode parent = Samples.parent("x");
        ((ObjectNode) Samples.spec(parent).get("worker")).put("replicas", 65);
        XrootdSpec supervised = Samples.model(parent);
        for (StatefulSet set : List.of(redirector, build(supervised, Component.SUPERVISOR, Samples.image()))) {
            for (Container container : set.getSpec().getTemplate().getSpec().getContainers()) {
                assertEquals(List.of("/bin/sh", "/etc/xrootd-hook/start.sh", "stop", container.getName()),
                        container.getLifecycle().getPreStop().getExec().getCommand(), set.getMetadata().getName());
            }
            // The drain's 8 s fit within the grace period, with time left for the daemons to exit.
            assertTrue(StartScript.STOP_MAX_TENTHS / 10 < set.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds());
        }
        for (StatefulSet set : List.of(worker, build(supervised, Component.WORKER, Samples.image()))) {
            set.getSpec().getTemplate().getSpec().getContainers().forEach(c -> assertNull(c.getLifecycle(), c.getName()));
        }
    }

    @Test
    void configHashAnnotationIsPerRole() {
        assertEquals(Samples.hash(spec, Component.REDIRECTOR),
                redirector.getSpec().getTemplate().getMetadata().getAnnotations().get(StatefulSets.CONFIG_HASH));
        assertEquals(Samples.hash(spec, Component.WORKER),
                worker.getSpec().getTemplate().getMetadata().getAnnotations().get(StatefulSets.CONFIG_HASH));
    }

    @Test
    void selectorIsStableAcrossVersions() {
        StatefulSet other = build(spec, Component.WORKER,
                new Catalog.Resolved("5.5.3", "qserv/xrootd:v5.5.3", false, true));
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

    @Test
    void schedulingPassthroughReachesThePods() {
        ObjectNode parent = Samples.parent("x");
        ObjectNode workerNode = (ObjectNode) Samples.spec(parent).get("worker");
        workerNode.putObject("resources").putObject("limits").put("memory", "2Gi");
        workerNode.putObject("nodeSelector").put("disk", "ssd");
        workerNode.putObject("podLabels").put("team", "hep");
        workerNode.putObject("podAnnotations").put("prometheus.io/scrape", "false");
        workerNode.putArray("topologySpreadConstraints").addObject().put("maxSkew", 1)
                .put("topologyKey", "kubernetes.io/hostname").put("whenUnsatisfiable", "ScheduleAnyway");
        Samples.spec(parent).putArray("imagePullSecrets").addObject().put("name", "regcred");
        Samples.spec(parent).put("serviceAccountName", "xrootd");
        StatefulSet built = build(Samples.model(parent), Component.WORKER, Samples.image());
        PodSpec pod = built.getSpec().getTemplate().getSpec();
        assertEquals("2Gi", pod.getContainers().get(1).getResources().getLimits().get("memory").toString());
        assertEquals("ssd", pod.getNodeSelector().get("disk"));
        assertEquals("kubernetes.io/hostname", pod.getTopologySpreadConstraints().get(0).getTopologyKey());
        assertEquals("regcred", pod.getImagePullSecrets().get(0).getName());
        assertEquals("xrootd", pod.getServiceAccountName());
        assertEquals("hep", built.getSpec().getTemplate().getMetadata().getLabels().get("team"));
        assertEquals("false", built.getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/scrape"));
        assertTrue(built.getSpec().getTemplate().getMetadata().getAnnotations().containsKey(StatefulSets.CONFIG_HASH));
        assertFalse(built.getSpec().getSelector().getMatchLabels().containsKey("team"), "selectors never change");
    }

    @Test
    void podsMeetThePodSecurityStandardRestricted() {
        for (StatefulSet statefulSet : List.of(redirector, worker)) {
            PodSpec pod = statefulSet.getSpec().getTemplate().getSpec();
            assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
            assertFalse(pod.getAutomountServiceAccountToken());
            for (Container container : pod.getContainers()) {
                assertEquals(List.of("ALL"), container.getSecurityContext().getCapabilities().getDrop());
                assertTrue(container.getSecurityContext().getReadOnlyRootFilesystem());
            }
        }
    }

    @Test
    void sssKeytabComesFromTheNamedSecretWithMode0400() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putObject("sss").put("secretName", "xrd-keytab").put("key", "keytab");
        PodSpec pod = build(Samples.model(parent), Component.WORKER, Samples.image()).getSpec().getTemplate().getSpec();
        var volume = pod.getVolumes().stream().filter(v -> v.getName().equals(PodLayout.SSS_VOLUME)).findFirst().orElseThrow();
        assertEquals("xrd-keytab", volume.getSecret().getSecretName());
        assertEquals(0400, volume.getSecret().getDefaultMode());
        Container xrootd = pod.getContainers().get(1);
        assertTrue(xrootd.getEnv().stream().anyMatch(e -> e.getName().equals("XRD_SSS_SOURCE")
                && e.getValue().equals(PodLayout.SSS_SECRET_DIR + "/keytab")));
        assertTrue(pod.getContainers().get(0).getVolumeMounts().stream().noneMatch(m -> m.getName().equals(PodLayout.SSS_VOLUME)),
                "cmsd does not need the keytab");
    }

    @Test
    void claimsAreKeptUnlessDeletionIsOptedIn() {
        assertNull(worker.getSpec().getPersistentVolumeClaimRetentionPolicy());
        ObjectNode parent = Samples.parent("x");
        ((ObjectNode) Samples.spec(parent).get("worker").get("storage")).put("whenDeleted", "Delete");
        StatefulSet built = build(Samples.model(parent), Component.WORKER, Samples.image());
        assertEquals("Delete", built.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted());
        assertEquals("Retain", built.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenScaled());
    }
}
