package org.xrootd.hook.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fakes the one thing of a node that the tests need: a kubelet reporting its pods Running and Ready. There is
 * no scheduler and no kubelet in the test control plane, so pods stay Pending forever; with this, the real
 * StatefulSet controller sees ready pods and reports {@code readyReplicas}, and rolls updates pod by pod as on
 * a real cluster. (Writing the StatefulSet status directly would not work: the running StatefulSet
 * controller recomputes it from the pods and overwrites it.) Only namespaces switched on with
 * {@link #serve(String)} are served. Its writes go through its own {@link KubeApi}, never the emulator's.
 */
final class FakeKubelet implements AutoCloseable {
    private final KubeApi api;
    private final KubeApi.Resource pods;
    private final Set<String> namespaces = ConcurrentHashMap.newKeySet();
    private final Thread thread = new Thread(this::run, "fake-kubelet");
    private volatile boolean closed;

    FakeKubelet(KubeApi api) {
        this.api = api;
        this.pods = api.resource("v1", "pods");
        thread.setDaemon(true);
        thread.start();
    }

    /** From now on, report every pod in {@code namespace} Running and Ready. */
    void serve(String namespace) {
        namespaces.add(namespace);
    }

    private void run() {
        while (!closed) {
            for (String namespace : namespaces) {
                try {
                    for (JsonNode pod : api.list(pods, namespace, null).path("items")) {
                        if (!ready(pod) && !terminated(pod) && pod.path("metadata").path("deletionTimestamp").isMissingNode()) {
                            reportReady((ObjectNode) pod);
                        }
                    }
                } catch (RuntimeException e) {
                    // a conflict or a pod that just went away: next round
                }
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * A pod that has run to its end (a Job's pod a test marked Succeeded or Failed, as the kubelet would once
     * its container exited): never reported Running again.
     */
    private static boolean terminated(JsonNode pod) {
        String phase = pod.path("status").path("phase").asText();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    /**
     * Reports a Job's pod finished as the kubelet does when its container exits with {@code exitCode}: phase
     * Succeeded (0) or Failed, the container terminated with that code and {@code message} as its
     * termination message.
     */
    void finish(ObjectNode pod, int exitCode, String message) {
        pod.put("apiVersion", "v1").put("kind", "Pod");
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        ObjectNode status = pod.putObject("status");
        status.put("phase", exitCode == 0 ? "Succeeded" : "Failed");
        status.put("startTime", now);
        ArrayNode conditions = status.putArray("conditions");
        for (String type : new String[] {"Initialized", "Ready", "ContainersReady", "PodScheduled"}) {
            boolean up = type.equals("Initialized") || type.equals("PodScheduled");
            conditions.addObject().put("type", type).put("status", up ? "True" : "False").put("lastTransitionTime", now);
        }
        ObjectNode container = status.putArray("containerStatuses").addObject();
        container.put("name", pod.at("/spec/containers/0/name").asText());
        container.put("image", pod.at("/spec/containers/0/image").asText());
        container.put("imageID", "");
        container.put("ready", false).put("restartCount", 0).put("started", false);
        ObjectNode terminated = container.putObject("state").putObject("terminated");
        terminated.put("exitCode", exitCode).put("reason", exitCode == 0 ? "Completed" : "Error").put("message", message)
                .put("startedAt", now).put("finishedAt", now);
        container.putObject("lastState");
        api.updateStatus(pods, pod);
    }

    private static boolean ready(JsonNode pod) {
        if (!"Running".equals(pod.path("status").path("phase").asText())) {
            return false;
        }
        for (JsonNode condition : pod.path("status").path("conditions")) {
            if ("Ready".equals(condition.path("type").asText())) {
                return "True".equals(condition.path("status").asText());
            }
        }
        return false;
    }

    private void reportReady(ObjectNode pod) {
        pod.put("apiVersion", "v1").put("kind", "Pod");
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        ObjectNode status = pod.putObject("status");
        status.put("phase", "Running");
        status.put("startTime", now);
        ArrayNode conditions = status.putArray("conditions");
        for (String type : new String[] {"Initialized", "Ready", "ContainersReady", "PodScheduled"}) {
            conditions.addObject().put("type", type).put("status", "True").put("lastTransitionTime", now);
        }
        api.updateStatus(pods, pod);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
