package org.xrootd.hook.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.xrootd.hook.children.DrainJobs;
import org.xrootd.hook.children.Names;
import org.xrootd.hook.children.XrootdConf;
import org.xrootd.hook.metacontroller.ChildKind;
import org.xrootd.hook.metacontroller.ObservedChildren;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.model.Component;
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
    public record Plan(int workerReplicas, List<JsonNode> children, DrainStatus status, Placement placement) {
        Plan(int workerReplicas, List<JsonNode> children, DrainStatus status) {
            this(workerReplicas, children, status, null);
        }

        boolean active() {
            return status != null && status.holding();
        }
    }

    /** What the draining worker's cmsd offers the managers: the variable XrootdConf's drain block reads. */
    public enum Offer {
        /** Its files, read-only: no new file is placed on it while the Job copies them away. */
        READ_ONLY(XrootdConf.DRAIN_READ_ONLY_ENV),
        /** No export at all: the managers no longer count it as a holder of any name. */
        RETIRED(XrootdConf.DRAIN_RETIRED_ENV);

        private final String env;

        Offer(String env) {
            this.env = env;
        }

        public String env() {
            return env;
        }
    }

    /**
     * The draining worker's offer in the workers' pod template: its variable in the cmsd container, and the
     * StatefulSet's rollingUpdate partition at {@code ordinal}, so that only the draining pod takes that
     * template; the pods below keep their revision.
     */
    public record Placement(int ordinal, Offer offer) {}

    /** Whether the observed StatefulSet runs the placement's pod from a template with its variable in the cmsd, ready. */
    static boolean rolledOut(JsonNode statefulSet, Placement placement) {
        JsonNode spec = statefulSet.path("spec");
        JsonNode status = statefulSet.path("status");
        int replicas = spec.path("replicas").asInt(1);
        int ordinal = placement.ordinal();
        return cmsdEnv(spec.path("template")).contains(placement.offer().env())
                && spec.path("updateStrategy").path("rollingUpdate").path("partition").asInt(0) == ordinal
                && status.path("observedGeneration").asLong(-1) >= statefulSet.path("metadata").path("generation").asLong(0)
                && status.path("updatedReplicas").asInt(0) >= replicas - ordinal
                && status.path("readyReplicas").asInt(0) >= replicas;
    }

    /** The names of the environment variables of the template's cmsd container. */
    static Set<String> cmsdEnv(JsonNode template) {
        Set<String> names = new TreeSet<>();
        for (JsonNode container : template.path("spec").path("containers")) {
            if (CMSD.equals(container.path("name").asText())) {
                container.path("env").forEach(e -> names.add(e.path("name").asText()));
            }
        }
        return names;
    }

    private static final String CMSD = "cmsd";
    private static final List<String> DRAIN_ENVS = Arrays.stream(Offer.values()).map(Offer::env).toList();

    /**
     * Puts the plan's placement into the workers' StatefulSet among {@code children} (after RollOrder, which may
     * have returned its template as observed): the drain variables are taken out of every container, then the
     * placement's one goes into the cmsd container and the partition is set; without a placement the
     * updateStrategy is the builder's (no partition). So a drain variable never outlives its partition, and a
     * template back without it is the revision the pods below the partition run: they do not roll.
     */
    static void place(Plan plan, XrootdSpec spec, List<JsonNode> children) {
        for (JsonNode child : children) {
            if (!"StatefulSet".equals(child.path("kind").asText())
                    || !Names.statefulSet(spec, Component.WORKER).equals(child.path("metadata").path("name").asText())) {
                continue;
            }
            ObjectNode stsSpec = (ObjectNode) child.get("spec");
            for (JsonNode container : stsSpec.path("template").path("spec").path("containers")) {
                JsonNode env = container.path("env");
                if (env instanceof ArrayNode array) {
                    for (int i = array.size() - 1; i >= 0; i--) {
                        if (DRAIN_ENVS.contains(array.get(i).path("name").asText())) {
                            array.remove(i);
                        }
                    }
                }
                if (plan.placement() != null && CMSD.equals(container.path("name").asText())) {
                    ((ObjectNode) container).withArray("env").addObject().put("name", plan.placement().offer().env()).put("value", "1");
                }
            }
            if (plan.placement() != null) {
                ObjectNode strategy = stsSpec.putObject("updateStrategy");
                strategy.put("type", "RollingUpdate");
                strategy.putObject("rollingUpdate").put("partition", plan.placement().ordinal());
            }
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
            return new Plan(current, kept, new DrainStatus(true, Reason.DRAIN_BLOCKED, worker, current, desired, null,
                    "spec.worker.replicas 0 leaves no worker to copy the files to; the workers keep running (" + current
                            + ")." + optOut + ignored));
        }
        if (!jobsDeclared) {
            return new Plan(current, kept, new DrainStatus(true, Reason.DRAIN_BLOCKED, worker, current, desired, null,
                    "the CompositeController does not declare batch/v1 jobs, so the files of " + worker
                            + " cannot be copied before it goes; the workers keep running (" + current + ")." + optOut + ignored));
        }
        if (spec.worker().exposure().hostNetwork()) {
            return new Plan(current, kept, new DrainStatus(true, Reason.DRAIN_BLOCKED, worker, current, desired, null,
                    "HostNetwork workers have no per-pod DNS names for the drain Job to reach " + worker
                            + " by; the workers keep running (" + current + ")." + optOut + ignored));
        }
        String jobName = DrainJobs.jobName(spec, ordinal);
        JsonNode statefulSet = observed.get(ObservedChildren.STATEFUL_SET, Names.statefulSet(spec, Component.WORKER))
                .map(JsonNode.class::cast).orElse(MissingNode.getInstance());
        Placement readOnly = new Placement(ordinal, Offer.READ_ONLY);
        if (job.isEmpty()) {
            if (!rolledOut(statefulSet, readOnly)) {
                // The Job would lose its source while the pod restarts: it starts once the pod runs read-only.
                return new Plan(current, kept, new DrainStatus(true, Reason.DRAIN_STARTING, worker, current, desired, null,
                        "restarting " + worker + " with its exports read-only for the managers (" + readOnly.offer().env()
                                + " in its cmsd container, rollingUpdate partition " + ordinal + "), so that no new file is placed on it"
                                + " while its files stay readable; then its files are copied to the other workers" + ignored), readOnly);
            }
            kept.add(DrainJobs.configMap(spec));
            kept.add(DrainJobs.job(spec, image, ordinal));
            return new Plan(current, kept, new DrainStatus(true, Reason.DRAINING_WORKER, worker, current, desired, jobName,
                    "copying the files of " + worker + " to the other workers (Job " + jobName + ") before it is removed"
                            + ignored), readOnly);
        }
        kept.add(DrainJobs.configMap(spec));
        // Returned as observed: its pod template is immutable, and a spec change must not restart a copy.
        kept.add(observed.unchanged(ChildKind.JOB.key(), jobName).orElseThrow());
        DrainStatus.Progress progress = progress(insight, worker, job.get());
        Placement retired = new Placement(ordinal, Offer.RETIRED);
        Plan plan = switch (state(job.get())) {
            case SUCCEEDED -> rolledOut(statefulSet, retired)
                    ? new Plan(current - 1, kept, new DrainStatus(true, Reason.WORKER_DRAINED, worker, current, desired,
                            jobName, "every file of " + worker + " is on another worker (Job " + jobName + " succeeded) and the managers"
                                    + " no longer count it for any path; removing it" + ignored))
                    : new Plan(current, kept, new DrainStatus(true, Reason.WORKER_RETIRING, worker, current, desired, jobName,
                            "every file of " + worker + " is on another worker (Job " + jobName + " succeeded); restarting it with no"
                                    + " export for the managers (" + retired.offer().env() + "), so that new files are not held up when it goes"
                                    + ignored), retired);
            case FAILED -> new Plan(current, kept, new DrainStatus(true, Reason.DRAIN_FAILED, worker, current, desired, jobName,
                    "the drain Job " + jobName + " failed (" + failure(job.get()) + "): see kubectl logs job/" + jobName
                            + "; no file was removed from " + worker + " before its copy was checked, and the workers keep running ("
                            + current + "). Delete the Job to try again, or set spec.worker.replicas back to " + current
                            + " to cancel." + optOut + ignored), readOnly);
            case RUNNING -> new Plan(current, kept, new DrainStatus(true, Reason.DRAINING_WORKER, worker, current, desired, jobName,
                    "copying the files of " + worker + " to the other workers (Job " + jobName + ") before it is removed"
                            + ignored), readOnly);
        };
        return new Plan(plan.workerReplicas(), plan.children(), plan.status().withProgress(progress), plan.placement());
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
                    && Set.of("running", "done", "failed").contains(entry.path("state").asText())) {
                return new DrainStatus.Progress(entry.path("state").asText(), entry.path("stale").asBoolean(false),
                        Math.max(0, entry.path("pass").asLong()), Math.max(0, entry.path("filesDone").asLong()),
                        Math.max(0, entry.path("bytesDone").asLong()), Math.max(0, entry.path("filesLeft").asLong()),
                        Math.max(0, entry.path("bytesLeft").asLong()));
            }
        }
        return null;
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
