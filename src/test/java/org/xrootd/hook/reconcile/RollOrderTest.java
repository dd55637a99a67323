package org.xrootd.hook.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.ObservedChildren;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.testkit.Samples;

/**
 * The roll order over hand-written StatefulSets: the names are the sample cluster's, every template and
 * status is spelled out here (no builder of the hook makes them), so that each test states exactly which
 * observation holds or releases a role.
 */
class RollOrderTest {
    private static final XrootdSpec SPEC = Samples.sample();
    private static final String REDIRECTOR = "base-xrootd-xrootd-redirector";
    private static final String SUPERVISOR = "base-xrootd-xrootd-supervisor";
    private static final String WORKER = "base-xrootd-xrootd-worker";

    /** A pod template carrying {@code image} only, as the hook would build it. */
    private static ObjectNode template(String image) {
        ObjectNode template = Json.MAPPER.createObjectNode();
        template.putObject("metadata").putObject("annotations").put("xrootd.org/config-hash", "h-" + image);
        template.putObject("spec").putArray("containers").addObject().put("name", "xrootd").put("image", image);
        return template;
    }

    private static ObjectNode desired(String name, String image) {
        ObjectNode statefulSet = Json.MAPPER.createObjectNode();
        statefulSet.put("apiVersion", "apps/v1").put("kind", "StatefulSet");
        statefulSet.putObject("metadata").put("name", name);
        statefulSet.putObject("spec").put("replicas", 2).set("template", template(image));
        return statefulSet;
    }

    /**
     * The StatefulSet as the API server holds it after Metacontroller applied {@code applied}: the API server's
     * defaults in the stored template, the last-applied annotation, and a finished rollout with every pod ready.
     */
    private static ObjectNode observed(String name, String applied) {
        ObjectNode desired = desired(name, applied);
        ObjectNode statefulSet = desired.deepCopy();
        ObjectNode metadata = (ObjectNode) statefulSet.get("metadata");
        metadata.put("generation", 3);
        metadata.putObject("annotations").put(ObservedChildren.LAST_APPLIED, desired.toString());
        ObjectNode podSpec = (ObjectNode) statefulSet.get("spec").get("template").get("spec");
        podSpec.put("restartPolicy", "Always").put("dnsPolicy", "ClusterFirst");
        ((ObjectNode) podSpec.get("containers").get(0)).put("terminationMessagePath", "/dev/termination-log");
        ObjectNode status = statefulSet.putObject("status");
        status.put("observedGeneration", 3).put("replicas", 2).put("readyReplicas", 2).put("updatedReplicas", 2)
                .put("currentRevision", name + "-1").put("updateRevision", name + "-1");
        return statefulSet;
    }

    private static ObservedChildren observe(ObjectNode... statefulSets) {
        Map<String, JsonNode> byName = new TreeMap<>();
        for (ObjectNode statefulSet : statefulSets) {
            byName.put(statefulSet.path("metadata").path("name").asText(), statefulSet);
        }
        ObjectNode children = Json.MAPPER.createObjectNode();
        ObjectNode kind = children.putObject(ObservedChildren.STATEFUL_SET);
        byName.forEach(kind::set);
        return ObservedChildren.of(children);
    }

    private static ObjectNode with(ObjectNode statefulSet, Consumer<ObjectNode> change) {
        ObjectNode copy = statefulSet.deepCopy();
        change.accept(copy);
        return copy;
    }

    private static String image(List<JsonNode> children, String name) {
        for (JsonNode child : children) {
            if (name.equals(child.path("metadata").path("name").asText())) {
                return child.path("spec").path("template").path("spec").path("containers").get(0).path("image").asText();
            }
        }
        throw new AssertionError(name);
    }

    private static JsonNode template(List<JsonNode> children, String name) {
        for (JsonNode child : children) {
            if (name.equals(child.path("metadata").path("name").asText())) {
                return child.path("spec").path("template");
            }
        }
        throw new AssertionError(name);
    }

    private static List<JsonNode> children(ObjectNode... statefulSets) {
        return new ArrayList<>(List.of(statefulSets));
    }

    @Test
    void nothingChangedHoldsNothing() {
        List<JsonNode> children = children(desired(REDIRECTOR, "v1"), desired(WORKER, "v1"));
        RollOrder.Plan plan = RollOrder.apply(SPEC, children, observe(observed(REDIRECTOR, "v1"), observed(WORKER, "v1")));
        assertNull(plan.rolling());
        assertFalse(plan.holds());
        assertEquals("v1", image(children, WORKER));
    }

    @Test
    void aNewVersionMovesTheRedirectorsAndHoldsTheWorkersTemplateAsObserved() {
        ObjectNode worker = observed(WORKER, "v1");
        List<JsonNode> children = children(desired(REDIRECTOR, "v2"), desired(WORKER, "v2"));
        RollOrder.Plan plan = RollOrder.apply(SPEC, children, observe(observed(REDIRECTOR, "v1"), worker));
        assertEquals(Component.REDIRECTOR, plan.rolling());
        assertEquals(List.of(Component.WORKER), plan.waiting());
        assertEquals("v2", image(children, REDIRECTOR));
        // Exactly the stored template, with the API server's defaults: applying it changes nothing.
        assertEquals(worker.get("spec").get("template"), template(children, WORKER));
        assertEquals("/dev/termination-log", template(children, WORKER).path("spec").path("containers").get(0)
                .path("terminationMessagePath").asText());
    }

    @Test
    void theWorkersWaitForEveryConditionOfTheRedirectorsRollout() {
        ObjectNode rolled = observed(REDIRECTOR, "v2");
        List<Consumer<ObjectNode>> unfinished = List.of(
                s -> ((ObjectNode) s.get("status")).put("observedGeneration", 2),
                s -> ((ObjectNode) s.get("status")).put("updateRevision", REDIRECTOR + "-2"),
                s -> ((ObjectNode) s.get("status")).put("updatedReplicas", 1),
                s -> ((ObjectNode) s.get("status")).put("readyReplicas", 1),
                s -> ((ObjectNode) s.get("status")).put("replicas", 3),
                s -> ((ObjectNode) s.get("status")).remove("currentRevision"),
                s -> s.remove("status"));
        for (Consumer<ObjectNode> change : unfinished) {
            List<JsonNode> children = children(desired(REDIRECTOR, "v2"), desired(WORKER, "v2"));
            RollOrder.Plan plan = RollOrder.apply(SPEC, children, observe(with(rolled, change), observed(WORKER, "v1")));
            assertEquals(List.of(Component.WORKER), plan.waiting(), "held while " + with(rolled, change).path("status"));
            assertEquals("v1", image(children, WORKER));
        }
    }

    @Test
    void theWorkersFollowOnceTheRedirectorsAreUpdatedAndReady() {
        List<JsonNode> children = children(desired(REDIRECTOR, "v2"), desired(WORKER, "v2"));
        RollOrder.Plan plan = RollOrder.apply(SPEC, children, observe(observed(REDIRECTOR, "v2"), observed(WORKER, "v1")));
        assertEquals(Component.WORKER, plan.rolling());
        assertFalse(plan.holds());
        assertEquals("v2", image(children, WORKER));
    }

    @Test
    void aChangeOnlyTheWorkersReadIsNotHeld() {
        List<JsonNode> children = children(desired(REDIRECTOR, "v1"), desired(WORKER, "v2"));
        RollOrder.Plan plan = RollOrder.apply(SPEC, children, observe(observed(REDIRECTOR, "v1"), observed(WORKER, "v1")));
        assertFalse(plan.holds());
        assertEquals("v2", image(children, WORKER));
    }

    @Test
    void aWorkerChangeWaitsWhileARedirectorIsNotReady() {
        ObjectNode redirector = with(observed(REDIRECTOR, "v1"), s -> ((ObjectNode) s.get("status")).put("readyReplicas", 1));
        List<JsonNode> children = children(desired(REDIRECTOR, "v1"), desired(WORKER, "v2"));
        RollOrder.Plan plan = RollOrder.apply(SPEC, children, observe(redirector, observed(WORKER, "v1")));
        assertEquals(Component.REDIRECTOR, plan.rolling());
        assertEquals("v1", image(children, WORKER));
    }

    @Test
    void supervisorsGoBetweenManagersAndServers() {
        ObservedChildren observed = observe(observed(REDIRECTOR, "v1"), observed(SUPERVISOR, "v1"), observed(WORKER, "v1"));
        List<JsonNode> children = children(desired(REDIRECTOR, "v2"), desired(SUPERVISOR, "v2"), desired(WORKER, "v2"));
        RollOrder.Plan plan = RollOrder.apply(SPEC, children, observed);
        assertEquals(Component.REDIRECTOR, plan.rolling());
        assertEquals(List.of(Component.SUPERVISOR, Component.WORKER), plan.waiting());
        assertEquals(List.of("v2", "v1", "v1"), List.of(image(children, REDIRECTOR), image(children, SUPERVISOR), image(children, WORKER)));

        observed = observe(observed(REDIRECTOR, "v2"), observed(SUPERVISOR, "v1"), observed(WORKER, "v1"));
        children = children(desired(REDIRECTOR, "v2"), desired(SUPERVISOR, "v2"), desired(WORKER, "v2"));
        plan = RollOrder.apply(SPEC, children, observed);
        assertEquals(Component.SUPERVISOR, plan.rolling());
        assertEquals(List.of(Component.WORKER), plan.waiting());
        assertEquals(List.of("v2", "v2", "v1"), List.of(image(children, REDIRECTOR), image(children, SUPERVISOR), image(children, WORKER)));
    }

    @Test
    void newSupervisorsComeUpBeforeTheWorkersMoveToThem() {
        List<JsonNode> children = children(desired(REDIRECTOR, "v1"), desired(SUPERVISOR, "v2"), desired(WORKER, "v2"));
        RollOrder.Plan plan = RollOrder.apply(SPEC, children, observe(observed(REDIRECTOR, "v1"), observed(WORKER, "v1")));
        assertEquals(Component.SUPERVISOR, plan.rolling());
        assertEquals(List.of(Component.WORKER), plan.waiting());
        assertEquals("v2", image(children, SUPERVISOR));
        assertEquals("v1", image(children, WORKER));
    }

    @Test
    void aNewClusterStartsEveryRoleAtOnce() {
        List<JsonNode> children = children(desired(REDIRECTOR, "v1"), desired(WORKER, "v1"));
        RollOrder.Plan plan = RollOrder.apply(SPEC, children, observe());
        assertEquals(Component.REDIRECTOR, plan.rolling());
        assertFalse(plan.holds());
        assertEquals("v1", image(children, WORKER));
    }

    @Test
    void anAdoptedStatefulSetWithoutLastAppliedCountsAsNotYetApplied() {
        ObjectNode adopted = with(observed(REDIRECTOR, "v1"), s -> ((ObjectNode) s.get("metadata")).remove("annotations"));
        List<JsonNode> children = children(desired(REDIRECTOR, "v1"), desired(WORKER, "v2"));
        RollOrder.Plan plan = RollOrder.apply(SPEC, children, observe(adopted, observed(WORKER, "v1")));
        assertEquals(Component.REDIRECTOR, plan.rolling());
        assertEquals("v1", image(children, WORKER));
    }

    @Test
    void theSameRequestGivesTheSameAnswer() {
        ObservedChildren observed = observe(observed(REDIRECTOR, "v1"), observed(WORKER, "v1"));
        List<JsonNode> first = children(desired(REDIRECTOR, "v2"), desired(WORKER, "v2"));
        List<JsonNode> second = children(desired(REDIRECTOR, "v2"), desired(WORKER, "v2"));
        assertEquals(RollOrder.apply(SPEC, first, observed), RollOrder.apply(SPEC, second, observed));
        assertEquals(first, second);
        assertTrue(RollOrder.apply(SPEC, first, observed).holds());
    }
}
