package org.xrootd.hook.status;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.xrootd.hook.json.Json;

/**
 * A pending scale-down of the workers ({@code status.drain} and the Draining condition).
 *
 * @param holding whether the worker StatefulSet is held above spec.worker.replicas (Draining=True)
 * @param reason the phase: DrainingWorker, WorkerDrained, DrainFailed, DrainBlocked, or DrainSkipped (opt-out)
 * @param worker the pod being drained (the StatefulSet's highest ordinal)
 * @param replicas the worker StatefulSet's replicas as observed
 * @param targetReplicas spec.worker.replicas
 * @param job the drain Job's name, null when there is none
 * @param message what is happening and what to do
 */
public record DrainStatus(boolean holding, Reason reason, String worker, int replicas, int targetReplicas, String job, String message) {

    public ObjectNode toJson() {
        ObjectNode drain = Json.MAPPER.createObjectNode();
        drain.put("phase", reason.wire());
        drain.put("worker", worker);
        drain.put("replicas", replicas);
        drain.put("targetReplicas", targetReplicas);
        if (job != null) {
            drain.put("job", job);
        }
        return drain;
    }
}
