package org.xrootd.hook.render;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.BadRequestException;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.metacontroller.ObservedChildren;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.model.Problem;
import org.xrootd.hook.model.Secrets;
import org.xrootd.hook.model.SpecParser;
import org.xrootd.hook.reconcile.SyncHandler;
import org.xrootd.hook.status.Condition;
import org.xrootd.hook.status.ConditionType;

/**
 * Offline preview, like {@code helm template}: the children the sync hook would return for the Xrootd
 * parents of a YAML file, with a catalog read from YAML. It builds the very request Metacontroller sends
 * for a new parent (no children observed yet, the catalog entry as a related object) and runs it through
 * {@link HookRequest#parse} and {@link SyncHandler#handle}, so what it prints is exactly what /sync answers.
 */
public final class Renderer {
    public static final String XROOTD_API_VERSION = "xrootd.org/v1alpha1";
    public static final String XROOTD_KIND = "Xrootd";

    /** YAML in: plain YAML 1.1 as kubectl reads it, many documents per file. */
    private static final YAMLMapper READER = YAMLMapper.builder().build();

    /**
     * YAML out: block style, multi-line strings (the xrootd.cf) as literal blocks, and strings that look
     * like numbers or booleans quoted, so that reading the output back gives the same JSON the hook sends.
     */
    private static final YAMLMapper WRITER = YAMLMapper.builder(YAMLFactory.builder()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                    .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
                    .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                    .build())
            .build();

    /** A named YAML text: a file's name (as the user gave it) and its content. */
    public record Source(String name, String text) {}

    /** The rendered YAML, or the problems found, each naming the file and the field. */
    public record Result(String yaml, List<String> errors, int children) {
        public boolean ok() {
            return errors.isEmpty();
        }
    }

    private final List<String> errors = new ArrayList<>();

    private Renderer() {}

    /**
     * Renders every Xrootd in {@code parents}. XrootdVersion documents in either source form the
     * catalog. {@code namespace}, when not null, overrides the parents' own namespace (default "default").
     */
    public static Result render(Source parents, Source catalog, String namespace) {
        return new Renderer().run(parents, catalog, namespace);
    }

    private Result run(Source parentSource, Source catalogSource, String namespaceOverride) {
        List<Located> parents = new ArrayList<>();
        List<Located> entries = new ArrayList<>();
        for (Located doc : documents(parentSource)) {
            String kind = doc.node().path("kind").asText("");
            if (isKind(doc, XROOTD_API_VERSION, XROOTD_KIND)) {
                parents.add(doc);
            } else if (isKind(doc, Catalog.API_VERSION, Catalog.KIND)) {
                entries.add(doc);
            } else if (!kind.isEmpty() || doc.node().has("apiVersion")) {
                error(doc, "", "expected kind " + XROOTD_KIND + " (apiVersion " + XROOTD_API_VERSION + ") or "
                        + Catalog.KIND + " (apiVersion " + Catalog.API_VERSION + "), got " + describe(doc.node()));
            } else {
                error(doc, "kind", "is required (" + XROOTD_KIND + ", apiVersion " + XROOTD_API_VERSION + ")");
            }
        }
        if (catalogSource != null) {
            for (Located doc : documents(catalogSource)) {
                if (isKind(doc, Catalog.API_VERSION, Catalog.KIND)) {
                    entries.add(doc);
                } else {
                    error(doc, "", "a catalog holds only " + Catalog.KIND + " objects (apiVersion " + Catalog.API_VERSION
                            + "), got " + describe(doc.node()));
                }
            }
        }
        for (Located entry : entries) {
            checkEntry(entry);
        }
        if (parents.isEmpty() && errors.isEmpty()) {
            errors.add(parentSource.name() + ": no " + XROOTD_KIND + " (apiVersion " + XROOTD_API_VERSION + ") in this file");
        }
        if (!errors.isEmpty()) {
            return new Result("", List.copyOf(errors), 0);
        }
        StringBuilder out = new StringBuilder();
        int count = 0;
        for (Located parent : parents) {
            List<JsonNode> children = renderOne(parent, entries, namespaceOverride);
            for (JsonNode child : children) {
                out.append("---\n");
                out.append("# Source: ").append(parent.source()).append(" (").append(XROOTD_KIND).append(' ')
                        .append(parent.node().path("metadata").path("namespace").asText()).append('/')
                        .append(parent.node().path("metadata").path("name").asText()).append("): ")
                        .append(child.path("kind").asText()).append(' ')
                        .append(child.path("metadata").path("name").asText()).append('\n');
                out.append(yaml(child));
                count++;
            }
        }
        if (!errors.isEmpty()) {
            return new Result("", List.copyOf(errors), 0);
        }
        return new Result(out.toString(), List.of(), count);
    }

    /** The children /sync returns for this parent on its first sync, or none (and errors) if it cannot. */
    private List<JsonNode> renderOne(Located located, List<Located> entries, String namespaceOverride) {
        ObjectNode parent = (ObjectNode) located.node();
        JsonNode metadataNode = parent.get("metadata");
        if (metadataNode == null || !metadataNode.isObject()) {
            error(located, "metadata", "is required, with at least metadata.name");
            return List.of();
        }
        ObjectNode metadata = (ObjectNode) metadataNode;
        JsonNode name = metadata.get("name");
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            error(located, "metadata.name", "is required and must be a string");
            return List.of();
        }
        JsonNode declaredNamespace = metadata.get("namespace");
        if (declaredNamespace != null && !declaredNamespace.isNull() && !declaredNamespace.isTextual()) {
            error(located, "metadata.namespace", "must be a string");
            return List.of();
        }
        String namespace = namespaceOverride != null ? namespaceOverride
                : declaredNamespace == null || declaredNamespace.isNull() ? "default" : declaredNamespace.asText();
        metadata.put("namespace", namespace);

        SpecParser.Result parsed = SpecParser.parse(parent);
        if (!parsed.ok()) {
            for (Problem problem : parsed.problems()) {
                error(located, problem.field(), problem.message());
            }
            return List.of();
        }

        ObjectNode request = Json.MAPPER.createObjectNode();
        request.putObject("controller").putObject("metadata").put("name", "xrootd-controller");
        request.set("parent", parent);
        ObjectNode children = request.putObject("children");
        children.putObject(ObservedChildren.STATEFUL_SET);
        children.putObject(ObservedChildren.SERVICE);
        children.putObject(ObservedChildren.CONFIG_MAP);
        children.putObject(ObservedChildren.POD_DISRUPTION_BUDGET);
        ObjectNode related = request.putObject("related").putObject(Catalog.RELATED_KEY);
        for (Located entry : entries) {
            JsonNode entryNamespace = entry.node().path("metadata").path("namespace");
            if (entryNamespace.isMissingNode() || entryNamespace.isNull() || namespace.equals(entryNamespace.asText())) {
                ObjectNode copy = entry.node().deepCopy();
                ((ObjectNode) copy.get("metadata")).put("namespace", namespace);
                related.set(copy.path("metadata").path("name").asText(), copy);
            }
        }
        // render never reads Secrets: each referenced one is stood in for by an empty Secret, so the preview
        // shows the secrets-hash annotation where it goes (its value is that of an empty Secret, not the site's).
        ObjectNode secrets = ((ObjectNode) request.get("related")).putObject(Secrets.RELATED_KEY);
        for (String secretName : Secrets.referenced(parsed.spec())) {
            ObjectNode placeholder = secrets.putObject(secretName);
            placeholder.put("apiVersion", Secrets.API_VERSION).put("kind", Secrets.KIND);
            placeholder.putObject("metadata").put("name", secretName).put("namespace", namespace);
        }
        // The same for the ConfigMaps the pods mount besides the cluster's own (spec.tokens.caBundle.configMap).
        ObjectNode configMaps = ((ObjectNode) request.get("related")).withObject("/ConfigMap.v1");
        for (String configMapName : Secrets.referencedConfigMaps(parsed.spec())) {
            ObjectNode placeholder = configMaps.putObject(configMapName);
            placeholder.put("apiVersion", "v1").put("kind", "ConfigMap");
            placeholder.putObject("metadata").put("name", configMapName).put("namespace", namespace);
        }
        request.put("finalizing", false);

        SyncHandler.Outcome outcome;
        try {
            outcome = SyncHandler.handle(HookRequest.parse(Json.MAPPER.writeValueAsBytes(request)));
        } catch (BadRequestException | IOException e) {
            error(located, "", e.getMessage());
            return List.of();
        }
        if (outcome.result() != org.xrootd.hook.reconcile.Result.SYNCED) {
            boolean versionMissing = outcome.result() == org.xrootd.hook.reconcile.Result.VERSION_NOT_FOUND;
            String field = versionMissing ? "spec.version" : "spec";
            String hint = versionMissing
                    ? " (pass --catalog FILE with that " + Catalog.KIND + ", or add it to this file)" : "";
            error(located, field, readyMessage(outcome) + hint);
            return List.of();
        }
        return outcome.response().children();
    }

    /** What the Ready condition says: why the hook could not act on the parent. */
    private static String readyMessage(SyncHandler.Outcome outcome) {
        return outcome.status().condition(ConditionType.READY).map(Condition::message).orElse(outcome.result().label());
    }

    private void checkEntry(Located entry) {
        JsonNode name = entry.node().path("metadata").path("name");
        if (!name.isTextual() || name.asText().isEmpty()) {
            error(entry, "metadata.name", "is required: an Xrootd names its version by it");
        }
        JsonNode image = entry.node().path("spec").path("image");
        if (!image.isTextual() || image.asText().isBlank()) {
            error(entry, "spec.image", "is required and must be a non-empty string");
        }
    }

    private static boolean isKind(Located doc, String apiVersion, String kind) {
        return kind.equals(doc.node().path("kind").asText()) && apiVersion.equals(doc.node().path("apiVersion").asText());
    }

    private static String describe(JsonNode node) {
        return "kind '" + node.path("kind").asText("") + "' apiVersion '" + node.path("apiVersion").asText("") + "'";
    }

    /** One object of a YAML file, with the file's name and where it starts, for messages. */
    private record Located(String file, int document, int line, JsonNode node, int documents) {
        String source() {
            return file;
        }

        String where() {
            if (documents <= 1) {
                return file;
            }
            String name = node.path("metadata").path("name").asText("");
            return file + ": document " + document + " (line " + line + (name.isEmpty() ? "" : ", " + name) + ")";
        }
    }

    /** The objects of a YAML file; List objects are unpacked, empty documents skipped. */
    private List<Located> documents(Source source) {
        List<Located> raw = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = READER.readerFor(JsonNode.class).readValues(source.text())) {
            int index = 0;
            while (docs.hasNextValue()) {
                int line = docs.getParser().currentLocation().getLineNr();
                JsonNode node = docs.nextValue();
                index++;
                if (node == null || node.isNull() || node.isMissingNode()) {
                    continue;
                }
                if (!node.isObject()) {
                    errors.add(source.name() + ": document " + index + " (line " + line + "): must be a mapping, got "
                            + node.getNodeType().name().toLowerCase());
                    continue;
                }
                if ("List".equals(node.path("kind").asText()) && node.path("items").isArray()) {
                    for (JsonNode item : node.get("items")) {
                        if (item.isObject()) {
                            raw.add(new Located(source.name(), index, line, item, 0));
                        }
                    }
                } else {
                    raw.add(new Located(source.name(), index, line, node, 0));
                }
            }
        } catch (JacksonException e) {
            JsonLocation location = e.getLocation();
            errors.add(source.name() + (location == null ? "" : ": line " + location.getLineNr() + ", column "
                    + location.getColumnNr()) + ": not valid YAML: " + oneLine(e.getOriginalMessage()));
            return List.of();
        } catch (IOException e) {
            errors.add(source.name() + ": cannot read: " + e.getMessage());
            return List.of();
        }
        List<Located> located = new ArrayList<>();
        for (Located doc : raw) {
            located.add(new Located(doc.file(), doc.document(), doc.line(), doc.node(), raw.size()));
        }
        return located;
    }

    /** SnakeYAML's messages span lines with excerpts and carets; keep the sentences. */
    static String oneLine(String message) {
        if (message == null) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (String line : message.split("\\R")) {
            String trimmed = line.trim();
            if (!trimmed.isEmpty() && !trimmed.startsWith("in 'reader'") && !trimmed.equals("^")
                    && !line.startsWith("    ")) {
                parts.add(trimmed);
            }
        }
        return String.join(": ", parts);
    }

    private void error(Located where, String field, String message) {
        errors.add(where.where() + ": " + (field.isEmpty() ? "" : field + ": ") + message);
    }

    static String yaml(JsonNode node) {
        try {
            return WRITER.writeValueAsString(node);
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree always writes as YAML", e);
        }
    }

    /** Reads rendered output back: for tests and for tools that post-process it. */
    public static List<JsonNode> readAll(String yaml) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = READER.readerFor(JsonNode.class).readValues(yaml)) {
            while (docs.hasNextValue()) {
                JsonNode node = docs.nextValue();
                if (node != null && !node.isNull() && !node.isMissingNode()) {
                    nodes.add(node);
                }
            }
        }
        return nodes;
    }
}
