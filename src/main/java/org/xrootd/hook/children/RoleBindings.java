package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.xrootd.hook.model.XrootdSpec;

/** Grants the monitor's Role to its ServiceAccount. */
public final class RoleBindings {
    private RoleBindings() {}

    public static ObjectNode monitor(XrootdSpec spec) {
        ObjectNode binding = JsonTrees.resource("rbac.authorization.k8s.io/v1", "RoleBinding", Names.monitor(spec), spec.namespace(),
                Labels.monitor(spec));
        binding.putObject("roleRef").put("kind", "Role").put("apiGroup", "rbac.authorization.k8s.io").put("name", Names.monitor(spec));
        binding.putArray("subjects").addObject().put("kind", "ServiceAccount").put("name", Names.monitor(spec))
                .put("namespace", spec.namespace());
        return binding;
    }
}
