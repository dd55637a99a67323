package org.xrootd.hook.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Conditions;
import org.xrootd.hook.testkit.Tiers;

/**
 * Upgrades in order against a real kube-apiserver and the real StatefulSet controller (pods made Ready by the
 * {@link FakeKubelet}), with the real hook behind the {@link MetacontrollerEmulator}: a version change through
 * the catalog, then a configuration change both roles read, each reach the workers' pod template only once the
 * redirectors' StatefulSet reports every replica updated and ready on the current revision.
 *
 * <p>The oracle is a watch on the StatefulSets (one ordered stream): at every event it checks that no worker
 * template carries the new value while the redirectors' StatefulSet is not done with it, and it records that
 * the hold was seen (redirectors new, workers old) so the test cannot pass on a change that never happened.
 * "Done" is spelled out here from the StatefulSet's fields, not taken from the hook.
 */
@Tiers.E2e
class RollOrderOnRealApiServerTest {
    static final String NAME = "base-xrootd";
    static final String REDIRECTOR = NAME + "-xrootd-redirector";
    static final String WORKER = NAME + "-xrootd-worker";
    static final String NEW_VERSION = "5.5.4";
    static final String NEW_IMAGE = "xrootd-hook/xrootd:5.5.4-bookworm";
    static final Duration WAIT = Duration.ofSeconds(180);

    /** The Progressing messages the parent showed while a change rolled (read while waiting). */
    static final List<String> PROGRESS = new CopyOnWriteArrayList<>();

    static E2eCluster cluster;
    static KubeApi api;
    static KubeApi.Resource xrootds;
    static KubeApi.Resource statefulSets;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = E2eCluster.startFor(RollOrderOnRealApiServerTest.class);
        api = cluster.api;
        xrootds = api.resource("xrootd.org/v1alpha1", "xrootds");
        statefulSets = api.resource("apps/v1", "statefulsets");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.closeReporting();
        }
    }

    /** One watch event's view of both roles. */
    record Seen(String redirectorValue, boolean redirectorDone, String workerValue) {}

    @Test
    void aVersionChangeAndAConfigurationChangeRollTheRedirectorsBeforeTheWorkers() throws Exception {
        String ns = cluster.servedNamespace("e2e-order");
        cluster.createExamples(ns, "xrootdversion-5.5.3.yaml");
        ObjectNode next = E2eCluster.example("xrootdversion-5.5.3.yaml");
        next.with("metadata").put("name", NEW_VERSION);
        next.with("spec").put("version", NEW_VERSION).put("image", NEW_IMAGE);
        cluster.create(ns, next);
        cluster.createExamples(ns, "base-xrootd.yaml");
        awaitSettled(ns);

        // 1. A version change through the catalog: the image.
        long started = System.nanoTime();
        List<Seen> upgrade = watching(ns, RollOrderOnRealApiServerTest::image, () -> {
            ObjectNode current = api.get(xrootds, ns, NAME);
            current.with("spec").put("version", NEW_VERSION);
            api.update(xrootds, current);
        }, NEW_IMAGE);
        double upgradeSeconds = (System.nanoTime() - started) / 1e9;
        assertOrdered("version change", upgrade, NEW_IMAGE);
        assertTrue(PROGRESS.stream().anyMatch(m -> m.startsWith("one role at a time: redirectors roll first")
                && m.contains("workers wait until every redirector is updated and ready")), "the status says which role rolls: " + PROGRESS);
        assertTrue(PROGRESS.stream().anyMatch(m -> m.startsWith("one role at a time: workers roll (")), "then the workers: " + PROGRESS);

        // 2. A configuration change both roles read (spec.config.all): the role config hashes.
        String redirectorHash = configHash(api.get(statefulSets, ns, REDIRECTOR));
        String workerHash = configHash(api.get(statefulSets, ns, WORKER));
        started = System.nanoTime();
        // The hashes are opaque: a role's value is "new" once its hash differs from the one it had before.
        Map<String, String> before = Map.of(REDIRECTOR, redirectorHash, WORKER, workerHash);
        Function<JsonNode, String> hash = sts -> configHash(sts).equals(before.get(sts.at("/metadata/name").asText())) ? "old" : "new";
        List<Seen> reconfigure = watching(ns, hash, () -> {
            ObjectNode current = api.get(xrootds, ns, NAME);
            current.with("spec").with("config").putArray("all").add("xrootd.trace emsg login stall");
            api.update(xrootds, current);
        }, "new");
        double reconfigureSeconds = (System.nanoTime() - started) / 1e9;
        assertOrdered("configuration change", reconfigure, "new");
        System.out.printf("e2e roll order: version change %.1f s over %d StatefulSet events, configuration change %.1f s over %d events;"
                + " workers held behind the redirectors in both%n", upgradeSeconds, upgrade.size(), reconfigureSeconds, reconfigure.size());
    }

    /** Every event: the workers carry the new value only once the redirectors are done with it; the hold was seen. */
    static void assertOrdered(String what, List<Seen> events, String newValue) {
        boolean held = false;
        for (Seen seen : events) {
            if (newValue.equals(seen.workerValue())) {
                assertTrue(newValue.equals(seen.redirectorValue()) && seen.redirectorDone(),
                        what + ": the workers' template changed before the redirectors were updated and ready: " + seen + " in " + events);
            }
            held |= newValue.equals(seen.redirectorValue()) && !newValue.equals(seen.workerValue());
        }
        assertTrue(held, what + ": the redirectors never ran the new template while the workers waited: " + events);
        Seen last = events.get(events.size() - 1);
        assertEquals(newValue, last.workerValue(), what + ": the workers follow in the end: " + events);
    }

    /**
     * Runs {@code change} with a watch on the namespace's StatefulSets open, and returns what each event showed,
     * until both roles run {@code target} and the parent is settled again.
     */
    static List<Seen> watching(String ns, Function<JsonNode, String> value, Runnable change, String target) throws Exception {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        Map<String, JsonNode> latest = new ConcurrentHashMap<>();
        try (Informer informer = new Informer(api, statefulSets, 0)) {
            informer.addHandler(handler(ns, latest, () -> {
                JsonNode redirector = latest.get(REDIRECTOR);
                JsonNode worker = latest.get(WORKER);
                if (redirector != null && worker != null) {
                    seen.add(new Seen(value.apply(redirector), done(redirector), value.apply(worker)));
                }
            }));
            informer.start();
            assertTrue(informer.awaitSynced(30, TimeUnit.SECONDS));
            change.run();
            E2eCluster.await("both roles on " + target, WAIT, () -> {
                String message = Conditions.find(api.get(xrootds, ns, NAME).path("status"), "Progressing").path("message").asText();
                if (!PROGRESS.contains(message)) {
                    PROGRESS.add(message);
                }
                JsonNode redirector = latest.get(REDIRECTOR);
                JsonNode worker = latest.get(WORKER);
                return redirector != null && worker != null && target.equals(value.apply(redirector)) && target.equals(value.apply(worker))
                        && done(redirector) && done(worker);
            });
            awaitSettled(ns);
        }
        return seen;
    }

    private static Informer.Handler handler(String ns, Map<String, JsonNode> latest, Runnable record) {
        return new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode object) {
                onUpdate(null, object);
            }

            @Override
            public void onUpdate(ObjectNode old, ObjectNode current) {
                if (ns.equals(current.path("metadata").path("namespace").asText())) {
                    latest.put(current.path("metadata").path("name").asText(), current);
                    record.run();
                }
            }

            @Override
            public void onDelete(ObjectNode object) {
            }
        };
    }

    static String image(JsonNode statefulSet) {
        for (JsonNode container : statefulSet.at("/spec/template/spec/containers")) {
            if ("xrootd".equals(container.path("name").asText())) {
                return container.path("image").asText();
            }
        }
        return "";
    }

    static String configHash(JsonNode statefulSet) {
        return statefulSet.at("/spec/template/metadata/annotations").path("xrootd.org/config-hash").asText("");
    }

    /** Written out from the StatefulSet's own fields: the controller saw this spec and every replica runs it and is ready. */
    static boolean done(JsonNode statefulSet) {
        JsonNode status = statefulSet.path("status");
        int replicas = statefulSet.at("/spec/replicas").asInt();
        return status.path("observedGeneration").asLong() == statefulSet.at("/metadata/generation").asLong()
                && status.path("currentRevision").asText("").equals(status.path("updateRevision").asText("-"))
                && status.path("updatedReplicas").asInt() == replicas && status.path("readyReplicas").asInt() == replicas
                && status.path("replicas").asInt() == replicas;
    }

    static void awaitSettled(String ns) throws InterruptedException {
        cluster.awaitReady(ns, NAME, "2/2", "3/3", WAIT);
    }
}
