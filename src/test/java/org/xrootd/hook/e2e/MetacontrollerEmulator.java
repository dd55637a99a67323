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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
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
 * ({@code pkg/controller/composite/controller.go}, {@code hooks.go},
 * {@code pkg/controller/common/manage_children.go}, {@code pkg/dynamic/apply/apply.go},
 * {@code pkg/controller/common/customize/manager.go}, {@code pkg/hooks/webhook.go}):
 *
 * <ul>
 *   <li>informers (list + watch) on the parent, each child resource, each related resource and namespaces;
 *       a parent is queued on its own events, on events of children whose controllerRef names it, on events
 *       of related objects its customize rules select ({@link RelatedRules#matches}), after
 *       {@code resyncAfterSeconds}, every {@code resyncPeriodSeconds} when the CompositeController sets one,
 *       and on the informers' resync every {@code --cache-flush-interval} (30 minutes; {@link #resyncAll()}
 *       runs one now);</li>
 *   <li>a work queue with client-go's semantics (a key queued at most once, never handed to two workers at
 *       once, re-queued after its sync if it was added meanwhile) served by {@value #DEFAULT_WORKERS} workers
 *       by default, as Metacontroller's {@code --workers}, so syncs of different parents reach the hook
 *       concurrently;</li>
 *   <li>a sync adds the finalizer {@code metacontroller.io/compositecontroller-<name>} when a finalize hook
 *       exists, claims children by controllerRef UID, calls customize (cached per parent UID and generation)
 *       and then sync, or finalize while the parent is being deleted; requests follow each hook's
 *       {@code version} (v1: objects keyed by name, related objects of other namespaces dropped; v2: keyed
 *       {@code namespace/name}); responses are decoded as Go's strict decoder does ({@link HookResponses}:
 *       wrong types fail the sync, unknown or duplicate fields fail it in strict mode, the v2 default);</li>
 *   <li>desired children get the {@code controller-uid} label (generateSelector) and must match the
 *       selector; desired and observed children are matched by kind and {@code namespace/name}; observed
 *       children that are not desired are deleted (Background, UID precondition); desired ones are created
 *       with the last-applied annotation and the controllerRef, or updated by the 3-way merge of
 *       {@link DynamicApply} and written (PUT) only if the result differs from the observed object, as the
 *       child's update strategy says (InPlace: PUT; Recreate: delete; OnDelete: nothing);</li>
 *   <li>the status is written through the status subresource, with {@code observedGeneration} injected,
 *       after a live GET and only when it differs; {@code finalized: true} removes the finalizer.</li>
 * </ul>
 *
 * <p>Simplifications, each deliberate:
 * <ul>
 *   <li>the retry backoff after a failed sync is client-go's per-item exponential backoff from 5 ms but
 *       capped at 5 s instead of 1000 s, and without the overall 10 qps bucket; no client-side API rate
 *       limit (Metacontroller: 5 qps, burst 10);</li>
 *   <li>webhook service references ({@code service: {name, namespace, port}}) are mapped to the hook
 *       service the test runs on loopback; only {@code path} and {@code timeout} are used;</li>
 *   <li>no adoption of orphans and no release of owned children that stop matching the selector
 *       (ClaimChildren): children are claimed by controllerRef UID; an owned child without the selector's
 *       label is reported as a contract violation instead of being released;</li>
 *   <li>no rolling update strategies (no ControllerRevisions), no ETag cache, no Events, no parent label
 *       selector, no 20-minute expiry of cached customize responses;</li>
 *   <li>the dynamic-apply strategy only (not server-side apply).</li>
 * </ul>
 *
 * <p>Every write it makes goes through its own {@link KubeApi}, so tests can count them.
 */
public final class MetacontrollerEmulator implements AutoCloseable {
    /** Metacontroller's {@code --workers} default. */
    public static final int DEFAULT_WORKERS = 5;
    /** Metacontroller's {@code --cache-flush-interval} default: every informer resyncs this often. */
    public static final Duration CACHE_FLUSH_INTERVAL = Duration.ofMinutes(30);

    /** One child type the CompositeController declares. */
    private record ChildRule(KubeApi.Resource resource, String method) {}

    /**
     * What the emulator saw of one hook call: for sync and finalize also the {@code related} map it sent, for
     * customize the rules as decoded.
     */
    public record HookCall(String hook, String parentKey, long generation, JsonNode related, JsonNode response) {}

    /** A related informer that has not listed yet (Metacontroller: ErrRelatedInformerNotSynced, requeued). */
    private static final class NotSynced extends RuntimeException {
        NotSynced(String what) {
            super(what);
        }
    }

    /** The hook answered 429: requeue after Retry-After seconds, not rate-limited, not an error. */
    private static final class TooManyRequests extends RuntimeException {
        final int afterSeconds;

        TooManyRequests(int afterSeconds) {
            super("429 Too Many Requests, retry after " + afterSeconds + " s");
            this.afterSeconds = afterSeconds;
        }
    }

    private final KubeApi api;
    private final ObjectNode controller;
    private final String hookBaseUrl;
    private final long parentResyncMillis;
    private final String name;
    private final String finalizer;
    private final boolean generateSelector;
    private final int workerCount;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private KubeApi.Resource parentResource;
    private String parentGroup;
    private final List<ChildRule> childRules = new ArrayList<>();
    private Informer parents;
    private Informer namespaceInformer;
    private final Map<String, Informer> informers = new ConcurrentHashMap<>();
    private final Object relatedInformerLock = new Object();
    /** Informers (by "apiVersion/plural") that carry the related-object handler. */
    private final java.util.Set<String> relatedHandled = ConcurrentHashMap.newKeySet();

    // The work queue: client-go's workqueue (queue, dirty and processing sets).
    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private final Set<String> dirty = new HashSet<>();
    private final Set<String> processing = new HashSet<>();
    private final Object queueLock = new Object();
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "emulator-timers");
        thread.setDaemon(true);
        return thread;
    });
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closed;

    // Customize responses per parent UID and generation (Metacontroller: 20 min cache).
    private final Map<String, List<ObjectNode>> customizeCache = new ConcurrentHashMap<>();
    // Test seam: namespaces whose parents' customize rules lose their "namespace" (see stripRuleNamespaceIn).
    private final Set<String> stripRuleNamespace = ConcurrentHashMap.newKeySet();

    // What happened, for the tests.
    private final List<HookCall> calls = new CopyOnWriteArrayList<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<String> updates = new CopyOnWriteArrayList<>();
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final AtomicInteger syncs = new AtomicInteger();
    private final AtomicInteger hookCalls = new AtomicInteger();
    private final AtomicInteger syncsInFlight = new AtomicInteger();
    private final AtomicInteger peakSyncsInFlight = new AtomicInteger();

    /** With Metacontroller's default number of workers. */
    public MetacontrollerEmulator(KubeApi api, ObjectNode controller, String hookBaseUrl) {
        this(api, controller, hookBaseUrl, DEFAULT_WORKERS);
    }

    /**
     * @param controller the CompositeController object (as loaded from its manifest), used as it is: its
     *     {@code resyncPeriodSeconds}, hook versions and {@code responseUnMarshallMode}s apply
     * @param hookBaseUrl where the hook service listens, e.g. {@code http://127.0.0.1:8080}
     * @param workers concurrent syncs (Metacontroller's {@code --workers})
     */
    public MetacontrollerEmulator(KubeApi api, ObjectNode controller, String hookBaseUrl, int workers) {
        this.api = api;
        this.controller = controller.deepCopy();
        this.hookBaseUrl = hookBaseUrl;
        this.workerCount = workers;
        this.name = controller.path("metadata").path("name").asText();
        this.finalizer = "metacontroller.io/compositecontroller-" + name;
        this.generateSelector = this.controller.path("spec").path("generateSelector").asBoolean(false);
        JsonNode period = this.controller.path("spec").path("resyncPeriodSeconds");
        // Metacontroller clamps the resync period to at least one second; without one, parents are resynced
        // only by the informers' resync every --cache-flush-interval.
        long flush = CACHE_FLUSH_INTERVAL.toMillis();
        this.parentResyncMillis = period.isNumber() ? Math.min(flush, Math.max(1000L, period.asLong() * 1000L)) : flush;
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
        parents = new Informer(api, parentResource, parentResyncMillis);
        parents.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode object) {
                enqueue(Informer.key(object));
            }

            @Override
            public void onUpdate(ObjectNode old, ObjectNode current) {
                enqueue(Informer.key(current)); // every update, resyncs included (no ignoreStatusChanges)
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
        // The customize manager's namespace informer (for namespaceSelector rules).
        namespaceInformer = new Informer(api, api.resource("v1", "namespaces"), 0);
        started.add(namespaceInformer);
        for (Informer informer : started) {
            informer.start();
        }
        for (Informer informer : started) {
            if (!informer.awaitSynced(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("informer for " + informer.resource().plural() + " never synced: "
                        + informer.lastError());
            }
        }
        for (int i = 0; i < workerCount; i++) {
            Thread worker = new Thread(this::work, "emulator-worker-" + i);
            worker.setDaemon(true);
            workers.add(worker);
            worker.start();
        }
    }

    // ------------------------------------------------------------------ what the tests look at

    public KubeApi api() {
        return api;
    }

    /** Sync failures (hook errors, rejected writes), each with its reason; empty when all went well. */
    public List<String> errors() {
        return List.copyOf(errors);
    }

    /** Hook responses that break Metacontroller's contract (undeclared kinds, loose-mode strict errors, ...). */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    /** What Metacontroller would only log (utilruntime.HandleError): errors matching related objects to parents. */
    public List<String> logged() {
        return List.copyOf(logged);
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
        HookCall call = lastCall(parentKey);
        return call == null ? null : call.response();
    }

    /** The last sync or finalize call for a parent ("namespace/name"), or null. */
    public HookCall lastCall(String parentKey) {
        for (int i = calls.size() - 1; i >= 0; i--) {
            HookCall call = calls.get(i);
            if (call.parentKey().equals(parentKey) && !call.hook().equals("customize")) {
                return call;
            }
        }
        return null;
    }

    /** Completed syncs (each one a sync or finalize hook call followed by apply and status). */
    public int syncCount() {
        return syncs.get();
    }

    /** The most sync or finalize hook calls that were in flight at the same time. */
    public int peakConcurrentSyncs() {
        return peakSyncsInFlight.get();
    }

    /** True while nothing is queued and no sync runs (timers may still be pending). */
    public boolean idle() {
        synchronized (queueLock) {
            return queue.isEmpty() && processing.isEmpty();
        }
    }

    /** True while no parent of {@code namespace} is queued or syncing. */
    public boolean idle(String namespace) {
        String prefix = namespace + "/";
        synchronized (queueLock) {
            return queue.stream().noneMatch(k -> k.startsWith(prefix)) && processing.stream().noneMatch(k -> k.startsWith(prefix));
        }
    }

    /**
     * The parent informer's resync, now: every parent re-delivered, as Metacontroller's informers do every
     * {@code --cache-flush-interval} (30 minutes by default), and as {@code resyncPeriodSeconds} would.
     */
    public void resyncAll() {
        parents.resyncNow();
    }

    /**
     * Test seam, for proving the hook's own guard: from now on, the customize rules of parents in
     * {@code namespace} are used without their {@code namespace} field, as if the hook had not set it.
     */
    public void stripRuleNamespaceIn(String namespace) {
        stripRuleNamespace.add(namespace);
    }

    // ------------------------------------------------------------------ queue

    /** workqueue Add: at most once in the queue; a key being synced is re-queued when its sync is done. */
    private void enqueue(String key) {
        synchronized (queueLock) {
            if (closed || !dirty.add(key)) {
                return;
            }
            if (!processing.contains(key)) {
                queue.add(key);
                queueLock.notifyAll();
            }
        }
    }

    private void enqueueAfter(String key, long millis) {
        if (!closed) {
            try {
                timers.schedule(() -> enqueue(key), millis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    /** AddRateLimited: per-item exponential backoff from 5 ms (capped at 5 s here). */
    private void enqueueRateLimited(String key) {
        int n = failures.merge(key, 1, Integer::sum);
        enqueueAfter(key, Math.min(5000L, 5L << Math.min(n - 1, 20)));
    }

    private void work() {
        while (!closed) {
            String key;
            synchronized (queueLock) {
                while (queue.isEmpty() && !closed) {
                    try {
                        queueLock.wait(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                key = queue.poll();
                processing.add(key);
                dirty.remove(key);
            }
            try {
                sync(key);
                failures.remove(key); // Forget
            } catch (TooManyRequests e) {
                enqueueAfter(key, e.afterSeconds * 1000L);
            } catch (NotSynced e) {
                enqueueRateLimited(key);
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                errors.add("sync " + key + ": " + e.getMessage());
                enqueueRateLimited(key);
            } finally {
                synchronized (queueLock) { // Done
                    processing.remove(key);
                    if (dirty.contains(key)) {
                        queue.add(key);
                        queueLock.notifyAll();
                    }
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
        String namespace = parentResource.namespaced() ? child.path("metadata").path("namespace").asText("") : null;
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
        String version = hookVersion(hook);
        ObjectNode request = KubeApi.MAPPER.createObjectNode();
        request.set("controller", controller);
        request.set("parent", parent);
        request.set("children", RelatedRules.forRequest(version, parent, observed));
        request.set("related", RelatedRules.forRequest(version, parent, related));
        request.put("finalizing", finalizing);
        HookResponses.SyncResponse response;
        int inFlight = syncsInFlight.incrementAndGet();
        peakSyncsInFlight.accumulateAndGet(inFlight, Math::max);
        try {
            String body = call(hookName, hook, request);
            response = HookResponses.decodeSync(body);
        } catch (HookResponses.DecodeException e) {
            throw new IllegalStateException(hookName + " hook failed (version=" + version + "): can't unmarshal webhookResponse: "
                    + e.getMessage(), e);
        } finally {
            syncsInFlight.decrementAndGet();
        }
        calls.add(new HookCall(hookName, key, parent.path("metadata").path("generation").asLong(), request.get("related"),
                response.raw()));
        strictErrors(hookName, hook, key, response.strictErrors());
        checkResponse(key, response);

        List<ObjectNode> children = new ArrayList<>();
        for (ObjectNode child : response.children()) {
            ObjectNode copy = child.deepCopy();
            ObjectNode metadata = object(copy, "metadata");
            if (metadata.path("namespace").asText("").isEmpty()) {
                metadata.put("namespace", parent.path("metadata").path("namespace").asText());
            }
            children.add(copy);
        }

        if (response.resyncAfterSeconds() > 0) {
            enqueueAfter(key, (long) (response.resyncAfterSeconds() * 1000));
        }
        if (response.finalized()) {
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
                        + RelatedRules.uniformKey(child) + " don't match parent selector");
            }
            ChildRule rule = ruleFor(child.path("apiVersion").asText(), child.path("kind").asText());
            if (rule == null) {
                String message = "desired child of undeclared type " + child.path("kind").asText() + "."
                        + child.path("apiVersion").asText() + " (" + child.path("metadata").path("name").asText()
                        + "): Metacontroller has no informer for it";
                violations.add(key + ": " + message);
                throw new IllegalStateException(message);
            }
            if (parentResource.namespaced() && !child.path("metadata").path("namespace").asText().equals(
                    parent.path("metadata").path("namespace").asText())) {
                // Metacontroller would create it, never observe it (children are listed in the parent's
                // namespace) and create it again on every sync.
                violations.add(key + ": desired child " + RelatedRules.uniformKey(child) + " outside the parent's namespace");
            }
            desired.computeIfAbsent(rule.resource().childKey(), k -> new LinkedHashMap<>())
                    .put(RelatedRules.uniformKey(child), child);
        }

        List<String> manageErrors = new ArrayList<>();
        if (!deleting(parent) || shouldFinalize(parent)) {
            manageChildren(parent, observed, desired, manageErrors);
        }

        ObjectNode status = response.status();
        try {
            updateParentStatus(parent, status == null ? KubeApi.MAPPER.createObjectNode() : status.deepCopy());
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

    /** POSTs a hook request; the body of a 200 answer. */
    private String call(String hookName, JsonNode hook, ObjectNode request) {
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
        if (response.statusCode() == 429) {
            int after;
            try {
                after = Integer.parseInt(response.headers().firstValue("Retry-After").orElse("0").trim());
            } catch (NumberFormatException e) {
                after = 0;
            }
            throw new TooManyRequests(after);
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(hookName + " hook failed: unsupported status code: " + response.statusCode()
                    + " body: " + KubeApi.abbreviate(response.body()));
        }
        return response.body();
    }

    /** Strict mode (v2 default): fatal. Loose mode (v1 default): Metacontroller logs them; we record them. */
    private void strictErrors(String hookName, JsonNode hook, String key, List<String> strictErrors) {
        if (strictErrors.isEmpty()) {
            return;
        }
        if (HookResponses.strict(hook)) {
            throw new IllegalStateException(hookName + " hook failed (version=" + hookVersion(hook)
                    + "): strict validation failed: " + strictErrors);
        }
        violations.add(key + ": " + hookName + " response has " + strictErrors + " (only logged in loose mode)");
    }

    private void checkResponse(String key, HookResponses.SyncResponse response) {
        for (ObjectNode child : response.children()) {
            if (!child.path("metadata").path("name").isTextual()) {
                violations.add(key + ": child without metadata.name: " + KubeApi.abbreviate(child.toString()));
            }
            if (!child.path("apiVersion").isTextual()) {
                violations.add(key + ": child without apiVersion: " + KubeApi.abbreviate(child.toString()));
            }
        }
    }

    // ------------------------------------------------------------------ children

    /** Owned children by "Kind.apiVersion", then by namespace/name (a UniformObjectMap). */
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
                owned.put(RelatedRules.uniformKey(child), child.deepCopy());
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
            for (Map.Entry<String, ObjectNode> entry : observed.getOrDefault(rule.resource().childKey(), Map.of()).entrySet()) {
                ObjectNode child = entry.getValue();
                if (deleting(child) || wanted.containsKey(entry.getKey())) {
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
            for (Map.Entry<String, ObjectNode> child : kind.getValue().entrySet()) {
                try {
                    apply(rule, seen.get(child.getKey()), child.getValue(), controllerRef);
                } catch (KubeApi.ApiException e) {
                    errs.add(describe(child.getValue()) + ": " + e.getMessage());
                }
            }
        }
    }

    /** DynamicApply.Apply. */
    private void apply(ChildRule rule, ObjectNode observed, ObjectNode desired, ObjectNode controllerRef) {
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

    /** The customize rules for a parent: cached per UID and generation, else a customize hook call. */
    private List<ObjectNode> customizeRules(ObjectNode parent) {
        JsonNode customize = hook("customize");
        if (customize == null) {
            return null;
        }
        String cacheKey = uid(parent) + "/" + parent.path("metadata").path("generation").asLong();
        List<ObjectNode> rules = customizeCache.get(cacheKey);
        if (rules == null) {
            ObjectNode request = KubeApi.MAPPER.createObjectNode();
            request.set("controller", controller);
            request.set("parent", parent);
            String body = call("customize", customize, request);
            HookResponses.CustomizeResponse response;
            try {
                response = HookResponses.decodeCustomize(body);
            } catch (HookResponses.DecodeException e) {
                throw new IllegalStateException("customize hook failed (version=" + hookVersion(customize)
                        + "): can't unmarshal webhookResponse: " + e.getMessage(), e);
            }
            calls.add(new HookCall("customize", Informer.key(parent), parent.path("metadata").path("generation").asLong(),
                    null, response.raw()));
            strictErrors("customize", customize, Informer.key(parent), response.strictErrors());
            rules = List.copyOf(response.rules());
            customizeCache.put(cacheKey, rules);
        }
        if (stripRuleNamespace.contains(parent.path("metadata").path("namespace").asText(""))) {
            List<ObjectNode> stripped = new ArrayList<>();
            for (ObjectNode rule : rules) {
                ObjectNode copy = rule.deepCopy();
                copy.remove("namespace");
                stripped.add(copy);
            }
            return stripped;
        }
        return rules;
    }

    /** GetRelatedObjects: by "Kind.apiVersion", then namespace/name (a UniformObjectMap). */
    private Map<String, Map<String, ObjectNode>> related(ObjectNode parent) {
        Map<String, Map<String, ObjectNode>> related = new LinkedHashMap<>();
        List<ObjectNode> rules = customizeRules(parent);
        if (rules == null) {
            return related;
        }
        String version = hookVersion(hook("customize"));
        for (ObjectNode rule : rules) {
            Informer informer = relatedInformer(rule.path("apiVersion").asText(), rule.path("resource").asText());
            Map<String, ObjectNode> selected = RelatedRules.select(version, parent, parentResource.namespaced(), rule,
                    informer.resource(), informer.list(null), namespaceInformer.list(null));
            Map<String, ObjectNode> group = related.computeIfAbsent(informer.resource().childKey(), k -> new TreeMap<>());
            selected.forEach((k, object) -> group.put(k, object.deepCopy()));
        }
        return related;
    }

    /** getRelatedClient: the shared informer of a related resource, created on first use. */
    private Informer relatedInformer(String apiVersion, String plural) {
        String key = apiVersion + "/" + plural;
        Informer informer;
        synchronized (relatedInformerLock) {
            informer = informers.get(key);
            boolean created = informer == null;
            if (created) {
                informer = new Informer(api, api.resource(apiVersion, plural), 0);
            }
            // Metacontroller's informers are shared: a related resource that is also a child resource (configmaps)
            // gets the related handler added to the child informer (getRelatedClient's AddEventHandler), so its
            // events queue the parents that relate to them as well as those that own them.
            if (relatedHandled.add(key)) {
                informer.addHandler(new Informer.Handler() {
                    @Override
                    public void onAdd(ObjectNode object) {
                        if (deleting(object)) {
                            onDelete(object);
                            return;
                        }
                        enqueueRelatedParents(object);
                    }

                    @Override
                    public void onUpdate(ObjectNode old, ObjectNode current) {
                        if (!old.path("metadata").path("resourceVersion").equals(current.path("metadata").path("resourceVersion"))) {
                            enqueueRelatedParents(old, current); // parents of the old state and of the new
                        }
                    }

                    @Override
                    public void onDelete(ObjectNode object) {
                        enqueueRelatedParents(object);
                    }
                });
            }
            if (created) {
                informers.put(key, informer);
                informer.start();
            }
        }
        if (!informer.synced()) {
            throw new NotSynced("related informer for " + key + " not synced yet");
        }
        return informer;
    }

    /** notifyRelatedParents: queue every parent one of whose customize rules matches one of the objects. */
    private void enqueueRelatedParents(ObjectNode... objects) {
        JsonNode customize = hook("customize");
        if (customize == null || closed) {
            return;
        }
        String version = hookVersion(customize);
        for (ObjectNode parent : parents.list(null)) {
            List<ObjectNode> rules;
            try {
                rules = customizeRules(parent);
            } catch (RuntimeException e) {
                logged.add("customize for " + Informer.key(parent) + ": " + e);
                continue; // Metacontroller skips it for now
            }
            matching:
            for (ObjectNode rule : rules) {
                KubeApi.Resource resource;
                try {
                    resource = api.resource(rule.path("apiVersion").asText(), rule.path("resource").asText());
                } catch (RuntimeException e) {
                    logged.add("unknown related rule " + rule + ": " + e);
                    continue;
                }
                for (ObjectNode object : objects) {
                    try {
                        if (RelatedRules.matches(version, parent, parentResource.namespaced(), object, rule, resource,
                                namespaceInformer.list(null))) {
                            enqueue(Informer.key(parent));
                            break matching;
                        }
                    } catch (RuntimeException e) {
                        logged.add(Informer.key(parent) + " vs " + Informer.key(object) + ": " + e); // and skipped
                    }
                }
            }
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
        return "syncs=" + syncs.get() + " hookCalls=" + hookCalls.get() + " peakConcurrentSyncs=" + peakSyncsInFlight.get()
                + " writes=" + api.writeCount() + " reads=" + api.readCount();
    }

    @Override
    public void close() {
        closed = true;
        synchronized (queueLock) {
            queueLock.notifyAll();
        }
        timers.shutdownNow();
        workers.forEach(Thread::interrupt);
        if (parents != null) {
            parents.close();
        }
        if (namespaceInformer != null) {
            namespaceInformer.close();
        }
        informers.values().forEach(Informer::close);
        for (Thread worker : workers) {
            try {
                worker.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
