package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.testkit.Samples;

class PdbsTest {
    private static PodDisruptionBudget build(XrootdSpec spec, Component component) {
        return Samples.typed(Pdbs.build(spec, component), PodDisruptionBudget.class);
    }

    @Test
    void oneBudgetPerRoleSelectingItsPods() {
        for (Component component : Component.values()) {
            PodDisruptionBudget pdb = build(Samples.sample(), component);
            assertEquals(Names.statefulSet(Samples.sample(), component), pdb.getMetadata().getName());
            assertEquals(Labels.selector(Samples.sample(), component), pdb.getSpec().getSelector().getMatchLabels());
            assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal());
        }
    }

    @Test
    void maxUnavailableIsPerRole() {
        ObjectNode parent = Samples.parent("x");
        ((ObjectNode) Samples.spec(parent).get("worker")).put("maxUnavailable", 2);
        assertEquals(2, build(Samples.model(parent), Component.WORKER).getSpec().getMaxUnavailable().getIntVal());
        assertEquals(1, build(Samples.model(parent), Component.REDIRECTOR).getSpec().getMaxUnavailable().getIntVal());
    }
}
