package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;

/**
 * Voluntary disruptions (node drains) take at most maxUnavailable pods of a role at once, so clients
 * always find a redirector and most of the data stays online.
 */
public final class Pdbs {
    private Pdbs() {}

    public static ObjectNode build(XrootdSpec spec, Component component) {
        XrootdSpec.Role role = spec.role(component);
        ObjectNode pdb = JsonTrees.resource("policy/v1", "PodDisruptionBudget", Names.statefulSet(spec, component),
                spec.namespace(), Labels.of(spec, component, null));
        ObjectNode pdbSpec = pdb.putObject("spec");
        pdbSpec.put("maxUnavailable", role.maxUnavailable());
        pdbSpec.putObject("selector").set("matchLabels", JsonTrees.map(Labels.selector(spec, component)));
        return pdb;
    }
}
