package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.testkit.Samples;

/** spec.monitor: the monitor's children, and the one xrootd.cf line that points every daemon at it. */
class MonitorChildrenTest {
    private static XrootdSpec withMonitor() {
        ObjectNode parent = Samples.parent("demo");
        parent.withObject("/metadata").put("uid", "0000-uid");
        Samples.spec(parent).putObject("monitor").put("enabled", true).put("reportPort", 9932).put("reportIntervalSeconds", 15);
        return Samples.model(parent);
    }

    private static List<String> kinds(List<JsonNode> children) {
        List<String> kinds = new ArrayList<>();
        children.forEach(child -> kinds.add(child.path("kind").asText() + " " + child.at("/metadata/name").asText()));
        return kinds;
    }

    @Test
    void offByDefaultNothingOfTheMonitorIsBuilt() {
        XrootdSpec spec = Samples.sample();
        assertFalse(kinds(Children.all(spec, Samples.image())).stream().anyMatch(kind -> kind.contains("monitor")));
        assertFalse(XrootdConf.render(spec).contains("xrd.report"));
    }

    @Test
    void enabledItBuildsItsChildrenAndEveryRoleReportsToIt() {
        XrootdSpec spec = withMonitor();
        List<String> kinds = kinds(Children.all(spec, Samples.image()));
        for (String expected : List.of("ServiceAccount", "Role", "RoleBinding", "Service", "Deployment", "ServiceMonitor", "PrometheusRule")) {
            assertTrue(kinds.contains(expected + " demo-xrootd-monitor"), expected + " in " + kinds);
        }
        // The Service's bare name, completed by the pod's search list (the .svc form passes 78 characters at long namespaces).
        String report = "xrd.report demo-xrootd-monitor:9932 every 15s all";
        for (Component component : Component.values()) {
            assertTrue(XrootdConf.renderFor(spec, component).lines().anyMatch(report::equals), component + " reports");
        }
        // Turning it on rolls every role once (its hash changes), and only that line differs.
        XrootdSpec off = spec.withoutMonitor();
        for (Component component : List.of(Component.REDIRECTOR, Component.WORKER)) {
            assertFalse(XrootdConf.rendered(spec).hash(component).equals(XrootdConf.rendered(off).hash(component)));
        }
        List<String> added = new ArrayList<>(XrootdConf.render(spec).lines().toList());
        added.removeAll(XrootdConf.render(off).lines().toList());
        assertEquals(List.of("# Summary reports of every daemon to the cluster's monitor (spec.monitor).", report), added);
    }

    @Test
    void theDeploymentRunsTheHooksImageAsTheMonitorOfThisClusterOnly() {
        XrootdSpec spec = withMonitor();
        JsonNode deployment = Deployments.monitor(spec, "registry.example.org/xrootd-hook:1.2");
        JsonNode pod = deployment.at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");
        assertEquals("registry.example.org/xrootd-hook:1.2", container.path("image").asText());
        List<String> args = new ArrayList<>();
        container.path("args").forEach(arg -> args.add(arg.asText()));
        assertEquals(List.of("monitor", "--cluster", "demo", "--namespace", spec.namespace(), "--owner-uid", "0000-uid",
                "--report-port", "9932", "--port", "9100", "--interval", "15s", "--insight", "on"), args);
        assertEquals(1, deployment.at("/spec/replicas").asInt());
        assertEquals("Recreate", deployment.at("/spec/strategy/type").asText());
        assertEquals("demo-xrootd-monitor", pod.path("serviceAccountName").asText());
        assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean());
        assertEquals("RuntimeDefault", pod.at("/securityContext/seccompProfile/type").asText());
        assertTrue(container.at("/securityContext/readOnlyRootFilesystem").asBoolean());
        assertFalse(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true));
        assertEquals("ALL", container.at("/securityContext/capabilities/drop/0").asText());
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            assertEquals("/healthz", container.at("/" + probe + "/httpGet/path").asText(), probe);
        }
        assertEquals("256Mi", container.at("/resources/limits/memory").asText());
        JsonNode service = Services.monitor(spec);
        assertEquals("[{\"name\":\"metrics\",\"port\":9100,\"protocol\":\"TCP\",\"targetPort\":9100},"
                + "{\"name\":\"report\",\"port\":9932,\"protocol\":\"UDP\",\"targetPort\":9932}]", service.at("/spec/ports").toString());
        assertEquals(deployment.at("/spec/selector/matchLabels"), service.at("/spec/selector"));
        assertEquals(deployment.at("/spec/selector/matchLabels").toString(),
                "{\"app.kubernetes.io/component\":\"monitor\",\"app.kubernetes.io/instance\":\"demo\",\"app.kubernetes.io/name\":\"xrootd\"}");
    }

    @Test
    void theRoleGrantsTheInsightConfigMapAndCreateOnly() {
        XrootdSpec spec = withMonitor();
        assertEquals("[{\"apiGroups\":[\"\"],\"resourceNames\":[\"demo-xrootd-insight\"],\"resources\":[\"configmaps\"],"
                + "\"verbs\":[\"get\",\"update\"]},{\"apiGroups\":[\"\"],\"resources\":[\"configmaps\"],\"verbs\":[\"create\"]}]",
                RbacRoles.monitor(spec).path("rules").toString());
        JsonNode binding = RoleBindings.monitor(spec);
        assertEquals("demo-xrootd-monitor", binding.at("/roleRef/name").asText());
        assertEquals("ServiceAccount", binding.at("/subjects/0/kind").asText());
        assertEquals("demo-xrootd-monitor", binding.at("/subjects/0/name").asText());
        assertEquals(spec.namespace(), binding.at("/subjects/0/namespace").asText());
    }

    @Test
    void thePrometheusRuleIsTheAlertRulesOfTheSpec() throws Exception {
        XrootdSpec spec = withMonitor();
        JsonNode rule = PrometheusRules.monitor(spec);
        JsonNode expected = new YAMLMapper().readTree(PrometheusRules.rules(spec).yaml());
        assertEquals(expected, rule.get("spec"));
        // 1Gi workers: cms.space min 51m (5%), the threshold of the space alert.
        assertEquals(51L << 20, XrootdConf.spaceMinBytes(spec));
        assertTrue(rule.toString().contains("xrootd_oss_space_free_bytes{cluster=\\\"demo\\\", role=\\\"worker\\\", program=\\\"xrootd\\\"} < "
                + (51L << 20)), rule.toString());
        assertTrue(rule.toString().contains(") < " + spec.worker().replicas()), "expects every worker");
        JsonNode serviceMonitor = ServiceMonitors.monitor(spec);
        assertTrue(serviceMonitor.at("/spec/endpoints/0/honorLabels").asBoolean());
        assertEquals("metrics", serviceMonitor.at("/spec/endpoints/0/port").asText());
    }
}
