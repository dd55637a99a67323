package org.xrootd.hook.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.xrootd.hook.children.DrainJobs;
import org.xrootd.hook.metacontroller.ChildKind;
import org.xrootd.hook.metacontroller.ObservedChildren;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.status.DrainStatus;
import org.xrootd.hook.status.Reason;

/**
 * Scale-down of the workers as a drain, one worker at a time, decided afresh on every sync from what is
 * observed (no state of its own). While the observed worker StatefulSet has more replicas than
 * spec.worker.replicas, it keeps its size and its highest ordinal is drained by a Job ({@link DrainJobs}):
 * every file is copied to the workers that stay, checked, and removed from the draining one. Only once that
 * Job has succeeded does the StatefulSet shrink by one; the next sync drains the next worker, until the
 * spec is reached. A failed Job holds the StatefulSet (the condition says what to do). Scaling back up
 * (spec at or above the observed size) cancels: the Job is no longer returned, so Metacontroller deletes it.
 *
 * <p>Opt-out per scale-down: the annotation {@link #LEAVE_DATA} on the Xrootd, whose value is the
 * spec.worker.replicas it allows: the StatefulSet shrinks to that size at once and the files on the
 * removed workers stay on their volumes, unreachable until the workers come back. Another scale-down
 * (another value of spec.worker.replicas) drains again.
 */
public final class Drain {
    /** The annotation that lets one scale-down leave the removed workers' files behind. */
    public static final String LEAVE_DATA = "xrootd.org/scale-down-without-drain";

    private Drain() {}

    /**
     * What the sync returns for the workers: their StatefulSet's replicas, the drain's children (the Job
     * and its script, while one runs) and the status of the drain (null when no scale-down is pending).
     */
    public record Plan(int workerReplicas, List<JsonNode> children, DrainStatus status) {
        boolean active() {
            return status != null && status.holding();
        }
    }

    /** The Job's outcome as its status tells it. */
    enum JobState { RUNNING, SUCCEEDED, FAILED }

    /**
     * @param observedReplicas spec.replicas of the observed worker StatefulSet, empty when there is none
     * @param jobsDeclared whether the CompositeController declares batch/v1 jobs
     * @param insight the monitor's insight of this cluster (spec.monitor), null when there is none: the drain
     *     Job's progress lines are in it
     */
    static Plan plan(XrootdSpec spec, JsonNode parent, ObservedChildren observed, Optional<Integer> observedReplicas,
                     boolean jobsDeclared, Catalog.Resolved image, JsonNode insight) {
        int desired = spec.worker().replicas();
        if (observedReplicas.isEmpty() || observedReplicas.get() <= desired) {
            // Nothing to drain; a drain Job left from a cancelled scale-down is not returned (deleted).
            return new Plan(desired, List.of(), null);
        }
        if (spec.isCache()) {
            // A cache worker holds copies only (the origin keeps every file), and a cache refuses writes: nothing to
            // move, and nowhere it could be moved to. Its files are read from the origin again on the next miss.
            return new Plan(desired, List.of(), null);
        }
        int current = observedReplicas.get();
        int ordinal = current - 1;
        String worker = DrainJobs.workerPod(spec, ordinal);
        JsonNode annotation = parent.path("metadata").path("annotations").path(LEAVE_DATA);
        if (annotation.isTextual() && annotation.asText().strip().equals(Integer.toString(desired))) {
            return new Plan(desired, List.of(), new DrainStatus(false, Reason.DRAIN_SKIPPED, worker, current, desired, null,
                    "the annotation " + LEAVE_DATA + "=" + desired + " lets this scale-down leave the files of the removed workers "
                            + "(ordinals " + desired + " and above) on their volumes, unreachable until the workers come back"));
        }
        String ignored = annotation.isMissingNode() ? "" : "; the annotation " + LEAVE_DATA + "=" + annotation.asText()
                + " does not name spec.worker.replicas (" + desired + ") and is ignored";
        String optOut = " To leave the files behind instead, annotate the Xrootd " + LEAVE_DATA + "=" + desired + ".";
        List<JsonNode> kept = new ArrayList<>();
        Optional<JsonNode> job = Optional.empty();
        for (JsonNode observedJob : observed.ofKind(ChildKind.JOB.key())) {
            String name = observedJob.path("metadata").path("name").asText();
            if (name.equals(DrainJobs.jobName(spec, ordinal))) {
                job = Optional.of(observedJob);
            }
        }
        if (desired == 0) {
            return hold(current, kept, new DrainStatus(true, Reason.DRAIN_BLOCKED, worker, current, desired, null,
                    "spec.worker.replicas 0 leaves no worker to copy the files to; the workers keep running (" + current
                            + ")." + optOut + ignored));
        }
        if (!jobsDeclared) {
            return hold(current, kept, new DrainStatus(true, Reason.DRAIN_BLOCKED, worker, current, desired, null,
                    "the CompositeController does not declare batch/v1 jobs, so the files of " + worker
                            + " cannot be copied before it goes; the workers keep running (" + current + ")." + optOut + ignored));
        }
        if (spec.worker().exposure().hostNetwork()) {
            return hold(current, kept, new DrainStatus(true, Reason.DRAIN_BLOCKED, worker, current, desired, null,
                    "HostNetwork workers have no per-pod DNS names for the drain Job to reach " + worker
                            + " by; the workers keep running (" + current + ")." + optOut + ignored));
        }
        String jobName = DrainJobs.jobName(spec, ordinal);
        kept.add(DrainJobs.configMap(spec));
        if (job.isEmpty()) {
            kept.add(DrainJobs.job(spec, image, ordinal));
            return hold(current, kept, new DrainStatus(true, Reason.DRAINING_WORKER, worker, current, desired, jobName,
                    "copying the files of " + worker + " to the other workers (Job " + jobName + ") before it is removed"
                            + ignored));
        }
        // Returned as observed: its pod template is immutable, and a spec change must not restart a copy.
        kept.add(observed.unchanged(ChildKind.JOB.key(), jobName).orElseThrow());
        DrainStatus.Progress progress = progress(insight, worker, job.get());
        Plan plan = switch (state(job.get())) {
            case SUCCEEDED -> new Plan(current - 1, kept, new DrainStatus(true, Reason.WORKER_DRAINED, worker, current, desired,
                    jobName, "every file of " + worker + " is on another worker (Job " + jobName + " succeeded); removing it"
                            + ignored));
            case FAILED -> hold(current, kept, new DrainStatus(true, Reason.DRAIN_FAILED, worker, current, desired, jobName,
                    "the drain Job " + jobName + " failed (" + failure(job.get()) + "): see kubectl logs job/" + jobName
                            + "; no file was removed from " + worker + " before its copy was checked, and the workers keep running ("
                            + current + "). Delete the Job to try again, or set spec.worker.replicas back to " + current
                            + " to cancel." + optOut + ignored));
            case RUNNING -> hold(current, kept, new DrainStatus(true, Reason.DRAINING_WORKER, worker, current, desired, jobName,
                    "copying the files of " + worker + " to the other workers (Job " + jobName + ") before it is removed"
                            + ignored));
        };
        return new Plan(plan.workerReplicas(), plan.children(), plan.status().withProgress(progress));
    }

    /**
     * The last progress line of this Job (matched by its uid, so an earlier drain of the same worker does not
     * count) as the monitor's insight carries it; null when there is none.
     */
    static DrainStatus.Progress progress(JsonNode insight, String worker, JsonNode job) {
        String uid = job.path("metadata").path("uid").asText("");
        if (insight == null || uid.isEmpty()) {
            return null;
        }
        for (JsonNode entry : insight.path("drains")) {
            if (worker.equals(entry.path("pod").asText()) && uid.equals(entry.path("job").asText())
                    && java.util.Set.of("running", "done", "failed").contains(entry.path("state").asText())) {
                return new DrainStatus.Progress(entry.path("state").asText(), entry.path("stale").asBoolean(false),
                        Math.max(0, entry.path("pass").asLong()), Math.max(0, entry.path("filesDone").asLong()),
                        Math.max(0, entry.path("bytesDone").asLong()), Math.max(0, entry.path("filesLeft").asLong()),
                        Math.max(0, entry.path("bytesLeft").asLong()));
            }
        }
        return null;
    }

    private static Plan hold(int current, List<JsonNode> children, DrainStatus status) {
        return new Plan(current, children, status);
    }

    /** Complete or Failed as the Job controller sets them (conditions), else running. */
    static JobState state(JsonNode job) {
        for (JsonNode condition : job.path("status").path("conditions")) {
            if ("True".equals(condition.path("status").asText())) {
                switch (condition.path("type").asText()) {
                    case "Complete" -> {
                        return JobState.SUCCEEDED;
                    }
                    case "Failed" -> {
                        return JobState.FAILED;
                    }
                    default -> { }
                }
            }
        }
        return JobState.RUNNING;
    }

    private static String failure(JsonNode job) {
        for (JsonNode condition : job.path("status").path("conditions")) {
            if ("Failed".equals(condition.path("type").asText()) && "True".equals(condition.path("status").asText())) {
                String reason = condition.path("reason").asText("");
                String message = condition.path("message").asText("");
                return (reason + (message.isEmpty() ? "" : ": " + message)).strip();
            }
        }
        return "failed";
    }
}
