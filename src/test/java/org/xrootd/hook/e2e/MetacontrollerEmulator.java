package org.xrootd.hook.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An EMULATION of Metacontroller's CompositeController, for end-to-end tests against a real API server.
 * It is not Metacontroller: Metacontroller cannot be built on our machines (it needs Go 1.26). It follows
 * the documented contract and, where the contract is code, Metacontroller's own Go source
 * (metacontroller-contract.md sections 2 to 4; {@code pkg/controller/composite/controller.go},
 * {@code hooks.go}, {@code pkg/controller/common/manage_children.go}, {@code pkg/dynamic/apply/apply.go}):
 *
 * <ul>
 *   <li>informers (list + watch) on the parent, each child resource and each related resource; a parent is
 *       queued on its own events, on events of children whose controllerRef names it, on related-object
 *       events, after {@code resyncAfterSeconds}, and every {@code resyncPeriodSeconds};</li>
 *   <li>a sync adds the finalizer {@code metacontroller.io/compositecontroller-<name>} when a finalize hook
 *       exists, claims children by controllerRef UID, calls customize (cached per parent UID and generation)
 *       and then sync, or finalize while the parent is being deleted, with v1-shaped requests;</li>
 *   <li>desired children get the {@code controller-uid} label (generateSelector) and must match the
 *       selector; observed children that are not desired are deleted (Background, UID precondition);
 *       desired ones are created with the last-applied annotation and the controllerRef, or updated by the
 *       3-way merge of {@link DynamicApply} and written (PUT) only if the result differs from the observed
 *       object, as the child's update strategy says (InPlace: PUT; Recreate: delete; OnDelete: nothing);</li>
 *   <li>the status is written through the status subresource, with {@code observedGeneration} injected,
 *       after a live GET and only when it differs; {@code finalized: true} removes the finalizer.</li>
 * </ul>
 *
 * <p>Simplifications, each deliberate:
 * <ul>
 *   <li>one worker (Metacontroller has 5, at most one per parent at a time, so per-parent behaviour is the
 *       same); the retry backoff after a failed sync is client-go's per-item exponential backoff from 5 ms
 *       but capped at 5 s instead of 1000 s, and without the overall 10 qps bucket;</li>
 *   <li>webhook service references ({@code service: {name, namespace, port}}) are mapped to the hook
 *       service the test runs on loopback; only {@code path} and {@code timeout} are used;</li>
 *   <li>no adoption of orphans and no release of owned children that stop matching the selector
 *       (ClaimChildren): children are claimed by controllerRef UID; an owned child without the selector's
 *       label is reported as a contract violation instead of being released;</li>
 *   <li>no rolling update strategies (no ControllerRevisions), no ETag cache, no Events, no parent label
 *       selector; customize's related rules support {@code names} and {@code labelSelector.matchLabels};</li>
 *   <li>the dynamic-apply strategy only (not server-side apply).</li>
 * </ul>
 *
 * <p>Every write it makes goes through its own {@link KubeApi}, so tests can count them.
 */
public final class MetacontrollerEmulator implements AutoCloseable {
    /** One child type the CompositeController declares. */
    private record ChildRule(KubeApi.Resource resource, String method) {}

    /** What the emulator saw of one hook call. */
    public record HookCall(String hook, String parentKey, long generation, JsonNode response) {}

    private final KubeApi api;
    private final ObjectNode controller;
    private final String hookBaseUrl;
    private final long resyncPeriodMillis;
    private final String name;
    private final String finalizer;
    private final boolean generateSelector;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private KubeApi.Resource parentResource;
    private String parentGroup;
    private final List<ChildRule> childRules = new ArrayList<>();
    private Informer parents;
    private final Map<String, Informer> informers = new ConcurrentHashMap<>();

    // The work queue (client-go workqueue semantics for a single worker: a key is queued at most once).
    private final Set<String> queued = new LinkedHashSet<>();
    private final Object queueLock = new Object();
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "emulator-timers");
        thread.setDaemon(true);
        return thread;
    });
    private final Thread worker = new Thread(this::work, "emulator-worker");
    private volatile boolean closed;
    private volatile boolean busy;

    // Customize responses per parent UID and generation (Metacontroller: 20 min cache).
    private final Map<String, JsonNode> customizeCache = new ConcurrentHashMap<>();

    // What happened, for the tests.
    private final List<HookCall> calls = new CopyOnWriteArrayList<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<String> updates = new CopyOnWriteArrayList<>();
    private final AtomicInteger syncs = new AtomicInteger();
    private final AtomicInteger hookCalls = new AtomicInteger();

    /**
     * @param controller the CompositeController object (as loaded from its manifest)
     * @param hookBaseUrl where the hook service listens, e.g. {@code http://127.0.0.1:8080}
     * @param resyncPeriodSeconds overrides {@code spec.resyncPeriodSeconds} when not null
     */
    public MetacontrollerEmulator(KubeApi api, ObjectNode controller, String hookBaseUrl, Integer resyncPeriodSeconds) {
        this.api = api;
        this.controller = controller.deepCopy();
        if (resyncPeriodSeconds != null) {
            ((ObjectNode) this.controller.get("spec")).put("resyncPeriodSeconds", resyncPeriodSeconds);
        }
        this.hookBaseUrl = hookBaseUrl;
        this.name = controller.path("metadata").path("name").asText();
        this.finalizer = "metacontroller.io/compositecontroller-" + name;
        this.generateSelector = this.controller.path("spec").path("generateSelector").asBoolean(false);
        JsonNode period = this.controller.path("spec").path("resyncPeriodSeconds");
        // Metacontroller clamps the resync period to at least one second.
        this.resyncPeriodMillis = period.isNumber() ? Math.max(1000L, period.asLong() * 1000L) : 0L;
        ObjectNode metadata = (ObjectNode) this.controller.get("metadata");
        metadata.put("uid", "00000000-0000-4000-8000-00000000c0c0");
        metadata.put("generation", 1);
        this.controller.putObject("status");
    }

    /** The CompositeController as sent in hook requests. */
    public ObjectNode controller() {
        return controller.deepCopy();
    }

    public void start() throws InterruptedException {
        JsonNode spec = controller.path("spec");
        parentResource = api.resource(spec.path("parentResource").path("apiVersion").asText(),
                spec.path("parentResource").path("resource").asText());
        parentGroup = group(parentResource.apiVersion());
        if (!parentResource.hasStatus()) {
            // Metacontroller refuses to start a CompositeController whose parent has no status subresource.
            throw new IllegalStateException(parentResource.plural() + " has no status subresource");
        }
        for (JsonNode rule : spec.path("childResources")) {
            KubeApi.Resource resource = api.resource(rule.path("apiVersion").asText(), rule.path("resource").asText());
            childRules.add(new ChildRule(resource, rule.path("updateStrategy").path("method").asText("OnDelete")));
        }
        parents = new Informer(api, parentResource, resyncPeriodMillis);
        parents.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode object) {
                enqueue(Informer.key(object));
            }

            @Override
            public void onUpdate(ObjectNode old, ObjectNode current) {
                enqueue(Informer.key(current));
            }

            @Override
            public void onDelete(ObjectNode object) {
                enqueue(Informer.key(object));
            }
        });
        List<Informer> started = new ArrayList<>();
        started.add(parents);
        for (ChildRule rule : childRules) {
            Informer informer = new Informer(api, rule.resource(), 0);
            informer.addHandler(new ChildHandler());
            informers.put(rule.resource().apiVersion() + "/" + rule.resource().plural(), informer);
            started.add(informer);
        }
        for (Informer informer : started) {
            informer.start();
        }
        for (Informer informer : started) {
            if (!informer.awaitSynced(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("informer for " + informer.resource().plural() + " never synced: "
                        + informer.lastError());
            }
        }
        worker.setDaemon(true);
        worker.start();
    }

    // ------------------------------------------------------------------ what the tests look at

    public KubeApi api() {
        return api;
    }

    /** Sync failures (hook errors, rejected writes), each with its reason; empty when all went well. */
    public List<String> errors() {
        return List.copyOf(errors);
    }

    /** Hook responses that break Metacontroller's contract (undeclared kinds, missing kind, ...). */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    /** Why each child update was made: where the merged object differed from the observed one. */
    public List<String> updates() {
        return List.copyOf(updates);
    }

    public List<HookCall> calls() {
        return List.copyOf(calls);
    }

    /** The last sync or finalize response for a parent ("namespace/name"), or null. */
    public JsonNode lastResponse(String parentKey) {
        for (int i = calls.size() - 1; i >= 0; i--) {
            HookCall call = calls.get(i);
            if (call.parentKey().equals(parentKey) && !call.hook().equals("customize")) {
                return call.response();
            }
        }
        return null;
    }

    /** Completed syncs (each one a sync or finalize hook call followed by apply and status). */
    public int syncCount() {
        return syncs.get();
    }

    /** True while nothing is queued and no sync runs (timers may still be pending). */
    public boolean idle() {
        synchronized (queueLock) {
            return queued.isEmpty() && !busy;
        }
    }

    // ------------------------------------------------------------------ queue

    private void enqueue(String key) {
        synchronized (queueLock) {
            if (queued.add(key)) {
                queueLock.notifyAll();
            }
        }
    }

    private void enqueueAfter(String key, long millis) {
        if (!closed) {
            timers.schedule(() -> enqueue(key), millis, TimeUnit.MILLISECONDS);
        }
    }

    private void work() {
        while (!closed) {
            String key;
            synchronized (queueLock) {
                while (queued.isEmpty() && !closed) {
                    try {
                        queueLock.wait(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                Iterator<String> first = queued.iterator();
                key = first.next();
                first.remove();
                busy = true;
            }
            try {
                sync(key);
                failures.remove(key);
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                errors.add("sync " + key + ": " + e.getMessage());
                int n = failures.merge(key, 1, Integer::sum);
                enqueueAfter(key, Math.min(5000L, 5L << Math.min(n, 20)));
            } finally {
                synchronized (queueLock) {
                    busy = false;
                }
            }
        }
    }

    // ------------------------------------------------------------------ child events

    private final class ChildHandler implements Informer.Handler {
        @Override
        public void onAdd(ObjectNode child) {
            if (!child.path("metadata").path("deletionTimestamp").isMissingNode()) {
                onDelete(child);
                return;
            }
            enqueueOwner(child);
        }

        @Override
        public void onUpdate(ObjectNode old, ObjectNode current) {
            // A relist/resync delivers the same resourceVersion: not a change.
            if (old.path("metadata").path("resourceVersion").equals(current.path("metadata").path("resourceVersion"))) {
                return;
            }
            onAdd(current);
        }

        @Override
        public void onDelete(ObjectNode child) {
            enqueueOwner(child);
        }
    }

    /** resolveControllerRef: queue the parent a child's controllerRef names, if it is ours and still there. */
    private void enqueueOwner(ObjectNode child) {
        JsonNode ref = controllerRef(child);
        if (ref == null || !group(ref.path("apiVersion").asText()).equals(parentGroup)
                || !ref.path("kind").asText().equals(parentResource.kind())) {
            return; // orphans are never adopted by this emulation
        }
        String namespace = child.path("metadata").path("namespace").asText("");
        ObjectNode parent = parents.get(namespace, ref.path("name").asText());
        if (parent != null && uid(parent).equals(ref.path("uid").asText())) {
            enqueue(Informer.key(parent));
        }
    }

    // ------------------------------------------------------------------ sync

    private void sync(String key) {
        int slash = key.indexOf('/');
        ObjectNode cached = slash < 0 ? parents.get(null, key) : parents.get(key.substring(0, slash), key.substring(slash + 1));
        if (cached == null) {
            return; // the parent is gone
        }
        ObjectNode parent = cached.deepCopy();
        boolean finalizeHook = hook("finalize") != null;

        // Before anything else, make sure our finalizer is there (or not).
        if (hasFinalizer(parent) != finalizeHook) {
            if (finalizeHook && !deleting(parent)) {
                parent = atomicUpdate(parent, object -> addFinalizer(object));
            } else if (!finalizeHook) {
                parent = atomicUpdate(parent, object -> removeFinalizer(object));
            }
        }

        Map<String, Map<String, ObjectNode>> observed = claimChildren(parent);
        Map<String, Map<String, ObjectNode>> related = related(parent);

        boolean finalizing = finalizeHook && deleting(parent);
        String hookName = finalizing ? "finalize" : "sync";
        JsonNode hook = hook(hookName);
        if (hook == null) {
            return;
        }
        ObjectNode request = KubeApi.MAPPER.createObjectNode();
        request.set("controller", controller);
        request.set("parent", parent);
        request.set("children", keyed(observed, hookVersion(hook)));
        request.set("related", keyed(related, hookVersion(hook)));
        request.put("finalizing", finalizing);
        JsonNode response = call(hookName, key, parent, hook, request);
        checkResponse(key, response);

        List<ObjectNode> children = new ArrayList<>();
        for (JsonNode child : response.path("children")) {
            if (!child.path("kind").isTextual() || !child.path("apiVersion").isTextual()) {
                throw new IllegalStateException(hookName + " hook returned a child without kind or apiVersion: " + child);
            }
            ObjectNode copy = (ObjectNode) child.deepCopy();
            ObjectNode metadata = object(copy, "metadata");
            if (metadata.path("namespace").asText("").isEmpty()) {
                metadata.put("namespace", parent.path("metadata").path("namespace").asText());
            }
            children.add(copy);
        }

        double resyncAfter = response.path("resyncAfterSeconds").asDouble(0);
        if (resyncAfter > 0) {
            enqueueAfter(key, (long) (resyncAfter * 1000));
        }
        if (response.path("finalized").asBoolean(false)) {
            parent = atomicUpdate(parent, object -> removeFinalizer(object));
        }

        // Invariants between the selector and the desired children's labels.
        Map<String, Map<String, ObjectNode>> desired = new LinkedHashMap<>();
        for (ObjectNode child : children) {
            ObjectNode labels = object(object(child, "metadata"), "labels");
            if (generateSelector && !labels.has("controller-uid")) {
                labels.put("controller-uid", uid(parent));
            }
            if (!labels.path("controller-uid").asText().equals(uid(parent))) {
                throw new IllegalStateException("labels on desired child " + child.path("kind").asText() + " "
                        + child.path("metadata").path("name").asText() + " don't match parent selector");
            }
            ChildRule rule = ruleFor(child.path("apiVersion").asText(), child.path("kind").asText());
            if (rule == null) {
                String message = "desired child of undeclared type " + child.path("kind").asText() + "."
                        + child.path("apiVersion").asText() + " (" + child.path("metadata").path("name").asText()
                        + "): Metacontroller has no informer for it";
                violations.add(key + ": " + message);
                throw new IllegalStateException(message);
            }
            desired.computeIfAbsent(rule.resource().childKey(), k -> new LinkedHashMap<>())
                    .put(child.path("metadata").path("name").asText(), child);
        }

        List<String> manageErrors = new ArrayList<>();
        if (!deleting(parent) || shouldFinalize(parent)) {
            manageChildren(parent, observed, desired, manageErrors);
        }

        JsonNode status = response.get("status");
        try {
            updateParentStatus(parent, status == null || status.isNull() ? KubeApi.MAPPER.createObjectNode() : (ObjectNode) status.deepCopy());
        } catch (KubeApi.ApiException e) {
            if (!e.notFound() && !e.conflict()) {
                throw new IllegalStateException("can't update status of " + key + ": " + e.getMessage(), e);
            }
        }
        syncs.incrementAndGet();
        if (!manageErrors.isEmpty()) {
            throw new IllegalStateException("can't reconcile children of " + key + ": " + String.join("; ", manageErrors));
        }
    }

    private JsonNode call(String hookName, String key, ObjectNode parent, JsonNode hook, ObjectNode request) {
        String path = hook.path("webhook").path("path").asText("");
        String url = hook.path("webhook").path("url").asText(null);
        URI uri = URI.create(hookBaseUrl + (url != null ? URI.create(url).getPath() : path));
        Duration timeout = timeout(hook.path("webhook").path("timeout").asText("10s"));
        HttpRequest httpRequest = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.toString())).build();
        hookCalls.incrementAndGet();
        HttpResponse<String> response;
        try {
            response = http.send(httpRequest, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(hookName + " hook failed: http error: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(hookName + " hook failed: unsupported status code: " + response.statusCode()
                    + " body: " + KubeApi.abbreviate(response.body()));
        }
        try {
            JsonNode body = KubeApi.MAPPER.readTree(response.body());
            calls.add(new HookCall(hookName, key, parent.path("metadata").path("generation").asLong(), body));
            return body;
        } catch (IOException e) {
            throw new IllegalStateException("can't unmarshal " + hookName + " response: " + e.getMessage(), e);
        }
    }

    /** Hook v2 (strict) rejects unknown keys; v1 (loose) only logs them. Either way it is worth knowing. */
    private void checkResponse(String key, JsonNode response) {
        if (!response.isObject()) {
            throw new IllegalStateException("hook response is not an object: " + KubeApi.abbreviate(response.toString()));
        }
        for (Iterator<String> names = response.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!Set.of("status", "children", "resyncAfterSeconds", "finalized").contains(field)) {
                violations.add(key + ": unknown field '" + field + "' in hook response");
            }
        }
        for (JsonNode child : response.path("children")) {
            if (!child.path("metadata").path("name").isTextual()) {
                violations.add(key + ": child without metadata.name: " + KubeApi.abbreviate(child.toString()));
            }
        }
    }

    // ------------------------------------------------------------------ children

    private Map<String, Map<String, ObjectNode>> claimChildren(ObjectNode parent) {
        String namespace = parent.path("metadata").path("namespace").asText("");
        Map<String, Map<String, ObjectNode>> observed = new LinkedHashMap<>();
        for (ChildRule rule : childRules) {
            Map<String, ObjectNode> owned = new TreeMap<>();
            Informer informer = informers.get(rule.resource().apiVersion() + "/" + rule.resource().plural());
            for (ObjectNode child : informer.list(parentResource.namespaced() ? namespace : null)) {
                JsonNode ref = controllerRef(child);
                if (ref == null || !ref.path("uid").asText().equals(uid(parent))) {
                    continue;
                }
                if (generateSelector && !uid(parent).equals(child.path("metadata").path("labels").path("controller-uid").asText())) {
                    violations.add(Informer.key(parent) + ": owned " + rule.resource().kind() + " "
                            + child.path("metadata").path("name").asText() + " lacks the controller-uid label"
                            + " (Metacontroller would release it)");
                    continue;
                }
                owned.put(child.path("metadata").path("name").asText(), child.deepCopy());
            }
            observed.put(rule.resource().childKey(), owned);
        }
        return observed;
    }

    private void manageChildren(ObjectNode parent, Map<String, Map<String, ObjectNode>> observed,
                                Map<String, Map<String, ObjectNode>> desired, List<String> errs) {
        // Delete observed children that are not desired.
        for (ChildRule rule : childRules) {
            Map<String, ObjectNode> wanted = desired.getOrDefault(rule.resource().childKey(), Map.of());
            for (ObjectNode child : observed.getOrDefault(rule.resource().childKey(), Map.of()).values()) {
                if (deleting(child) || wanted.containsKey(child.path("metadata").path("name").asText())) {
                    continue;
                }
                try {
                    api.delete(rule.resource(), child.path("metadata").path("namespace").asText(),
                            child.path("metadata").path("name").asText(), "Background", uid(child));
                } catch (KubeApi.ApiException e) {
                    if (!e.notFound()) {
                        errs.add("can't delete " + describe(child) + ": " + e.getMessage());
                    }
                }
            }
        }
        // Create or update desired children.
        ObjectNode controllerRef = KubeApi.MAPPER.createObjectNode();
        controllerRef.put("apiVersion", parent.path("apiVersion").asText());
        controllerRef.put("kind", parent.path("kind").asText());
        controllerRef.put("name", parent.path("metadata").path("name").asText());
        controllerRef.put("uid", uid(parent));
        controllerRef.put("controller", true);
        controllerRef.put("blockOwnerDeletion", true);
        for (Map.Entry<String, Map<String, ObjectNode>> kind : desired.entrySet()) {
            ChildRule rule = ruleByKey(kind.getKey());
            Map<String, ObjectNode> seen = observed.getOrDefault(kind.getKey(), Map.of());
            for (ObjectNode child : kind.getValue().values()) {
                try {
                    apply(rule, parent, seen.get(child.path("metadata").path("name").asText()), child, controllerRef);
                } catch (KubeApi.ApiException e) {
                    errs.add(describe(child) + ": " + e.getMessage());
                }
            }
        }
    }

    /** DynamicApply.Apply. */
    private void apply(ChildRule rule, ObjectNode parent, ObjectNode observed, ObjectNode desired, ObjectNode controllerRef) {
        if (observed != null) {
            ObjectNode updated = DynamicApply.applyUpdate(observed, desired);
            if (DynamicApply.deepEqual(updated, observed)) {
                return; // nothing changed
            }
            if (deleting(observed)) {
                return; // pending deletion: leave it alone
            }
            updates.add(describe(observed) + ": " + DynamicApply.explain(updated, observed));
            switch (rule.method()) {
                case "OnDelete", "" -> { }
                case "Recreate", "RollingRecreate" -> {
                    try {
                        api.delete(rule.resource(), observed.path("metadata").path("namespace").asText(),
                                observed.path("metadata").path("name").asText(), "Background", uid(observed));
                    } catch (KubeApi.ApiException e) {
                        if (!e.notFound()) {
                            throw e;
                        }
                    }
                }
                case "InPlace", "RollingInPlace" -> {
                    try {
                        api.update(rule.resource(), updated);
                    } catch (KubeApi.ApiException e) {
                        if (!e.notFound() && !e.conflict()) {
                            throw e;
                        }
                    }
                }
                default -> throw new IllegalStateException("unknown update method " + rule.method());
            }
            return;
        }
        try {
            api.create(rule.resource(), desired.path("metadata").path("namespace").asText(),
                    DynamicApply.forCreate(desired, controllerRef));
        } catch (KubeApi.ApiException e) {
            if (e.status() != 409) { // AlreadyExists is swallowed
                throw e;
            }
        }
    }

    // ------------------------------------------------------------------ related objects (customize)

    private Map<String, Map<String, ObjectNode>> related(ObjectNode parent) {
        Map<String, Map<String, ObjectNode>> related = new LinkedHashMap<>();
        JsonNode customize = hook("customize");
        if (customize == null) {
            return related;
        }
        String cacheKey = uid(parent) + "/" + parent.path("metadata").path("generation").asLong();
        JsonNode rules = customizeCache.get(cacheKey);
        if (rules == null) {
            ObjectNode request = KubeApi.MAPPER.createObjectNode();
            request.set("controller", controller);
            request.set("parent", parent);
            JsonNode response = call("customize", Informer.key(parent), parent, customize, request);
            rules = response.path("relatedResources");
            customizeCache.put(cacheKey, rules);
        }
        String namespace = parent.path("metadata").path("namespace").asText("");
        for (JsonNode rule : rules) {
            Informer informer = relatedInformer(rule.path("apiVersion").asText(), rule.path("resource").asText());
            Map<String, ObjectNode> objects = related.computeIfAbsent(informer.resource().childKey(), k -> new TreeMap<>());
            if (rule.path("names").isArray() && !rule.path("names").isEmpty()) {
                for (JsonNode name : rule.path("names")) {
                    ObjectNode object = informer.get(informer.resource().namespaced() ? namespace : null, name.asText());
                    if (object != null) {
                        objects.put(object.path("metadata").path("name").asText(), object.deepCopy());
                    }
                }
            } else {
                JsonNode matchLabels = rule.path("labelSelector").path("matchLabels");
                if (rule.path("labelSelector").has("matchExpressions")) {
                    throw new IllegalStateException("this emulation supports only matchLabels in related rules");
                }
                for (ObjectNode object : informer.list(informer.resource().namespaced() ? namespace : null)) {
                    if (matches(object.path("metadata").path("labels"), matchLabels)) {
                        objects.put(object.path("metadata").path("name").asText(), object.deepCopy());
                    }
                }
            }
        }
        return related;
    }

    private Informer relatedInformer(String apiVersion, String plural) {
        String key = apiVersion + "/" + plural;
        Informer existing = informers.get(key);
        if (existing != null) {
            return existing;
        }
        Informer informer = new Informer(api, api.resource(apiVersion, plural), 0);
        informer.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode object) {
                enqueueRelatedParents(object);
            }

            @Override
            public void onUpdate(ObjectNode old, ObjectNode current) {
                if (!old.path("metadata").path("resourceVersion").equals(current.path("metadata").path("resourceVersion"))) {
                    enqueueRelatedParents(current);
                }
            }

            @Override
            public void onDelete(ObjectNode object) {
                enqueueRelatedParents(object);
            }
        });
        informers.put(key, informer);
        informer.start();
        try {
            if (!informer.awaitSynced(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("related informer for " + key + " never synced: " + informer.lastError());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return informer;
    }

    /** A related object changed: queue every parent in its namespace (Metacontroller matches the rules). */
    private void enqueueRelatedParents(ObjectNode object) {
        String namespace = object.path("metadata").path("namespace").asText("");
        for (ObjectNode parent : parents.list(namespace.isEmpty() ? null : namespace)) {
            enqueue(Informer.key(parent));
        }
    }

    // ------------------------------------------------------------------ parent writes

    private interface Mutation {
        /** Changes the live object; false when there is nothing to do. */
        boolean apply(ObjectNode live);
    }

    /** AtomicUpdate: GET the live object, check its UID, change it, PUT; retried on conflict. */
    private ObjectNode atomicUpdate(ObjectNode parent, Mutation mutation) {
        return atomic(parent, mutation, false);
    }

    private ObjectNode atomic(ObjectNode parent, Mutation mutation, boolean status) {
        String namespace = parent.path("metadata").path("namespace").asText(null);
        String parentName = parent.path("metadata").path("name").asText();
        KubeApi.ApiException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            ObjectNode live = api.get(parentResource, namespace, parentName);
            if (!uid(live).equals(uid(parent))) {
                throw new KubeApi.ApiException("GET", parentResource.path(namespace, parentName), 404, "replaced by a new object");
            }
            if (!mutation.apply(live)) {
                return live;
            }
            try {
                return status ? api.updateStatus(parentResource, live) : api.update(parentResource, live);
            } catch (KubeApi.ApiException e) {
                if (!e.conflict()) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    private void updateParentStatus(ObjectNode parent, ObjectNode status) {
        status.put("observedGeneration", parent.path("metadata").path("generation").asLong());
        atomic(parent, live -> {
            if (DynamicApply.deepEqual(live.get("status"), status)) {
                return false;
            }
            live.set("status", status);
            return true;
        }, parentResource.hasStatus());
    }

    private boolean addFinalizer(ObjectNode object) {
        JsonNode existingList = object(object, "metadata").get("finalizers");
        ArrayNode finalizers = existingList instanceof ArrayNode a ? a : object(object, "metadata").putArray("finalizers");
        for (JsonNode existing : finalizers) {
            if (existing.asText().equals(finalizer)) {
                return false;
            }
        }
        finalizers.add(finalizer);
        return true;
    }

    private boolean removeFinalizer(ObjectNode object) {
        JsonNode finalizers = object.path("metadata").path("finalizers");
        if (!(finalizers instanceof ArrayNode array)) {
            return false;
        }
        for (int i = 0; i < array.size(); i++) {
            if (array.get(i).asText().equals(finalizer)) {
                array.remove(i);
                return true;
            }
        }
        return false;
    }

    private boolean hasFinalizer(JsonNode object) {
        for (JsonNode existing : object.path("metadata").path("finalizers")) {
            if (existing.asText().equals(finalizer)) {
                return true;
            }
        }
        return false;
    }

    /** finalizer.ShouldFinalize: our finalizer is there and no GC finalizer fights us. */
    private boolean shouldFinalize(ObjectNode parent) {
        for (JsonNode existing : parent.path("metadata").path("finalizers")) {
            if (existing.asText().equals("foregroundDeletion") || existing.asText().equals("orphan")) {
                return false;
            }
        }
        return hasFinalizer(parent) && hook("finalize") != null;
    }

    // ------------------------------------------------------------------ helpers

    private JsonNode hook(String which) {
        JsonNode hook = controller.path("spec").path("hooks").path(which);
        return hook.isObject() && hook.path("webhook").isObject() ? hook : null;
    }

    private static String hookVersion(JsonNode hook) {
        return hook.path("version").asText("v1");
    }

    /** v1 keys children by name (namespaced parent), v2 by namespace/name. */
    private static ObjectNode keyed(Map<String, Map<String, ObjectNode>> objects, String version) {
        ObjectNode out = KubeApi.MAPPER.createObjectNode();
        objects.forEach((kind, byName) -> {
            ObjectNode group = out.putObject(kind);
            byName.values().forEach(object -> {
                String name = object.path("metadata").path("name").asText();
                String namespace = object.path("metadata").path("namespace").asText("");
                group.set(version.equals("v2") && !namespace.isEmpty() ? namespace + "/" + name : name, object);
            });
        });
        return out;
    }

    private ChildRule ruleFor(String apiVersion, String kind) {
        for (ChildRule rule : childRules) {
            if (rule.resource().apiVersion().equals(apiVersion) && rule.resource().kind().equals(kind)) {
                return rule;
            }
        }
        return null;
    }

    private ChildRule ruleByKey(String childKey) {
        for (ChildRule rule : childRules) {
            if (rule.resource().childKey().equals(childKey)) {
                return rule;
            }
        }
        throw new IllegalStateException("no rule for " + childKey);
    }

    /** The object field {@code name} of {@code parent}, created when absent. */
    private static ObjectNode object(ObjectNode parent, String name) {
        JsonNode node = parent.get(name);
        return node instanceof ObjectNode o ? o : parent.putObject(name);
    }

    private static JsonNode controllerRef(JsonNode object) {
        for (JsonNode ref : object.path("metadata").path("ownerReferences")) {
            if (ref.path("controller").asBoolean(false)) {
                return ref;
            }
        }
        return null;
    }

    private static boolean matches(JsonNode labels, JsonNode matchLabels) {
        for (Iterator<Map.Entry<String, JsonNode>> it = matchLabels.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> label = it.next();
            if (!label.getValue().asText().equals(labels.path(label.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    private static boolean deleting(JsonNode object) {
        JsonNode timestamp = object.path("metadata").path("deletionTimestamp");
        return !timestamp.isMissingNode() && !timestamp.isNull();
    }

    private static String uid(JsonNode object) {
        return object.path("metadata").path("uid").asText();
    }

    private static String group(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    private static String describe(JsonNode object) {
        return object.path("kind").asText() + " " + object.path("metadata").path("namespace").asText() + "/"
                + object.path("metadata").path("name").asText();
    }

    private static Duration timeout(String text) {
        // Go durations as written in manifests: "10s", "500ms", "1m".
        try {
            if (text.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
            }
            if (text.endsWith("s")) {
                return Duration.ofMillis((long) (Double.parseDouble(text.substring(0, text.length() - 1)) * 1000));
            }
            if (text.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
            }
        } catch (NumberFormatException e) {
            // fall through to the default
        }
        return Duration.ofSeconds(10);
    }

    /** Counts of what the emulator did, for logs and docs/e2e-api-server.md. */
    public String counters() {
        return "syncs=" + syncs.get() + " hookCalls=" + hookCalls.get() + " writes=" + api.writeCount()
                + " reads=" + api.readCount();
    }

    @Override
    public void close() {
        closed = true;
        synchronized (queueLock) {
            queueLock.notifyAll();
        }
        timers.shutdownNow();
        worker.interrupt();
        if (parents != null) {
            parents.close();
        }
        informers.values().forEach(Informer::close);
        try {
            worker.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
