package org.xrootd.hook.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Repo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.xrootd.hook.model.Problem;
import org.xrootd.hook.model.SpecParser;

/**
 * One corpus, two judges: every case of tests/api-corpus/corpus.yaml goes through the generated CRD
 * (structural schema with defaults, then its CEL rules in a real CEL engine) and through the hook's
 * SpecParser, and both must reach the verdict written in the corpus, naming the field it names. A
 * hook-only case must pass the schema (else it is not hook-only) and be refused by the hook.
 */
class ApiCorpusTest {
    private static final CrdSchema SCHEMA = CrdSchema.of(Repo.path("crds/xrootd.org_xrootds.yaml"));

    static Stream<ApiCorpus.Case> cases() {
        return ApiCorpus.cases(Repo.root()).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void bothJudgesReachTheCorpusVerdict(ApiCorpus.Case c) {
        CrdSchema.Verdict schema = SCHEMA.validate(c.object());
        List<Problem> raw = SpecParser.parse(c.object()).problems();
        List<Problem> stored = SpecParser.parse(schema.defaulted()).problems();
        String report = "schema: " + schema.errors() + "\nhook: " + raw + "\nhook, defaulted object: " + stored;

        if (c.accepted()) {
            assertTrue(schema.accepted(), "the schema accepts it; " + report);
            assertEquals(List.of(), raw, "the hook accepts it; " + report);
            assertEquals(List.of(), stored, "the hook accepts it as stored; " + report);
            return;
        }
        assertFalse(raw.isEmpty(), "the hook refuses it; " + report);
        assertTrue(raw.stream().allMatch(p -> p.field().startsWith(c.reject())), "the hook names " + c.reject() + "; " + report);
        assertFalse(stored.isEmpty() && schema.accepted(), "the hook refuses it as stored too; " + report);
        if (c.hookOnly() != null) {
            assertNull(c.schema(), "a hook-only case has no schema layer");
            assertTrue(schema.accepted(), "hook-only, so the schema accepts it (else drop hookOnly); " + report);
            return;
        }
        assertNotNull(c.schema(), "a refused case says how the schema refuses it, or why only the hook does");
        assertFalse(schema.accepted(), "the schema refuses it; " + report);
        assertTrue(schema.errors().stream().allMatch(e -> e.path().startsWith(c.reject()) || e.message().contains(c.reject())),
                "the schema names " + c.reject() + "; " + report);
        assertEquals(Set.of(CrdSchema.Layer.valueOf(c.schema().name())),
                Set.copyOf(schema.errors().stream().map(CrdSchema.Error::layer).toList()), "refused by the layer the corpus names; " + report);
    }

    @Test
    void theCorpusCoversEnoughOfBoth() {
        List<ApiCorpus.Case> cases = ApiCorpus.cases(Repo.root());
        Set<String> names = new HashSet<>();
        cases.forEach(c -> assertTrue(names.add(c.name()), "one case per name: " + c.name()));
        assertTrue(cases.size() >= 50, "at least 50 cases, got " + cases.size());
        assertTrue(cases.stream().filter(ApiCorpus.Case::accepted).count() >= 10, "good objects too");
        for (ApiCorpus.SchemaLayer layer : ApiCorpus.SchemaLayer.values()) {
            assertTrue(cases.stream().anyMatch(c -> c.schema() == layer), "a case refused by " + layer);
        }
    }

    @Test
    void theSampleInstallIsAGoodObject() throws Exception {
        JsonNode sample = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(Repo.path("k8s/examples/base-xrootd.yaml").toFile());
        assertTrue(SCHEMA.validate(sample).accepted(), SCHEMA.validate(sample).errors().toString());
    }
}
