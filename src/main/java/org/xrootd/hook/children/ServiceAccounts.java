package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.xrootd.hook.model.XrootdSpec;

/** The monitor's identity towards the API server (spec.monitor); its rights are the Role's. */
public final class ServiceAccounts {
    private ServiceAccounts() {}

    public static ObjectNode monitor(XrootdSpec spec) {
        return JsonTrees.resource("v1", "ServiceAccount", Names.monitor(spec), spec.namespace(), Labels.monitor(spec));
    }
}
