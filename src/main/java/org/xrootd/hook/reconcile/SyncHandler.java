package org.xrootd.hook.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.xrootd.hook.children.Children;
import org.xrootd.hook.children.ExistingStatefulSet;
import org.xrootd.hook.children.Labels;
import org.xrootd.hook.children.Names;
import org.xrootd.hook.children.XrootdConf;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.ChildKind;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.metacontroller.HookResponse;
import org.xrootd.hook.metacontroller.ObservedChildren;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.Problem;
import org.xrootd.hook.model.Secrets;
import org.xrootd.hook.model.SpecParser;
import org.xrootd.hook.model.Quantities;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.status.ConditionType;
import org.xrootd.hook.status.MonitorStatus;
import org.xrootd.hook.status.Reason;
import org.xrootd.hook.status.Status;
import org.xrootd.hook.status.StatusBuilder;

/**
 * The sync and finalize hooks: a pure function from a request to the desired children and status. It
 * never returns a child set that would make Metacontroller delete or roll back what exists, unless the
 * parent is being deleted. Children of kinds it does not build are always returned as last applied.
 */
public final class SyncHandler {
    /** While pods roll or start, look again even if no child event arrives. */
    static final int RESYNC_WHILE_PROGRESSING = 30;
    static final int RESYNC_WHILE_FINALIZING = 5;

    private SyncHandler() {}

    /** What a call produced: the response, its result for logs and metrics, and the status it carries. */
    public record Outcome(HookResponse response, Result result, Status status) {}

    /** The hook's own settings (command line): the image the per-cluster monitor runs, the hook's own. */
    public record Settings(String monitorImage) {
        public static final Settings DEFAULT = new Settings(Children.DEFAULT_MONITOR_IMAGE);

        public Settings {
            if (monitorImage == null || monitorImage.isBlank() || monitorImage.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("the monitor image must be an image name without whitespace, got '" + monitorImage + "'");
            }
        }
    }

    public static Outcome handle(HookRequest request) {
        return handle(request, Settings.DEFAULT);
    }

    public static Outcome handle(HookRequest request, Settings settings) {
        return request.finalizing() ? finalize(request) : sync(request, settings);
    }

    static Outcome sync(HookRequest request) {
        return sync(request, Settings.DEFAULT);
    }

    static Outcome sync(HookRequest request, Settings settings) {
        ObjectNode parent = request.parent();
        ObservedChildren observed = request.children();
        SpecParser.Result parsed = SpecParser.parse(parent);
        Map<Component, ExistingStatefulSet> existing = parsed.ok() ? existing(parsed.spec(), observed) : Map.of();
        List<Problem> problems = parsed.ok()
                ? StorageRule.check(parsed.spec(), Optional.ofNullable(existing.get(Component.WORKER)), runningMode(parent))
                : parsed.problems();
        if (!problems.isEmpty()) {
            String message = "invalid spec: " + problems.stream().map(Problem::toString).collect(Collectors.joining("; "));
            Status status = StatusBuilder.forProblem(parent, observed, declaredVersion(parent), Reason.INVALID_SPEC, message)
                    .withServing(carriedServing(parent));
            return outcome(status, new ArrayList<>(observed.allUnchanged()), 0, false, Result.INVALID);
        }
        XrootdSpec spec = declaredOnly(request, parsed.spec()).withGoverningServices(governing(existing));
        Catalog.Resolution resolution = Catalog.resolve(spec, request.related().get(Catalog.RELATED_KEY));
        if (resolution instanceof Catalog.Missing missing) {
            Status status = StatusBuilder.forProblem(parent, observed, spec.version(), Reason.VERSION_NOT_FOUND, missing.reason())
                    .withServing(carriedServing(parent));
            return outcome(status, keepOrCreateWithoutImage(request, spec, observed), 0, false, Result.VERSION_NOT_FOUND);
        }
        Catalog.Resolved image = (Catalog.Resolved) resolution;
        // A referenced Secret that does not exist: pods would not start (or, on a roll, not come back), and
        // without its digest the template cannot be built without rolling on a guess. Same rule as a missing
        // version: a running cluster stays exactly as applied; a new one gets only what runs nothing.
        Secrets.Resolution secrets = Secrets.resolve(spec, request.related().get(Secrets.RELATED_KEY),
                request.related().get(ChildKind.CONFIG_MAP.key()));
        if (secrets instanceof Secrets.Missing missing) {
            Status status = StatusBuilder.forProblem(parent, observed, spec.version(), Reason.SECRET_NOT_FOUND, missing.reason())
                    .withServing(carriedServing(parent));
            return outcome(status, keepOrCreateWithoutImage(request, spec, observed), 0, false, Result.SECRET_NOT_FOUND);
        }
        Map<String, String> secretDigests = ((Secrets.Found) secrets).digests();
        Drain.Plan drain = Drain.plan(spec, parent, observed, observedReplicas(spec, observed, Component.WORKER),
                request.declares(ChildKind.JOB.apiVersion(), ChildKind.JOB.plural()), image,
                spec.monitor().enabled() ? MonitorStatus.insightOf(spec.name(), insightConfigMap(request, spec)) : null);
        // While a drain holds the workers above spec.worker.replicas, the cluster is built for the workers that
        // run (supervisors, their configuration and the monitor's expectations follow the worker count).
        XrootdSpec built = drain.workerReplicas() == spec.worker().replicas() ? spec
                : withWorkerReplicas(parent, drain.workerReplicas())
                        .map(held -> declaredOnly(request, held).withGoverningServices(governing(existing))).orElse(spec);
        XrootdConf.Rendered config = XrootdConf.rendered(built);
        List<JsonNode> children = declared(request, Children.all(built, image, config, existing, settings.monitorImage(), secretDigests));
        if (built.worker().replicas() != drain.workerReplicas()) {
            holdWorkers(spec, children, drain.workerReplicas());
        }
        // The drain's template (its variable and partition) before RollOrder, which compares it with the applied
        // one, and again after it, as RollOrder may have returned the workers' template as observed.
        Drain.place(drain, spec, children);
        RollOrder.Plan order = RollOrder.apply(built, children, observed);
        Drain.place(drain, spec, children);
        children.addAll(declared(request, drain.children()));
        children.addAll(observed.unmanagedUnchanged());
        children.addAll(observed.unchangedExcept(ChildKind.NETWORK_POLICY.key(), Names.networkPolicy(spec)));
        XrootdSpec target = built;
        Map<Component, StatusBuilder.RoleTarget> roles = new EnumMap<>(Component.class);
        config.hashes().forEach((component, hash) -> roles.put(component, new StatusBuilder.RoleTarget(
                component == Component.WORKER ? drain.workerReplicas() : target.role(component).replicas(), hash)));
        Status status = StatusBuilder.forDesired(parent, observed,
                new StatusBuilder.Desired(image.version(), image.image(), image.deprecated(), roles,
                        new StatusBuilder.Order(order.rolling(), order.waiting()),
                        org.xrootd.hook.children.RedirectNames.tooLong(spec).orElse(null)), monitor(request, built),
                drain.status()).withServing(serving(spec));
        int resync = status.isTrue(ConditionType.PROGRESSING) || drain.active() ? RESYNC_WHILE_PROGRESSING : 0;
        return outcome(status, children, resync, false, Result.SYNCED);
    }

    /** spec.replicas of the role's observed StatefulSet (1, the API default, when unset); empty when there is none. */
    static Optional<Integer> observedReplicas(XrootdSpec spec, ObservedChildren observed, Component component) {
        return observed.get(ObservedChildren.STATEFUL_SET, Names.statefulSet(spec, component))
                .map(statefulSet -> statefulSet.path("spec").path("replicas").asInt(1));
    }

    /**
     * The parent's spec as if spec.worker.replicas were {@code replicas} (supervisors follow), or empty when that
     * spec is not valid (an explicit spec.supervisor.replicas too small for the held workers).
     */
    private static Optional<XrootdSpec> withWorkerReplicas(JsonNode parent, int replicas) {
        ObjectNode copy = parent.deepCopy();
        copy.withObject("/spec").withObject("/worker").put("replicas", replicas);
        SpecParser.Result held = SpecParser.parse(copy);
        return held.ok() ? Optional.of(held.spec()) : Optional.empty();
    }

    /** The workers' StatefulSet keeps {@code replicas} while a drain holds it above spec.worker.replicas. */
    private static void holdWorkers(XrootdSpec spec, List<JsonNode> children, int replicas) {
        for (JsonNode child : children) {
            if ("StatefulSet".equals(child.path("kind").asText())
                    && Names.statefulSet(spec, Component.WORKER).equals(child.path("metadata").path("name").asText())) {
                ((ObjectNode) child.get("spec")).put("replicas", replicas);
            }
        }
    }

    /**
     * status.mode and status.cache as last written, for a status that keeps the children as they are (the
     * mode is what the existing workers run, and the next sync compares the spec with it); null when absent.
     */
    static Status.Serving carriedServing(JsonNode parent) {
        JsonNode status = parent.path("status");
        if (!status.path("mode").isTextual()) {
            return null;
        }
        JsonNode cache = status.path("cache");
        if (!cache.isObject()) {
            return new Status.Serving(status.path("mode").asText(), null, null, null);
        }
        return new Status.Serving(status.path("mode").asText(), cache.path("origin").asText(""),
                cache.path("sizePerWorker").asText(""), cache.path("totalBytes").asLong());
    }

    /** status.mode as last written (what the existing workers run), or null when the status has none. */
    private static String runningMode(JsonNode parent) {
        JsonNode mode = parent.path("status").path("mode");
        return mode.isTextual() ? mode.asText() : null;
    }

    /** status.mode and, for a cache, status.cache: the origin and the data space per worker and in all. */
    static Status.Serving serving(XrootdSpec spec) {
        if (!spec.isCache()) {
            return new Status.Serving(Status.Serving.DATA_SERVER, null, null, null);
        }
        java.math.BigInteger perWorker = spec.cache().dataBytes();
        return new Status.Serving(Status.Serving.CACHE, spec.cache().origin(), Quantities.canonicalBytes(perWorker),
                perWorker.multiply(java.math.BigInteger.valueOf(spec.worker().replicas())).longValueExact());
    }

    /** The insight ConfigMap the monitor writes, as a related object; null when it is not there. */
    private static JsonNode insightConfigMap(HookRequest request, XrootdSpec spec) {
        JsonNode insight = null;
        for (JsonNode candidate : request.related().path(ChildKind.CONFIG_MAP.key())) {
            JsonNode metadata = candidate.path("metadata");
            if (Names.insight(spec).equals(metadata.path("name").asText())
                    && spec.namespace().equals(metadata.path("namespace").asText(spec.namespace()))) {
                insight = candidate;
            }
        }
        return insight;
    }

    /** spec.monitor: what the status folds the insight against; null when the monitor is off. */
    private static StatusBuilder.Monitor monitor(HookRequest request, XrootdSpec spec) {
        if (!spec.monitor().enabled()) {
            return null;
        }
        MonitorStatus.Target target = new MonitorStatus.Target(spec.name(), Names.insight(spec), Names.monitor(spec),
                pods(spec, Component.REDIRECTOR), pods(spec, Component.SUPERVISOR), pods(spec, Component.WORKER),
                XrootdConf.spaceMinBytes(spec));
        JsonNode insight = insightConfigMap(request, spec);
        JsonNode deployment = request.children().get(ChildKind.DEPLOYMENT.key(), Names.monitor(spec)).orElse(null);
        return new StatusBuilder.Monitor(target, insight, deployment);
    }

    private static List<String> pods(XrootdSpec spec, Component component) {
        List<String> pods = new ArrayList<>();
        for (int i = 0; i < spec.role(component).replicas(); i++) {
            pods.add(Names.statefulSet(spec, component) + "-" + i);
        }
        return pods;
    }

    private static Outcome outcome(Status status, List<JsonNode> children, int resyncAfterSeconds, boolean finalized, Result result) {
        return new Outcome(new HookResponse(status.toJson(), children, resyncAfterSeconds, finalized), result, status);
    }

    /**
     * The cluster as the CompositeController lets it be built: without the monitor unless every kind it
     * needs is declared, without the NetworkPolicy unless networkpolicies are (the cluster works without it).
     */
    private static XrootdSpec declaredOnly(HookRequest request, XrootdSpec spec) {
        XrootdSpec declared = monitorDeclared(request) ? spec : spec.withoutMonitor();
        ChildKind policy = ChildKind.NETWORK_POLICY;
        return request.declares(policy.apiVersion(), policy.plural()) ? declared : declared.withoutNetworkPolicy();
    }

    /** The serviceName of each role's existing StatefulSet: immutable, so the cluster keeps it. */
    private static Map<Component, String> governing(Map<Component, ExistingStatefulSet> existing) {
        Map<Component, String> services = new EnumMap<>(Component.class);
        existing.forEach((component, statefulSet) -> {
            if (statefulSet.serviceName() != null) {
                services.put(component, statefulSet.serviceName());
            }
        });
        return services;
    }

    /** The observed StatefulSet of each role, under the name the hook gives it. */
    private static Map<Component, ExistingStatefulSet> existing(XrootdSpec spec, ObservedChildren observed) {
        Map<Component, ExistingStatefulSet> existing = new EnumMap<>(Component.class);
        for (Component component : Component.values()) {
            observed.get(ObservedChildren.STATEFUL_SET, Names.statefulSet(spec, component))
                    .ifPresent(statefulSet -> existing.put(component, ExistingStatefulSet.of(statefulSet)));
        }
        return existing;
    }

    /**
     * Without an image nothing that runs can be built. On a first create the image-free children
     * (Services, ConfigMap) are created; once StatefulSets exist, everything stays exactly as applied,
     * so that a typo in spec.version never touches a running cluster. Either way nothing observed is
     * deleted: whatever exists beyond the image-free children is returned as last applied.
     */
    private static List<JsonNode> keepOrCreateWithoutImage(HookRequest request, XrootdSpec spec, ObservedChildren observed) {
        if (!observed.ofKind(ObservedChildren.STATEFUL_SET).isEmpty()) {
            return new ArrayList<>(observed.allUnchanged());
        }
        List<JsonNode> children = declared(request, Children.withoutImage(spec));
        Set<String> desired = new HashSet<>();
        children.forEach(child -> desired.add(identity(child)));
        for (ObjectNode kept : observed.allUnchanged()) {
            if (!desired.contains(identity(kept))) {
                children.add(kept);
            }
        }
        return children;
    }

    private static String identity(JsonNode child) {
        return child.path("kind").asText() + "." + child.path("apiVersion").asText() + " " + child.path("metadata").path("name").asText();
    }

    /**
     * The monitor runs only where the CompositeController declares every kind it needs; elsewhere the
     * cluster is built as without spec.monitor (no xrd.report towards a Service that would not exist).
     */
    private static boolean monitorDeclared(HookRequest request) {
        return ChildKind.MONITOR.stream().allMatch(kind -> request.declares(kind.apiVersion(), kind.plural()));
    }

    /**
     * Leaves out built children of kinds the CompositeController does not declare (e.g. PDBs on a cluster
     * without policy/v1). Observed children never pass through here: Metacontroller sends only declared
     * kinds, and leaving one out of the response would make it delete that child.
     */
    private static List<JsonNode> declared(HookRequest request, List<JsonNode> built) {
        List<JsonNode> kept = new ArrayList<>();
        for (JsonNode child : built) {
            ChildKind kind = ChildKind.of(child).orElseThrow(() -> new IllegalStateException("not a built kind: " + child.path("kind")));
            if (request.declares(kind.apiVersion(), kind.plural())) {
                kept.add(child);
            }
        }
        return kept;
    }

    /**
     * Deletion: return no children, so Metacontroller deletes them (the StatefulSets' volume claims are
     * not children and stay), and report finalized once none is observed any more.
     */
    static Outcome finalize(HookRequest request) {
        ObservedChildren observed = request.children();
        boolean done = observed.isEmpty();
        Status status = StatusBuilder.forDeletion(request.parent(), observed, declaredVersion(request.parent()));
        return outcome(status, List.of(), done ? 0 : RESYNC_WHILE_FINALIZING, done, done ? Result.FINALIZED : Result.FINALIZING);
    }

    /** spec.version as written, if it could be a label value (the status repeats it). */
    private static String declaredVersion(JsonNode parent) {
        JsonNode version = parent.path("spec").path("version");
        return version.isTextual() && version.asText().length() <= Labels.MAX_VALUE_LENGTH ? version.asText() : null;
    }

    /**
     * The customize hook: ask Metacontroller to send the catalog entry named by spec.version, the Secrets
     * the pods mount (spec.sss, spec.tls: their digests go into the templates, and a change of one queues a
     * sync) and, when spec.monitor.enabled, the insight ConfigMap the monitor writes (the status reports it).
     */
    public static ObjectNode customize(HookRequest request) {
        ObjectNode response = Json.MAPPER.createObjectNode();
        var rules = response.putArray("relatedResources");
        JsonNode version = request.parent().path("spec").path("version");
        JsonNode namespace = request.parent().path("metadata").path("namespace");
        if (version.isTextual() && !version.asText().isBlank()) {
            ObjectNode rule = rules.addObject();
            rule.put("apiVersion", Catalog.API_VERSION);
            rule.put("resource", Catalog.RESOURCE);
            // Without a namespace, Metacontroller v2 lists the name in every namespace (see Catalog.resolve).
            if (namespace.isTextual() && !namespace.asText().isBlank()) {
                rule.put("namespace", namespace.asText());
            }
            rule.putArray("names").add(version.asText());
        }
        List<String> secrets = Secrets.referenced(request.parent());
        // Always with the parent's namespace: without one, hook v2 would send (and watch) that name in every
        // namespace; Secrets.resolve ignores other namespaces anyway. No namespace, no rule: sync then says
        // SecretNotFound rather than guessing.
        if (!secrets.isEmpty() && namespace.isTextual() && !namespace.asText().isBlank()) {
            ObjectNode rule = rules.addObject();
            rule.put("apiVersion", Secrets.API_VERSION);
            rule.put("resource", Secrets.RESOURCE);
            rule.put("namespace", namespace.asText());
            var names = rule.putArray("names");
            secrets.forEach(names::add);
        }
        JsonNode name = request.parent().path("metadata").path("name");
        // ConfigMaps: the insight the monitor writes, the CA bundle of spec.tokens.caBundle.configMap (its
        // digest goes into the templates like a Secret's).
        java.util.TreeSet<String> configMaps = new java.util.TreeSet<>(Secrets.referencedConfigMaps(request.parent()));
        if (request.parent().path("spec").path("monitor").path("enabled").asBoolean(false) && name.isTextual()) {
            configMaps.add(org.xrootd.hook.monitor.Insight.name(name.asText()));
        }
        if (!configMaps.isEmpty() && namespace.isTextual() && !namespace.asText().isBlank()) {
            ObjectNode rule = rules.addObject();
            rule.put("apiVersion", "v1");
            rule.put("resource", "configmaps");
            rule.put("namespace", namespace.asText());
            var names = rule.putArray("names");
            configMaps.forEach(names::add);
        }
        return response;
    }
}
