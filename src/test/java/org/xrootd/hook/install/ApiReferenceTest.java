package org.xrootd.hook.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Repo;

/**
 * The API reference (docs/api-reference.md) is the CRDs' own schema, table by table: every spec field of
 * each CRD has a row and every row names a real field, with the schema's type, its default (or "required"),
 * and a description. A field added to crds/ without documentation fails the build, and so does a stale row.
 * The fields of a Kubernetes type passed through to the pods (described "(core/v1 Type)") are not rows.
 */
class ApiReferenceTest {
    private static final Path REFERENCE = Repo.path("docs/api-reference.md");

    @Test
    void xrootdFieldsMatchTheCrd() throws Exception {
        check("crds/xrootd.org_xrootds.yaml", "## Xrootd ");
    }

    @Test
    void xrootdVersionFieldsMatchTheCrd() throws Exception {
        check("crds/catalog.xrootd.org_xrootdversions.yaml", "## XrootdVersion ");
    }

    private static void check(String crdFile, String heading) throws Exception {
        JsonNode crd = new YAMLMapper().readTree(Repo.path(crdFile).toFile());
        JsonNode spec = crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");
        Map<String, Field> schema = new LinkedHashMap<>();
        walk("spec", spec, false, schema);

        Map<String, List<String>> rows = table(Files.readString(REFERENCE), heading);
        List<String> problems = new ArrayList<>();
        for (String field : schema.keySet()) {
            if (!rows.containsKey(field)) {
                problems.add(field + " is in " + crdFile + " but not in the API reference table under '" + heading.trim() + "'");
            }
        }
        for (Map.Entry<String, List<String>> row : rows.entrySet()) {
            Field field = schema.get(row.getKey());
            if (field == null) {
                problems.add(row.getKey() + " is in the API reference but not in " + crdFile);
                continue;
            }
            List<String> cells = row.getValue();
            if (!cells.get(1).equals(field.type())) {
                problems.add(row.getKey() + ": documented type '" + cells.get(1) + "', CRD type '" + field.type() + "'");
            }
            String expectedDefault = field.required() ? "required"
                    : field.defaultValue() == null ? null : "`" + literal(field.defaultValue()) + "`";
            if (expectedDefault != null && !cells.get(2).equals(expectedDefault)) {
                problems.add(row.getKey() + ": documented default '" + cells.get(2) + "', CRD says " + expectedDefault);
            }
            if (expectedDefault == null && (cells.get(2).contains("`") || cells.get(2).equals("required"))) {
                problems.add(row.getKey() + ": documented default '" + cells.get(2) + "' but the CRD has none (say in words what applies)");
            }
            if (cells.get(3).isBlank()) {
                problems.add(row.getKey() + ": no description");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertEquals(schema.size(), rows.size());
    }

    private record Field(String type, JsonNode defaultValue, boolean required) {}

    private static void walk(String path, JsonNode node, boolean required, Map<String, Field> out) {
        if (!path.equals("spec")) {
            String type = node.path("type").asText();
            if (type.equals("array")) {
                type = "array of " + node.at("/items/type").asText();
            }
            out.put(path, new Field(type, node.get("default"), required));
            if (node.path("description").asText().contains("(core/v1 ")) {
                // A Kubernetes type passed through to the pods (affinity, resources, ...): its fields are
                // Kubernetes' own, documented by kubectl explain, not rows of this table.
                return;
            }
        }
        Set<String> requiredChildren = new HashSet<>();
        node.path("required").forEach(r -> requiredChildren.add(r.asText()));
        var properties = node.path("properties").fields();
        while (properties.hasNext()) {
            var property = properties.next();
            walk(path + "." + property.getKey(), property.getValue(), requiredChildren.contains(property.getKey()), out);
        }
    }

    /** Strings bare, everything else as compact JSON: 1, {}, ["/data"], IfNotPresent. */
    private static String literal(JsonNode value) throws Exception {
        return value.isTextual() ? value.asText() : Json.MAPPER.writeValueAsString(value);
    }

    /** The rows of the first table after the heading: field path (from `backticks`) to its cells. */
    private static Map<String, List<String>> table(String reference, String heading) {
        int start = reference.indexOf("\n" + heading);
        assertTrue(start >= 0, REFERENCE + " has a section starting '" + heading + "'");
        Map<String, List<String>> rows = new LinkedHashMap<>();
        boolean inTable = false;
        for (String line : reference.substring(start + 1).split("\n")) {
            if (line.startsWith("|")) {
                inTable = true;
                List<String> cells = cells(line);
                String first = cells.get(0);
                if (first.startsWith("`spec.")) {
                    assertEquals(4, cells.size(), "four cells: " + line);
                    String field = first.replace("`", "");
                    assertFalse(rows.containsKey(field), field + " is listed twice");
                    rows.put(field, cells);
                }
            } else if (inTable) {
                break;
            }
        }
        assertFalse(rows.isEmpty(), "the table under '" + heading + "' has rows");
        return rows;
    }

    private static List<String> cells(String line) {
        String inner = line.trim();
        inner = inner.substring(1, inner.endsWith("|") ? inner.length() - 1 : inner.length());
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean code = false;
        for (char c : inner.toCharArray()) {
            if (c == '`') {
                code = !code;
            }
            if (c == '|' && !code) {
                cells.add(cell.toString().trim());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString().trim());
        return cells;
    }
}
