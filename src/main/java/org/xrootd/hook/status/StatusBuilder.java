package org.xrootd.hook.status;

import static org.xrootd.hook.model.Component.REDIRECTOR;
import static org.xrootd.hook.model.Component.SUPERVISOR;
import static org.xrootd.hook.model.Component.WORKER;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.xrootd.hook.children.Labels;
import org.xrootd.hook.children.StatefulSets;
import org.xrootd.hook.metacontroller.ObservedChildren;
import org.xrootd.hook.model.Component;

/**
 * The parent's status, computed only from observed children (what is, not what was asked for), so it is
 * the same on every resync until something really changes: Metacontroller writes it whenever it differs,
 * and every write triggers another sync.
 */
public final class StatusBuilder {
    /** What one role should look like. */
    public record RoleTarget(int replicas, String configHash) {}

    /**
     * What the cluster should look like, for comparison with what is observed. {@code roles} holds only the
     * roles the cluster has (supervisors exist above 64 workers).
     */
    public record Desired(String version, String image, boolean deprecated, Map<Component, RoleTarget> roles, Order order,
                          String redirectsByAddress) {
        public Desired {
            roles = new EnumMap<>(roles);
            order = order == null ? Order.NONE : order;
        }

        public Desired(String version, String image, boolean deprecated, Map<Component, RoleTarget> roles) {
            this(version, image, deprecated, roles, Order.NONE, null);
        }

        public Desired(String version, String image, boolean deprecated, Map<Component, RoleTarget> roles, Order order) {
            this(version, image, deprecated, roles, order, null);
        }

        public Desired(String version, String image, boolean deprecated, Map<Component, RoleTarget> roles, String redirectsByAddress) {
            this(version, image, deprecated, roles, Order.NONE, redirectsByAddress);
        }

        int replicas(Component component) {
            RoleTarget target = roles.get(component);
            return target == null ? 0 : target.replicas();
        }
    }

    /**
     * The roll order the hook applied: {@code rolling} the first role not yet updated and ready, {@code waiting}
     * the roles whose new pod template waits for it (empty: nothing held).
     */
    public record Order(Component rolling, List<Component> waiting) {
        public static final Order NONE = new Order(null, List.of());

        public Order {
            waiting = List.copyOf(waiting);
        }
    }

    /** Managers, the supervisors between them and the servers, then the servers: the order messages count them in. */
    private static final List<Component> TOPOLOGY = List.of(REDIRECTOR, SUPERVISOR, WORKER);

    /** A condition before its transition time is known. */
    private record Draft(ConditionType type, boolean status, Reason reason, String message) {
        static Draft fine() {
            return new Draft(ConditionType.DEGRADED, false, Reason.AS_EXPECTED, "nothing is wrong");
        }
    }

    private StatusBuilder() {}

    /**
     * spec.monitor: what to fold the insight against, the insight ConfigMap (a related object, or null) and
     * the monitor's observed Deployment (or null).
     */
    public record Monitor(MonitorStatus.Target target, JsonNode insight, JsonNode deployment) {}

    public static Status forDesired(JsonNode parent, ObservedChildren observed, Desired desired) {
        return forDesired(parent, observed, desired, null);
    }

    public static Status forDesired(JsonNode parent, ObservedChildren observed, Desired desired, Monitor monitor) {
        return forDesired(parent, observed, desired, monitor, null);
    }

    /** As above, with a pending scale-down of the workers ({@code drain}, or null): status.drain and Draining. */
    public static Status forDesired(JsonNode parent, ObservedChildren observed, Desired desired, Monitor monitor, DrainStatus drain) {
        Map<Component, RoleState> roles = new EnumMap<>(Component.class);
        desired.roles().forEach((component, target) -> {
            RoleState state = state(observed, component);
            roles.put(component, state.withCurrentVersion(currentVersion(parent, component, state, target.replicas())));
        });
        String counts = counts(roles, desired::replicas);
        // Workers past a manager's 64 slots are in the cluster only through a supervisor: every role counts.
        boolean allReady = roles.entrySet().stream()
                .allMatch(role -> role.getValue().exists() && role.getValue().readyReplicas() >= desired.replicas(role.getKey()));
        List<Draft> conditions = new ArrayList<>();
        if (!roles.get(REDIRECTOR).exists() && !roles.get(WORKER).exists()) {
            conditions.add(new Draft(ConditionType.READY, false, Reason.CREATING, counts));
            conditions.add(new Draft(ConditionType.PROGRESSING, true, Reason.CREATING, "creating " + inTopologyOrder(roles,
                    component -> desired.replicas(component) + " " + plural(component))));
            conditions.add(Draft.fine());
        } else {
            conditions.add(new Draft(ConditionType.READY, allReady, allReady ? Reason.ALL_REPLICAS_READY : Reason.REPLICAS_NOT_READY, counts));
            Reason progress = progress(desired, roles);
            if (progress == null && !desired.order().waiting().isEmpty()) {
                // A change the role summaries do not show (resources, scheduling) held behind an earlier role.
                progress = Reason.ROLLING_UPDATE;
            }
            if (progress != null) {
                String message = progress == Reason.RECONFIGURING ? reconfiguring(desired, roles) : rollout(desired, roles);
                conditions.add(new Draft(ConditionType.PROGRESSING, true, progress, ordered(desired, roles, progress) + message));
                conditions.add(Draft.fine());
            } else if (allReady || wasReady(parent)) {
                conditions.add(new Draft(ConditionType.PROGRESSING, false, Reason.ROLLOUT_COMPLETE,
                        "every pod runs " + desired.image() + " with the current configuration"));
                conditions.add(allReady ? Draft.fine() : new Draft(ConditionType.DEGRADED, true, Reason.REPLICAS_UNAVAILABLE, counts));
            } else {
                // Every pod runs the current template but not all have become ready since the last change:
                // still starting (a pure function cannot tell slow from stuck; the message gives the counts).
                conditions.add(new Draft(ConditionType.PROGRESSING, true, Reason.PODS_STARTING, counts));
                conditions.add(Draft.fine());
            }
        }
        if (desired.deprecated()) {
            conditions.add(new Draft(ConditionType.VERSION_DEPRECATED, true, Reason.DEPRECATED_IN_CATALOG, "XrootdVersion '"
                    + desired.version() + "' is marked deprecated: move spec.version to a newer catalog entry"));
        }
        if (desired.redirectsByAddress() != null) {
            conditions.add(new Draft(ConditionType.REDIRECTS_BY_ADDRESS, true, Reason.NAMES_TOO_LONG, desired.redirectsByAddress()));
        }
        MonitorStatus monitorStatus = null;
        List<JsonNode> clocks = new ArrayList<>(observed.all());
        if (monitor != null) {
            MonitorStatus.Folded folded = MonitorStatus.fold(monitor.target(), monitor.insight(), monitor.deployment());
            monitorStatus = folded.status();
            folded.conditions().forEach(v -> conditions.add(new Draft(v.type(), v.status(), v.reason(), v.message())));
            // A change the insight shows (a worker gone) is dated by the monitor's write of it.
            if (monitor.insight() != null) {
                clocks.add(monitor.insight());
            }
        }
        if (drain != null) {
            conditions.add(new Draft(ConditionType.DRAINING, drain.holding(), drain.reason(), drain.message()));
        }
        List<RoleStatus> statuses = new ArrayList<>();
        roles.forEach((component, role) -> statuses.add(RoleStatus.of(component, role, desired.replicas(component))));
        return new Status(desired.version(), desired.image(), statuses, monitorStatus, drain, timed(parent, clocks, conditions));
    }

    /**
     * A parent the hook cannot act on (invalid spec, unknown version): its children are kept as they
     * are, and all three conditions say why.
     */
    public static Status forProblem(JsonNode parent, ObservedChildren observed, String version, Reason reason, String message) {
        Map<Component, RoleState> roles = carried(parent, observed);
        String running = roles.get(REDIRECTOR).exists() || roles.get(WORKER).exists()
                ? "; the running cluster is left as it is (" + counts(roles, component -> roles.get(component).specReplicas()) + ")"
                : "; nothing is created until this is fixed";
        return asObserved(parent, observed, version, roles, List.of(
                new Draft(ConditionType.READY, false, reason, message + running),
                new Draft(ConditionType.PROGRESSING, false, reason, "nothing changes until this is fixed; existing children are kept as they are"),
                new Draft(ConditionType.DEGRADED, true, reason, message)));
    }

    /** While the finalize hook removes the children (persistent volumes stay). */
    public static Status forDeletion(JsonNode parent, ObservedChildren observed, String version) {
        return asObserved(parent, observed, version, carried(parent, observed), List.of(
                new Draft(ConditionType.READY, false, Reason.DELETING, "the Xrootd is being deleted; worker volumes are kept"),
                new Draft(ConditionType.PROGRESSING, true, Reason.DELETING, observed.all().size() + " children left to delete"),
                Draft.fine()));
    }

    /** The status of a cluster whose desired state the hook cannot tell: every role as its StatefulSet says. */
    private static Status asObserved(JsonNode parent, ObservedChildren observed, String declaredVersion,
                                     Map<Component, RoleState> roles, List<Draft> conditions) {
        RoleState redirector = roles.get(REDIRECTOR);
        RoleState worker = roles.get(WORKER);
        // The version and image both core roles' templates name; else the declared version and no image.
        String version = redirector.version() != null && redirector.version().equals(worker.version()) ? redirector.version() : declaredVersion;
        String image = redirector.image() != null && redirector.image().equals(worker.image()) ? redirector.image() : null;
        List<RoleStatus> statuses = new ArrayList<>();
        roles.forEach((component, role) -> statuses.add(RoleStatus.of(component, role, role.specReplicas())));
        return new Status(version, image, statuses, timed(parent, observed, conditions));
    }

    /**
     * Every role as observed, with the version its pods ran when the status was last written; supervisors
     * only where they exist.
     */
    private static Map<Component, RoleState> carried(JsonNode parent, ObservedChildren observed) {
        Map<Component, RoleState> roles = new EnumMap<>(Component.class);
        for (Component component : Component.values()) {
            JsonNode previous = parent.path("status").path(component.label()).path("currentVersion");
            RoleState role = state(observed, component).withCurrentVersion(previous.isTextual() ? previous.asText() : null);
            if (role.exists() || component != SUPERVISOR) {
                roles.put(component, role);
            }
        }
        return roles;
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
     * Whether the cluster was whole (Ready) or already known to have lost pods (Degraded) when the status
     * was last written: then missing pods are a loss, not a start.
     */
    private static boolean wasReady(JsonNode parent) {
        for (JsonNode condition : parent.path("status").path("conditions")) {
            String type = condition.path("type").asText();
            String reason = condition.path("reason").asText();
            if ((ConditionType.READY.wire().equals(type) || ConditionType.DEGRADED.wire().equals(type))
                    && "True".equals(condition.path("status").asText())
                    && java.util.Arrays.stream(Reason.values()).noneMatch(r -> r.blocksSync() && r.wire().equals(reason))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reason Progressing=True gives, or null once every pod of every role runs what is desired. The first
     * step any role is at wins: a new image, then a missing StatefulSet, replica counts, configuration,
     * and last pods still rolling.
     */
    private static Reason progress(Desired desired, Map<Component, RoleState> roles) {
        if (any(roles, (component, role) -> role.exists()
                && (differs(role.image(), desired.image()) || behind(role, desired.version())))) {
            return Reason.UPGRADING;
        }
        if (!roles.get(REDIRECTOR).exists() || !roles.get(WORKER).exists()) {
            return Reason.CREATING;
        }
        // Supervisors appear when the workers grow past 64: a scaling step.
        if (any(roles, (component, role) -> !role.exists() || role.specReplicas() != desired.replicas(component)
                || role.replicas() != desired.replicas(component))) {
            return Reason.SCALING;
        }
        if (any(roles, (component, role) -> differs(role.configHash(), desired.roles().get(component).configHash()))) {
            return Reason.RECONFIGURING;
        }
        if (any(roles, (component, role) -> !settled(role, desired.replicas(component)))) {
            return Reason.ROLLING_UPDATE;
        }
        return null;
    }

    private interface RoleCheck {
        boolean test(Component component, RoleState role);
    }

    private static boolean any(Map<Component, RoleState> roles, RoleCheck check) {
        return roles.entrySet().stream().anyMatch(role -> check.test(role.getKey(), role.getValue()));
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

    /** Redirectors and workers, the target, then the supervisors (kept in this order so messages stay as they were). */
    private static String rollout(Desired desired, Map<Component, RoleState> roles) {
        StringBuilder message = new StringBuilder();
        for (Component component : List.of(REDIRECTOR, WORKER)) {
            message.append(message.isEmpty() ? "" : "; ").append(plural(component)).append(": ")
                    .append(role(roles.get(component), desired.replicas(component)));
        }
        message.append("; target ").append(desired.image());
        if (roles.containsKey(SUPERVISOR)) {
            message.append("; supervisors: ").append(role(roles.get(SUPERVISOR), desired.replicas(SUPERVISOR)));
        }
        return message.toString();
    }

    /**
     * Which role rolls, with the roll order: "one role at a time: redirectors roll first (1/2 updated, 1 ready);
     * workers wait until every redirector is updated and ready; " while the hook holds roles behind another,
     * "one role at a time: workers roll (1/3 updated, 2 ready); " for the last role of an upgrade or a
     * reconfiguration; else nothing (a scaling step, a pod starting).
     */
    private static String ordered(Desired desired, Map<Component, RoleState> roles, Reason progress) {
        Order order = desired.order();
        boolean waiting = !order.waiting().isEmpty();
        if (order.rolling() == null || !waiting && progress != Reason.UPGRADING && progress != Reason.RECONFIGURING
                && progress != Reason.ROLLING_UPDATE) {
            return "";
        }
        Component rolling = order.rolling();
        RoleState state = roles.getOrDefault(rolling, RoleState.MISSING);
        String counts = state.exists()
                ? state.updatedReplicas() + "/" + desired.replicas(rolling) + " updated, " + state.readyReplicas() + " ready"
                : "not created yet";
        return "one role at a time: " + plural(rolling) + " roll" + (waiting ? " first" : "") + " (" + counts + "); "
                + (waiting ? and(order.waiting().stream().map(StatusBuilder::plural).toList()) + " wait until every "
                        + rolling.label() + " is updated and ready; " : "");
    }

    private static String reconfiguring(Desired desired, Map<Component, RoleState> roles) {
        List<Component> rolling = new ArrayList<>();
        List<Component> unchanged = new ArrayList<>();
        roles.forEach((component, role) ->
                (differs(role.configHash(), desired.roles().get(component).configHash()) ? rolling : unchanged).add(component));
        return "the configuration changed: " + and(rolling.stream().map(Component::label).toList()) + " pods roll"
                + (unchanged.isEmpty() ? "" : "; " + and(unchanged.stream().map(StatusBuilder::plural).toList()) + " are unchanged");
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

    /** "2/2 redirectors, 2/2 supervisors and 100/100 workers ready", with {@code desired} replicas of each role. */
    private static String counts(Map<Component, RoleState> roles, ToIntFunction<Component> desired) {
        return inTopologyOrder(roles, component -> roles.get(component).readyReplicas() + "/" + desired.applyAsInt(component)
                + " " + plural(component)) + " ready";
    }

    private static String inTopologyOrder(Map<Component, RoleState> roles, Function<Component, String> item) {
        return and(TOPOLOGY.stream().filter(roles::containsKey).map(item).toList());
    }

    /** "a", "a and b", "a, b and c". */
    private static String and(List<String> items) {
        if (items.size() <= 1) {
            return String.join("", items);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.get(items.size() - 1);
    }

    private static String plural(Component component) {
        return component.label() + "s";
    }

    private static RoleState state(ObservedChildren observed, Component component) {
        for (JsonNode statefulSet : observed.ofKind(ObservedChildren.STATEFUL_SET)) {
            if (component.label().equals(statefulSet.path("metadata").path("labels").path(Labels.COMPONENT).asText())) {
                return RoleState.of(statefulSet, StatefulSets.CONFIG_HASH, Labels.VERSION);
            }
        }
        return RoleState.MISSING;
    }

    /**
     * A condition keeps its lastTransitionTime while its status stays the same, so an unchanged cluster
     * gives byte-identical status on every resync.
     */
    private static List<Condition> timed(JsonNode parent, ObservedChildren observed, List<Draft> drafts) {
        return timed(parent, observed.all(), drafts);
    }

    private static List<Condition> timed(JsonNode parent, List<? extends JsonNode> objects, List<Draft> drafts) {
        long generation = parent.path("metadata").path("generation").asLong(0);
        String now = ObservedClock.latest(parent, objects);
        List<Condition> conditions = new ArrayList<>();
        for (Draft draft : drafts) {
            String status = draft.status() ? "True" : "False";
            String since = now;
            for (JsonNode previous : parent.path("status").path("conditions")) {
                if (draft.type().wire().equals(previous.path("type").asText())
                        && status.equals(previous.path("status").asText())
                        && ObservedClock.isTimestamp(previous.path("lastTransitionTime"))) {
                    since = previous.path("lastTransitionTime").asText();
                }
            }
            conditions.add(new Condition(draft.type(), draft.status(), draft.reason(), draft.message(), generation, since));
        }
        return conditions;
    }
}
