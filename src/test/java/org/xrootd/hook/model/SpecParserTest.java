package org.xrootd.hook.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.TestSpecs;

class SpecParserTest {
    @Test
    void sampleGetsDefaults() {
        XrootdSpec spec = TestSpecs.sample();
        assertEquals("base-xrootd", spec.name());
        assertEquals("ns1", spec.namespace());
        assertEquals(2, spec.redirector().replicas());
        assertEquals(3, spec.worker().replicas());
        assertEquals("1Gi", spec.storage().capacity());
        assertEquals("default", spec.storage().storageClass());
        assertEquals(1094, spec.ports().xrootd());
        assertEquals(3121, spec.ports().cmsd());
        assertEquals(1000, spec.security().runAsUser());
        assertEquals(List.of("/data"), spec.exports());
        assertEquals("IfNotPresent", spec.imagePullPolicy());
        assertNull(spec.imageOverride());
    }

    @Test
    void emptySpecButVersionGetsOneOfEach() {
        ObjectNode parent = TestSpecs.parent("x");
        parent.putObject("spec").put("version", "5");
        XrootdSpec spec = TestSpecs.model(parent);
        assertEquals(1, spec.redirector().replicas());
        assertEquals(1, spec.worker().replicas());
        assertNull(spec.storage().storageClass());
    }

    @Test
    void reportsEveryProblemWithItsField() {
        ObjectNode parent = TestSpecs.parent("x");
        ObjectNode spec = TestSpecs.spec(parent);
        spec.remove("version");
        ((ObjectNode) spec.get("worker")).put("replicas", -1);
        ((ObjectNode) spec.get("redirector")).put("replicas", "two");
        ((ObjectNode) spec.get("worker").get("storage")).put("capacity", "lots");
        spec.putObject("ports").put("xrootd", 80);
        SpecParser.Result result = SpecParser.parse(parent);
        assertFalse(result.ok());
        List<String> fields = result.problems().stream().map(Problem::field).toList();
        assertEquals(List.of("spec.version", "spec.redirector.replicas", "spec.worker.replicas",
                "spec.worker.storage.capacity", "spec.ports.xrootd"), fields);
    }

    @Test
    void moreThan64WorkersNeedSupervisorsAndAreRefusedWithAReason() {
        ObjectNode parent = TestSpecs.parent("x");
        ((ObjectNode) TestSpecs.spec(parent).get("worker")).put("replicas", 65);
        SpecParser.Result result = SpecParser.parse(parent);
        assertTrue(result.problems().get(0).message().contains("supervisors"));
    }

    @Test
    void refusesNamesThatWouldOverflowChildNames() {
        assertTrue(SpecParser.parse(TestSpecs.parent("a".repeat(SpecParser.MAX_NAME_LENGTH))).ok());
        SpecParser.Result result = SpecParser.parse(TestSpecs.parent("a".repeat(SpecParser.MAX_NAME_LENGTH + 1)));
        assertEquals("metadata.name", result.problems().get(0).field());
    }

    @Test
    void specThatIsNotAnObjectIsAProblemNotACrash() {
        ObjectNode parent = TestSpecs.parent("x");
        parent.put("spec", "oops");
        assertEquals("spec", SpecParser.parse(parent).problems().get(0).field());
    }

    @Test
    void portsMustDifferAndStayUnprivileged() {
        ObjectNode parent = TestSpecs.parent("x");
        TestSpecs.spec(parent).putObject("ports").put("xrootd", 2000).put("cmsd", 2000);
        assertEquals("spec.ports", SpecParser.parse(parent).problems().get(0).field());
    }

    @Test
    void exportsMustBeAbsoluteAndUnique() {
        ObjectNode parent = TestSpecs.parent("x");
        TestSpecs.spec(parent).putArray("exports").add("/data").add("relative").add("/data").add("/a/../b");
        List<String> fields = SpecParser.parse(parent).problems().stream().map(Problem::field).toList();
        assertEquals(List.of("spec.exports[1]", "spec.exports[2]", "spec.exports[3]"), fields);
    }
}
