package org.xrootd.hook.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.xrootd.hook.children.Names;
import org.xrootd.hook.metacontroller.ObservedChildren;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;

/**
 * Upgrades in order: a change of the pod templates of several roles (a new version, a configuration that
 * several roles read) reaches one role at a time, managers first, then supervisors, then the data servers
 * that log in to them; each role only once the one before it is fully updated and ready. Until then a role
 * keeps its pod template exactly as observed, so its StatefulSet does not roll.
 *
 * <p>Why this order: the cmsd login protocol is versioned by the manager. A manager reads each subscriber's
 * protocol version at login and sends what that subscriber understands, and it falls back for older servers
 * (XRootD 5.5.3 src/XrdCms/XrdCmsLogin.cc:93 and :101, {@code myData.Version <= Data.Version};
 * XrdCmsCluster.cc:352, "blacklisted; redirect unsupported" for a server older than the manager). An old
 * manager cannot know what a newer server sends. A supervisor is a manager to its servers and a server to
 * the managers (Cluster Management Service reference, "role"), so it goes between them. Minor releases
 * within a major version are binary compatible (XRootD Software Release and Support Policy), which is
 * what makes a mixed cluster during the roll acceptable at all.
 *
 * <p>Pure over the observed children: a role's template counts as applied when it equals the template of
 * Metacontroller's last-applied configuration, and a role is done when its StatefulSet reports the
 * current generation observed, {@code currentRevision == updateRevision} and every replica updated and
 * ready. A StatefulSet that does not exist yet is never held (a new cluster starts every role at once) but
 * holds the roles after it until it is ready (supervisors added above 64 workers come up before the
 * workers move to them).
 */
public final class RollOrder {
    /** The order XRootD needs: managers, supervisors, servers. */
    public static final List<Component> ORDER = List.of(Component.REDIRECTOR, Component.SUPERVISOR, Component.WORKER);

    /**
     * What the hook did: {@code rolling} is the first role not yet done (null when none is), {@code waiting}
     * the roles whose new template is held behind it, in order.
     */
    public record Plan(Component rolling, List<Component> waiting) {
        public static final Plan NONE = new Plan(null, List.of());

        public Plan {
            waiting = List.copyOf(waiting);
        }

        public boolean holds() {
            return !waiting.isEmpty();
        }
    }

    private RollOrder() {}

    /**
     * Holds, in {@code children} (the desired children, changed in place), the pod template of every role
     * that comes after a role not yet done, and says which roles it held.
     */
    public static Plan apply(XrootdSpec spec, List<JsonNode> children, ObservedChildren observed) {
        Component rolling = null;
        List<Component> waiting = new ArrayList<>();
        for (Component component : ORDER) {
            String name = Names.statefulSet(spec, component);
            Optional<ObjectNode> desired = desired(children, name);
            if (desired.isEmpty()) {
                continue;
            }
            Optional<ObjectNode> current = observed.get(ObservedChildren.STATEFUL_SET, name);
            if (current.isEmpty()) {
                rolling = rolling == null ? component : rolling;
                continue;
            }
            JsonNode template = desired.get().path("spec").path("template");
            boolean changed = !applied(template, observed, name);
            if (rolling != null) {
                if (changed) {
                    // The observed template whole (the request reader keeps only its containers' names, images and env).
                    ObjectNode whole = observed.whole(ObservedChildren.STATEFUL_SET, name).orElseThrow();
                    ((ObjectNode) desired.get().get("spec")).set("template", whole.path("spec").path("template").deepCopy());
                    waiting.add(component);
                }
                continue;
            }
            if (changed || !done(current.get())) {
                rolling = component;
            }
        }
        return waiting.isEmpty() ? new Plan(rolling, List.of()) : new Plan(rolling, waiting);
    }

    /** The desired StatefulSet named {@code name}, if the hook builds it. */
    private static Optional<ObjectNode> desired(List<JsonNode> children, String name) {
        for (JsonNode child : children) {
            if ("StatefulSet".equals(child.path("kind").asText()) && name.equals(child.path("metadata").path("name").asText())
                    && child instanceof ObjectNode object && object.path("spec").isObject()) {
                return Optional.of(object);
            }
        }
        return Optional.empty();
    }

    /**
     * Whether Metacontroller last applied exactly this template: equal to the template of its last-applied
     * configuration as written and read back (field order aside, numbers by value: the builders' long 10 is
     * the annotation's 10), so that a template the hook builds again byte for byte counts as applied. No
     * last-applied configuration (an adopted StatefulSet): not applied.
     */
    static boolean applied(JsonNode template, ObservedChildren observed, String name) {
        return observed.lastAppliedEquals(ObservedChildren.STATEFUL_SET, name, template, "spec", "template");
    }

    /**
     * A role is done when its StatefulSet controller has seen the current spec, promoted the update revision
     * and every replica the spec asks for runs it and is ready.
     */
    static boolean done(JsonNode statefulSet) {
        JsonNode status = statefulSet.path("status");
        long generation = statefulSet.path("metadata").path("generation").asLong(0);
        int replicas = statefulSet.path("spec").path("replicas").asInt(1);
        String currentRevision = status.path("currentRevision").asText("");
        return status.path("observedGeneration").asLong(-1) >= generation
                && !currentRevision.isEmpty() && currentRevision.equals(status.path("updateRevision").asText(""))
                && status.path("replicas").asInt(0) == replicas
                && status.path("updatedReplicas").asInt(0) == replicas
                && status.path("readyReplicas").asInt(0) == replicas;
    }
}
