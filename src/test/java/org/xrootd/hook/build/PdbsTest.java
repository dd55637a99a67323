package org.xrootd.hook.build;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.TestSpecs;

class PdbsTest {
    @Test
    void oneBudgetPerRoleSelectingItsPods() {
        for (Component component : Component.values()) {
            PodDisruptionBudget pdb = Pdbs.build(TestSpecs.sample(), component);
            assertEquals(Names.statefulSet(TestSpecs.sample(), component), pdb.getMetadata().getName());
            assertEquals(Labels.selector(TestSpecs.sample(), component), pdb.getSpec().getSelector().getMatchLabels());
            assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal());
        }
    }

    @Test
    void maxUnavailableIsPerRole() {
        ObjectNode parent = TestSpecs.parent("x");
        ((ObjectNode) TestSpecs.spec(parent).get("worker")).put("maxUnavailable", 2);
        assertEquals(2, Pdbs.build(TestSpecs.model(parent), Component.WORKER).getSpec().getMaxUnavailable().getIntVal());
        assertEquals(1, Pdbs.build(TestSpecs.model(parent), Component.REDIRECTOR).getSpec().getMaxUnavailable().getIntVal());
    }
}
