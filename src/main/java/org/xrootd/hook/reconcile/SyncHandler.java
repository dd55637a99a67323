package org.xrootd.hook.reconcile;

import org.xrootd.hook.metacontroller.ChildKind;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.metacontroller.HookResponse;
import org.xrootd.hook.metacontroller.ObservedChildren;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.children.Children;
import org.xrootd.hook.children.XrootdConfig;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.children.Names;
import org.xrootd.hook.children.PodLayout;
import org.xrootd.hook.model.Problem;
import org.xrootd.hook.model.Quantities;
import org.xrootd.hook.model.SpecParser;
import org.xrootd.hook.model.XrootdSpec;
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

    /** What a sync produced, with a one-word outcome for logs and metrics. */
    public record Outcome(HookResponse response, String result) {}

    public static Outcome handle(HookRequest request) {
        return request.finalizing() ? finalize(request) : sync(request);
    }

    static Outcome sync(HookRequest request) {
        ObjectNode parent = request.parent();
        ObservedChildren observed = request.children();
        SpecParser.Result parsed = SpecParser.parse(parent);
        List<Problem> problems = parsed.ok() ? storageChanges(parsed.spec(), observed) : parsed.problems();
        if (!problems.isEmpty()) {
            String message = "invalid spec: " + problems.stream().map(Problem::toString)
                    .collect(Collectors.joining("; "));
            ObjectNode status = StatusBuilder.forProblem(parent, observed, declaredVersion(parent), "InvalidSpec", message);
            return new Outcome(new HookResponse(status, new ArrayList<>(observed.allUnchanged()), 0, false), "invalid");
        }
        XrootdSpec spec = parsed.spec();
        Catalog.Resolution resolution = Catalog.resolve(spec, request.related().get(Catalog.RELATED_KEY));
        if (resolution instanceof Catalog.Missing missing) {
            ObjectNode status = StatusBuilder.forProblem(parent, observed, spec.version(), "VersionNotFound", missing.reason());
            return new Outcome(new HookResponse(status, keepOrCreateWithoutImage(request, spec, observed), 0, false),
                    "version-not-found");
        }
        Catalog.Resolved image = (Catalog.Resolved) resolution;
        XrootdConfig.Rendered config = XrootdConfig.rendered(spec);
        List<JsonNode> children = declared(request, keepVolumeClaimTemplates(Children.all(spec, image, config), observed));
        children.addAll(observed.unmanagedUnchanged());
        ObjectNode status = StatusBuilder.forDesired(parent, observed, new StatusBuilder.Desired(
                image.version(), image.image(), image.deprecated(), spec.redirector().replicas(), spec.worker().replicas(),
                config.redirectorHash(), config.workerHash(), spec.supervisor().replicas(), config.supervisorHash()));
        boolean progressing = isTrue(status, StatusBuilder.PROGRESSING);
        return new Outcome(new HookResponse(status, children, progressing ? RESYNC_WHILE_PROGRESSING : 0, false), "synced");
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
     * Worker volumes are fixed once the workers exist (a StatefulSet's claim templates are immutable):
     * a different capacity or class is reported and changes nothing, rather than dropped silently.
     */
    static List<Problem> storageChanges(XrootdSpec spec, ObservedChildren observed) {
        Optional<ObjectNode> workers = observed.get(ObservedChildren.STATEFUL_SET, Names.worker(spec));
        List<Problem> problems = new ArrayList<>();
        if (workers.isEmpty()) {
            return problems;
        }
        for (JsonNode template : workers.get().path("spec").path("volumeClaimTemplates")) {
            if (!PodLayout.DATA_VOLUME.equals(template.path("metadata").path("name").asText())) {
                continue;
            }
            String size = template.path("spec").path("resources").path("requests").path("storage").asText(null);
            String existing = canonicalOrSame(size);
            if (existing != null && !existing.equals(spec.storage().capacity())) {
                problems.add(new Problem("spec.worker.storage.capacity", "is " + Problem.excerpt(existing)
                        + " on the existing workers and cannot change (a StatefulSet's volume claims are fixed); set it back to "
                        + Problem.excerpt(existing)));
            }
            JsonNode storageClass = template.path("spec").path("storageClassName");
            String existingClass = storageClass.isTextual() ? storageClass.asText() : null;
            if (!java.util.Objects.equals(existingClass, spec.storage().storageClass())) {
                problems.add(new Problem("spec.worker.storage.class", "is "
                        + (existingClass == null ? "the cluster default" : "'" + Problem.excerpt(existingClass) + "'")
                        + " on the existing workers and cannot change (a StatefulSet's volume claims are fixed)"));
            }
        }
        return problems;
    }

    private static String canonicalOrSame(String size) {
        if (size == null) {
            return null;
        }
        try {
            return Quantities.parseBytes(size).canonical();
        } catch (IllegalArgumentException e) {
            return size;
        }
    }

    /**
     * An existing StatefulSet keeps its volumeClaimTemplates exactly as observed. The field is immutable, and
     * the API server stores it with fields of its own (1.20 adds {@code metadata.creationTimestamp: null} to
     * each template). Metacontroller replaces this list wholesale (its items share none of its merge keys)
     * and compares the result with the observed object by deep equality, so any other spelling is an update
     * on every sync: a no-op the server accepts, or, after a change of capacity or class, one it rejects,
     * which would fail every later update of the StatefulSet too.
     */
    static List<JsonNode> keepVolumeClaimTemplates(List<JsonNode> children, ObservedChildren observed) {
        for (JsonNode child : children) {
            if (!"StatefulSet".equals(child.path("kind").asText()) || !(child.get("spec") instanceof ObjectNode spec)) {
                continue;
            }
            Optional<ObjectNode> existing = observed.get(ObservedChildren.STATEFUL_SET, child.path("metadata").path("name").asText());
            if (existing.isEmpty()) {
                continue;
            }
            JsonNode templates = existing.get().path("spec").get("volumeClaimTemplates");
            if (templates != null && templates.isArray()) {
                spec.set("volumeClaimTemplates", templates.deepCopy());
            } else {
                spec.remove("volumeClaimTemplates");
            }
        }
        return children;
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
        ObjectNode status = StatusBuilder.forDeletion(request.parent(), observed, declaredVersion(request.parent()));
        return new Outcome(new HookResponse(status, List.of(), done ? 0 : RESYNC_WHILE_FINALIZING, done),
                done ? "finalized" : "finalizing");
    }

    private static String declaredVersion(JsonNode parent) {
        JsonNode version = parent.path("spec").path("version");
        return version.isTextual() && version.asText().length() <= 63 ? version.asText() : null;
    }

    private static boolean isTrue(ObjectNode status, String type) {
        for (JsonNode condition : status.path("conditions")) {
            if (type.equals(condition.path("type").asText())) {
                return "True".equals(condition.path("status").asText());
            }
        }
        return false;
    }

    /** The customize hook: ask Metacontroller to send the catalog entry named by spec.version. */
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
        return response;
    }
}
