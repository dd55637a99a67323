package org.xrootd.hook.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.fixtures.Cluster;
import org.xrootd.hook.fixtures.Scenarios;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Samples;

/**
 * Scale-down of the workers as a drain (reconcile/Drain), step by step over observed children as
 * Metacontroller would send them: the StatefulSet is held while a Job moves the highest worker's files,
 * shrinks by one only once that Job has succeeded, and every bad input holds with a clear condition.
 * The expected names and values are written out here, not taken from the builders.
 */
class DrainSyncTest {
    private static final String JOB_2 = "base-xrootd-xrootd-drain-2";
    private static final String JOB_3 = "base-xrootd-xrootd-drain-3";
    private static final String CONFIG = "base-xrootd-xrootd-drain";
    private static final String WORKERS = "base-xrootd-xrootd-worker";
    private static final String ANNOTATION = "xrootd.org/scale-down-without-drain";

    private static ObjectNode spec(int workers) {
        ObjectNode spec = Scenarios.defaulted(Samples.sampleSpec());
        ((ObjectNode) spec.get("worker")).put("replicas", workers);
        return spec;
    }

    private static ObjectNode parent(ObjectNode spec, long generation) {
        return Cluster.parent("base-xrootd", spec, generation, Scenarios.T0);
    }

    private static ObjectNode related() {
        return Cluster.related(false, "4.11.2", Scenarios.IMAGE_4);
    }

    private static ObjectNode respond(ObjectNode parent, List<ObjectNode> observed) {
        return Cluster.respond(Cluster.request(parent, observed, related(), false, false));
    }

    /** A cluster with {@code workers} workers, created, applied and every pod ready. */
    private static List<ObjectNode> running(int workers) {
        return Cluster.applied(respond(parent(spec(workers), 1), List.of()), Scenarios.T1, 2, workers);
    }

    private static Map<String, JsonNode> byName(JsonNode response) {
        Map<String, JsonNode> children = new TreeMap<>();
        response.path("children").forEach(c -> children.put(c.path("kind").asText() + " " + c.path("metadata").path("name").asText(), c));
        return children;
    }

    private static int workerReplicas(JsonNode response) {
        return byName(response).get("StatefulSet " + WORKERS).at("/spec/replicas").asInt(-1);
    }

    private static JsonNode condition(JsonNode response, String type) {
        for (JsonNode condition : response.at("/status/conditions")) {
            if (type.equals(condition.path("type").asText())) {
                return condition;
            }
        }
        return null;
    }

    private static Map<String, String> env(JsonNode job) {
        Map<String, String> env = new TreeMap<>();
        job.at("/spec/template/spec/containers/0/env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        return env;
    }

    /** The observed children with the response's Job and ConfigMap applied, the Job with {@code conditionType} True. */
    private static List<ObjectNode> withJob(List<ObjectNode> observed, JsonNode response, String jobName, String conditionType) {
        List<ObjectNode> next = new ArrayList<>(observed);
        for (ObjectNode applied : Cluster.applied((ObjectNode) response, Scenarios.T2, 2, 3)) {
            String name = applied.path("metadata").path("name").asText();
            if (name.equals(jobName) || name.equals(CONFIG)) {
                if (conditionType != null && name.equals(jobName)) {
                    ObjectNode status = applied.putObject("status");
                    ArrayNode conditions = status.putArray("conditions");
                    ObjectNode condition = conditions.addObject().put("type", conditionType).put("status", "True");
                    if (conditionType.equals("Failed")) {
                        condition.put("reason", "BackoffLimitExceeded").put("message", "Job has reached the specified backoff limit");
                        status.put("failed", 3);
                    } else {
                        status.put("succeeded", 1);
                    }
                }
                next.add(applied);
            }
        }
        return next;
    }

    private static List<ObjectNode> withWorkerReplicas(List<ObjectNode> observed, int replicas) {
        List<ObjectNode> next = new ArrayList<>();
        for (ObjectNode child : observed) {
            ObjectNode copy = child.deepCopy();
            if (WORKERS.equals(copy.at("/metadata/name").asText()) && "StatefulSet".equals(copy.path("kind").asText())) {
                ((ObjectNode) copy.get("spec")).put("replicas", replicas);
                ((ObjectNode) copy.get("status")).put("replicas", replicas).put("readyReplicas", replicas)
                        .put("currentReplicas", replicas).put("updatedReplicas", replicas);
            }
            next.add(copy);
        }
        return next;
    }

    /** The workers' StatefulSet among {@code observed}, changed by {@code change}. */
    private static List<ObjectNode> withWorkers(List<ObjectNode> observed, java.util.function.Consumer<ObjectNode> change) {
        List<ObjectNode> next = new ArrayList<>();
        for (ObjectNode child : observed) {
            ObjectNode copy = child.deepCopy();
            if (WORKERS.equals(copy.at("/metadata/name").asText()) && "StatefulSet".equals(copy.path("kind").asText())) {
                change.accept(copy);
            }
            next.add(copy);
        }
        return next;
    }

    /**
     * {@code observed} once Metacontroller applied the workers' StatefulSet of {@code response} (its template and
     * updateStrategy) and the StatefulSet controller rolled the pods at and above the partition to it, every pod ready.
     */
    private static List<ObjectNode> placed(List<ObjectNode> observed, JsonNode response) {
        return Cluster.placed(observed, response);
    }

    /** The cluster as observed once the drain's first step is done: the draining worker runs read-only. */
    private static List<ObjectNode> readOnly(List<ObjectNode> observed, ObjectNode parent) {
        return placed(observed, respond(parent, observed));
    }

    /** The environment variables of the cmsd container of the workers' template in {@code response}. */
    private static List<String> cmsdEnv(JsonNode response) {
        List<String> names = new ArrayList<>();
        for (JsonNode container : byName(response).get("StatefulSet " + WORKERS).at("/spec/template/spec/containers")) {
            container.path("env").forEach(e -> {
                if (e.path("name").asText().startsWith("XRD_DRAIN")) {
                    names.add(container.path("name").asText() + ":" + e.path("name").asText() + "=" + e.path("value").asText());
                }
            });
        }
        return names;
    }

    private static JsonNode partition(JsonNode response) {
        return byName(response).get("StatefulSet " + WORKERS).at("/spec/updateStrategy/rollingUpdate/partition");
    }

    @Test
    void theDrainStartsByRestartingTheWorkerReadOnlyAndOnlyThenCopies() {
        JsonNode first = respond(parent(spec(2), 2), running(3));
        assertEquals(3, workerReplicas(first));
        assertTrue(byName(first).keySet().stream().noneMatch(k -> k.startsWith("Job ") || k.equals("ConfigMap " + CONFIG)),
                "no Job before the worker runs read-only: its restart would cut the copy: " + byName(first).keySet());
        assertEquals(List.of("cmsd:XRD_DRAIN_READ_ONLY=1"), cmsdEnv(first), "the cmsd only: its xrootd still lets the drain remove");
        assertEquals(2, partition(first).asInt(-1), "only worker 2 takes the template; workers 0 and 1 keep their revision");
        JsonNode draining = condition(first, "Draining");
        assertEquals("DrainStarting", draining.path("reason").asText());
        assertTrue(draining.path("message").asText().contains("read-only"), draining.toString());
        assertEquals("DrainStarting", first.at("/status/drain/phase").asText());
        assertTrue(first.at("/status/drain/job").isMissingNode());

        // Applied, but worker 2 not yet restarted (updatedReplicas 0): still no Job.
        List<ObjectNode> notYet = withWorkers(placed(running(3), first), sts -> ((ObjectNode) sts.get("status")).put("updatedReplicas", 0));
        assertNull(byName(respond(parent(spec(2), 2), notYet)).get("Job " + JOB_2));
        // Restarted but not ready: still no Job.
        List<ObjectNode> unready = withWorkers(placed(running(3), first), sts -> ((ObjectNode) sts.get("status")).put("readyReplicas", 2));
        assertNull(byName(respond(parent(spec(2), 2), unready)).get("Job " + JOB_2));
        // The controller has not seen the new generation yet: still no Job.
        List<ObjectNode> unseen = withWorkers(placed(running(3), first), sts -> ((ObjectNode) sts.get("status")).put("observedGeneration", 1));
        assertNull(byName(respond(parent(spec(2), 2), unseen)).get("Job " + JOB_2));

        JsonNode copying = respond(parent(spec(2), 2), placed(running(3), first));
        assertNotNull(byName(copying).get("Job " + JOB_2));
        assertEquals(List.of("cmsd:XRD_DRAIN_READ_ONLY=1"), cmsdEnv(copying), "read-only while the Job copies");
        assertEquals(2, partition(copying).asInt(-1));
        assertEquals("DrainingWorker", condition(copying, "Draining").path("reason").asText());
    }

    @Test
    void afterTheJobTheWorkerRestartsWithNoExportThenTheWorkersShrinkBackToTheirRevision() {
        List<ObjectNode> readOnly = readOnly(running(3), parent(spec(2), 2));
        JsonNode copying = respond(parent(spec(2), 2), readOnly);
        List<ObjectNode> complete = withJob(readOnly, copying, JOB_2, "Complete");
        JsonNode retiring = respond(parent(spec(2), 2), complete);
        assertEquals(3, workerReplicas(retiring), "not yet: the managers still count worker 2 for /data");
        assertEquals(List.of("cmsd:XRD_DRAIN_RETIRED=1"), cmsdEnv(retiring));
        assertEquals(2, partition(retiring).asInt(-1));
        assertEquals("WorkerRetiring", condition(retiring, "Draining").path("reason").asText());
        assertNotNull(byName(retiring).get("Job " + JOB_2), "kept");

        JsonNode shrink = respond(parent(spec(2), 2), placed(complete, retiring));
        assertEquals(2, workerReplicas(shrink));
        assertEquals(List.of(), cmsdEnv(shrink), "no drain variable: the template the workers that stay run");
        assertTrue(partition(shrink).isMissingNode(), "no partition");
        assertEquals(byName(respond(parent(spec(2), 1), running(2))).get("StatefulSet " + WORKERS).at("/spec/template"),
                byName(shrink).get("StatefulSet " + WORKERS).at("/spec/template"), "the revision workers 0 and 1 run: no roll");
        assertEquals("WorkerDrained", condition(shrink, "Draining").path("reason").asText());
    }

    @Test
    void aTemplateHeldByTheRoleOrderNeverKeepsADrainVariableWithoutItsPartition() {
        // Worker 2 retired, the Job succeeded, and meanwhile a redirector change rolls first: the workers' template is
        // held as observed (with XRD_DRAIN_RETIRED); the shrink answer must still take the variable out.
        List<ObjectNode> readOnly = readOnly(running(3), parent(spec(2), 2));
        List<ObjectNode> complete = withJob(readOnly, respond(parent(spec(2), 2), readOnly), JOB_2, "Complete");
        List<ObjectNode> retired = placed(complete, respond(parent(spec(2), 2), complete));
        ObjectNode changed = spec(2);
        changed.put("imagePullPolicy", "Always");
        JsonNode shrink = respond(parent(changed, 3), retired);
        assertEquals("Always", byName(shrink).get("StatefulSet base-xrootd-xrootd-redirector").at("/spec/template/spec/containers/0/imagePullPolicy").asText());
        assertFalse(byName(shrink).get("StatefulSet " + WORKERS).at("/spec/template").toString().contains("\"Always\""),
                "the workers' template held as observed until the redirectors are done");
        assertEquals(2, workerReplicas(shrink));
        assertEquals(List.of(), cmsdEnv(shrink));
        assertTrue(partition(shrink).isMissingNode());
    }

    @Test
    void aFailedJobKeepsTheWorkerReadOnly() {
        List<ObjectNode> readOnly = readOnly(running(3), parent(spec(2), 2));
        JsonNode failed = respond(parent(spec(2), 2), withJob(readOnly, respond(parent(spec(2), 2), readOnly), JOB_2, "Failed"));
        assertEquals(List.of("cmsd:XRD_DRAIN_READ_ONLY=1"), cmsdEnv(failed));
        assertEquals(2, partition(failed).asInt(-1));
    }

    @Test
    void scalingBackUpTakesTheVariableAndThePartitionOut() {
        List<ObjectNode> readOnly = readOnly(running(3), parent(spec(2), 2));
        JsonNode back = respond(parent(spec(3), 3), readOnly);
        assertEquals(List.of(), cmsdEnv(back));
        assertTrue(partition(back).isMissingNode());
    }

    @Test
    void aScaleDownHoldsTheWorkersAndStartsAJobForTheHighestOrdinal() {
        JsonNode response = respond(parent(spec(2), 2), readOnly(running(3), parent(spec(2), 2)));
        assertEquals(3, workerReplicas(response), "held at its observed size");
        JsonNode job = byName(response).get("Job " + JOB_2);
        assertNotNull(job, "the drain Job of worker 2: " + byName(response).keySet());
        assertEquals("batch/v1", job.path("apiVersion").asText());
        Map<String, String> env = env(job);
        String service = byName(response).get("StatefulSet " + WORKERS).at("/spec/serviceName").asText();
        assertEquals(WORKERS + "-2." + service + ":1094", env.get("DRAIN_SOURCE"));
        assertEquals(WORKERS + "-0." + service + ":1094 " + WORKERS + "-1." + service + ":1094", env.get("DRAIN_TARGETS"));
        assertEquals("base-xrootd-xrootd:1094", env.get("DRAIN_REDIRECTOR"));
        assertEquals("/data", env.get("DRAIN_EXPORTS"));
        assertEquals("adler32", env.get("DRAIN_CHECKSUM"), "the first of spec.checksums (default adler32)");
        assertEquals("qserv/xrootd:v4.11.2", job.at("/spec/template/spec/containers/0/image").asText(), "the cluster's own image");
        assertEquals("Never", job.at("/spec/template/spec/restartPolicy").asText());
        assertEquals(CONFIG, job.at("/spec/template/spec/volumes/0/configMap/name").asText());
        JsonNode script = byName(response).get("ConfigMap " + CONFIG);
        assertNotNull(script);
        assertTrue(script.at("/data/drain.sh").asText().startsWith("#!/bin/sh\n"));

        JsonNode draining = condition(response, "Draining");
        assertNotNull(draining);
        assertEquals("True", draining.path("status").asText());
        assertEquals("DrainingWorker", draining.path("reason").asText());
        assertTrue(draining.path("message").asText().contains(WORKERS + "-2"), draining.toString());
        JsonNode drain = response.at("/status/drain");
        assertEquals("DrainingWorker", drain.path("phase").asText());
        assertEquals(WORKERS + "-2", drain.path("worker").asText());
        assertEquals(3, drain.path("replicas").asInt());
        assertEquals(2, drain.path("targetReplicas").asInt());
        assertEquals(JOB_2, drain.path("job").asText());
        assertEquals(30, response.path("resyncAfterSeconds").asInt(), "looks again while draining");
        assertEquals("3/3 workers", readyOf(response, "worker"), "the status counts the pods that run");
    }

    private static String readyOf(JsonNode response, String role) {
        return response.at("/status/" + role + "/ready").asText() + " " + role + "s";
    }

    @Test
    void aRunningJobKeepsTheWorkersHeldAndIsReturnedAsApplied() {
        List<ObjectNode> readOnly = readOnly(running(3), parent(spec(2), 2));
        JsonNode first = respond(parent(spec(2), 2), readOnly);
        List<ObjectNode> observed = withJob(readOnly, first, JOB_2, null);
        JsonNode again = respond(parent(spec(2), 2), observed);
        assertEquals(3, workerReplicas(again));
        assertEquals(byName(first).get("Job " + JOB_2).get("spec").toString(), byName(again).get("Job " + JOB_2).get("spec").toString(), "the Job as applied");
        // A spec change meanwhile (another image) must not touch the running Job: it is returned as applied.
        ObjectNode changed = spec(2);
        changed.put("imagePullPolicy", "Always");
        JsonNode afterChange = respond(parent(changed, 3), observed);
        assertEquals(byName(first).get("Job " + JOB_2).get("spec").toString(), byName(afterChange).get("Job " + JOB_2).get("spec").toString());
        assertFalse(byName(afterChange).get("Job " + JOB_2).toString().contains("\"Always\""), "untouched by the change");
        assertEquals(3, workerReplicas(afterChange));
    }

    @Test
    void theWorkersShrinkByOneOnlyOnceTheJobSucceeded() {
        List<ObjectNode> readOnly = readOnly(running(3), parent(spec(2), 2));
        JsonNode first = respond(parent(spec(2), 2), readOnly);
        List<ObjectNode> complete = withJob(readOnly, first, JOB_2, "Complete");
        List<ObjectNode> retired = placed(complete, respond(parent(spec(2), 2), complete));
        JsonNode done = respond(parent(spec(2), 2), retired);
        assertEquals(2, workerReplicas(done), "shrunk by one");
        assertNotNull(byName(done).get("Job " + JOB_2), "kept until the StatefulSet is seen smaller");
        assertEquals("WorkerDrained", condition(done, "Draining").path("reason").asText());

        // Metacontroller applied the shrink: the StatefulSet is observed at 2, the drain is over.
        List<ObjectNode> shrunk = withWorkerReplicas(retired, 2);
        JsonNode after = respond(parent(spec(2), 2), shrunk);
        assertEquals(2, workerReplicas(after));
        assertNull(byName(after).get("Job " + JOB_2), "the finished Job is deleted");
        assertNull(byName(after).get("ConfigMap " + CONFIG), "and its script");
        assertNull(condition(after, "Draining"), "no scale-down pending");
        assertTrue(after.at("/status/drain").isMissingNode());
    }

    @Test
    void aFailedJobHoldsTheWorkersWithAClearCondition() {
        List<ObjectNode> readOnly = readOnly(running(3), parent(spec(2), 2));
        JsonNode first = respond(parent(spec(2), 2), readOnly);
        JsonNode failed = respond(parent(spec(2), 2), withJob(readOnly, first, JOB_2, "Failed"));
        assertEquals(3, workerReplicas(failed), "never shrinks after a failed copy");
        assertNotNull(byName(failed).get("Job " + JOB_2), "kept for its logs");
        JsonNode draining = condition(failed, "Draining");
        assertEquals("True", draining.path("status").asText());
        assertEquals("DrainFailed", draining.path("reason").asText());
        String message = draining.path("message").asText();
        assertTrue(message.contains("kubectl logs job/" + JOB_2), message);
        assertTrue(message.contains("BackoffLimitExceeded"), message);
        assertTrue(message.contains("Delete the Job to try again"), message);
        assertTrue(message.contains(ANNOTATION + "=2"), message);
        assertEquals("DrainFailed", failed.at("/status/drain/phase").asText());
    }

    @Test
    void anObservedStatefulSetOfAnyReplicaCountDrainsToTheWorkersThatStayOnly() {
        // Found by SyncFuzzTest: a request whose observed StatefulSet said 2^31-1 replicas made a Job naming
        // every ordinal below it, and the hook ran out of memory.
        JsonNode response = respond(parent(spec(2), 2), readOnly(withWorkerReplicas(running(3), Integer.MAX_VALUE), parent(spec(2), 2)));
        assertEquals(Integer.MAX_VALUE, workerReplicas(response), "held at its observed size, as any scale-down");
        JsonNode job = byName(response).get("Job base-xrootd-xrootd-drain-" + (Integer.MAX_VALUE - 1));
        assertNotNull(job, byName(response).keySet().toString());
        assertEquals(2, env(job).get("DRAIN_TARGETS").split(" ").length, "to workers 0 and 1");
    }

    @Test
    void scalingBackUpDuringADrainCancelsIt() {
        List<ObjectNode> readOnly = readOnly(running(3), parent(spec(2), 2));
        JsonNode first = respond(parent(spec(2), 2), readOnly);
        JsonNode back = respond(parent(spec(3), 3), withJob(readOnly, first, JOB_2, null));
        assertEquals(3, workerReplicas(back));
        assertNull(byName(back).get("Job " + JOB_2), "the running Job is deleted");
        assertNull(byName(back).get("ConfigMap " + CONFIG));
        assertNull(condition(back, "Draining"));
    }

    @Test
    void fourToTwoDrainsOneWorkerAtATimeHighestFirst() {
        List<ObjectNode> four = readOnly(running(4), parent(spec(2), 2));
        JsonNode first = respond(parent(spec(2), 2), four);
        assertEquals(4, workerReplicas(first));
        assertNotNull(byName(first).get("Job " + JOB_3));
        assertNull(byName(first).get("Job " + JOB_2), "one worker at a time");
        assertEquals(2, env(byName(first).get("Job " + JOB_3)).get("DRAIN_TARGETS").split(" ").length,
                "to workers 0 and 1, which stay: worker 2 goes next, and a file moves once");
        List<ObjectNode> complete = withJob(four, first, JOB_3, "Complete");
        List<ObjectNode> retired = placed(complete, respond(parent(spec(2), 2), complete));
        JsonNode shrink = respond(parent(spec(2), 2), retired);
        assertEquals(3, workerReplicas(shrink));

        List<ObjectNode> three = withWorkerReplicas(placed(retired, shrink), 3);
        JsonNode restart = respond(parent(spec(2), 2), three);
        assertEquals("DrainStarting", condition(restart, "Draining").path("reason").asText());
        assertEquals(2, partition(restart).asInt(-1), "worker 2 next, read-only first");
        JsonNode second = respond(parent(spec(2), 2), placed(three, restart));
        assertEquals(3, workerReplicas(second), "held again");
        assertNull(byName(second).get("Job " + JOB_3), "the previous worker's Job is gone");
        JsonNode job2 = byName(second).get("Job " + JOB_2);
        assertNotNull(job2, "worker 2 next");
        assertEquals(2, env(job2).get("DRAIN_TARGETS").split(" ").length, "to workers 0 and 1");
    }

    @Test
    void scaleToZeroIsHeldWithAClearCondition() {
        JsonNode response = respond(parent(spec(0), 2), running(3));
        assertEquals(3, workerReplicas(response));
        assertTrue(byName(response).keySet().stream().noneMatch(k -> k.startsWith("Job ")));
        JsonNode draining = condition(response, "Draining");
        assertEquals("DrainBlocked", draining.path("reason").asText());
        assertTrue(draining.path("message").asText().contains("leaves no worker to copy the files to"), draining.toString());
        assertTrue(draining.path("message").asText().contains(ANNOTATION + "=0"), draining.toString());
    }

    @Test
    void theAnnotationLetsThisScaleDownLeaveTheDataBehind() {
        ObjectNode parent = parent(spec(2), 2);
        parent.withObject("/metadata").withObject("/annotations").put(ANNOTATION, "2");
        JsonNode response = respond(parent, running(3));
        assertEquals(2, workerReplicas(response), "shrinks at once");
        assertTrue(byName(response).keySet().stream().noneMatch(k -> k.startsWith("Job ")));
        JsonNode draining = condition(response, "Draining");
        assertEquals("False", draining.path("status").asText());
        assertEquals("DrainSkipped", draining.path("reason").asText());
    }

    @Test
    void anAnnotationForAnotherScaleDownOrUnreadableIsIgnoredAndSaidSo() {
        for (String value : List.of("1", "two", "")) {
            ObjectNode parent = parent(spec(2), 2);
            parent.withObject("/metadata").withObject("/annotations").put(ANNOTATION, value);
            JsonNode response = respond(parent, readOnly(running(3), parent));
            assertEquals(3, workerReplicas(response), "value '" + value + "'");
            assertNotNull(byName(response).get("Job " + JOB_2));
            assertTrue(condition(response, "Draining").path("message").asText().contains("is ignored"), value);
        }
    }

    @Test
    void withoutJobsDeclaredTheWorkersAreHeld() {
        ObjectNode request = Cluster.request(parent(spec(2), 2), running(3), related(), false, false);
        ArrayNode rules = (ArrayNode) request.at("/controller/spec/childResources");
        for (int i = rules.size() - 1; i >= 0; i--) {
            if ("jobs".equals(rules.get(i).path("resource").asText())) {
                rules.remove(i);
            }
        }
        ((ObjectNode) request.get("children")).remove("Job.batch/v1");
        JsonNode response = Cluster.respond(request);
        assertEquals(3, workerReplicas(response));
        assertEquals("DrainBlocked", condition(response, "Draining").path("reason").asText());
        assertTrue(condition(response, "Draining").path("message").asText().contains("does not declare batch/v1 jobs"));
    }

    @Test
    void scalingUpOrStayingTheSameBuildsNoDrain() {
        for (int workers : List.of(3, 4)) {
            JsonNode response = respond(parent(spec(workers), 2), running(3));
            assertEquals(workers, workerReplicas(response));
            assertNull(condition(response, "Draining"));
            assertTrue(byName(response).keySet().stream().noneMatch(k -> k.startsWith("Job ") || k.equals("ConfigMap " + CONFIG)));
        }
    }

    @Test
    void heldWorkersKeepTheirSupervisors() {
        // 100 workers need supervisors; 64 do not. While worker 99 drains, all 100 run, so the supervisors stay.
        List<ObjectNode> wide = Cluster.applied(respond(parent(spec(100), 1), List.of()), Scenarios.T1, 2, 100);
        JsonNode response = respond(parent(spec(64), 2), readOnly(wide, parent(spec(64), 2)));
        assertEquals(100, workerReplicas(response));
        assertNotNull(byName(response).get("StatefulSet base-xrootd-xrootd-supervisor"), byName(response).keySet().toString());
        assertNotNull(byName(response).get("Job base-xrootd-xrootd-drain-99"));
        String config = byName(response).get("ConfigMap base-xrootd-xrootd-config").at("/data/xrootd.cf").asText();
        String before = Cluster.respond(Cluster.request(parent(spec(100), 1), wide, related(), false, false))
                .path("children").findValues("xrootd.cf").get(0).asText();
        assertEquals(before, config, "the configuration of the 100 workers that run");
    }

    @Test
    void sameRequestSameBytes() throws Exception {
        List<ObjectNode> readOnly = readOnly(running(3), parent(spec(2), 2));
        List<ObjectNode> observed = withJob(readOnly, respond(parent(spec(2), 2), readOnly), JOB_2, null);
        String a = Json.MAPPER.writeValueAsString(respond(parent(spec(2), 2), observed));
        String b = Json.MAPPER.writeValueAsString(respond(parent(spec(2), 2), observed));
        assertEquals(a, b);
        assertFalse(a.isEmpty());
    }

    @Test
    void withSssTheJobCarriesTheKeytab() {
        ObjectNode spec = spec(2);
        spec.putObject("sss").put("secretName", "base-sss").put("key", "sss.keytab");
        spec.putArray("checksums");
        ObjectNode related = Cluster.withSecret(related(), false, "base-sss", "700", "sss.keytab", "0 u:xrootd k:x");
        List<ObjectNode> readOnly = placed(running(3), Cluster.respond(Cluster.request(parent(spec, 2), running(3), related, false, false)));
        JsonNode response = Cluster.respond(Cluster.request(parent(spec, 2), readOnly, related, false, false));
        JsonNode job = byName(response).get("Job " + JOB_2);
        assertNotNull(job, byName(response).keySet().toString());
        assertEquals("/etc/xrootd-secrets/sss/sss.keytab", env(job).get("DRAIN_SSS_SOURCE"));
        assertEquals("", env(job).get("DRAIN_CHECKSUM"), "no checksums: sizes only");
        boolean mounted = false;
        for (JsonNode volume : job.at("/spec/template/spec/volumes")) {
            mounted |= "base-sss".equals(volume.at("/secret/secretName").asText());
        }
        assertTrue(mounted, job.toString());
    }

    private static ObjectNode monitored(int workers) {
        ObjectNode spec = spec(workers);
        ((ObjectNode) spec.get("monitor")).put("enabled", true);
        return spec;
    }

    /** The catalog plus the insight ConfigMap holding {@code drains} (JSON array text), written out by hand. */
    private static ObjectNode relatedWithDrains(String drains) {
        ObjectNode related = related();
        ObjectNode configMap = related.putObject("ConfigMap.v1").putObject("base-xrootd-xrootd-insight");
        configMap.put("apiVersion", "v1").put("kind", "ConfigMap");
        configMap.putObject("metadata").put("name", "base-xrootd-xrootd-insight").put("namespace", Cluster.NAMESPACE);
        configMap.putObject("data").put("insight.json", "{\"format\":1,\"cluster\":\"base-xrootd\",\"redirectors\":[],\"workers\":[],"
                + "\"drains\":" + drains + "}\n");
        return related;
    }

    /** A monitored cluster of 3 scaled to 2 with worker 2's Job applied and running, and the response with {@code related}. */
    private static JsonNode drainingWithInsight(ObjectNode related, String[] jobUid) {
        List<ObjectNode> running = Cluster.applied(respond(parent(monitored(3), 1), List.of()), Scenarios.T1, 2, 3);
        List<ObjectNode> readOnly = readOnly(running, parent(monitored(2), 2));
        JsonNode started = respond(parent(monitored(2), 2), readOnly);
        List<ObjectNode> observed = withJob(readOnly, started, JOB_2, null);
        for (ObjectNode child : observed) {
            if (JOB_2.equals(child.at("/metadata/name").asText())) {
                jobUid[0] = child.at("/metadata/uid").asText();
            }
        }
        return Cluster.respond(Cluster.request(parent(monitored(2), 2), observed, related, false, false));
    }

    private static String line(String uid, String state, int filesDone, int filesLeft) {
        return "{\"pod\":\"base-xrootd-xrootd-worker-2\",\"job\":\"" + uid + "\",\"state\":\"" + state + "\",\"stale\":false,"
                + "\"pass\":1,\"filesDone\":" + filesDone + ",\"bytesDone\":" + filesDone * 1048576L + ",\"filesLeft\":" + filesLeft
                + ",\"bytesLeft\":" + filesLeft * 1048576L + "}";
    }

    @Test
    void withTheMonitorTheJobReportsToItAndTheStatusShowsItsProgress() {
        String[] uid = new String[1];
        drainingWithInsight(related(), uid);
        assertNotNull(uid[0]);
        JsonNode response = drainingWithInsight(relatedWithDrains("[" + line(uid[0], "running", 12, 38) + "]"), uid);
        JsonNode job = byName(response).get("Job " + JOB_2);
        assertEquals("base-xrootd-xrootd-monitor:9931", env(job).get("DRAIN_MONITOR"), env(job).toString());
        assertEquals("base-xrootd-xrootd-worker-2", env(job).get("DRAIN_WORKER"));
        assertEquals("base-xrootd", env(job).get("DRAIN_CLUSTER"));
        Map<String, String> fromFields = new TreeMap<>();
        for (JsonNode e : job.at("/spec/template/spec/containers/0/env")) {
            if (e.has("valueFrom")) {
                fromFields.put(e.path("name").asText(), e.at("/valueFrom/fieldRef/fieldPath").asText());
            }
        }
        assertEquals(Map.of("DRAIN_JOB_UID", "metadata.labels['batch.kubernetes.io/controller-uid']",
                "DRAIN_JOB_UID_LEGACY", "metadata.labels['controller-uid']"), fromFields);
        JsonNode progress = response.at("/status/drain/progress");
        assertEquals("running", progress.path("state").asText(), response.at("/status/drain").toString());
        assertFalse(progress.path("stale").asBoolean(true));
        assertEquals(1, progress.path("pass").asLong());
        assertEquals(12, progress.path("filesDone").asLong());
        assertEquals(12L << 20, progress.path("bytesDone").asLong());
        assertEquals(38, progress.path("filesLeft").asLong());
        assertEquals(38L << 20, progress.path("bytesLeft").asLong());
        assertTrue(condition(response, "Draining").path("message").asText()
                .endsWith("progress: 12 files (12.0 MiB) moved, 38 files (38.0 MiB) left in pass 1"),
                condition(response, "Draining").toString());
    }

    @Test
    void aProgressLineOfAnotherJobOrNoInsightGivesNoProgress() {
        String[] uid = new String[1];
        JsonNode without = drainingWithInsight(related(), uid);
        assertTrue(without.at("/status/drain").has("job"), without.at("/status/drain").toString());
        assertTrue(without.at("/status/drain/progress").isMissingNode(), "no insight, no progress");
        // An earlier drain of the same worker (another Job uid), and a line for another worker.
        JsonNode other = drainingWithInsight(relatedWithDrains("[" + line("0000-other", "done", 50, 0) + ","
                + line(uid[0], "running", 1, 1).replace("worker-2", "worker-1") + "]"), uid);
        assertTrue(other.at("/status/drain/progress").isMissingNode(), other.at("/status/drain").toString());
        assertFalse(condition(other, "Draining").path("message").asText().contains("progress"));
    }

    @Test
    void withoutTheMonitorTheJobSendsNoProgress() {
        JsonNode response = respond(parent(spec(2), 2), readOnly(running(3), parent(spec(2), 2)));
        JsonNode job = byName(response).get("Job " + JOB_2);
        assertFalse(env(job).containsKey("DRAIN_MONITOR"), env(job).toString());
        assertFalse(env(job).containsKey("DRAIN_JOB_UID"), env(job).toString());
    }

    @Test
    void progressIsStableOnResyncAndFollowsTheInsight() throws Exception {
        String[] uid = new String[1];
        drainingWithInsight(related(), uid);
        String insight = "[" + line(uid[0], "running", 12, 38) + "]";
        String a = Json.MAPPER.writeValueAsString(drainingWithInsight(relatedWithDrains(insight), uid));
        String b = Json.MAPPER.writeValueAsString(drainingWithInsight(relatedWithDrains(insight), uid));
        assertEquals(a, b, "same request, same bytes");
        String c = Json.MAPPER.writeValueAsString(drainingWithInsight(relatedWithDrains("[" + line(uid[0], "running", 13, 37) + "]"), uid));
        assertFalse(a.equals(c), "the next line changes the status");
    }
}
