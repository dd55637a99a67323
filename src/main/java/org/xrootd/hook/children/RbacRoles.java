package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.xrootd.hook.model.XrootdSpec;

/**
 * The monitor's Role: get and update on its insight ConfigMap by name, and create on ConfigMaps (RBAC
 * cannot restrict create by name: the closest it allows). Nothing else: no list, no watch, no Secrets.
 */
public final class RbacRoles {
    private RbacRoles() {}

    public static ObjectNode monitor(XrootdSpec spec) {
        ObjectNode role = JsonTrees.resource("rbac.authorization.k8s.io/v1", "Role", Names.monitor(spec), spec.namespace(),
                Labels.monitor(spec));
        ArrayNode rules = role.putArray("rules");
        ObjectNode own = rules.addObject();
        own.set("apiGroups", JsonTrees.strings(""));
        own.set("resourceNames", JsonTrees.strings(Names.insight(spec)));
        own.set("resources", JsonTrees.strings("configmaps"));
        own.set("verbs", JsonTrees.strings("get", "update"));
        ObjectNode create = rules.addObject();
        create.set("apiGroups", JsonTrees.strings(""));
        create.set("resources", JsonTrees.strings("configmaps"));
        create.set("verbs", JsonTrees.strings("create"));
        return role;
    }
}
