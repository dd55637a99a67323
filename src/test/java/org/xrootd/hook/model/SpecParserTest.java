package org.xrootd.hook.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Samples;

class SpecParserTest {
    @Test
    void sampleGetsDefaults() {
        XrootdSpec spec = Samples.sample();
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
        ObjectNode parent = Samples.parent("x");
        parent.putObject("spec").put("version", "5");
        XrootdSpec spec = Samples.model(parent);
        assertEquals(1, spec.redirector().replicas());
        assertEquals(1, spec.worker().replicas());
        assertNull(spec.storage().storageClass());
    }

    @Test
    void reportsEveryProblemWithItsField() {
        ObjectNode parent = Samples.parent("x");
        ObjectNode spec = Samples.spec(parent);
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
    void moreThan64WorkersGetSupervisorsAndPastTheCeilingAreRefusedWithAReason() {
        ObjectNode parent = Samples.parent("x");
        ((ObjectNode) Samples.spec(parent).get("worker")).put("replicas", 65);
        assertEquals(2, Samples.model(parent).supervisor().replicas());
        ((ObjectNode) Samples.spec(parent).get("worker")).put("replicas", SpecParser.MAX_WORKERS + 1);
        SpecParser.Result result = SpecParser.parse(parent);
        assertTrue(result.problems().get(0).message().contains("supervisors"));
    }

    @Test
    void refusesNamesThatWouldOverflowChildNames() {
        assertTrue(SpecParser.parse(Samples.parent("a".repeat(SpecParser.MAX_NAME_LENGTH))).ok());
        SpecParser.Result result = SpecParser.parse(Samples.parent("a".repeat(SpecParser.MAX_NAME_LENGTH + 1)));
        assertEquals("metadata.name", result.problems().get(0).field());
    }

    @Test
    void specThatIsNotAnObjectIsAProblemNotACrash() {
        ObjectNode parent = Samples.parent("x");
        parent.put("spec", "oops");
        assertEquals("spec", SpecParser.parse(parent).problems().get(0).field());
    }

    @Test
    void portsMustDifferAndStayUnprivileged() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putObject("ports").put("xrootd", 2000).put("cmsd", 2000);
        assertEquals("spec.ports", SpecParser.parse(parent).problems().get(0).field());
    }

    @Test
    void exportsMustBeAbsoluteAndUnique() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putObject("config").putArray("exports").add("/data").add("relative").add("/data").add("/a/../b");
        List<String> fields = SpecParser.parse(parent).problems().stream().map(Problem::field).toList();
        assertEquals(List.of("spec.config.exports[1]", "spec.config.exports[2]", "spec.config.exports[3]"), fields);
    }

    @Test
    void userDirectivesAreKeptPerRole() {
        ObjectNode parent = Samples.parent("x");
        ObjectNode config = Samples.spec(parent).putObject("config");
        config.putArray("all").add("xrootd.trace emsg login");
        config.putArray("redirector").add("cms.trace all");
        config.putArray("worker").add("  oss.space public /xrootd/data  ");
        XrootdSpec spec = Samples.model(parent);
        assertEquals(List.of("xrootd.trace emsg login"), spec.directives());
        assertEquals(List.of("cms.trace all"), spec.redirector().directives());
        assertEquals(List.of("oss.space public /xrootd/data"), spec.worker().directives());
    }

    @Test
    void directivesThatDefineTheClusterShapeAreRefused() {
        for (String line : new String[] {"all.role server", "all.manager evil:3121", "oss.localroot /tmp", "xrd.port 2000",
                "all.export /other", "if named x", "fi", "continue /etc/passwd"}) {
            ObjectNode parent = Samples.parent("x");
            Samples.spec(parent).putObject("config").putArray("worker").add(line);
            SpecParser.Result result = SpecParser.parse(parent);
            assertEquals("spec.config.worker[0]", result.problems().get(0).field(), line);
            assertTrue(result.problems().get(0).message().contains("managed by the controller"), line);
        }
    }

    @Test
    void aDirectiveIsOneLine() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putObject("config").putArray("all").add("xrootd.trace all\nall.role manager").add("not a directive");
        assertEquals(2, SpecParser.parse(parent).problems().size());
    }

    @Test
    void schedulingIsPassedThroughAsKubernetesTypes() {
        ObjectNode parent = Samples.parent("x");
        ObjectNode worker = (ObjectNode) Samples.spec(parent).get("worker");
        worker.putObject("resources").putObject("requests").put("cpu", "500m").put("memory", "1Gi");
        worker.putObject("nodeSelector").put("disk", "ssd");
        worker.putArray("tolerations").addObject().put("key", "dedicated").put("operator", "Exists");
        worker.put("priorityClassName", "storage");
        worker.putObject("podLabels").put("team", "hep");
        XrootdSpec.Pod pod = Samples.model(parent).worker().pod();
        assertEquals("500m", pod.resources().getRequests().get("cpu").toString());
        assertEquals("ssd", pod.nodeSelector().get("disk"));
        assertEquals("dedicated", pod.tolerations().get(0).getKey());
        assertEquals("storage", pod.priorityClassName());
        assertEquals("hep", pod.labels().get("team"));
    }

    @Test
    void podLabelsCannotTakeOverTheControllersLabels() {
        ObjectNode parent = Samples.parent("x");
        ((ObjectNode) Samples.spec(parent).get("worker")).putObject("podLabels").put("app.kubernetes.io/component", "redirector");
        assertEquals("spec.worker.podLabels.app.kubernetes.io/component", SpecParser.parse(parent).problems().get(0).field());
    }

    @Test
    void wrongShapedPassthroughIsAProblem() {
        ObjectNode parent = Samples.parent("x");
        ((ObjectNode) Samples.spec(parent).get("worker")).put("tolerations", "all");
        assertEquals("spec.worker.tolerations", SpecParser.parse(parent).problems().get(0).field());
    }

    @Test
    void secretsAreNamedNotInlined() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putObject("sss").put("secretName", "xrd-keytab");
        Samples.spec(parent).putObject("tls").put("secretName", "xrd-tls");
        XrootdSpec spec = Samples.model(parent);
        assertEquals(new XrootdSpec.SecretKey("xrd-keytab", "sss.keytab"), spec.security().sss());
        assertEquals("xrd-tls", spec.security().tlsSecret());
        Samples.spec(parent).putObject("sss").put("key", "k");
        assertEquals("spec.sss.secretName", SpecParser.parse(parent).problems().get(0).field());
    }

    @Test
    void volumesAreKeptUnlessDeletionIsAskedFor() {
        assertFalse(Samples.sample().storage().deleteWithXrootd());
        ObjectNode parent = Samples.parent("x");
        ((ObjectNode) Samples.spec(parent).get("worker").get("storage")).put("whenDeleted", "Delete");
        assertTrue(Samples.model(parent).storage().deleteWithXrootd());
        ((ObjectNode) Samples.spec(parent).get("worker").get("storage")).put("whenDeleted", "Sometimes");
        assertEquals("spec.worker.storage.whenDeleted", SpecParser.parse(parent).problems().get(0).field());
    }

    @Test
    void theMonitorIsOffUnlessEnabledAndItsFieldsAreChecked() {
        assertEquals(XrootdSpec.Monitor.OFF, Samples.sample().monitor());
        ObjectNode parent = Samples.parent("x");
        ObjectNode monitor = Samples.spec(parent).putObject("monitor").put("enabled", true);
        XrootdSpec.Monitor on = Samples.model(parent).monitor();
        assertEquals(new XrootdSpec.Monitor(true, 9931, 10, null), on);
        monitor.put("reportPort", 7000).put("reportIntervalSeconds", 30);
        monitor.set("resources", org.xrootd.hook.json.Json.MAPPER.createObjectNode().set("limits",
                org.xrootd.hook.json.Json.MAPPER.createObjectNode().put("memory", "0.5Gi")));
        XrootdSpec.Monitor custom = Samples.model(parent).monitor();
        assertEquals(7000, custom.reportPort());
        assertEquals(30, custom.reportIntervalSeconds());
        assertEquals("512Mi", custom.resources().getLimits().get("memory").toString());
        for (String[] bad : new String[][] {{"reportPort", "80", "spec.monitor.reportPort"}, {"reportIntervalSeconds", "0",
                "spec.monitor.reportIntervalSeconds"}, {"reportIntervalSeconds", "601", "spec.monitor.reportIntervalSeconds"},
                {"enabled", "\"yes\"", "spec.monitor.enabled"}, {"colour", "1", "spec.monitor.colour"}}) {
            ObjectNode wrong = Samples.parent("x");
            try {
                Samples.spec(wrong).putObject("monitor").set(bad[0], org.xrootd.hook.json.Json.MAPPER.readTree(bad[1]));
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            List<Problem> problems = SpecParser.parse(wrong).problems();
            assertEquals(1, problems.size(), String.join(" ", bad) + ": " + problems);
            assertTrue(problems.get(0).field().startsWith(bad[2]), problems.toString());
        }
        Samples.spec(parent).put("monitor", "on");
        assertEquals("spec.monitor", SpecParser.parse(parent).problems().get(0).field());
    }
}
