package org.xrootd.hook.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The cases of tests/api-corpus/corpus.yaml (see the README there). */
public final class ApiCorpus {
    public static final Path FILE = Path.of("tests/api-corpus/corpus.yaml");

    /** How the schema refuses a case, by the API server's layer. */
    public enum SchemaLayer { STRUCTURAL, PRUNED, CEL }

    /**
     * One case. {@code reject} is null for an object both judges accept; {@code schema} is null for an
     * accepted case and for a hook-only one, whose {@code hookOnly} says why the schema cannot refuse it.
     */
    public record Case(String name, String reject, SchemaLayer schema, String hookOnly, ObjectNode object) {
        public boolean accepted() {
            return reject == null;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private ApiCorpus() {}

    public static List<Case> cases(Path repoRoot) {
        try {
            JsonNode root = new YAMLMapper().readTree(repoRoot.resolve(FILE).toFile());
            List<Case> cases = new ArrayList<>();
            for (JsonNode c : root.path("cases")) {
                ObjectNode object = JsonNodeFactory.instance.objectNode();
                object.put("apiVersion", "xrootd.org/v1alpha1").put("kind", "Xrootd");
                ObjectNode metadata = object.putObject("metadata").put("name", "corpus");
                if (c.has("metadata")) {
                    metadata.setAll((ObjectNode) c.get("metadata"));
                }
                if (c.has("spec")) {
                    object.set("spec", c.get("spec").deepCopy());
                }
                String layer = c.path("schema").asText(null);
                cases.add(new Case(c.path("name").asText(), c.path("reject").asText(null),
                        layer == null ? null : SchemaLayer.valueOf(layer.toUpperCase()), c.path("hookOnly").asText(null), object));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
