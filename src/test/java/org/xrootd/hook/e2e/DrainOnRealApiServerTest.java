package org.xrootd.hook.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Conditions;
import org.xrootd.hook.testkit.Tiers;

/**
 * The scale-down drain (reconcile/Drain) against a real kube-apiserver with the real StatefulSet and Job
 * controllers (kube-controller-manager), the real hook and the {@link MetacontrollerEmulator} running the
 * shipped CompositeController (which declares jobs). The drain Job's pod does not run a script here (no
 * kubelet): the test reports it finished, as a kubelet would once its container exited, through
 * {@link FakeKubelet#finish}; the real Job controller turns that into the Job's Complete or Failed condition.
 *
 * <p>3 -> 2 workers: the Job is created and the StatefulSet held at 3 while it runs; the StatefulSet goes to
 * 2 only after the Job has succeeded, then the Job and its ConfigMap are deleted. 2 -> 1 with every attempt
 * failing: the Job fails, the StatefulSet stays at 2 with DrainFailed. Back to 2: the drain is cancelled.
 */
@Tiers.E2e
class DrainOnRealApiServerTest {
    static final String NAME = "base-xrootd";
    static final String WORKERS = NAME + "-xrootd-worker";
    static final String DRAIN_CONFIG = NAME + "-xrootd-drain";
    static final Duration WAIT = Duration.ofSeconds(120);
    /** How long a held StatefulSet is watched not to shrink. */
    static final Duration HOLD = Duration.ofSeconds(8);

    static E2eCluster cluster;
    static KubeApi api;
    static KubeApi.Resource xrootds;
    static KubeApi.Resource statefulSets;
    static KubeApi.Resource jobs;
    static KubeApi.Resource pods;
    static KubeApi.Resource configMaps;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = E2eCluster.startFor(DrainOnRealApiServerTest.class,
                ControlPlane.builder().controllers("garbagecollector,statefulset,job"));
        api = cluster.api;
        xrootds = api.resource("xrootd.org/v1alpha1", "xrootds");
        statefulSets = api.resource("apps/v1", "statefulsets");
        jobs = api.resource("batch/v1", "jobs");
        pods = api.resource("v1", "pods");
        configMaps = api.resource("v1", "configmaps");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.closeReporting();
        }
    }

    @Test
    void theWorkersShrinkOnlyAfterTheDrainJobSucceeded() throws Exception {
        String ns = cluster.servedNamespace("e2e-drain");
        cluster.createExamples(ns, "xrootdversion-5.5.3.yaml", "base-xrootd.yaml");
        awaitWorkers(ns, 3, "3/3");
        String stays0 = api.get(pods, ns, WORKERS + "-0").at("/metadata/uid").asText();
        String stays1 = api.get(pods, ns, WORKERS + "-1").at("/metadata/uid").asText();
        String draining2 = api.get(pods, ns, WORKERS + "-2").at("/metadata/uid").asText();

        // 1. 3 -> 2: worker 2 restarts read-only for the managers (partition 2: only it), then the Job of
        // worker 2 appears, and the StatefulSet stays at 3 while it runs.
        long start = System.nanoTime();
        scaleTo(ns, 2);
        String job2 = NAME + "-xrootd-drain-2";
        E2eCluster.await("the drain Job " + job2, WAIT, () -> api.find(jobs, ns, job2) != null);
        JsonNode held = api.get(statefulSets, ns, WORKERS);
        assertEquals(2, held.at("/spec/updateStrategy/rollingUpdate/partition").asInt(), held.at("/spec/updateStrategy").toString());
        assertTrue(held.at("/spec/template/spec/containers").toString().contains("XRD_DRAIN_READ_ONLY"), "the read-only template");
        JsonNode restarted = api.get(pods, ns, WORKERS + "-2");
        assertTrue(!draining2.equals(restarted.at("/metadata/uid").asText()), "worker 2 was re-created from the read-only template before the Job");
        JsonNode job = api.get(jobs, ns, job2);
        assertTrue(job.at("/spec/template/spec/containers/0/env").toString().contains(WORKERS + "-2."), job.toString());
        assertTrue(api.find(configMaps, ns, DRAIN_CONFIG) != null, "the drain script's ConfigMap");
        ObjectNode pod = awaitJobPod(ns, job2, List.of());
        assertHeld(ns, 3);
        JsonNode draining = Conditions.find(api.get(xrootds, ns, NAME).path("status"), "Draining");
        assertEquals("True", draining.path("status").asText(), draining.toString());
        assertEquals("DrainingWorker", draining.path("reason").asText());
        assertEquals(WORKERS + "-2", api.get(xrootds, ns, NAME).at("/status/drain/worker").asText());

        // 2. The Job's pod succeeds; the real Job controller marks the Job Complete; only then 3 -> 2.
        cluster.kubelet.finish(pod, 0, "done: files=12 bytes=4096 source=" + WORKERS + "-2");
        // The hook deletes the Job once it sees the StatefulSet shrunk, possibly before a read after the shrink:
        // the Job is read before the StatefulSet at every poll, and a shrink seen after a Job not yet Complete fails.
        List<String> shrunkEarly = new ArrayList<>();
        E2eCluster.await("the StatefulSet at 2", WAIT, () -> {
            JsonNode seen = api.find(jobs, ns, job2);
            boolean shrunk = replicas(ns) == 2;
            if (shrunk && seen != null && !complete(seen, "Complete")) {
                shrunkEarly.add(seen.path("status").toString());
            }
            return shrunk;
        });
        assertEquals(List.of(), shrunkEarly, "the StatefulSet shrank while the Job had not succeeded");
        E2eCluster.await("the drain Job and its ConfigMap deleted", WAIT,
                () -> api.find(jobs, ns, job2) == null && api.find(configMaps, ns, DRAIN_CONFIG) == null);
        awaitWorkers(ns, 2, "2/2");
        // The real StatefulSet controller: the workers that stay never restarted (below the partition, and the
        // template the shrink returned is their revision again).
        assertEquals(stays0, api.get(pods, ns, WORKERS + "-0").at("/metadata/uid").asText(), "worker 0 not restarted");
        assertEquals(stays1, api.get(pods, ns, WORKERS + "-1").at("/metadata/uid").asText(), "worker 1 not restarted");
        JsonNode after = api.get(statefulSets, ns, WORKERS);
        assertTrue(!after.at("/spec/template").toString().contains("XRD_DRAIN"), "no drain variable after the shrink");
        assertEquals(0, after.at("/spec/updateStrategy/rollingUpdate/partition").asInt(0), "partition back to 0");
        JsonNode status = api.get(xrootds, ns, NAME).path("status");
        assertTrue(Conditions.find(status, "Draining").isMissingNode(), "no Draining once done: " + status);
        assertTrue(status.path("drain").isMissingNode(), status.toString());
        double drainSeconds = (System.nanoTime() - start) / 1e9;

        // 3. 2 -> 1 with every attempt of the Job failing: Failed, DrainFailed, and the StatefulSet held at 2.
        scaleTo(ns, 1);
        String job1 = NAME + "-xrootd-drain-1";
        E2eCluster.await("the drain Job " + job1, WAIT, () -> api.find(jobs, ns, job1) != null);
        List<String> failed = new ArrayList<>();
        E2eCluster.await("the Job " + job1 + " Failed after its attempts", WAIT, () -> {
            JsonNode current = api.find(jobs, ns, job1);
            if (current != null && complete(current, "Failed")) {
                return true;
            }
            for (JsonNode p : api.list(pods, ns, "job-name=" + job1).path("items")) {
                String name = p.at("/metadata/name").asText();
                if (!failed.contains(name) && "Running".equals(p.at("/status/phase").asText())) {
                    cluster.kubelet.finish((ObjectNode) p, 1, "failed: copy of /data/x from " + WORKERS + "-1");
                    failed.add(name);
                }
            }
            return false;
        });
        E2eCluster.await("Draining=True DrainFailed", WAIT, () -> "DrainFailed".equals(
                Conditions.find(api.get(xrootds, ns, NAME).path("status"), "Draining").path("reason").asText()));
        assertHeld(ns, 2);
        String message = Conditions.find(api.get(xrootds, ns, NAME).path("status"), "Draining").path("message").asText();
        assertTrue(message.contains("kubectl logs job/" + job1), message);

        // 4. Back to 2: the drain is cancelled, the failed Job and the ConfigMap go, the StatefulSet stays at 2.
        scaleTo(ns, 2);
        E2eCluster.await("the failed Job deleted", WAIT, () -> api.find(jobs, ns, job1) == null
                && api.find(configMaps, ns, DRAIN_CONFIG) == null);
        awaitWorkers(ns, 2, "2/2");
        assertEquals(2, replicas(ns));
        System.out.printf("e2e drain: 3 -> 2 in %.1f s (Job created, StatefulSet held, shrunk after Complete); "
                + "2 -> 1 failed after %d pods, held at 2; cancelled%n", drainSeconds, failed.size());
    }

    static void scaleTo(String ns, int workers) {
        ObjectNode patch = KubeApi.MAPPER.createObjectNode();
        patch.putObject("spec").putObject("worker").put("replicas", workers);
        api.mergePatch(xrootds, ns, NAME, patch);
    }

    static int replicas(String ns) {
        return api.get(statefulSets, ns, WORKERS).at("/spec/replicas").asInt(-1);
    }

    /** The StatefulSet stays at {@code replicas} for {@link #HOLD}. */
    static void assertHeld(String ns, int replicas) throws InterruptedException {
        long end = System.nanoTime() + HOLD.toNanos();
        while (System.nanoTime() < end) {
            assertEquals(replicas, replicas(ns), "the workers' StatefulSet is held while the drain has not succeeded");
            Thread.sleep(250);
        }
    }

    static boolean complete(JsonNode job, String type) {
        for (JsonNode condition : job.path("status").path("conditions")) {
            if (type.equals(condition.path("type").asText()) && "True".equals(condition.path("status").asText())) {
                return true;
            }
        }
        return false;
    }

    /** The Job's pod as the Job controller created it, once the fake kubelet reports it Running. */
    static ObjectNode awaitJobPod(String ns, String job, List<String> skip) throws InterruptedException {
        ObjectNode[] found = new ObjectNode[1];
        E2eCluster.await("a Running pod of " + job, WAIT, () -> {
            for (JsonNode p : api.list(pods, ns, "job-name=" + job).path("items")) {
                if (!skip.contains(p.at("/metadata/name").asText()) && "Running".equals(p.at("/status/phase").asText())) {
                    found[0] = (ObjectNode) p;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    static void awaitWorkers(String ns, int replicas, String ready) throws InterruptedException {
        E2eCluster.await(ns + " with " + ready + " workers ready", WAIT, () -> {
            JsonNode parent = api.get(xrootds, ns, NAME);
            JsonNode status = parent.path("status");
            return status.path("observedGeneration").asLong() == parent.path("metadata").path("generation").asLong()
                    && replicas(ns) == replicas
                    && ready.equals(status.path("worker").path("ready").asText());
        });
    }
}
