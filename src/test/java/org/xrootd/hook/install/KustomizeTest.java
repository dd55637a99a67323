package org.xrootd.hook.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl kustomize k8s/} builds offline and gives a complete, consistent install: every object
 * parses, the expected kinds are there once, and the pieces that must agree (selectors, ports, probe
 * paths, the Metacontroller webhook address, grace period and drain timings) do.
 */
class KustomizeTest {
    private static final String KUBECTL = "/usr/bin/kubectl";

    @Test
    void theInstallBuildsAndHangsTogether() throws Exception {
        List<JsonNode> objects = kustomize("k8s");
        Map<String, Integer> kinds = new TreeMap<>();
        objects.forEach(o -> kinds.merge(o.path("kind").asText(), 1, Integer::sum));
        assertEquals(Map.of("Namespace", 1, "CustomResourceDefinition", 2, "CompositeController", 1, "Deployment", 1,
                "Service", 1, "PodDisruptionBudget", 1, "NetworkPolicy", 1, "ClusterRole", 1, "ClusterRoleBinding", 1), kinds);

        JsonNode namespace = one(objects, "Namespace");
        String ns = namespace.path("metadata").path("name").asText();
        assertEquals("xrootd-system", ns);
        assertEquals("restricted", namespace.path("metadata").path("labels").path("pod-security.kubernetes.io/enforce").asText());
        for (JsonNode object : objects) {
            String kind = object.path("kind").asText();
            if (!List.of("Namespace", "CustomResourceDefinition", "CompositeController", "ClusterRole", "ClusterRoleBinding").contains(kind)) {
                assertEquals(ns, object.path("metadata").path("namespace").asText(), kind + " is in the hook's namespace");
            }
        }

        // Metacontroller may read (never write) Secrets: the customize hook asks for those spec.sss and spec.tls name.
        JsonNode role = one(objects, "ClusterRole");
        assertEquals(1, role.path("rules").size());
        assertEquals("[\"secrets\"]", role.at("/rules/0/resources").toString());
        assertEquals("[\"get\",\"list\",\"watch\"]", role.at("/rules/0/verbs").toString());
        JsonNode binding = one(objects, "ClusterRoleBinding");
        assertEquals(role.at("/metadata/name").asText(), binding.at("/roleRef/name").asText());
        assertEquals("metacontroller/metacontroller", binding.at("/subjects/0/namespace").asText() + "/" + binding.at("/subjects/0/name").asText());

        JsonNode deployment = one(objects, "Deployment");
        JsonNode podLabels = deployment.at("/spec/template/metadata/labels");
        assertEquals(2, deployment.at("/spec/replicas").asInt());
        assertTrue(matches(deployment.at("/spec/selector/matchLabels"), podLabels));
        JsonNode pod = deployment.at("/spec/template/spec");
        assertFalse(pod.path("automountServiceAccountToken").asBoolean(true), "no service-account token");
        assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean());
        assertEquals("RuntimeDefault", pod.at("/securityContext/seccompProfile/type").asText());
        assertEquals(1, pod.path("containers").size());
        JsonNode container = pod.path("containers").get(0);
        JsonNode security = container.path("securityContext");
        assertTrue(security.path("readOnlyRootFilesystem").asBoolean());
        assertFalse(security.path("allowPrivilegeEscalation").asBoolean(true));
        assertEquals("ALL", security.at("/capabilities/drop/0").asText());
        assertEquals("/readyz", container.at("/readinessProbe/httpGet/path").asText());
        assertEquals("/readyz", container.at("/startupProbe/httpGet/path").asText());
        assertEquals("/healthz", container.at("/livenessProbe/httpGet/path").asText());
        assertTrue(container.at("/resources/requests/cpu").isTextual() && container.at("/resources/requests/memory").isTextual());
        assertTrue(container.at("/resources/limits/memory").isTextual());
        assertEquals(8080, container.at("/ports/0/containerPort").asInt());
        assertEquals("http", container.at("/ports/0/name").asText());
        String javaOptions = env(container, "JAVA_TOOL_OPTIONS");
        assertTrue(javaOptions.contains("-XX:MaxRAMPercentage=50") && javaOptions.contains("-XX:+ExitOnOutOfMemoryError"), javaOptions);
        assertEquals("json", env(container, "LOG_FORMAT"));
        // Each cluster's monitor runs the hook's own image; the code's default is the same name.
        assertEquals(container.path("image").asText(), env(container, "MONITOR_IMAGE"));
        assertEquals(container.path("image").asText(), org.xrootd.hook.children.Children.DEFAULT_MONITOR_IMAGE);
        List<String> args = new ArrayList<>();
        container.path("args").forEach(a -> args.add(a.asText()));
        long drain = seconds(args.get(args.indexOf("--drain-delay") + 1));
        long stop = seconds(args.get(args.indexOf("--stop-timeout") + 1));
        assertTrue(drain + stop < pod.path("terminationGracePeriodSeconds").asLong(30),
                "drain delay and stop timeout fit in the grace period");
        assertTrue(pod.path("volumes").toString().contains("emptyDir") && container.at("/volumeMounts/0/mountPath").asText().equals("/tmp"));

        JsonNode service = one(objects, "Service");
        assertTrue(matches(service.at("/spec/selector"), podLabels));
        assertEquals("http", service.at("/spec/ports/0/targetPort").asText());
        int servicePort = service.at("/spec/ports/0/port").asInt();

        JsonNode pdb = one(objects, "PodDisruptionBudget");
        assertEquals(1, pdb.at("/spec/minAvailable").asInt());
        assertTrue(matches(pdb.at("/spec/selector/matchLabels"), podLabels));

        JsonNode policy = one(objects, "NetworkPolicy");
        assertTrue(matches(policy.at("/spec/podSelector/matchLabels"), podLabels));
        assertEquals(1, policy.at("/spec/ingress").size());
        assertEquals("metacontroller", policy.at("/spec/ingress/0/from/0/namespaceSelector/matchLabels")
                .path("kubernetes.io/metadata.name").asText());
        assertEquals(1, policy.at("/spec/ingress/0/from").size(), "admits nobody else");
        assertEquals(8080, policy.at("/spec/ingress/0/ports/0/port").asInt());

        JsonNode controller = one(objects, "CompositeController");
        for (String hook : List.of("customize", "sync", "finalize")) {
            JsonNode webhook = controller.at("/spec/hooks/" + hook + "/webhook");
            assertEquals(service.at("/metadata/name").asText(), webhook.at("/service/name").asText(), hook);
            assertEquals(ns, webhook.at("/service/namespace").asText(), hook);
            assertEquals(servicePort, webhook.at("/service/port").asInt(), hook);
            assertEquals("/" + hook, webhook.path("path").asText(), hook);
        }

        // Every kind the hook builds without the Prometheus operator is declared, InPlace (jobs OnDelete: a Job's
        // pod template is immutable, and a running drain Job is never changed); the operator's are not.
        List<String> declared = new ArrayList<>();
        controller.at("/spec/childResources").forEach(rule -> {
            declared.add(rule.path("apiVersion").asText() + "/" + rule.path("resource").asText());
            assertEquals("jobs".equals(rule.path("resource").asText()) ? "OnDelete" : "InPlace",
                    rule.at("/updateStrategy/method").asText(), rule.toString());
        });
        List<String> expected = new ArrayList<>();
        for (org.xrootd.hook.metacontroller.ChildKind kind : org.xrootd.hook.metacontroller.ChildKind.values()) {
            if (!kind.apiVersion().startsWith("monitoring.coreos.com/")) {
                expected.add(kind.apiVersion() + "/" + kind.plural());
            }
        }
        assertEquals(new java.util.TreeSet<>(expected), new java.util.TreeSet<>(declared));

        List<String> crds = new ArrayList<>();
        objects.stream().filter(o -> o.path("kind").asText().equals("CustomResourceDefinition"))
                .forEach(o -> crds.add(o.at("/metadata/name").asText()));
        assertTrue(crds.containsAll(List.of("xrootds.xrootd.org", "xrootdversions.catalog.xrootd.org")), crds.toString());
    }

    @Test
    void thePrometheusOperatorComponentDeclaresTheMonitoringKinds() throws Exception {
        Path overlay = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "overlay");
        try {
            String up = overlay.relativize(Path.of("").toAbsolutePath()).toString();
            Files.writeString(overlay.resolve("kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\n"
                    + "kind: Kustomization\nresources:\n- " + up + "/k8s\ncomponents:\n- " + up + "/k8s/components/prometheus-operator\n");
            JsonNode controller = one(kustomize(overlay.toString()), "CompositeController");
            List<String> declared = new ArrayList<>();
            controller.at("/spec/childResources").forEach(rule -> declared.add(rule.path("apiVersion").asText() + "/"
                    + rule.path("resource").asText() + " " + rule.at("/updateStrategy/method").asText()));
            assertTrue(declared.containsAll(List.of("monitoring.coreos.com/v1/servicemonitors InPlace",
                    "monitoring.coreos.com/v1/prometheusrules InPlace", "apps/v1/deployments InPlace")), declared.toString());
        } finally {
            Files.deleteIfExists(overlay.resolve("kustomization.yaml"));
            Files.deleteIfExists(overlay);
        }
    }

    @Test
    void theExamplesBuildToo() throws Exception {
        List<JsonNode> objects = kustomize("k8s/examples");
        List<String> kinds = new ArrayList<>();
        objects.forEach(o -> kinds.add(o.path("kind").asText()));
        assertTrue(kinds.contains("Xrootd") && kinds.contains("XrootdVersion"), kinds.toString());
    }

    private static List<JsonNode> kustomize(String dir) throws Exception {
        if (!new File(KUBECTL).canExecute()) {
            if ("true".equals(System.getenv("CI"))) {
                fail(KUBECTL + " is missing; CI must have it to check the install");
            }
            Assumptions.abort(KUBECTL + " is not installed");
        }
        Path out = Files.createTempFile("kustomize", ".yaml");
        Path err = Files.createTempFile("kustomize", ".err");
        try {
            Process process = new ProcessBuilder(KUBECTL, "kustomize", dir)
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("kubectl kustomize " + dir + " did not finish in 120 s");
            }
            assertEquals(0, process.exitValue(), () -> "kubectl kustomize " + dir + ": " + read(err));
            List<JsonNode> objects = new ArrayList<>();
            try (MappingIterator<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class).readValues(out.toFile())) {
                while (docs.hasNextValue()) {
                    JsonNode doc = docs.nextValue();
                    if (doc != null && !doc.isNull()) {
                        assertTrue(doc.path("apiVersion").isTextual() && doc.path("kind").isTextual()
                                && doc.at("/metadata/name").isTextual(), "every object has apiVersion, kind, name: " + doc);
                        objects.add(doc);
                    }
                }
            }
            return objects;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static JsonNode one(List<JsonNode> objects, String kind) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).findFirst().orElseThrow();
    }

    /** Whether every selector label is among the labels. */
    private static boolean matches(JsonNode selector, JsonNode labels) {
        if (!selector.isObject() || selector.isEmpty()) {
            return false;
        }
        var it = selector.fields();
        while (it.hasNext()) {
            var entry = it.next();
            if (!entry.getValue().asText().equals(labels.path(entry.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    private static String env(JsonNode container, String name) {
        for (JsonNode env : container.path("env")) {
            if (name.equals(env.path("name").asText())) {
                return env.path("value").asText();
            }
        }
        return "";
    }

    private static long seconds(String duration) {
        if (duration.endsWith("ms")) {
            return Long.parseLong(duration.substring(0, duration.length() - 2)) / 1000;
        }
        return Long.parseLong(duration.replace("s", ""));
    }

    private static String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (Exception e) {
            return "";
        }
    }
}
