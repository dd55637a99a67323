package org.xrootd.hook.build;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import org.xrootd.hook.model.XrootdSpec;

/**
 * Voluntary disruptions (node drains) take at most maxUnavailable pods of a role at once, so clients
 * always find a redirector and most of the data stays online.
 */
public final class Pdbs {
    private Pdbs() {}

    public static PodDisruptionBudget build(XrootdSpec spec, Component component) {
        XrootdSpec.Role role = component == Component.REDIRECTOR ? spec.redirector() : spec.worker();
        return new PodDisruptionBudgetBuilder()
                .withNewMetadata()
                    .withName(Names.statefulSet(spec, component))
                    .withNamespace(spec.namespace())
                    .withLabels(Labels.of(spec, component, null))
                .endMetadata()
                .withNewSpec()
                    .withMaxUnavailable(new IntOrString(role.maxUnavailable()))
                    .withNewSelector().withMatchLabels(Labels.selector(spec, component)).endSelector()
                .endSpec()
                .build();
    }
}
