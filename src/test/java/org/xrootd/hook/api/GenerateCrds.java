package org.xrootd.hook.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Generates crds/ from the typed API classes with fabric8's crd-generator (the library behind its Maven
 * plugin), then adds what the generator has no annotation for: the conditions list is a map keyed by
 * type (x-kubernetes-list-type), as in Kubernetes API conventions.
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=org.xrootd.hook.api.GenerateCrds
 * </pre>
 *
 * {@code GeneratedCrdsTest} fails when the committed crds/ differ from what this generates.
 */
public final class GenerateCrds {
    /** File in crds/ for each custom resource class. */
    static final Map<String, Class<? extends io.fabric8.kubernetes.api.model.HasMetadata>> FILES = new LinkedHashMap<>();

    static {
        FILES.put("xrootd.org_xrootds.yaml", Xrootd.class);
        FILES.put("catalog.xrootd.org_xrootdversions.yaml", XrootdVersion.class);
    }

    static final String HEADER = "# Generated from src/main/java/org/xrootd/hook/api by GenerateCrds (fabric8 crd-generator). Do not edit:\n"
            + "# change the API classes and regenerate (CONTRIBUTING.md, Adding a spec field).\n";

    private static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR));

    private GenerateCrds() {}

    /** File name in crds/ to its content. */
    public static Map<String, String> generate() {
        Map<String, String> out = new LinkedHashMap<>();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("crds");
            for (Map.Entry<String, Class<? extends io.fabric8.kubernetes.api.model.HasMetadata>> file : FILES.entrySet()) {
                Path one = Files.createDirectory(dir.resolve(file.getValue().getSimpleName()));
                new CRDGenerator().inOutputDir(one.toFile()).forCRDVersions("v1").withParallelGenerationEnabled(false)
                        .customResourceClasses(file.getValue()).generate();
                Path generated;
                try (Stream<Path> files = Files.list(one)) {
                    generated = files.filter(p -> p.toString().endsWith(".yml")).findFirst().orElseThrow();
                }
                ObjectNode crd = (ObjectNode) YAML.readTree(generated.toFile());
                postProcess(crd, file.getValue());
                out.put(file.getKey(), HEADER + YAML.writeValueAsString(crd));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (dir != null) {
                delete(dir);
            }
        }
    }

    private static void postProcess(ObjectNode crd, Class<?> type) {
        ObjectNode version = (ObjectNode) crd.at("/spec/versions/0");
        // The root's description, and the printer columns in the order they are declared (the generator sorts them by name).
        JsonClassDescription description = type.getAnnotation(JsonClassDescription.class);
        ObjectNode root = (ObjectNode) version.at("/schema/openAPIV3Schema");
        ObjectNode described = root.objectNode().put("description", description.value());
        described.setAll(root);
        ((ObjectNode) version.get("schema")).set("openAPIV3Schema", described);
        List<String> order = Arrays.stream(type.getAnnotationsByType(AdditionalPrinterColumn.class))
                .map(AdditionalPrinterColumn::name).toList();
        List<JsonNode> columns = new ArrayList<>();
        version.withArray("additionalPrinterColumns").forEach(columns::add);
        columns.sort(Comparator.comparingInt(c -> order.indexOf(c.path("name").asText())));
        version.putArray("additionalPrinterColumns").addAll(columns);
        JsonNode conditions = version.at("/schema/openAPIV3Schema/properties/status/properties/conditions");
        if (conditions instanceof ObjectNode list) {
            list.put("x-kubernetes-list-type", "map");
            list.putArray("x-kubernetes-list-map-keys").add("type");
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void main(String[] args) throws IOException {
        Path crds = Path.of(args.length > 0 ? args[0] : "crds");
        for (Map.Entry<String, String> file : generate().entrySet()) {
            Files.writeString(crds.resolve(file.getKey()), file.getValue());
            System.out.println("wrote " + crds.resolve(file.getKey()));
        }
    }
}
