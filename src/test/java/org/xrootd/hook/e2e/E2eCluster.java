package org.xrootd.hook.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.xrootd.hook.http.HookServer;
import org.xrootd.hook.testkit.Conditions;
import org.xrootd.hook.testkit.Repo;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Everything an end-to-end test runs against, on loopback: a real control plane (etcd, kube-apiserver and
 * kube-controller-manager with the garbage collector and StatefulSet controllers), the repository's CRDs,
 * the real hook service, the Metacontroller emulation driving it, and a fake kubelet. {@link #close()} stops
 * all of it, the processes by PID, whatever happened before.
 */
final class E2eCluster implements AutoCloseable {
    /** The CompositeController's child types that a 1.20 API server does not serve. */
    static final String PDB_RESOURCE = "poddisruptionbudgets";

    final ControlPlane controlPlane;
    final KubeApi api;
    final HookServer hook;
    /** The running emulation; replaced by {@link #restartEmulator}. */
    volatile MetacontrollerEmulator emulator;
    final FakeKubelet kubelet;
    final Duration startup;

    private E2eCluster(ControlPlane controlPlane, KubeApi api, HookServer hook, MetacontrollerEmulator emulator,
                       FakeKubelet kubelet, Duration startup) {
        this.controlPlane = controlPlane;
        this.api = api;
        this.hook = hook;
        this.emulator = emulator;
        this.kubelet = kubelet;
        this.startup = startup;
    }

    /** Every document of a YAML manifest, as JSON trees (SnakeYAML, so anchors and aliases resolve). */
    static List<ObjectNode> manifests(Path file) {
        List<ObjectNode> documents = new ArrayList<>();
        try {
            for (Object document : new Yaml(new LoaderOptions()).loadAll(Files.readString(file))) {
                if (document != null) {
                    documents.add((ObjectNode) KubeApi.MAPPER.valueToTree(document));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
        return documents;
    }

    /**
     * The repository's CompositeController, less its policy/v1 PodDisruptionBudget entry: Kubernetes 1.20
     * serves PodDisruptionBudgets only as policy/v1beta1 (policy/v1 arrived in 1.21), and Metacontroller
     * cannot start a controller whose child resource the server does not serve. docs/operations.md tells
     * operators of such clusters to do the same; the hook then must return no budgets.
     */
    static ObjectNode compositeControllerFor120() {
        ObjectNode controller = manifests(Repo.path("metacontroller/xrootd-controller.yaml")).get(0);
        ArrayNode rules = (ArrayNode) controller.path("spec").path("childResources");
        for (int i = rules.size() - 1; i >= 0; i--) {
            if (rules.get(i).path("resource").asText().equals(PDB_RESOURCE)) {
                rules.remove(i);
            }
        }
        return controller;
    }

    /** The CompositeController with every hook (customize, sync, finalize) at {@code version}. */
    static ObjectNode withHookVersion(ObjectNode controller, String version) {
        ObjectNode copy = controller.deepCopy();
        copy.path("spec").path("hooks").fields().forEachRemaining(hook -> ((ObjectNode) hook.getValue()).put("version", version));
        return copy;
    }

    /**
     * Stops the emulation and starts another with {@code controller}, as Metacontroller does when a
     * CompositeController is edited; its writes are counted by a new client named {@code clientName}.
     */
    void restartEmulator(ObjectNode controller, String clientName) throws InterruptedException {
        emulator.close();
        MetacontrollerEmulator next = new MetacontrollerEmulator(new KubeApi(clientName, controlPlane.serverUrl(),
                controlPlane.token(), controlPlane.sslContext()), controller, "http://127.0.0.1:" + hook.port());
        next.start();
        emulator = next;
    }

    /**
     * Aborts the calling test class when the Kubernetes binaries are missing (tests/e2e/provision-k8s.sh builds
     * them), except under CI=true, where the end-to-end suite must run and a missing binary fails it.
     */
    static void requireBinaries(String testClass) {
        var bin = ControlPlane.defaultBinDir();
        boolean present = java.nio.file.Files.isExecutable(bin.resolve("kube-apiserver"))
                && java.nio.file.Files.isExecutable(bin.resolve("etcd"))
                && java.nio.file.Files.isExecutable(bin.resolve("kube-controller-manager"));
        if (present) {
            return;
        }
        String message = "no Kubernetes binaries in " + bin + ": run tests/e2e/provision-k8s.sh (or set " + ControlPlane.ENV_BIN + ")";
        if ("true".equals(System.getenv("CI"))) {
            throw new IllegalStateException(message + "; under CI=true the end-to-end suite must run");
        }
        System.err.println(testClass + " skipped: " + message);
        org.junit.jupiter.api.Assumptions.abort(message);
    }

    /** {@link #requireBinaries} for {@code testClass}, then {@link #start(ControlPlane.Builder)}. */
    static E2eCluster startFor(Class<?> testClass, ControlPlane.Builder controlPlaneBuilder) throws Exception {
        requireBinaries(testClass.getSimpleName());
        return start(controlPlaneBuilder);
    }

    /** {@link #requireBinaries} for {@code testClass}, then {@link #start()}. */
    static E2eCluster startFor(Class<?> testClass) throws Exception {
        return startFor(testClass, ControlPlane.builder());
    }

    /** Creates the namespace {@code name}; returns the name. */
    String namespace(String name) {
        ObjectNode namespace = KubeApi.MAPPER.createObjectNode();
        namespace.put("apiVersion", "v1").put("kind", "Namespace").putObject("metadata").put("name", name);
        api.create(api.resource("v1", "namespaces"), null, namespace);
        return name;
    }

    /** {@link #namespace}, with its pods made Running and Ready by the fake kubelet from the start. */
    String servedNamespace(String name) {
        namespace(name);
        kubelet.serve(name);
        return name;
    }

    /** The first document of k8s/examples/{@code file}, to be edited before it is created. */
    static ObjectNode example(String file) {
        return manifests(Repo.path("k8s/examples").resolve(file)).get(0);
    }

    /** Creates {@code object} in {@code ns} at the resource its apiVersion and kind name. */
    void create(String ns, ObjectNode object) {
        api.create(api.resourceForKind(object.path("apiVersion").asText(), object.path("kind").asText()), ns, object);
    }

    /** Every document of each k8s/examples file, as `kubectl apply -n ns -f` would create them. */
    void createExamples(String ns, String... files) {
        for (String file : files) {
            for (ObjectNode object : manifests(Repo.path("k8s/examples").resolve(file))) {
                create(ns, object);
            }
        }
    }

    /**
     * Waits until the Xrootd {@code name} in {@code ns} is settled: its status is of its current generation,
     * shows {@code redirectors} and {@code workers} ready, Ready=True and Progressing=False.
     */
    void awaitReady(String ns, String name, String redirectors, String workers, Duration timeout) throws InterruptedException {
        KubeApi.Resource xrootds = api.resource("xrootd.org/v1alpha1", "xrootds");
        await(ns + " Ready with " + redirectors + " redirectors and " + workers + " workers", timeout, () -> {
            JsonNode parent = api.get(xrootds, ns, name);
            JsonNode status = parent.path("status");
            return status.path("observedGeneration").asLong() == parent.path("metadata").path("generation").asLong()
                    && redirectors.equals(status.path("redirector").path("ready").asText())
                    && workers.equals(status.path("worker").path("ready").asText())
                    && "True".equals(Conditions.find(status, "Ready").path("status").asText())
                    && "False".equals(Conditions.find(status, "Progressing").path("status").asText());
        });
    }

    /** The emulator's writes in namespace {@code ns} since {@code mark} (a value of its write count). */
    List<KubeApi.Write> writesIn(String ns, int mark) {
        return emulator.api().writesSince(mark).stream().filter(w -> w.path().contains("/namespaces/" + ns + "/")).toList();
    }

    /** Nothing queued or running in the emulator and no write by it for two seconds. */
    void awaitQuiet(Duration timeout) throws InterruptedException {
        awaitQuiet("the emulator", () -> emulator.api().writeCount(), () -> emulator.idle(), timeout);
    }

    /** Nothing of {@code ns} queued or syncing in the emulator and no write by it in {@code ns} for two seconds. */
    void awaitQuiet(String ns, Duration timeout) throws InterruptedException {
        awaitQuiet(ns, () -> writesIn(ns, 0).size(), () -> emulator.idle(ns), timeout);
    }

    /**
     * {@code idle} must hold two seconds after the last change of {@code writes}: the emulator is idle for a
     * moment between a write and the watch event it causes, which queues the next sync.
     */
    private void awaitQuiet(String what, IntSupplier writes, BooleanSupplier idle, Duration timeout) throws InterruptedException {
        long[] since = {System.nanoTime()};
        int[] seen = {writes.getAsInt()};
        await(() -> what + " to go quiet (recent child updates: " + lastUpdates() + ")", timeout, () -> {
            int now = writes.getAsInt();
            if (now != seen[0]) {
                seen[0] = now;
                since[0] = System.nanoTime();
                return false;
            }
            return idle.getAsBoolean() && System.nanoTime() - since[0] > 2_000_000_000L;
        });
    }

    /** The emulator's last three child updates, for a wait that failed. */
    String lastUpdates() {
        List<String> updates = emulator.updates();
        return String.join("; ", updates.subList(Math.max(0, updates.size() - 3), updates.size()));
    }

    /** Closes the cluster after printing what the emulator found wrong (errors, contract violations). */
    void closeReporting() {
        emulator.errors().forEach(e -> System.err.println("emulator error: " + e));
        emulator.violations().forEach(v -> System.err.println("contract violation: " + v));
        close();
    }

    /** The shipped CompositeController (less the PDB entry), as it is: no resync period, hooks v1. */
    static E2eCluster start() throws Exception {
        return start(ControlPlane.builder());
    }

    /** As {@link #start()}, on a control plane configured by {@code controlPlaneBuilder} (e.g. an audit log). */
    static E2eCluster start(ControlPlane.Builder controlPlaneBuilder) throws Exception {
        long started = System.nanoTime();
        ControlPlane controlPlane = controlPlaneBuilder.start();
        KubeApi api = null;
        HookServer hook = null;
        MetacontrollerEmulator emulator = null;
        FakeKubelet kubelet = null;
        try {
            api = new KubeApi("test", controlPlane.serverUrl(), controlPlane.token(), controlPlane.sslContext());
            applyCrds(api);
            hook = HookServer.start("127.0.0.1", 0);
            KubeApi emulatorApi = new KubeApi("emulator", controlPlane.serverUrl(), controlPlane.token(),
                    controlPlane.sslContext());
            emulator = new MetacontrollerEmulator(emulatorApi, compositeControllerFor120(),
                    "http://127.0.0.1:" + hook.port());
            emulator.start();
            kubelet = new FakeKubelet(new KubeApi("kubelet", controlPlane.serverUrl(), controlPlane.token(),
                    controlPlane.sslContext()));
            return new E2eCluster(controlPlane, api, hook, emulator, kubelet, Duration.ofNanos(System.nanoTime() - started));
        } catch (Exception | Error e) {
            closeAll(kubelet, emulator, hook, controlPlane);
            throw e;
        }
    }

    private static void applyCrds(KubeApi api) throws InterruptedException {
        KubeApi.Resource crds = api.resource("apiextensions.k8s.io/v1", "customresourcedefinitions");
        List<String> names = new ArrayList<>();
        for (String file : List.of("xrootd.org_xrootds.yaml", "catalog.xrootd.org_xrootdversions.yaml")) {
            for (ObjectNode crd : manifests(Repo.path("crds").resolve(file))) {
                api.create(crds, null, crd);
                names.add(crd.path("metadata").path("name").asText());
            }
        }
        for (String name : names) {
            await("CRD " + name + " established", Duration.ofSeconds(30), () -> {
                for (JsonNode condition : api.get(crds, null, name).path("status").path("conditions")) {
                    if (condition.path("type").asText().equals("Established") && condition.path("status").asText().equals("True")) {
                        return true;
                    }
                }
                return false;
            });
        }
    }

    /** Polls {@code condition} every 100 ms until it holds; fails with {@code what} after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        await(() -> what, timeout, condition);
    }

    /** As above, with the description made when the wait fails (so it can tell what the state was then). */
    static void await(Supplier<String> what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
                last = null;
            } catch (RuntimeException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what.get()
                + (last == null ? "" : " (last error: " + last.getMessage() + ")"));
    }

    @Override
    public void close() {
        closeAll(kubelet, emulator, hook, controlPlane);
    }

    private static void closeAll(AutoCloseable... resources) {
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                System.err.println("E2eCluster: closing " + resource.getClass().getSimpleName() + " failed: " + e);
            }
        }
    }
}
