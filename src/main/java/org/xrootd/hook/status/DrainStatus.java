package org.xrootd.hook.status;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.xrootd.hook.json.Json;

/**
 * A pending scale-down of the workers ({@code status.drain} and the Draining condition).
 *
 * @param holding whether the worker StatefulSet is held above spec.worker.replicas (Draining=True)
 * @param reason the phase: DrainStarting, DrainingWorker, WorkerRetiring, WorkerDrained, DrainFailed, DrainBlocked, or DrainSkipped (opt-out)
 * @param worker the pod being drained (the StatefulSet's highest ordinal)
 * @param replicas the worker StatefulSet's replicas as observed
 * @param targetReplicas spec.worker.replicas
 * @param job the drain Job's name, null when there is none
 * @param message what is happening and what to do
 * @param progress the drain Job's last progress line as the monitor's insight carries it, null when there is none
 */
public record DrainStatus(boolean holding, Reason reason, String worker, int replicas, int targetReplicas, String job, String message,
                          Progress progress) {

    public DrainStatus(boolean holding, Reason reason, String worker, int replicas, int targetReplicas, String job, String message) {
        this(holding, reason, worker, replicas, targetReplicas, job, message, null);
    }

    /** What the drain Job's script last reported (status.drain.progress). */
    public record Progress(String state, boolean stale, long pass, long filesDone, long bytesDone, long filesLeft, long bytesLeft) {
        /** "12 files (3.4 MiB) moved, 38 files (10.2 MiB) left in pass 1", for the Draining condition's message. */
        public String describe() {
            return filesDone + " files (" + Quantity.bytes(bytesDone) + ") moved, " + filesLeft + " files (" + Quantity.bytes(bytesLeft)
                    + ") left in pass " + pass + (stale ? " (the drain's last report is stale: its pod may be gone)" : "");
        }

        ObjectNode toJson() {
            ObjectNode progress = Json.MAPPER.createObjectNode();
            progress.put("state", state);
            progress.put("stale", stale);
            progress.put("pass", pass);
            progress.put("filesDone", filesDone);
            progress.put("bytesDone", bytesDone);
            progress.put("filesLeft", filesLeft);
            progress.put("bytesLeft", bytesLeft);
            return progress;
        }
    }

    /** Human-readable byte counts: exact below 1 KiB, else one decimal in the largest binary unit. */
    static final class Quantity {
        private Quantity() {}

        static String bytes(long n) {
            String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
            if (n < 1024) {
                return n + " B";
            }
            double value = n;
            int unit = -1;
            while (value >= 1024 && unit < units.length - 1) {
                value /= 1024;
                unit++;
            }
            return String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
        }
    }

    /** The same drain with the Job's progress, and the condition's message followed by it. */
    public DrainStatus withProgress(Progress p) {
        if (p == null) {
            return this;
        }
        return new DrainStatus(holding, reason, worker, replicas, targetReplicas, job, message + "; progress: " + p.describe(), p);
    }

    public ObjectNode toJson() {
        ObjectNode drain = Json.MAPPER.createObjectNode();
        drain.put("phase", reason.wire());
        drain.put("worker", worker);
        drain.put("replicas", replicas);
        drain.put("targetReplicas", targetReplicas);
        if (job != null) {
            drain.put("job", job);
        }
        if (progress != null) {
            drain.set("progress", progress.toJson());
        }
        return drain;
    }
}
