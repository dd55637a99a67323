package org.xrootd.hook.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xrootd.hook.MainAccess;
import org.xrootd.hook.http.HookServer;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.testkit.Http;
import org.xrootd.hook.testkit.Repo;
import picocli.CommandLine;

class RenderTest {
    static final Path EXAMPLE = Repo.path("k8s/examples/base-xrootd.yaml");
    static final Path CATALOG = Repo.path("k8s/examples/xrootdversion-5.5.3.yaml");

    @Test
    void printsExactlyTheChildrenThatSyncReturns() throws Exception {
        Renderer.Result result = Renderer.render(source(EXAMPLE), source(CATALOG), null);
        assertTrue(result.ok(), result.errors().toString());
        List<JsonNode> rendered = Renderer.readAll(result.yaml());
        assertEquals(rendered.size(), result.children());
        assertTrue(rendered.stream().map(c -> c.path("kind").asText()).toList()
                .containsAll(List.of("ConfigMap", "Service", "StatefulSet")), "every kind of child");

        // The same parent and catalog entry, as Metacontroller sends them to a running hook.
        ObjectNode parent = (ObjectNode) new YAMLMapper().readTree(EXAMPLE.toFile());
        ((ObjectNode) parent.get("metadata")).put("namespace", "default");
        ObjectNode entry = (ObjectNode) new YAMLMapper().readTree(CATALOG.toFile());
        ((ObjectNode) entry.get("metadata")).put("namespace", "default");
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.set("parent", parent);
        ObjectNode children = request.putObject("children");
        children.putObject("StatefulSet.apps/v1");
        children.putObject("Service.v1");
        children.putObject("ConfigMap.v1");
        request.putObject("related").putObject(Catalog.RELATED_KEY).set("5.5.3", entry);
        try (HookServer server = HookServer.start("127.0.0.1", 0)) {
            Http.Reply response = Http.post(server.port(), "/sync", Json.MAPPER.writeValueAsBytes(request));
            assertEquals(200, response.status());
            ArrayNode synced = (ArrayNode) response.json().get("children");
            assertEquals(synced.size(), rendered.size());
            for (int i = 0; i < synced.size(); i++) {
                assertEquals(synced.get(i), rendered.get(i), "child " + i + " as /sync returns it");
            }
        }
        assertTrue(result.yaml().contains("xrootd.cf: |"), "the configuration file prints as a readable block");
    }

    @Test
    void namesTheFileTheFieldAndTheProblem() {
        Renderer.Result result = Renderer.render(new Renderer.Source("xrootd.yaml", """
                apiVersion: xrootd.org/v1alpha1
                kind: Xrootd
                metadata:
                  name: demo
                spec:
                  version: "5.6"
                  image: example.org/xrootd:5.6
                  worker:
                    replicas: -1
                  ports:
                    xrootd: 80
                """), null, null);
        assertTrue(!result.ok());
        assertTrue(result.errors().get(0).startsWith("xrootd.yaml: spec.worker.replicas: must be between 0 and 1000, got -1"),
                result.errors().toString());
        assertTrue(result.errors().get(1).startsWith("xrootd.yaml: spec.ports.xrootd: must be between 1024 and 65535, got 80"),
                result.errors().toString());
        assertEquals("", result.yaml());
    }

    /** render reads no Secret: spec.sss and spec.tls still render, with a hash of empty stand-ins. */
    @Test
    void rendersAClusterThatMountsSecretsWithoutReadingThem() throws Exception {
        Renderer.Result result = Renderer.render(new Renderer.Source("x.yaml", """
                apiVersion: xrootd.org/v1alpha1
                kind: Xrootd
                metadata: {name: demo, namespace: data}
                spec:
                  version: "5.6"
                  image: example.org/xrootd:5.6
                  sss: {secretName: demo-sss}
                  tls: {secretName: demo-tls}
                """), null, null);
        assertTrue(result.ok(), result.errors().toString());
        List<JsonNode> statefulSets = Renderer.readAll(result.yaml()).stream()
                .filter(c -> "StatefulSet".equals(c.path("kind").asText())).toList();
        assertEquals(2, statefulSets.size());
        statefulSets.forEach(sts -> assertTrue(sts.at("/spec/template/metadata/annotations").has("xrootd.org/secrets-hash"), sts.toString()));
    }

    /** spec.tokens with a caBundle ConfigMap renders too: the ConfigMap is stood in for like a Secret. */
    @Test
    void rendersAClusterWithTokensAndACaBundleConfigMap() throws Exception {
        Renderer.Result result = Renderer.render(new Renderer.Source("x.yaml", """
                apiVersion: xrootd.org/v1alpha1
                kind: Xrootd
                metadata: {name: demo, namespace: data}
                spec:
                  version: "5.6"
                  image: example.org/xrootd:5.6
                  tls: {secretName: demo-tls}
                  tokens:
                    issuers: [{name: iam, issuer: "https://iam.example.org", basePath: [/data]}]
                    caBundle: {configMap: site-ca}
                """), null, null);
        assertTrue(result.ok(), result.errors().toString());
        List<JsonNode> children = Renderer.readAll(result.yaml());
        List<JsonNode> statefulSets = children.stream().filter(c -> "StatefulSet".equals(c.path("kind").asText())).toList();
        assertEquals(2, statefulSets.size());
        statefulSets.forEach(sts -> assertEquals("ca-bundle", sts.at("/spec/template/spec/initContainers/0/name").asText(), sts.toString()));
        assertTrue(children.stream().anyMatch(c -> c.at("/data/scitokens.cfg").asText().contains("issuer = https://iam.example.org")));
    }

    @Test
    void aVersionMissingFromTheCatalogIsAnError() {
        Renderer.Result result = Renderer.render(new Renderer.Source("x.yaml", """
                apiVersion: xrootd.org/v1alpha1
                kind: Xrootd
                metadata: {name: demo, namespace: data}
                spec: {version: 9.9.9}
                """), null, null);
        assertEquals(1, result.errors().size(), result.errors().toString());
        String error = result.errors().get(0);
        assertTrue(error.startsWith("x.yaml: spec.version: version '9.9.9' is not in the catalog"), error);
        assertTrue(error.contains("--catalog"), error);
    }

    @Test
    void readsMultiDocumentCatalogsAndLists() throws Exception {
        String catalog = """
                apiVersion: catalog.xrootd.org/v1alpha1
                kind: XrootdVersion
                metadata: {name: 5.6.4}
                spec: {version: 5.6.4, image: example.org/xrootd:5.6.4}
                ---
                apiVersion: v1
                kind: List
                items:
                - apiVersion: catalog.xrootd.org/v1alpha1
                  kind: XrootdVersion
                  metadata: {name: 5.7.0, namespace: data}
                  spec: {version: 5.7.0, image: example.org/xrootd:5.7.0}
                """;
        Renderer.Result result = Renderer.render(new Renderer.Source("x.yaml", """
                apiVersion: xrootd.org/v1alpha1
                kind: Xrootd
                metadata: {name: demo, namespace: data}
                spec: {version: 5.7.0}
                """), new Renderer.Source("versions.yaml", catalog), null);
        assertTrue(result.ok(), result.errors().toString());
        List<JsonNode> children = Renderer.readAll(result.yaml());
        JsonNode statefulSet = children.stream().filter(c -> c.path("kind").asText().equals("StatefulSet")).findFirst().orElseThrow();
        assertEquals("example.org/xrootd:5.7.0",
                statefulSet.path("spec").path("template").path("spec").path("containers").get(0).path("image").asText());
        assertEquals("data", statefulSet.path("metadata").path("namespace").asText());
    }

    @Test
    void rendersEveryXrootdOfAFileWithItsCatalogEntriesAndANamespaceOverride() throws Exception {
        String file = Files.readString(CATALOG) + "---\n" + Files.readString(EXAMPLE)
                + "---\n" + Files.readString(EXAMPLE).replace("name: base-xrootd", "name: second");
        Renderer.Result result = Renderer.render(new Renderer.Source("all.yaml", file), null, "physics");
        assertTrue(result.ok(), result.errors().toString());
        List<JsonNode> children = Renderer.readAll(result.yaml());
        assertEquals(2 * Renderer.render(source(EXAMPLE), source(CATALOG), null).children(), children.size());
        assertTrue(children.stream().allMatch(child -> child.path("metadata").path("namespace").asText().equals("physics")));
        assertTrue(result.yaml().contains("# Source: all.yaml (Xrootd physics/second): StatefulSet second-xrootd-worker"));
    }

    @Test
    void badYamlAndForeignKindsAreNamed() {
        Renderer.Result yaml = Renderer.render(new Renderer.Source("broken.yaml", "spec: [\n  version: 1\n"), null, null);
        assertEquals(1, yaml.errors().size());
        assertTrue(yaml.errors().get(0).matches("broken\\.yaml: line \\d+, column \\d+: not valid YAML: .*"), yaml.errors().toString());
        assertTrue(!yaml.errors().get(0).contains("\n"));

        Renderer.Result kind = Renderer.render(new Renderer.Source("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"), null, null);
        assertTrue(kind.errors().get(0).startsWith("pod.yaml: expected kind Xrootd"), kind.errors().toString());

        Renderer.Result empty = Renderer.render(new Renderer.Source("empty.yaml", "# nothing\n"), null, null);
        assertEquals(List.of("empty.yaml: no Xrootd (apiVersion xrootd.org/v1alpha1) in this file"), empty.errors());

        Renderer.Result noName = Renderer.render(new Renderer.Source("n.yaml",
                "apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: {}\nspec: {version: a, image: b}\n"), null, null);
        assertEquals(List.of("n.yaml: metadata.name: is required and must be a string"), noName.errors());

        Renderer.Result badEntry = Renderer.render(source(EXAMPLE), new Renderer.Source("versions.yaml",
                "apiVersion: catalog.xrootd.org/v1alpha1\nkind: XrootdVersion\nmetadata: {name: 5.5.3}\nspec: {version: 5.5.3}\n"), null);
        assertEquals(List.of("versions.yaml: spec.image: is required and must be a non-empty string"), badEntry.errors());
    }

    @Test
    void theCommandPrintsYamlOrErrorsWithExitStatus(@TempDir Path dir) throws Exception {
        Run ok = run("render", EXAMPLE.toString(), "--catalog", CATALOG.toString());
        assertEquals(0, ok.status(), ok.err());
        assertEquals(Renderer.render(source(EXAMPLE), source(CATALOG), null).children(), Renderer.readAll(ok.out()).size());
        assertEquals("", ok.err());

        Path bad = dir.resolve("xrootd.yaml");
        Files.writeString(bad, "apiVersion: xrootd.org/v1alpha1\nkind: Xrootd\nmetadata: {name: demo}\n"
                + "spec: {version: 5.5.3, worker: {replicas: -1}}\n");
        Run invalid = run("render", bad.toString(), "--catalog", CATALOG.toString());
        assertEquals(1, invalid.status());
        assertEquals("", invalid.out());
        assertTrue(invalid.err().startsWith(bad + ": spec.worker.replicas: must be between 0 and 1000, got -1"), invalid.err());

        Run missing = run("render", dir.resolve("nope.yaml").toString());
        assertEquals(1, missing.status());
        assertEquals(dir.resolve("nope.yaml") + ": no such file", missing.err().trim());

        Run usage = run("render");
        assertEquals(2, usage.status());
    }

    @Test
    void serveRefusesTooFewThreadsBeforeListening() {
        // Were the option not checked first, serve would start listening and never return: hence the timeout.
        Run tooFew = assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
                () -> run("serve", "--host", "127.0.0.1", "--port", "0", "--threads", "2"));
        assertEquals(2, tooFew.status());
        assertTrue(tooFew.err().contains("--threads must be at least 4, got 2"), "stderr: " + tooFew.err() + " stdout: " + tooFew.out());
    }

    private record Run(int status, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = MainAccess.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int status = cli.execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    private static Renderer.Source source(Path path) {
        try {
            return new Renderer.Source(path.toString(), Files.readString(path));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
