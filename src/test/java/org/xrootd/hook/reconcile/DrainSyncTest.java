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

    @Test
    void aScaleDownHoldsTheWorkersAndStartsAJobForTheHighestOrdinal() {
        JsonNode response = respond(parent(spec(2), 2), running(3));
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
        JsonNode first = respond(parent(spec(2), 2), running(3));
        List<ObjectNode> observed = withJob(running(3), first, JOB_2, null);
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
        JsonNode first = respond(parent(spec(2), 2), running(3));
        JsonNode done = respond(parent(spec(2), 2), withJob(running(3), first, JOB_2, "Complete"));
        assertEquals(2, workerReplicas(done), "shrunk by one");
        assertNotNull(byName(done).get("Job " + JOB_2), "kept until the StatefulSet is seen smaller");
        assertEquals("WorkerDrained", condition(done, "Draining").path("reason").asText());

        // Metacontroller applied the shrink: the StatefulSet is observed at 2, the drain is over.
        List<ObjectNode> shrunk = withWorkerReplicas(withJob(running(3), first, JOB_2, "Complete"), 2);
        JsonNode after = respond(parent(spec(2), 2), shrunk);
        assertEquals(2, workerReplicas(after));
        assertNull(byName(after).get("Job " + JOB_2), "the finished Job is deleted");
        assertNull(byName(after).get("ConfigMap " + CONFIG), "and its script");
        assertNull(condition(after, "Draining"), "no scale-down pending");
        assertTrue(after.at("/status/drain").isMissingNode());
    }

    @Test
    void aFailedJobHoldsTheWorkersWithAClearCondition() {
        JsonNode first = respond(parent(spec(2), 2), running(3));
        JsonNode failed = respond(parent(spec(2), 2), withJob(running(3), first, JOB_2, "Failed"));
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
        JsonNode response = respond(parent(spec(2), 2), withWorkerReplicas(running(3), Integer.MAX_VALUE));
        assertEquals(Integer.MAX_VALUE, workerReplicas(response), "held at its observed size, as any scale-down");
        JsonNode job = byName(response).get("Job base-xrootd-xrootd-drain-" + (Integer.MAX_VALUE - 1));
        assertNotNull(job, byName(response).keySet().toString());
        assertEquals(2, env(job).get("DRAIN_TARGETS").split(" ").length, "to workers 0 and 1");
    }

    @Test
    void scalingBackUpDuringADrainCancelsIt() {
        JsonNode first = respond(parent(spec(2), 2), running(3));
        JsonNode back = respond(parent(spec(3), 3), withJob(running(3), first, JOB_2, null));
        assertEquals(3, workerReplicas(back));
        assertNull(byName(back).get("Job " + JOB_2), "the running Job is deleted");
        assertNull(byName(back).get("ConfigMap " + CONFIG));
        assertNull(condition(back, "Draining"));
    }

    @Test
    void fourToTwoDrainsOneWorkerAtATimeHighestFirst() {
        List<ObjectNode> four = running(4);
        JsonNode first = respond(parent(spec(2), 2), four);
        assertEquals(4, workerReplicas(first));
        assertNotNull(byName(first).get("Job " + JOB_3));
        assertNull(byName(first).get("Job " + JOB_2), "one worker at a time");
        assertEquals(2, env(byName(first).get("Job " + JOB_3)).get("DRAIN_TARGETS").split(" ").length,
                "to workers 0 and 1, which stay: worker 2 goes next, and a file moves once");
        JsonNode shrink = respond(parent(spec(2), 2), withJob(four, first, JOB_3, "Complete"));
        assertEquals(3, workerReplicas(shrink));

        List<ObjectNode> three = withWorkerReplicas(withJob(four, first, JOB_3, "Complete"), 3);
        JsonNode second = respond(parent(spec(2), 2), three);
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
            JsonNode response = respond(parent, running(3));
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
        JsonNode response = respond(parent(spec(64), 2), wide);
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
        List<ObjectNode> observed = withJob(running(3), respond(parent(spec(2), 2), running(3)), JOB_2, null);
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
        JsonNode response = Cluster.respond(Cluster.request(parent(spec, 2), running(3), related, false, false));
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
        JsonNode started = respond(parent(monitored(2), 2), running);
        List<ObjectNode> observed = withJob(running, started, JOB_2, null);
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
        JsonNode response = respond(parent(spec(2), 2), running(3));
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
