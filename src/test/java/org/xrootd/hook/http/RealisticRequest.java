package org.xrootd.hook.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.xrootd.hook.children.Children;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.metacontroller.ObservedChildren;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.model.SpecParser;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.reconcile.SyncHandler;

/**
 * A sync request as Metacontroller (hook v1, dynamic-apply) sends it for a cluster that has been running
 * for a while: every object as the API server returns it, with uid, resourceVersion, ownerReferences,
 * managedFields, server-side defaults, status, kubectl's and Metacontroller's last-applied annotations,
 * the CompositeController itself under "controller", and the catalog entry under "related".
 * Used to measure request sizes and to test the request-size limit with real-looking bodies.
 */
final class RealisticRequest {
    static final String NAMESPACE = "xrootd-prod";
    static final String NAME = "big-xrootd";
    private static final String TIME = "2026-01-01T00:00:00Z";
    private static final String KUBECTL_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    private final int workers;
    private final int redirectors;
    private final List<String> exports;
    /** Extra annotation bytes on every object, to model other tools' annotations (0 for a plain cluster). */
    private final int annotationPadding;
    private final String parentUid = uid("parent");

    RealisticRequest(int workers, int redirectors, List<String> exports, int annotationPadding) {
        this.workers = workers;
        this.redirectors = redirectors;
        this.exports = exports;
        this.annotationPadding = annotationPadding;
    }

    static RealisticRequest workers(int workers) {
        return new RealisticRequest(workers, 2, List.of("/data"), 0);
    }

    /** How many children the request carries as observed (every child the hook builds). */
    int observedChildren() {
        int count = 0;
        for (JsonNode kind : json().get("children")) {
            count += kind.size();
        }
        return count;
    }

    byte[] bytes() {
        try {
            return Json.MAPPER.writeValueAsBytes(json());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    ObjectNode json() {
        Catalog.Resolved image = new Catalog.Resolved("5.6.4", "registry.example.org/xrootd/xrootd:5.6.4", false, true);
        ObjectNode applied = appliedParent();
        // The children are built by the hook's own builders from the parsed spec. Past the parser's
        // ceiling a larger count is written into the worker StatefulSet afterwards.
        ObjectNode parseable = applied.deepCopy();
        ((ObjectNode) parseable.at("/spec/worker")).put("replicas", Math.min(workers, SpecParser.MAX_WORKERS));
        ((ObjectNode) parseable.get("metadata")).put("generation", 7);
        SpecParser.Result parsed = SpecParser.parse(parseable);
        if (!parsed.ok()) {
            throw new IllegalStateException("the measured parent must be valid: " + parsed.problems());
        }
        XrootdSpec spec = parsed.spec();

        ObjectNode request = Json.MAPPER.createObjectNode();
        request.set("controller", controller());
        ObjectNode children = request.putObject("children");
        children.putObject(ObservedChildren.STATEFUL_SET);
        children.putObject(ObservedChildren.SERVICE);
        children.putObject(ObservedChildren.CONFIG_MAP);
        for (JsonNode desired : Children.all(spec, image)) {
            ObjectNode child = desired.deepCopy();
            if (child.path("kind").asText().equals("StatefulSet") && child.path("spec").path("volumeClaimTemplates").size() > 0) {
                ((ObjectNode) child.get("spec")).put("replicas", workers);
            }
            ObjectNode observed = observed(child);
            String key = observed.path("kind").asText() + "." + observed.path("apiVersion").asText();
            obj(children, key).set(observed.path("metadata").path("name").asText(), observed);
        }
        request.putObject("related").putObject(Catalog.RELATED_KEY).set("5.6.4", catalogEntry(image));
        request.put("finalizing", false);
        // The parent last: its status is what the hook computes from these children (a running cluster).
        request.set("parent", parseable.deepCopy());
        request.set("parent", parent(applied, status(request)));
        return request;
    }

    /** What the hook answers as status for this request: the status Metacontroller has written back. */
    private static ObjectNode status(ObjectNode request) {
        try {
            ObjectNode status = SyncHandler.handle(HookRequest.parse(Json.MAPPER.writeValueAsBytes(request))).response().status();
            status.put("observedGeneration", 7);
            return status;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The parent as a user applies it with kubectl. */
    private ObjectNode appliedParent() {
        ObjectNode applied = Json.MAPPER.createObjectNode();
        applied.put("apiVersion", "xrootd.org/v1alpha1");
        applied.put("kind", "Xrootd");
        applied.putObject("metadata").put("name", NAME).put("namespace", NAMESPACE);
        ObjectNode s = applied.putObject("spec");
        s.put("version", "5.6.4");
        s.putObject("redirector").put("replicas", redirectors);
        ObjectNode worker = s.putObject("worker").put("replicas", workers);
        worker.putObject("storage").put("capacity", "500Gi").put("class", "fast-ssd");
        ArrayNode exportList = obj(s, "config").putArray("exports");
        exports.forEach(exportList::add);
        return applied;
    }

    private ObjectNode controller() {
        ObjectNode cc = Json.MAPPER.createObjectNode();
        cc.put("apiVersion", "metacontroller.k8s.io/v1alpha1");
        cc.put("kind", "CompositeController");
        ObjectNode spec = cc.putObject("spec");
        spec.put("generateSelector", true);
        spec.putObject("parentResource").put("apiVersion", "xrootd.org/v1alpha1").put("resource", "xrootds");
        ArrayNode childResources = spec.putArray("childResources");
        for (String[] child : new String[][] {{"apps/v1", "statefulsets"}, {"v1", "services"}, {"v1", "configmaps"},
                {"policy/v1", "poddisruptionbudgets"}, {"networking.k8s.io/v1", "networkpolicies"}}) {
            ObjectNode entry = childResources.addObject().put("apiVersion", child[0]).put("resource", child[1]);
            entry.putObject("updateStrategy").put("method", "InPlace");
        }
        ObjectNode hooks = spec.putObject("hooks");
        for (String hook : List.of("customize", "sync", "finalize")) {
            ObjectNode webhook = hooks.putObject(hook).put("version", "v1").putObject("webhook");
            webhook.putObject("service").put("name", "xrootd-hook").put("namespace", "xrootd-system").put("port", 8080);
            webhook.put("path", "/" + hook).put("timeout", "10s");
        }
        ObjectNode applied = cc.deepCopy();
        applied.putObject("metadata").put("name", "xrootd-controller");
        stored(cc, "xrootd-controller", null, applied, KUBECTL_LAST_APPLIED, "kubectl-client-side-apply");
        cc.putObject("status");
        return cc;
    }

    /** The parent as stored: CRD defaults, identity, kubectl's annotation, finalizer, status, managedFields. */
    private ObjectNode parent(ObjectNode applied, ObjectNode status) {
        ObjectNode parent = applied.deepCopy();
        ObjectNode storedSpec = (ObjectNode) parent.get("spec");
        storedSpec.put("imagePullPolicy", "IfNotPresent");
        storedSpec.putObject("ports").put("xrootd", 1094).put("cmsd", 3121);
        storedSpec.putObject("securityContext").put("runAsUser", 1000).put("readOnlyRootFilesystem", true);
        ((ObjectNode) storedSpec.get("redirector")).put("maxUnavailable", 1);
        ((ObjectNode) storedSpec.get("worker")).put("maxUnavailable", 1);
        ((ObjectNode) storedSpec.at("/worker/storage")).put("whenDeleted", "Retain");
        stored(parent, NAME, parentUid, applied, KUBECTL_LAST_APPLIED, "kubectl-client-side-apply");
        ((ObjectNode) parent.get("metadata")).put("generation", 7)
                .putArray("finalizers").add("metacontroller.io/compositecontroller-xrootd-controller");
        parent.set("status", status);
        ArrayNode managed = (ArrayNode) parent.get("metadata").get("managedFields");
        managed.add(managedEntry("metacontroller", "Update", null, fields(Json.MAPPER.createObjectNode()
                .set("metadata", Json.MAPPER.createObjectNode().set("finalizers", Json.MAPPER.createArrayNode())))));
        managed.add(managedEntry("metacontroller", "Update", "status",
                fields(Json.MAPPER.createObjectNode().set("status", status))));
        return parent;
    }

    private ObjectNode catalogEntry(Catalog.Resolved image) {
        ObjectNode applied = Json.MAPPER.createObjectNode();
        applied.put("apiVersion", Catalog.API_VERSION);
        applied.put("kind", Catalog.KIND);
        applied.putObject("metadata").put("name", image.version()).put("namespace", NAMESPACE);
        applied.putObject("spec").put("version", image.version()).put("image", image.image());
        ObjectNode entry = applied.deepCopy();
        ((ObjectNode) entry.get("spec")).put("deprecated", false);
        stored(entry, image.version(), null, applied, KUBECTL_LAST_APPLIED, "kubectl-client-side-apply");
        return entry;
    }

    /** A child as observed: what the hook applied, plus what Metacontroller and the API server added. */
    private ObjectNode observed(ObjectNode desired) {
        ObjectNode applied = desired.deepCopy();
        // generateSelector: Metacontroller labels every child with the parent's uid before applying.
        obj(applied.get("metadata"), "labels").put("controller-uid", parentUid);
        ObjectNode object = applied.deepCopy();
        String kind = object.path("kind").asText();
        if (kind.equals("StatefulSet")) {
            statefulSetDefaults(object);
        } else if (kind.equals("Service")) {
            serviceDefaults(object);
        }
        stored(object, object.path("metadata").path("name").asText(), null, applied,
                ObservedChildren.LAST_APPLIED, "metacontroller");
        ObjectNode metadata = (ObjectNode) object.get("metadata");
        ObjectNode owner = metadata.putArray("ownerReferences").addObject();
        owner.put("apiVersion", "xrootd.org/v1alpha1").put("kind", "Xrootd").put("name", NAME).put("uid", parentUid)
                .put("controller", true).put("blockOwnerDeletion", true);
        if (kind.equals("PodDisruptionBudget")) {
            metadata.put("generation", 1);
            ObjectNode status = Json.MAPPER.createObjectNode();
            status.put("observedGeneration", 1).put("currentHealthy", workers).put("desiredHealthy", Math.max(0, workers - 1))
                    .put("disruptionsAllowed", 1).put("expectedPods", workers);
            status.putArray("conditions").addObject().put("type", "DisruptionAllowed").put("status", "True")
                    .put("reason", "SufficientPods").put("message", "").put("observedGeneration", 1)
                    .put("lastTransitionTime", TIME);
            object.set("status", status);
            ((ArrayNode) metadata.get("managedFields")).add(managedEntry("kube-controller-manager", "Update", "status",
                    fields(Json.MAPPER.createObjectNode().set("status", status))));
        }
        if (kind.equals("StatefulSet")) {
            metadata.put("generation", 3);
            ObjectNode status = statefulSetStatus(object.path("spec").path("replicas").asInt());
            object.set("status", status);
            ((ArrayNode) metadata.get("managedFields")).add(managedEntry("kube-controller-manager", "Update", "status",
                    fields(Json.MAPPER.createObjectNode().set("status", status))));
        }
        return object;
    }

    private static void statefulSetDefaults(ObjectNode sts) {
        ObjectNode spec = (ObjectNode) sts.get("spec");
        spec.put("revisionHistoryLimit", 10);
        spec.putObject("persistentVolumeClaimRetentionPolicy").put("whenDeleted", "Retain").put("whenScaled", "Retain");
        obj(spec, "updateStrategy").putObject("rollingUpdate").put("partition", 0);
        ObjectNode podSpec = obj(obj(spec, "template"), "spec");
        podSpec.put("restartPolicy", "Always").put("terminationGracePeriodSeconds", 30).put("dnsPolicy", "ClusterFirst")
                .put("schedulerName", "default-scheduler");
        for (JsonNode container : podSpec.path("containers")) {
            ObjectNode c = (ObjectNode) container;
            c.put("terminationMessagePath", "/dev/termination-log").put("terminationMessagePolicy", "File");
            c.putObject("resources");
            for (String probe : List.of("readinessProbe", "livenessProbe")) {
                if (c.has(probe)) {
                    ((ObjectNode) c.get(probe)).put("successThreshold", 1);
                }
            }
        }
        for (JsonNode volume : podSpec.path("volumes")) {
            if (volume.has("configMap")) {
                ((ObjectNode) volume.get("configMap")).put("defaultMode", 420);
            }
        }
    }

    private static void serviceDefaults(ObjectNode service) {
        ObjectNode spec = (ObjectNode) service.get("spec");
        if (!spec.has("clusterIP")) {
            spec.put("clusterIP", "10.96.13.37");
            spec.putArray("clusterIPs").add("10.96.13.37");
        } else {
            spec.putArray("clusterIPs").add("None");
        }
        spec.putArray("ipFamilies").add("IPv4");
        spec.put("ipFamilyPolicy", "SingleStack").put("internalTrafficPolicy", "Cluster").put("sessionAffinity", "None");
        spec.put("type", spec.path("type").asText("ClusterIP"));
        service.putObject("status").putObject("loadBalancer");
    }

    private static ObjectNode statefulSetStatus(int replicas) {
        ObjectNode status = Json.MAPPER.createObjectNode();
        status.put("observedGeneration", 3).put("replicas", replicas).put("readyReplicas", replicas)
                .put("currentReplicas", replicas).put("updatedReplicas", replicas).put("availableReplicas", replicas)
                .put("currentRevision", NAME + "-xrootd-worker-6d9f8c7b5d").put("updateRevision", NAME + "-xrootd-worker-6d9f8c7b5d")
                .put("collisionCount", 0);
        return status;
    }

    /** Adds the metadata the API server keeps: identity, the given last-applied annotation, managedFields. */
    private void stored(ObjectNode object, String name, String uid, ObjectNode applied, String annotation, String manager) {
        ObjectNode metadata = obj(object, "metadata");
        metadata.put("name", name);
        if (!object.path("kind").asText().equals("CompositeController")) {
            metadata.put("namespace", NAMESPACE);
        }
        metadata.put("uid", uid == null ? uid(name + object.path("kind").asText()) : uid);
        metadata.put("resourceVersion", "184467440737");
        metadata.put("creationTimestamp", TIME);
        ObjectNode annotations = obj(metadata, "annotations");
        try {
            annotations.put(annotation, Json.MAPPER.writeValueAsString(applied) + "\n");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        if (annotationPadding > 0) {
            annotations.put("example.org/other-tool", "x".repeat(annotationPadding));
        }
        ArrayNode managed = metadata.putArray("managedFields");
        ObjectNode appliedFields = applied.deepCopy();
        appliedFields.remove("apiVersion");
        appliedFields.remove("kind");
        ObjectNode appliedMetadata = obj(appliedFields, "metadata");
        appliedMetadata.remove("name");
        appliedMetadata.remove("namespace");
        obj(appliedMetadata, "annotations").put(annotation, "");
        managed.add(managedEntry(manager, "Update", null, fields(appliedFields)));
    }

    private static ObjectNode managedEntry(String manager, String operation, String subresource, ObjectNode fieldsV1) {
        ObjectNode entry = Json.MAPPER.createObjectNode();
        entry.put("manager", manager).put("operation", operation).put("apiVersion", "v1").put("time", TIME)
                .put("fieldsType", "FieldsV1");
        entry.set("fieldsV1", fieldsV1);
        if (subresource != null) {
            entry.put("subresource", subresource);
        }
        return entry;
    }

    /** The FieldsV1 form of an object: every field as "f:name", list items by merge key or value. */
    static ObjectNode fields(JsonNode node) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> field = it.next();
                out.set("f:" + field.getKey(), fields(field.getValue()));
            }
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                if (item.isObject()) {
                    String key = item.has("name") ? "k:{\"name\":\"" + item.get("name").asText() + "\"}"
                            : item.has("containerPort") ? "k:{\"containerPort\":" + item.get("containerPort") + ",\"protocol\":\"TCP\"}"
                            : item.has("port") ? "k:{\"port\":" + item.get("port") + ",\"protocol\":\"TCP\"}"
                            : item.has("type") ? "k:{\"type\":\"" + item.get("type").asText() + "\"}"
                            : "i:" + out.size();
                    ObjectNode inner = fields(item);
                    inner.putObject(".");
                    out.set(key, inner);
                } else {
                    out.putObject("v:" + item);
                }
            }
        }
        return out;
    }

    private static ObjectNode obj(JsonNode parent, String field) {
        ObjectNode node = (ObjectNode) parent;
        if (!node.path(field).isObject()) {
            node.putObject(field);
        }
        return (ObjectNode) node.get(field);
    }

    private static String uid(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes()).toString();
    }
}
