package org.xrootd.hook.status;

import org.xrootd.hook.model.Component;

/** One role's pod counts and versions as written to {@code status.<role>}. */
public record RoleStatus(Component component, int replicas, int readyReplicas, int updatedReplicas, int desired,
                         String version, String image, String currentVersion) {

    static RoleStatus of(Component component, RoleState role, int desired) {
        return new RoleStatus(component, role.replicas(), role.readyReplicas(), role.updatedReplicas(), desired,
                role.version(), role.image(), role.currentVersion());
    }
}
