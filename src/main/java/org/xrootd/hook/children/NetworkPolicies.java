package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;

/**
 * The cluster's NetworkPolicy (spec.networkPolicy): the cmsd port of its pods takes connections only from
 * the cluster's own member pods (redirectors, supervisors, workers), so no other pod can log in to a
 * manager as a data server, and an address cms.allow once admitted cannot be reused by another pod; the
 * xroot port is open to every client unless spec.networkPolicy.clients names them. The monitor pod is not
 * selected (Prometheus scrapes it, and it only receives the daemons' UDP reports, which leave the members
 * and are not restricted here). Host-networked pods are outside any NetworkPolicy, and their connections
 * come from node addresses: spec.networkPolicy.members admits such peers as members.
 */
public final class NetworkPolicies {
    private NetworkPolicies() {}

    public static ObjectNode build(XrootdSpec spec) {
        ObjectNode policy = JsonTrees.resource("networking.k8s.io/v1", "NetworkPolicy", Names.networkPolicy(spec), spec.namespace(),
                Labels.cluster(spec));
        ObjectNode policySpec = policy.putObject("spec");
        ArrayNode ingress = policySpec.putArray("ingress");
        ObjectNode cmsd = ingress.addObject();
        ArrayNode cmsdFrom = cmsd.putArray("from");
        cmsdFrom.addObject().set("podSelector", members(spec));
        spec.networkPolicy().members().forEach(peer -> cmsdFrom.add(Json.MAPPER.valueToTree(peer)));
        cmsd.putArray("ports").add(port(spec.ports().cmsd()));
        ObjectNode xrootd = ingress.addObject();
        if (!spec.networkPolicy().clients().isEmpty()) {
            ArrayNode from = xrootd.putArray("from");
            for (var peer : spec.networkPolicy().clients()) {
                from.add(Json.MAPPER.valueToTree(peer));
            }
            // Members reach each other's xroot port too (third-party copies between workers).
            from.addObject().set("podSelector", members(spec));
            spec.networkPolicy().members().forEach(peer -> from.add(Json.MAPPER.valueToTree(peer)));
            // The drain Job's pod (a scale-down moving a worker's files: DrainJobs) copies over the xroot port.
            ObjectNode drain = from.addObject().putObject("podSelector").putObject("matchLabels");
            drain.put(Labels.COMPONENT, DrainJobs.COMPONENT);
            drain.put(Labels.INSTANCE, spec.name());
            drain.put(Labels.NAME, "xrootd");
        }
        xrootd.putArray("ports").add(port(spec.ports().xrootd()));
        policySpec.set("podSelector", members(spec));
        policySpec.set("policyTypes", JsonTrees.strings("Ingress"));
        return policy;
    }

    /** The cluster's member pods: its redirectors, supervisors and workers, not its monitor. */
    static ObjectNode members(XrootdSpec spec) {
        ObjectNode selector = JsonTrees.object();
        ObjectNode expression = selector.putArray("matchExpressions").addObject();
        expression.put("key", Labels.COMPONENT);
        expression.put("operator", "In");
        expression.set("values", JsonTrees.strings(Component.REDIRECTOR.label(), Component.SUPERVISOR.label(), Component.WORKER.label()));
        ObjectNode matchLabels = selector.putObject("matchLabels");
        matchLabels.put(Labels.INSTANCE, spec.name());
        matchLabels.put(Labels.NAME, "xrootd");
        return selector;
    }

    private static ObjectNode port(int number) {
        ObjectNode port = JsonTrees.object();
        port.put("port", number);
        port.put("protocol", "TCP");
        return port;
    }
}
