package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Repo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xrootd.hook.render.Renderer;

/**
 * Every child the hook returns is an object the API server accepts: in every golden fixture response, and
 * in what render prints for 3, 100 and 500 workers with every passthrough field set. Each child is read into
 * fabric8's model class of its kind (the Kubernetes OpenAPI types) with unknown fields refused, then checked
 * for what the OpenAPI schema leaves to the API server's validation: names, label keys and values, node
 * selectors, toleration operators, quantities and requests not above limits. The rules are written out
 * here, apart from the hook's own validators.
 */
class ChildrenAgainstKubernetesSchemaTest {
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .annotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(Annotated a) {
                    return Boolean.FALSE;
                }
            })
            .build();
    private static final Map<String, Class<?>> KINDS = Map.of("apps/v1 StatefulSet", StatefulSet.class, "v1 Service", Service.class,
            "v1 ConfigMap", ConfigMap.class, "policy/v1 PodDisruptionBudget", PodDisruptionBudget.class,
            "apps/v1 Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class,
            "v1 ServiceAccount", io.fabric8.kubernetes.api.model.ServiceAccount.class,
            "rbac.authorization.k8s.io/v1 Role", io.fabric8.kubernetes.api.model.rbac.Role.class,
            "rbac.authorization.k8s.io/v1 RoleBinding", io.fabric8.kubernetes.api.model.rbac.RoleBinding.class,
            "networking.k8s.io/v1 NetworkPolicy", io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class,
            "batch/v1 Job", io.fabric8.kubernetes.api.model.batch.v1.Job.class);
    /** prometheus-operator's kinds: fabric8 has no model of them here; their names and labels are still checked. */
    private static final java.util.Set<String> OPERATOR_KINDS = java.util.Set.of("monitoring.coreos.com/v1 ServiceMonitor",
            "monitoring.coreos.com/v1 PrometheusRule");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS_1035 = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final Pattern QUANTITY = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\\d+)?");

    @Test
    void everyChildOfEveryFixtureResponse() throws Exception {
        int checked = 0;
        try (Stream<Path> cases = Files.list(Repo.path("tests/fixtures"))) {
            for (Path dir : cases.sorted().toList()) {
                Path response = dir.resolve("response.json");
                if (!Files.exists(response)) {
                    continue;
                }
                for (JsonNode child : STRICT.readTree(response.toFile()).path("children")) {
                    String kindOf = child.path("apiVersion").asText() + " " + child.path("kind").asText();
                    if (KINDS.containsKey(kindOf) || OPERATOR_KINDS.contains(kindOf)) {
                        check(dir.getFileName() + ": ", child);
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 200, "checked " + checked + " children");
    }

    @ParameterizedTest(name = "{0} workers")
    @ValueSource(ints = {3, 100, 500})
    void everyChildRenderPrints(int workers) throws Exception {
        String everyField = new String(Files.readAllBytes(Repo.path("tests/api-corpus/corpus.yaml")));
        JsonNode spec = null;
        for (JsonNode c : new YAMLMapper().readTree(everyField).path("cases")) {
            if (c.path("name").asText().equals("every-field")) {
                spec = c.get("spec").deepCopy();
            }
        }
        ((com.fasterxml.jackson.databind.node.ObjectNode) spec.get("worker")).put("replicas", workers);
        String parent = "apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: {name: big, namespace: data}\nspec: "
                + STRICT.writeValueAsString(spec) + "\n";
        Renderer.Result result = Renderer.render(new Renderer.Source("x.yaml", parent), null, null);
        assertEquals(List.of(), result.errors());
        List<JsonNode> children = Renderer.readAll(result.yaml());
        assertEquals(result.children(), children.size());
        for (JsonNode child : children) {
            check(workers + " workers: ", child);
        }
    }

    private static void check(String where, JsonNode child) throws Exception {
        String kind = child.path("apiVersion").asText() + " " + child.path("kind").asText();
        String at = where + kind + " " + child.at("/metadata/name").asText() + ": ";
        if (!KINDS.containsKey(kind) && !OPERATOR_KINDS.contains(kind)) {
            throw new AssertionError(at + "a kind this test does not know");
        }
        try {
            if (KINDS.containsKey(kind)) {
                STRICT.treeToValue(child, KINDS.get(kind));
            } else if (!child.path("spec").isObject()) {
                throw new IllegalArgumentException("no spec");
            }
        } catch (Exception e) {
            throw new AssertionError(at + "not a valid " + kind + ": " + e.getMessage(), e);
        }
        List<String> problems = new ArrayList<>();
        String name = child.at("/metadata/name").asText();
        if (!DNS_SUBDOMAIN.matcher(name).matches() || name.length() > 253) {
            problems.add("metadata.name " + name);
        }
        if (kind.endsWith("Service") && (!DNS_1035.matcher(name).matches() || name.length() > 63)) {
            problems.add("Service name " + name);
        }
        labels(child.at("/metadata/labels"), "metadata.labels", problems);
        JsonNode pod = child.at("/spec/template/spec");
        labels(child.at("/spec/template/metadata/labels"), "template labels", problems);
        labels(child.at("/spec/selector/matchLabels"), "selector", problems);
        labels(child.at("/spec/selector"), kind.endsWith("Service") ? "service selector" : "ignored", kind.endsWith("Service") ? problems : new ArrayList<>());
        labels(pod.path("nodeSelector"), "nodeSelector", problems);
        for (JsonNode t : pod.path("tolerations")) {
            String operator = t.path("operator").asText("Equal");
            if (!operator.equals("Equal") && !operator.equals("Exists") || operator.equals("Exists") && !t.path("value").asText("").isEmpty()) {
                problems.add("toleration " + t);
            }
        }
        for (JsonNode container : pod.path("containers")) {
            JsonNode requests = container.at("/resources/requests");
            JsonNode limits = container.at("/resources/limits");
            for (JsonNode map : List.of(requests, limits)) {
                map.fields().forEachRemaining(q -> {
                    if (!QUANTITY.matcher(q.getValue().asText()).matches()) {
                        problems.add("quantity " + q);
                    }
                });
            }
            requests.fields().forEachRemaining(r -> {
                if (limits.has(r.getKey()) && amount(r.getValue().asText()).compareTo(amount(limits.get(r.getKey()).asText())) > 0) {
                    problems.add("request above limit: " + r.getKey());
                }
            });
        }
        for (JsonNode claim : child.at("/spec/volumeClaimTemplates")) {
            String size = claim.at("/spec/resources/requests/storage").asText();
            if (!QUANTITY.matcher(size).matches() || amount(size).signum() <= 0) {
                problems.add("claim size " + size);
            }
        }
        assertEquals(List.of(), problems, at);
    }

    private static void labels(JsonNode labels, String what, List<String> problems) {
        labels.fields().forEachRemaining(label -> {
            String key = label.getKey();
            int slash = key.lastIndexOf('/');
            String prefix = slash < 0 ? "" : key.substring(0, slash);
            String keyName = key.substring(slash + 1);
            boolean keyOk = (slash < 0 || prefix.length() <= 253 && DNS_SUBDOMAIN.matcher(prefix).matches())
                    && keyName.length() <= 63 && LABEL_NAME.matcher(keyName).matches();
            String value = label.getValue().asText();
            if (!keyOk || !label.getValue().isTextual() || value.length() > 63 || !LABEL_VALUE.matcher(value).matches()) {
                problems.add(what + " " + key + "=" + value);
            }
        });
    }

    private static BigDecimal amount(String quantity) {
        return io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(io.fabric8.kubernetes.api.model.Quantity.parse(quantity));
    }
}
