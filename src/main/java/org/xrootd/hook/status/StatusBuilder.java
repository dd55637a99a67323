package org.xrootd.hook.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.children.Labels;
import org.xrootd.hook.children.StatefulSets;
import org.xrootd.hook.metacontroller.ObservedChildren;

/**
 * The parent's status, computed only from observed children (what is, not what was asked for), so it is
 * the same on every resync until something really changes: Metacontroller writes it whenever it differs,
 * and every write triggers another sync.
 */
public final class StatusBuilder {
    public static final String READY = "Ready";
    public static final String PROGRESSING = "Progressing";
    public static final String DEGRADED = "Degraded";

    /** What the cluster should look like, for comparison with what is observed. */
    public record Desired(String version, String image, boolean deprecated, int redirectors, int workers,
                          String redirectorHash, String workerHash, int supervisors, String supervisorHash) {

        /** Without supervisors (up to 64 workers). */
        public Desired(String version, String image, boolean deprecated, int redirectors, int workers,
                       String redirectorHash, String workerHash) {
            this(version, image, deprecated, redirectors, workers, redirectorHash, workerHash, 0, null);
        }
    }

    public static final String VERSION_DEPRECATED = "VersionDeprecated";

    private record Condition(String type, boolean status, String reason, String message) {}

    private StatusBuilder() {}

    public static ObjectNode forDesired(JsonNode parent, ObservedChildren observed, Desired desired) {
        RoleState redirector = state(observed, Component.REDIRECTOR)
                .withCurrentVersion(currentVersion(parent, Component.REDIRECTOR, state(observed, Component.REDIRECTOR), desired.redirectors()));
        RoleState worker = state(observed, Component.WORKER)
                .withCurrentVersion(currentVersion(parent, Component.WORKER, state(observed, Component.WORKER), desired.workers()));
        RoleState supervisor = state(observed, Component.SUPERVISOR)
                .withCurrentVersion(currentVersion(parent, Component.SUPERVISOR, state(observed, Component.SUPERVISOR), desired.supervisors()));
        boolean supervised = desired.supervisors() > 0;
        List<Condition> conditions = new ArrayList<>();
        String counts = supervised
                ? counts(redirector, desired.redirectors(), supervisor, desired.supervisors(), worker, desired.workers())
                : counts(redirector, desired.redirectors(), worker, desired.workers());
        // Workers past a manager's 64 slots are in the cluster only through a supervisor.
        boolean allReady = redirector.exists() && worker.exists()
                && redirector.readyReplicas() >= desired.redirectors() && worker.readyReplicas() >= desired.workers()
                && (!supervised || supervisor.exists() && supervisor.readyReplicas() >= desired.supervisors());
        if (!redirector.exists() && !worker.exists()) {
            conditions.add(new Condition(READY, false, "Creating", counts));
            conditions.add(new Condition(PROGRESSING, true, "Creating",
                    "creating " + desired.redirectors() + " redirectors"
                            + (supervised ? ", " + desired.supervisors() + " supervisors" : "")
                            + " and " + desired.workers() + " workers"));
            conditions.add(new Condition(DEGRADED, false, "AsExpected", "nothing is wrong"));
        } else {
            conditions.add(new Condition(READY, allReady, allReady ? "AllReplicasReady" : "ReplicasNotReady", counts));
            String progress = progress(desired, redirector, worker);
            if (progress == null && supervised) {
                progress = supervisorProgress(desired, supervisor);
            }
            if (progress != null) {
                String message = progress.equals("Reconfiguring") ? reconfiguring(desired, redirector, worker, supervisor)
                        : rollout(desired, redirector, worker) + (supervised ? "; supervisors: " + role(supervisor, desired.supervisors()) : "");
                conditions.add(new Condition(PROGRESSING, true, progress, message));
                conditions.add(new Condition(DEGRADED, false, "AsExpected", "nothing is wrong"));
            } else if (allReady || wasReady(parent)) {
                conditions.add(new Condition(PROGRESSING, false, "RolloutComplete",
                        "every pod runs " + desired.image() + " with the current configuration"));
                conditions.add(allReady
                        ? new Condition(DEGRADED, false, "AsExpected", "nothing is wrong")
                        : new Condition(DEGRADED, true, "ReplicasUnavailable", counts));
            } else {
                // Every pod runs the current template but not all have become ready since the last change:
                // still starting (a pure function cannot tell slow from stuck; the message gives the counts).
                conditions.add(new Condition(PROGRESSING, true, "PodsStarting", counts));
                conditions.add(new Condition(DEGRADED, false, "AsExpected", "nothing is wrong"));
            }
        }
        if (desired.deprecated()) {
            conditions.add(new Condition(VERSION_DEPRECATED, true, "DeprecatedInCatalog", "XrootdVersion '"
                    + desired.version() + "' is marked deprecated: move spec.version to a newer catalog entry"));
        }
        return status(parent, observed, desired.version(), desired.image(), redirector, desired.redirectors(),
                worker, desired.workers(), supervised ? supervisor : null, desired.supervisors(), conditions);
    }

    /**
     * Supervisors, checked once the redirectors and workers have nothing left to do: the same reasons,
     * and a supervisor StatefulSet that does not exist yet (workers scaled past 64) is Scaling.
     */
    private static String supervisorProgress(Desired desired, RoleState supervisor) {
        if (!supervisor.exists()) {
            return "Scaling";
        }
        if (differs(supervisor.image(), desired.image()) || behind(supervisor, desired.version())) {
            return "Upgrading";
        }
        if (supervisor.specReplicas() != desired.supervisors() || supervisor.replicas() != desired.supervisors()) {
            return "Scaling";
        }
        if (differs(supervisor.configHash(), desired.supervisorHash())) {
            return "Reconfiguring";
        }
        if (!settled(supervisor, desired.supervisors())) {
            return "RollingUpdate";
        }
        return null;
    }

    /** When the hook cannot tell what is desired: the supervisors as observed, or null if none exist. */
    private static RoleState observedSupervisors(JsonNode parent, ObservedChildren observed) {
        RoleState supervisor = carried(parent, observed, Component.SUPERVISOR);
        return supervisor.exists() ? supervisor : null;
    }

    /** A role as observed, with the version its pods ran when the status was last written. */
    private static RoleState carried(JsonNode parent, ObservedChildren observed, Component component) {
        JsonNode previous = parent.path("status").path(component.label()).path("currentVersion");
        return state(observed, component).withCurrentVersion(previous.isTextual() ? previous.asText() : null);
    }

    /**
     * The version every pod of a role runs: the template's once the rollout has finished, else what the
     * last written status said (StatefulSets do not report the old revision's image).
     */
    private static String currentVersion(JsonNode parent, Component component, RoleState role, int desiredReplicas) {
        if (role.exists() && settled(role, desiredReplicas) && role.replicas() == role.specReplicas() && role.version() != null) {
            return role.version();
        }
        JsonNode previous = parent.path("status").path(component.label()).path("currentVersion");
        return previous.isTextual() ? previous.asText() : null;
    }

    /**
     * A parent the hook cannot act on (invalid spec, unknown version): its children are kept as they
     * are, and all three conditions say why.
     */
    public static ObjectNode forProblem(JsonNode parent, ObservedChildren observed, String version,
                                        String reason, String message) {
        RoleState redirector = carried(parent, observed, Component.REDIRECTOR);
        RoleState worker = carried(parent, observed, Component.WORKER);
        String running = redirector.exists() || worker.exists()
                ? "; the running cluster is left as it is (" + counts(redirector, redirector.specReplicas(), worker, worker.specReplicas()) + ")"
                : "; nothing is created until this is fixed";
        List<Condition> conditions = List.of(
                new Condition(READY, false, reason, message + running),
                new Condition(PROGRESSING, false, reason, "nothing changes until this is fixed; existing children are kept as they are"),
                new Condition(DEGRADED, true, reason, message));
        RoleState supervisor = observedSupervisors(parent, observed);
        return status(parent, observed, inUse(redirector, worker, version), inUse(redirector, worker), redirector,
                redirector.specReplicas(), worker, worker.specReplicas(), supervisor,
                supervisor == null ? 0 : supervisor.specReplicas(), conditions);
    }

    /** While the finalize hook removes the children (persistent volumes stay). */
    public static ObjectNode forDeletion(JsonNode parent, ObservedChildren observed, String version) {
        RoleState redirector = carried(parent, observed, Component.REDIRECTOR);
        RoleState worker = carried(parent, observed, Component.WORKER);
        List<Condition> conditions = List.of(
                new Condition(READY, false, "Deleting", "the Xrootd is being deleted; worker volumes are kept"),
                new Condition(PROGRESSING, true, "Deleting", observed.all().size() + " children left to delete"),
                new Condition(DEGRADED, false, "AsExpected", "nothing is wrong"));
        RoleState supervisor = observedSupervisors(parent, observed);
        return status(parent, observed, inUse(redirector, worker, version), inUse(redirector, worker), redirector,
                redirector.specReplicas(), worker, worker.specReplicas(), supervisor,
                supervisor == null ? 0 : supervisor.specReplicas(), conditions);
    }

    /** The version both roles' templates name, when the hook cannot tell what is desired; else the declared one. */
    private static String inUse(RoleState redirector, RoleState worker, String declared) {
        if (redirector.version() != null && redirector.version().equals(worker.version())) {
            return redirector.version();
        }
        return declared;
    }

    private static String inUse(RoleState redirector, RoleState worker) {
        if (redirector.image() != null && redirector.image().equals(worker.image())) {
            return redirector.image();
        }
        return null;
    }

    /**
     * Whether the cluster was whole (Ready) or already known to have lost pods (Degraded) when the status
     * was last written: then missing pods are a loss, not a start.
     */
    private static boolean wasReady(JsonNode parent) {
        for (JsonNode condition : parent.path("status").path("conditions")) {
            String type = condition.path("type").asText();
            if ((READY.equals(type) || DEGRADED.equals(type)) && "True".equals(condition.path("status").asText())
                    && !"InvalidSpec".equals(condition.path("reason").asText())
                    && !"VersionNotFound".equals(condition.path("reason").asText())) {
                return true;
            }
        }
        return false;
    }

    /** Reason Progressing=True gives, or null once every pod runs what is desired. */
    private static String progress(Desired desired, RoleState redirector, RoleState worker) {
        boolean imageDiffers = differs(redirector.image(), desired.image()) || differs(worker.image(), desired.image())
                || behind(redirector, desired.version()) || behind(worker, desired.version());
        if (imageDiffers || !redirector.exists() || !worker.exists()) {
            return imageDiffers ? "Upgrading" : "Creating";
        }
        if (redirector.specReplicas() != desired.redirectors() || worker.specReplicas() != desired.workers()
                || redirector.replicas() != desired.redirectors() || worker.replicas() != desired.workers()) {
            return "Scaling";
        }
        if (differs(redirector.configHash(), desired.redirectorHash()) || differs(worker.configHash(), desired.workerHash())) {
            return "Reconfiguring";
        }
        if (!settled(redirector, desired.redirectors()) || !settled(worker, desired.workers())) {
            return "RollingUpdate";
        }
        return null;
    }

    /** Some pods of the role still run another version than the desired one. */
    private static boolean behind(RoleState role, String version) {
        return role.currentVersion() != null && !role.currentVersion().equals(version);
    }

    private static boolean settled(RoleState role, int desired) {
        return role.generationObserved() && role.revisionsMatch() && role.updatedReplicas() >= desired;
    }

    private static boolean differs(String observed, String desired) {
        return observed == null || !observed.equals(desired);
    }

    private static String rollout(Desired desired, RoleState redirector, RoleState worker) {
        return "redirectors: " + role(redirector, desired.redirectors()) + "; workers: " + role(worker, desired.workers())
                + "; target " + desired.image();
    }

    private static String reconfiguring(Desired desired, RoleState redirector, RoleState worker, RoleState supervisor) {
        boolean redirectors = differs(redirector.configHash(), desired.redirectorHash());
        boolean workers = differs(worker.configHash(), desired.workerHash());
        if (!redirectors && !workers) {
            return "the configuration changed: supervisor pods roll; redirectors and workers are unchanged";
        }
        String who = redirectors && workers ? "redirector and worker pods roll" : redirectors ? "redirector pods roll; workers are unchanged"
                : "worker pods roll; redirectors are unchanged";
        return "the configuration changed: " + who;
    }

    private static String role(RoleState role, int desired) {
        if (!role.exists()) {
            return "not created yet";
        }
        String versions = role.currentVersion() != null && role.version() != null && !role.currentVersion().equals(role.version())
                ? ", " + role.updatedReplicas() + " on " + role.version() + ", the others on " + role.currentVersion()
                : "";
        return role.updatedReplicas() + "/" + desired + " updated, " + role.readyReplicas() + " ready"
                + (role.image() == null ? "" : ", template " + role.image()) + versions;
    }

    private static String counts(RoleState redirector, int redirectors, RoleState supervisor, int supervisors,
                                 RoleState worker, int workers) {
        return redirector.readyReplicas() + "/" + redirectors + " redirectors, "
                + supervisor.readyReplicas() + "/" + supervisors + " supervisors and "
                + worker.readyReplicas() + "/" + workers + " workers ready";
    }

    private static String counts(RoleState redirector, int redirectors, RoleState worker, int workers) {
        return redirector.readyReplicas() + "/" + redirectors + " redirectors and "
                + worker.readyReplicas() + "/" + workers + " workers ready";
    }

    private static RoleState state(ObservedChildren observed, Component component) {
        for (JsonNode statefulSet : observed.ofKind(ObservedChildren.STATEFUL_SET)) {
            if (component.label().equals(statefulSet.path("metadata").path("labels").path(Labels.COMPONENT).asText())) {
                return RoleState.of(statefulSet, StatefulSets.CONFIG_HASH, Labels.VERSION);
            }
        }
        return RoleState.MISSING;
    }

    /** {@code supervisor}: null while the cluster has none (up to 64 workers), and then no status field. */
    private static ObjectNode status(JsonNode parent, ObservedChildren observed, String version, String image,
                                     RoleState redirector, int redirectors, RoleState worker, int workers,
                                     RoleState supervisor, int supervisors, List<Condition> conditions) {
        ObjectNode status = Json.MAPPER.createObjectNode();
        if (version != null) {
            status.put("version", version);
        }
        if (image != null) {
            status.put("image", image);
        }
        status.set("redirector", roleStatus(redirector, redirectors));
        status.set("worker", roleStatus(worker, workers));
        if (supervisor != null) {
            status.set("supervisor", roleStatus(supervisor, supervisors));
        }
        status.set("conditions", conditions(parent, observed, conditions));
        return status;
    }

    private static ObjectNode roleStatus(RoleState role, int desired) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("replicas", role.replicas());
        node.put("readyReplicas", role.readyReplicas());
        node.put("updatedReplicas", role.updatedReplicas());
        node.put("ready", role.readyReplicas() + "/" + desired);
        if (role.version() != null) {
            node.put("version", role.version());
        }
        if (role.image() != null) {
            node.put("image", role.image());
        }
        if (role.currentVersion() != null) {
            node.put("currentVersion", role.currentVersion());
        }
        return node;
    }

    /**
     * A condition keeps its lastTransitionTime while its status stays the same, so an unchanged cluster
     * gives byte-identical status on every resync.
     */
    private static ArrayNode conditions(JsonNode parent, ObservedChildren observed, List<Condition> conditions) {
        long generation = parent.path("metadata").path("generation").asLong(0);
        String now = ObservedClock.latest(parent, observed.all());
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (Condition condition : conditions) {
            String status = condition.status() ? "True" : "False";
            String since = now;
            for (JsonNode previous : parent.path("status").path("conditions")) {
                if (condition.type().equals(previous.path("type").asText())
                        && status.equals(previous.path("status").asText())
                        && ObservedClock.isTimestamp(previous.path("lastTransitionTime"))) {
                    since = previous.path("lastTransitionTime").asText();
                }
            }
            ObjectNode node = array.addObject();
            node.put("type", condition.type());
            node.put("status", status);
            node.put("observedGeneration", generation);
            node.put("lastTransitionTime", since);
            node.put("reason", condition.reason());
            node.put("message", condition.message());
        }
        return array;
    }
}
