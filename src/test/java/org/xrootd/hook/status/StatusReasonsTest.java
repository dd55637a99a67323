package org.xrootd.hook.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.ObservedChildren;
import org.xrootd.hook.model.Component;

/**
 * Observed role states against the conditions they must give, one row per situation, covering every
 * reason. The observed StatefulSets are written here as the API server reports them; the expected
 * reasons and messages are written by hand.
 */
class StatusReasonsTest {
    private static final String IMAGE = "img:5.5.3";
    private static final String VERSION = "5.5.3";
    private static final Set<Reason> SEEN = EnumSet.noneOf(Reason.class);

    /** One observed StatefulSet; the defaults describe a role whose rollout finished with every pod ready. */
    static final class Sts {
        final Component component;
        int specReplicas;
        int replicas;
        int ready;
        int updated;
        boolean generationObserved = true;
        boolean revisionsMatch = true;
        String image = IMAGE;
        String version = VERSION;
        String hash;

        Sts(Component component, int replicas) {
            this.component = component;
            this.specReplicas = replicas;
            this.replicas = replicas;
            this.ready = replicas;
            this.updated = replicas;
            this.hash = "hash-" + component.label();
        }

        Sts with(Consumer<Sts> change) {
            change.accept(this);
            return this;
        }

        ObjectNode json() {
            ObjectNode sts = Json.MAPPER.createObjectNode();
            sts.put("apiVersion", "apps/v1").put("kind", "StatefulSet");
            ObjectNode metadata = sts.putObject("metadata").put("name", "x-xrootd-" + component.label()).put("namespace", "ns1")
                    .put("generation", 4).put("creationTimestamp", "2026-03-01T00:00:00Z");
            metadata.putObject("labels").put("app.kubernetes.io/component", component.label());
            ObjectNode spec = sts.putObject("spec").put("replicas", specReplicas);
            ObjectNode template = spec.putObject("template");
            template.putObject("metadata").<ObjectNode>set("labels", Json.MAPPER.createObjectNode().put("app.kubernetes.io/version", version))
                    .putObject("annotations").put("xrootd.org/config-hash", hash);
            template.putObject("spec").putArray("containers").addObject().put("name", "xrootd").put("image", image);
            ObjectNode status = sts.putObject("status").put("replicas", replicas).put("readyReplicas", ready)
                    .put("updatedReplicas", updated).put("observedGeneration", generationObserved ? 4 : 3)
                    .put("currentRevision", "r1").put("updateRevision", revisionsMatch ? "r1" : "r2");
            return sts;
        }
    }

    static Sts redirectors() {
        return new Sts(Component.REDIRECTOR, 2);
    }

    static Sts workers() {
        return new Sts(Component.WORKER, 3);
    }

    static Sts supervisors() {
        return new Sts(Component.SUPERVISOR, 2);
    }

    /** The expected Ready, Progressing and Degraded conditions: status, reason, a part of the message. */
    record Expected(boolean ready, Reason readyReason, boolean progressing, Reason progressReason, String progressMessage,
                    boolean degraded, Reason degradedReason) {}

    private static Expected expect(boolean ready, Reason readyReason, boolean progressing, Reason progressReason,
                                   String progressMessage, boolean degraded, Reason degradedReason) {
        return new Expected(ready, readyReason, progressing, progressReason, progressMessage, degraded, degradedReason);
    }

    static Stream<Arguments> desiredCases() {
        List<Arguments> cases = new ArrayList<>();
        cases.add(Arguments.of("nothing exists yet", false, false, List.of(),
                expect(false, Reason.CREATING, true, Reason.CREATING, "creating 2 redirectors and 3 workers", false, Reason.AS_EXPECTED)));
        cases.add(Arguments.of("nothing exists yet, above 64 workers", true, false, List.of(),
                expect(false, Reason.CREATING, true, Reason.CREATING, "creating 2 redirectors, 2 supervisors and 3 workers", false,
                        Reason.AS_EXPECTED)));
        cases.add(Arguments.of("every pod current and ready", false, false, List.of(redirectors(), workers()),
                expect(true, Reason.ALL_REPLICAS_READY, false, Reason.ROLLOUT_COMPLETE,
                        "every pod runs img:5.5.3 with the current configuration", false, Reason.AS_EXPECTED)));
        cases.add(Arguments.of("workers still on the old image", false, false, List.of(redirectors(),
                        workers().with(w -> { w.image = "img:4"; w.version = "4.11.2"; })),
                expect(true, Reason.ALL_REPLICAS_READY, true, Reason.UPGRADING, "workers: 3/3 updated, 3 ready, template img:4", false,
                        Reason.AS_EXPECTED)));
        cases.add(Arguments.of("only the redirectors exist", false, false, List.of(redirectors()),
                expect(false, Reason.REPLICAS_NOT_READY, true, Reason.CREATING, "workers: not created yet", false, Reason.AS_EXPECTED)));
        cases.add(Arguments.of("workers asked to grow", false, false, List.of(redirectors(), workers().with(w -> w.specReplicas = 2)),
                expect(true, Reason.ALL_REPLICAS_READY, true, Reason.SCALING, "target img:5.5.3", false, Reason.AS_EXPECTED)));
        cases.add(Arguments.of("worker configuration changed", false, false, List.of(redirectors(), workers().with(w -> w.hash = "old")),
                expect(true, Reason.ALL_REPLICAS_READY, true, Reason.RECONFIGURING,
                        "the configuration changed: worker pods roll; redirectors are unchanged", false, Reason.AS_EXPECTED)));
        cases.add(Arguments.of("every configuration changed", false, false, List.of(redirectors().with(r -> r.hash = "old"),
                        workers().with(w -> w.hash = "old")),
                expect(true, Reason.ALL_REPLICAS_READY, true, Reason.RECONFIGURING,
                        "the configuration changed: redirector and worker pods roll", false, Reason.AS_EXPECTED)));
        cases.add(Arguments.of("worker pods still rolling", false, false, List.of(redirectors(),
                        workers().with(w -> { w.revisionsMatch = false; w.updated = 1; })),
                expect(true, Reason.ALL_REPLICAS_READY, true, Reason.ROLLING_UPDATE, "workers: 1/3 updated, 3 ready", false,
                        Reason.AS_EXPECTED)));
        cases.add(Arguments.of("new generation not yet seen by the StatefulSet controller", false, false, List.of(redirectors(),
                        workers().with(w -> w.generationObserved = false)),
                expect(true, Reason.ALL_REPLICAS_READY, true, Reason.ROLLING_UPDATE, "redirectors: 2/2 updated", false,
                        Reason.AS_EXPECTED)));
        cases.add(Arguments.of("pods of the current template not ready yet", false, false, List.of(redirectors(),
                        workers().with(w -> w.ready = 1)),
                expect(false, Reason.REPLICAS_NOT_READY, true, Reason.PODS_STARTING, "2/2 redirectors and 1/3 workers ready", false,
                        Reason.AS_EXPECTED)));
        cases.add(Arguments.of("a worker lost after the cluster was ready", false, true, List.of(redirectors(),
                        workers().with(w -> w.ready = 2)),
                expect(false, Reason.REPLICAS_NOT_READY, false, Reason.ROLLOUT_COMPLETE, "every pod runs img:5.5.3", true,
                        Reason.REPLICAS_UNAVAILABLE)));
        cases.add(Arguments.of("supervisors not created yet past 64 workers", true, false, List.of(redirectors(), workers()),
                expect(false, Reason.REPLICAS_NOT_READY, true, Reason.SCALING, "supervisors: not created yet", false, Reason.AS_EXPECTED)));
        cases.add(Arguments.of("supervisor configuration changed", true, false, List.of(redirectors(), workers(),
                        supervisors().with(s -> s.hash = "old")),
                expect(true, Reason.ALL_REPLICAS_READY, true, Reason.RECONFIGURING,
                        "the configuration changed: supervisor pods roll; redirectors and workers are unchanged", false,
                        Reason.AS_EXPECTED)));
        cases.add(Arguments.of("every role ready with supervisors", true, false, List.of(redirectors(), workers(), supervisors()),
                expect(true, Reason.ALL_REPLICAS_READY, false, Reason.ROLLOUT_COMPLETE, "with the current configuration", false,
                        Reason.AS_EXPECTED)));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("desiredCases")
    void observedRolesGiveTheseConditions(String situation, boolean supervised, boolean wasReady, List<Sts> observed, Expected expected) {
        Map<Component, StatusBuilder.RoleTarget> roles = new LinkedHashMap<>();
        roles.put(Component.REDIRECTOR, new StatusBuilder.RoleTarget(2, "hash-redirector"));
        roles.put(Component.WORKER, new StatusBuilder.RoleTarget(3, "hash-worker"));
        if (supervised) {
            roles.put(Component.SUPERVISOR, new StatusBuilder.RoleTarget(2, "hash-supervisor"));
        }
        ObjectNode parent = parent(wasReady);
        Status status = StatusBuilder.forDesired(parent, children(observed),
                new StatusBuilder.Desired(VERSION, IMAGE, false, roles));
        check(expected, status);
        assertEquals(supervised ? 3 : 2, status.roles().size(), "a status entry per role the cluster has");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("problemCases")
    void aParentTheHookCannotActOnKeepsItsChildrenAndSaysWhy(String situation, Reason reason, List<Sts> observed, String readyMessage) {
        Status status = StatusBuilder.forProblem(parent(true), children(observed), "9.9", reason, "the cause");
        check(expect(false, reason, false, reason, "nothing changes until this is fixed", true, reason), status);
        assertEquals(readyMessage, status.condition(ConditionType.READY).orElseThrow().message());
    }

    static Stream<Arguments> problemCases() {
        return Stream.of(
                Arguments.of("invalid spec, cluster running", Reason.INVALID_SPEC, List.of(redirectors(), workers()),
                        "the cause; the running cluster is left as it is (2/2 redirectors and 3/3 workers ready)"),
                Arguments.of("invalid spec, supervisors running", Reason.INVALID_SPEC, List.of(redirectors(), workers(), supervisors()),
                        "the cause; the running cluster is left as it is (2/2 redirectors, 2/2 supervisors and 3/3 workers ready)"),
                Arguments.of("unknown version, nothing created", Reason.VERSION_NOT_FOUND, List.of(),
                        "the cause; nothing is created until this is fixed"),
                Arguments.of("mounted Secret missing, cluster running", Reason.SECRET_NOT_FOUND, List.of(redirectors(), workers()),
                        "the cause; the running cluster is left as it is (2/2 redirectors and 3/3 workers ready)"),
                Arguments.of("mounted Secret missing, nothing created", Reason.SECRET_NOT_FOUND, List.of(),
                        "the cause; nothing is created until this is fixed"));
    }

    @org.junit.jupiter.api.Test
    void deletionSaysHowManyChildrenAreLeft() {
        Status status = StatusBuilder.forDeletion(parent(true), children(List.of(redirectors(), workers())), "5.5.3");
        check(expect(false, Reason.DELETING, true, Reason.DELETING, "2 children left to delete", false, Reason.AS_EXPECTED), status);
    }

    @org.junit.jupiter.api.Test
    void aDeprecatedCatalogEntryAddsItsOwnCondition() {
        Map<Component, StatusBuilder.RoleTarget> roles = Map.of(Component.REDIRECTOR, new StatusBuilder.RoleTarget(2, "hash-redirector"),
                Component.WORKER, new StatusBuilder.RoleTarget(3, "hash-worker"));
        Status status = StatusBuilder.forDesired(parent(false), children(List.of(redirectors(), workers())),
                new StatusBuilder.Desired(VERSION, IMAGE, true, roles));
        Condition deprecated = status.condition(ConditionType.VERSION_DEPRECATED).orElseThrow();
        assertTrue(deprecated.status());
        assertEquals(Reason.DEPRECATED_IN_CATALOG, deprecated.reason());
        SEEN.add(deprecated.reason());
    }

    @Test
    void aPendingScaleDownAddsTheDrainingConditionAndStatusDrain() {
        Map<Component, StatusBuilder.RoleTarget> roles = Map.of(Component.REDIRECTOR, new StatusBuilder.RoleTarget(2, "hash-redirector"),
                Component.WORKER, new StatusBuilder.RoleTarget(3, "hash-worker"));
        for (Reason reason : List.of(Reason.DRAIN_STARTING, Reason.DRAINING_WORKER, Reason.WORKER_RETIRING, Reason.WORKER_DRAINED,
                Reason.DRAIN_FAILED, Reason.DRAIN_BLOCKED,
                Reason.DRAIN_SKIPPED)) {
            boolean holding = reason != Reason.DRAIN_SKIPPED;
            Status status = StatusBuilder.forDesired(parent(false), children(List.of(redirectors(), workers())),
                    new StatusBuilder.Desired(VERSION, IMAGE, false, roles), null,
                    new DrainStatus(holding, reason, "x-xrootd-worker-2", 3, 2, "x-xrootd-drain-2", "what happens"));
            Condition draining = status.condition(ConditionType.DRAINING).orElseThrow();
            assertEquals(holding, draining.status(), reason.wire());
            assertEquals(reason, draining.reason());
            assertEquals("what happens", draining.message());
            var json = status.toJson();
            assertEquals(reason.wire(), json.at("/drain/phase").asText());
            assertEquals("x-xrootd-worker-2", json.at("/drain/worker").asText());
            assertEquals(3, json.at("/drain/replicas").asInt());
            assertEquals(2, json.at("/drain/targetReplicas").asInt());
            assertEquals("x-xrootd-drain-2", json.at("/drain/job").asText());
            SEEN.add(draining.reason());
        }
        Status none = StatusBuilder.forDesired(parent(false), children(List.of(redirectors(), workers())),
                new StatusBuilder.Desired(VERSION, IMAGE, false, roles));
        assertTrue(none.condition(ConditionType.DRAINING).isEmpty(), "no condition without a pending scale-down");
        assertTrue(none.toJson().path("drain").isMissingNode());
    }

    /** Names too long for name-based redirects: a condition of its own, the rest of the status unchanged. */
    @org.junit.jupiter.api.Test
    void namesTooLongForRedirectsAddTheirOwnCondition() {
        Map<Component, StatusBuilder.RoleTarget> roles = Map.of(Component.REDIRECTOR, new StatusBuilder.RoleTarget(2, "hash-redirector"),
                Component.WORKER, new StatusBuilder.RoleTarget(3, "hash-worker"));
        Status plain = StatusBuilder.forDesired(parent(false), children(List.of(redirectors(), workers())),
                new StatusBuilder.Desired(VERSION, IMAGE, false, roles));
        assertTrue(plain.condition(ConditionType.REDIRECTS_BY_ADDRESS).isEmpty());
        Status status = StatusBuilder.forDesired(parent(false), children(List.of(redirectors(), workers())),
                new StatusBuilder.Desired(VERSION, IMAGE, false, roles, "in-cluster redirects carry pod IPs"));
        Condition byAddress = status.condition(ConditionType.REDIRECTS_BY_ADDRESS).orElseThrow();
        assertTrue(byAddress.status());
        assertEquals(Reason.NAMES_TOO_LONG, byAddress.reason());
        assertEquals("in-cluster redirects carry pod IPs", byAddress.message());
        assertEquals(plain.condition(ConditionType.READY), status.condition(ConditionType.READY));
        SEEN.add(byAddress.reason());
    }

    private static final long GiB = 1L << 30;
    private static final long SPACE_MIN = 51L << 20;

    /** A worker entry of an insight: free bytes of 1 GiB. */
    private static String worker(int ordinal, boolean stale, long free) {
        return "{\"pod\":\"x-xrootd-worker-" + ordinal + "\",\"stale\":" + stale + ",\"freeBytes\":" + free + ",\"totalBytes\":" + GiB + "}";
    }

    /** A redirector entry seeing the workers in {@code states} (index = ordinal). */
    private static String redirector(int ordinal, boolean stale, String... states) {
        StringBuilder nodes = new StringBuilder();
        for (int i = 0; i < states.length; i++) {
            nodes.append(i == 0 ? "" : ",").append("{\"pod\":\"x-xrootd-worker-").append(i).append("\",\"role\":\"worker\",\"state\":\"")
                    .append(states[i]).append("\"}");
        }
        return "{\"pod\":\"x-xrootd-redirector-" + ordinal + "\",\"role\":\"redirector\",\"stale\":" + stale + ",\"nodes\":[" + nodes + "]}";
    }

    private static String insight(String cluster, List<String> redirectors, List<String> workers) {
        return "{\"format\":1,\"cluster\":\"" + cluster + "\",\"redirectors\":[" + String.join(",", redirectors) + "],\"workers\":["
                + String.join(",", workers) + "]}";
    }

    private static final List<String> ALL_WORKERS = List.of(worker(0, false, GiB / 2), worker(1, false, GiB / 4), worker(2, false, GiB / 2));
    private static final List<String> BOTH_SEE_ALL = List.of(redirector(0, false, "active", "active", "active"),
            redirector(1, false, "active", "active", "active"));

    static Stream<Arguments> monitorCases() {
        return Stream.of(
                Arguments.of("the monitor has no available replica", false, null, Reason.MONITOR_UNAVAILABLE, null, null,
                        "has no available replica"),
                Arguments.of("the monitor has not written the insight yet", true, null, Reason.INSIGHT_MISSING, null, null,
                        "has not written ConfigMap x-xrootd-insight"),
                Arguments.of("the ConfigMap holds another cluster's insight", true, insight("y", BOTH_SEE_ALL, ALL_WORKERS),
                        Reason.INSIGHT_UNREADABLE, null, null, "does not hold an insight of cluster x"),
                Arguments.of("no redirector reports", true, insight("x", List.of(redirector(0, true, "active", "active", "active")),
                        ALL_WORKERS), Reason.REPORTS_STALE, null, null, "no redirector's reports"),
                Arguments.of("every worker connected, space to spare", true, insight("x", BOTH_SEE_ALL, ALL_WORKERS),
                        Reason.INSIGHT_CURRENT, Reason.ALL_WORKERS_ACTIVE, Reason.SPACE_AVAILABLE, "x-xrootd-worker-1, has 256 MiB free"),
                Arguments.of("one redirector does not see worker 2", true, insight("x", List.of(redirector(0, false, "active", "active",
                        "active"), redirector(1, false, "active", "active", "offline")), ALL_WORKERS),
                        Reason.INSIGHT_CURRENT, Reason.WORKERS_NOT_ACTIVE, Reason.SPACE_AVAILABLE,
                        "x-xrootd-redirector-1 sees 2/3 active subscribers; 1 of 3 workers not active: x-xrootd-worker-2"),
                Arguments.of("a worker below its cms.space minimum", true, insight("x", BOTH_SEE_ALL, List.of(worker(0, false, GiB / 2),
                        worker(1, false, SPACE_MIN - (1 << 20)), worker(2, false, GiB / 2))),
                        Reason.INSIGHT_CURRENT, Reason.ALL_WORKERS_ACTIVE, Reason.SPACE_BELOW_MINIMUM,
                        "1 of 3 workers below the cms.space minimum of 51 MiB (they take no new files): x-xrootd-worker-1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("monitorCases")
    void theInsightGivesTheseMonitorConditions(String situation, boolean available, String insight, Reason stale, Reason workers,
                                               Reason space, String message) {
        MonitorStatus.Target target = new MonitorStatus.Target("x", "x-xrootd-insight", "x-xrootd-monitor",
                List.of("x-xrootd-redirector-0", "x-xrootd-redirector-1"), List.of(),
                List.of("x-xrootd-worker-0", "x-xrootd-worker-1", "x-xrootd-worker-2"), SPACE_MIN);
        ObjectNode deployment = Json.MAPPER.createObjectNode();
        deployment.putObject("status").put("availableReplicas", available ? 1 : 0);
        ObjectNode configMap = null;
        if (insight != null) {
            configMap = Json.MAPPER.createObjectNode();
            configMap.putObject("metadata").put("name", "x-xrootd-insight");
            configMap.putObject("data").put("insight.json", insight);
        }
        Map<Component, StatusBuilder.RoleTarget> roles = Map.of(Component.REDIRECTOR, new StatusBuilder.RoleTarget(2, "hash-redirector"),
                Component.WORKER, new StatusBuilder.RoleTarget(3, "hash-worker"));
        Status status = StatusBuilder.forDesired(parent(true), children(List.of(redirectors(), workers())),
                new StatusBuilder.Desired(VERSION, IMAGE, false, roles), new StatusBuilder.Monitor(target, configMap, deployment));
        check(expect(true, Reason.ALL_REPLICAS_READY, false, Reason.ROLLOUT_COMPLETE, "", false, Reason.AS_EXPECTED), status);
        Condition monitorStale = status.condition(ConditionType.MONITOR_STALE).orElseThrow();
        assertEquals(stale, monitorStale.reason());
        assertEquals(stale != Reason.INSIGHT_CURRENT, monitorStale.status());
        assertEquals(workers, status.condition(ConditionType.WORKERS_DISCONNECTED).map(Condition::reason).orElse(null));
        assertEquals(space, status.condition(ConditionType.SPACE_LOW).map(Condition::reason).orElse(null));
        String messages = status.conditions().stream().map(Condition::message).toList().toString();
        assertTrue(messages.contains(message), messages);
        assertEquals(insight != null && stale != Reason.INSIGHT_UNREADABLE, status.monitor() != null);
    }

    @org.junit.jupiter.api.Test
    void theMonitorStatusCountsAndNamesAreBounded() {
        List<String> workerNames = new ArrayList<>();
        List<String> workerEntries = new ArrayList<>();
        String[] states = new String[30];
        for (int i = 0; i < 30; i++) {
            workerNames.add("x-xrootd-worker-" + i);
            workerEntries.add(worker(i, false, GiB / 2 + i));
            states[i] = i < 5 ? "active" : "offline";
        }
        MonitorStatus.Target target = new MonitorStatus.Target("x", "x-xrootd-insight", "x-xrootd-monitor",
                List.of("x-xrootd-redirector-0"), List.of(), workerNames, SPACE_MIN);
        ObjectNode configMap = Json.MAPPER.createObjectNode();
        configMap.putObject("data").put("insight.json", insight("x", List.of(redirector(0, false, states)), workerEntries));
        ObjectNode deployment = Json.MAPPER.createObjectNode();
        deployment.putObject("status").put("availableReplicas", 1);
        MonitorStatus status = MonitorStatus.fold(target, configMap, deployment).status();
        assertEquals("5/30", status.connected());
        assertEquals(MonitorStatus.MAX_NAMES, status.workersNotActive().size());
        assertEquals("x-xrootd-worker-5", status.workersNotActive().get(0));
        assertEquals(MonitorStatus.MAX_NAMES, status.redirectors().get(0).notActive().size());
        assertEquals(new MonitorStatus.Worker("x-xrootd-worker-0", GiB / 2), status.fullestWorker());
        assertEquals(30 * GiB, status.totalBytes());
        String json = status.toJson().toString();
        assertTrue(json.startsWith("{\"connected\":\"5/30\",\"redirectors\":[{\"name\":\"x-xrootd-redirector-0\",\"reporting\":true,"
                + "\"connected\":5,\"expected\":30,\"notActive\":[\"x-xrootd-worker-5\","), json);
    }

    /** Runs every row of this class again and collects the reasons they gave. */
    @org.junit.jupiter.api.Test
    void everyReasonHasARow() {
        SEEN.clear();
        desiredCases().forEach(row -> {
            Object[] a = row.get();
            observedRolesGiveTheseConditions((String) a[0], (Boolean) a[1], (Boolean) a[2], castList(a[3]), (Expected) a[4]);
        });
        problemCases().forEach(row -> {
            Object[] a = row.get();
            aParentTheHookCannotActOnKeepsItsChildrenAndSaysWhy((String) a[0], (Reason) a[1], castList(a[2]), (String) a[3]);
        });
        deletionSaysHowManyChildrenAreLeft();
        aDeprecatedCatalogEntryAddsItsOwnCondition();
        aPendingScaleDownAddsTheDrainingConditionAndStatusDrain();
        namesTooLongForRedirectsAddTheirOwnCondition();
        monitorCases().forEach(row -> {
            Object[] a = row.get();
            theInsightGivesTheseMonitorConditions((String) a[0], (Boolean) a[1], (String) a[2], (Reason) a[3], (Reason) a[4],
                    (Reason) a[5], (String) a[6]);
        });
        assertEquals(EnumSet.allOf(Reason.class), SEEN, "add a row for each reason no row gives");
    }

    @SuppressWarnings("unchecked")
    private static List<Sts> castList(Object list) {
        return (List<Sts>) list;
    }

    private static void check(Expected expected, Status status) {
        Condition ready = status.condition(ConditionType.READY).orElseThrow();
        Condition progressing = status.condition(ConditionType.PROGRESSING).orElseThrow();
        Condition degraded = status.condition(ConditionType.DEGRADED).orElseThrow();
        assertEquals(List.of(expected.ready(), expected.readyReason()), List.of(ready.status(), ready.reason()), ready.message());
        assertEquals(List.of(expected.progressing(), expected.progressReason()), List.of(progressing.status(), progressing.reason()),
                progressing.message());
        assertTrue(progressing.message().contains(expected.progressMessage()), progressing.message());
        assertEquals(List.of(expected.degraded(), expected.degradedReason()), List.of(degraded.status(), degraded.reason()),
                degraded.message());
        status.conditions().forEach(condition -> SEEN.add(condition.reason()));
    }

    private static ObjectNode parent(boolean wasReady) {
        ObjectNode parent = Json.MAPPER.createObjectNode();
        parent.put("apiVersion", "xrootd.org/v1alpha1").put("kind", "Xrootd");
        parent.putObject("metadata").put("name", "x").put("namespace", "ns1").put("generation", 7)
                .put("creationTimestamp", "2026-01-01T00:00:00Z");
        if (wasReady) {
            parent.putObject("status").putArray("conditions").addObject().put("type", "Ready").put("status", "True")
                    .put("reason", "AllReplicasReady").put("lastTransitionTime", "2026-02-01T00:00:00Z");
        }
        return parent;
    }

    private static ObservedChildren children(List<Sts> statefulSets) {
        ObjectNode children = Json.MAPPER.createObjectNode();
        ObjectNode sets = children.putObject("StatefulSet.apps/v1");
        statefulSets.forEach(sts -> sets.set("x-xrootd-" + sts.component.label(), sts.json()));
        return ObservedChildren.of(children);
    }
}
