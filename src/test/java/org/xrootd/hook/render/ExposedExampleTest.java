package org.xrootd.hook.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Repo;

/** k8s/examples/exposed-xrootd.yaml, the worked example of "Exposing a cluster outside Kubernetes", renders as described. */
class ExposedExampleTest {
    private static Renderer.Source source(Path path) throws Exception {
        return new Renderer.Source(path.toString(), Files.readString(path));
    }

    @Test
    void loadBalancerRedirectorsAndHostPortWorkersAdvertisingTheirNode() throws Exception {
        Renderer.Result result = Renderer.render(source(Repo.path("k8s/examples/exposed-xrootd.yaml")),
                source(Repo.path("k8s/examples/xrootdversion-5.5.3.yaml")), "xrootd-public");
        assertTrue(result.ok(), result.errors().toString());
        List<JsonNode> children = Renderer.readAll(result.yaml());
        JsonNode client = children.stream().filter(c -> c.path("metadata").path("name").asText().equals("public-xrootd")).findFirst().orElseThrow();
        assertEquals("LoadBalancer", client.path("spec").path("type").asText());
        assertEquals("Local", client.path("spec").path("externalTrafficPolicy").asText());
        JsonNode worker = children.stream().filter(c -> c.path("kind").asText().equals("StatefulSet")
                && c.path("metadata").path("name").asText().equals("public-xrootd-worker")).findFirst().orElseThrow();
        JsonNode pod = worker.path("spec").path("template").path("spec");
        assertEquals(1094, pod.path("containers").get(1).path("ports").get(0).path("hostPort").asInt());
        assertTrue(pod.path("containers").get(0).path("env").toString().contains("\"fieldPath\":\"spec.nodeName\""));
        assertEquals("kubernetes.io/hostname", pod.path("affinity").path("podAntiAffinity")
                .path("requiredDuringSchedulingIgnoredDuringExecution").get(0).path("topologyKey").asText());
    }
}
