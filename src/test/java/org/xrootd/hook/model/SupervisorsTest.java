package org.xrootd.hook.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Samples;

/** More than 64 workers: how many supervisors a cluster needs, and what the spec may say about them. */
class SupervisorsTest {
    @Test
    void countRuleIsNoneUpTo64ThenEnoughWithOneSpare() {
        assertEquals(0, Supervisors.required(0));
        assertEquals(0, Supervisors.required(64));
        assertEquals(2, Supervisors.required(65));
        assertEquals(2, Supervisors.required(100));
        assertEquals(2, Supervisors.required(127));
        assertEquals(3, Supervisors.required(128));
        assertEquals(8, Supervisors.required(500));
        assertEquals(16, Supervisors.required(1000));
        // With one supervisor down the others still hold every worker, up to the ceiling.
        for (int workers = 65; workers <= SpecParser.MAX_WORKERS; workers++) {
            int supervisors = Supervisors.required(workers);
            assertTrue(Supervisors.capacity(supervisors - 1) >= workers, workers + " workers, " + supervisors + " supervisors");
        }
    }

    @Test
    void theCeilingIsDocumentedAndEnforced() {
        assertEquals(1000, SpecParser.MAX_WORKERS);
        ObjectNode parent = Samples.parent("wide");
        ((ObjectNode) Samples.spec(parent).get("worker")).put("replicas", 1001);
        SpecParser.Result result = SpecParser.parse(parent);
        assertFalse(result.ok());
        assertEquals("spec.worker.replicas", result.problems().get(0).field());
    }

    @Test
    void anOverrideMayAddSupervisorsButNeverRemoveThem() {
        ObjectNode parent = Samples.parent("wide");
        ((ObjectNode) Samples.spec(parent).get("worker")).put("replicas", 100);
        Samples.spec(parent).putObject("supervisor").put("replicas", 4);
        assertEquals(4, Samples.model(parent).supervisor().replicas());
        ((ObjectNode) Samples.spec(parent).get("supervisor")).put("replicas", 1);
        SpecParser.Result result = SpecParser.parse(parent);
        assertFalse(result.ok());
        assertEquals("spec.supervisor.replicas", result.problems().get(0).field());
        assertTrue(result.problems().get(0).message().contains("at least 2 for 100 workers"), result.problems().toString());
    }
}
