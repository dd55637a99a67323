package org.xrootd.hook.status;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import org.xrootd.hook.json.Json;

/**
 * The parent's status as the hook computed it. Callers decide from it directly (is a rollout going on,
 * what does Ready say); {@link #toJson()} is the one place it becomes the wire shape, with keys in a fixed
 * order so that the same status is always the same bytes.
 *
 * @param roles the roles that have a status entry, in the order they are written
 * @param monitor what the insight of spec.monitor says, or null
 */
public record Status(String version, String image, List<RoleStatus> roles, MonitorStatus monitor, DrainStatus drain,
                     List<Condition> conditions, Serving serving) {

    public Status(String version, String image, List<RoleStatus> roles, List<Condition> conditions) {
        this(version, image, roles, null, null, conditions, null);
    }

    public Status(String version, String image, List<RoleStatus> roles, MonitorStatus monitor, List<Condition> conditions) {
        this(version, image, roles, monitor, null, conditions, null);
    }

    public Status(String version, String image, List<RoleStatus> roles, MonitorStatus monitor, DrainStatus drain,
                  List<Condition> conditions) {
        this(version, image, roles, monitor, drain, conditions, null);
    }

    /**
     * What the cluster serves, from the spec the hook acts on: {@code mode} DataServer or Cache; for a
     * cache its origin, the data space of each worker (canonical quantity) and of all workers in bytes.
     */
    public record Serving(String mode, String origin, String cacheSizePerWorker, Long cacheBytes) {
        public static final String DATA_SERVER = "DataServer";
        public static final String CACHE = "Cache";
    }

    /** The same status with what the cluster serves. */
    public Status withServing(Serving serving) {
        return new Status(version, image, roles, monitor, drain, conditions, serving);
    }

    public Optional<Condition> condition(ConditionType type) {
        return conditions.stream().filter(condition -> condition.type() == type).findFirst();
    }

    public boolean isTrue(ConditionType type) {
        return condition(type).map(Condition::status).orElse(false);
    }

    public ObjectNode toJson() {
        ObjectNode status = Json.MAPPER.createObjectNode();
        if (version != null) {
            status.put("version", version);
        }
        if (image != null) {
            status.put("image", image);
        }
        if (serving != null) {
            status.put("mode", serving.mode());
            if (serving.origin() != null) {
                ObjectNode cache = status.putObject("cache");
                cache.put("origin", serving.origin());
                cache.put("sizePerWorker", serving.cacheSizePerWorker());
                cache.put("totalBytes", serving.cacheBytes());
            }
        }
        for (RoleStatus role : roles) {
            ObjectNode node = status.putObject(role.component().label());
            node.put("replicas", role.replicas());
            node.put("readyReplicas", role.readyReplicas());
            node.put("updatedReplicas", role.updatedReplicas());
            node.put("ready", role.readyReplicas() + "/" + role.desired());
            if (role.version() != null) {
                node.put("version", role.version());
            }
            if (role.image() != null) {
                node.put("image", role.image());
            }
            if (role.currentVersion() != null) {
                node.put("currentVersion", role.currentVersion());
            }
        }
        if (monitor != null) {
            status.set("monitor", monitor.toJson());
        }
        if (drain != null) {
            status.set("drain", drain.toJson());
        }
        ArrayNode array = status.putArray("conditions");
        for (Condition condition : conditions) {
            ObjectNode node = array.addObject();
            node.put("type", condition.type().wire());
            node.put("status", condition.status() ? "True" : "False");
            node.put("observedGeneration", condition.observedGeneration());
            node.put("lastTransitionTime", condition.lastTransitionTime());
            node.put("reason", condition.reason().wire());
            node.put("message", condition.message());
        }
        return status;
    }
}
