package org.xrootd.hook.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Repo;

/**
 * The CEL rules of the generated CRD, each in a real CEL engine ({@link KubernetesCel}): every one compiles
 * with only the functions the API server has, and the corpus has an object that breaks it (so each rule is
 * seen to refuse something). Edge values are checked here one by one.
 */
class CelRulesTest {
    private static final Path CRD = Repo.path("crds/xrootd.org_xrootds.yaml");

    @Test
    void everyRuleCompilesAndTheCorpusBreaksEachOfThem() throws Exception {
        Set<String> rules = new TreeSet<>();
        collect(new YAMLMapper().readTree(CRD.toFile()).at("/spec/versions/0/schema/openAPIV3Schema"), rules);
        assertTrue(rules.size() >= 10, "the CRD has its rules: " + rules);
        rules.forEach(KubernetesCel::compile);

        CrdSchema schema = CrdSchema.of(CRD);
        Set<String> broken = new TreeSet<>();
        for (ApiCorpus.Case c : ApiCorpus.cases(Repo.root())) {
            schema.validate(c.object()).errors().stream().filter(e -> e.rule() != null).forEach(e -> broken.add(e.rule()));
        }
        Set<String> neverBroken = new TreeSet<>(rules);
        neverBroken.removeAll(broken);
        assertEquals(Set.of(), neverBroken, "rules no corpus case breaks: add a case to tests/api-corpus/corpus.yaml");
    }

    private static void collect(JsonNode schema, Set<String> rules) {
        schema.path("x-kubernetes-validations").forEach(r -> rules.add(r.get("rule").asText()));
        schema.path("properties").forEach(p -> collect(p, rules));
        if (schema.has("items")) {
            collect(schema.get("items"), rules);
        }
        if (schema.get("additionalProperties") != null && schema.get("additionalProperties").isObject()) {
            collect(schema.get("additionalProperties"), rules);
        }
    }

    @Test
    void capacityAtTheEdges() {
        for (String good : List.of("1", "1Ki", "4611686018427387903", "3Ei", "1.5Ki", "1e3")) {
            assertTrue(KubernetesCel.holds(Rules.CAPACITY, good), good);
        }
        for (String bad : List.of("0", "0.5", "4Ei", "4611686018427387904", "1m", "1e400", "1..2", "", "-1")) {
            assertFalse(KubernetesCel.holds(Rules.CAPACITY, bad), bad);
        }
    }

    @Test
    void supervisorsAtTheEdges() {
        // Written out from the rule in the README: none up to 64 workers, ceil((w - 64) / 63) + 1 above.
        Map<Long, Long> needed = Map.of(64L, 0L, 65L, 2L, 127L, 2L, 128L, 3L, 1000L, 16L);
        needed.forEach((workers, supervisors) -> {
            assertTrue(KubernetesCel.holds(Rules.ENOUGH_SUPERVISORS, spec(workers, supervisors)), workers + " workers, " + supervisors);
            if (supervisors > 0) {
                assertFalse(KubernetesCel.holds(Rules.ENOUGH_SUPERVISORS, spec(workers, supervisors - 1)), workers + " workers, " + (supervisors - 1));
            }
        });
        assertTrue(KubernetesCel.holds(Rules.ENOUGH_SUPERVISORS, Map.of("worker", Map.of("replicas", 500L))), "no count given");
    }

    private static Map<String, Object> spec(long workers, long supervisors) {
        return Map.of("worker", Map.of("replicas", workers), "supervisor", Map.of("replicas", supervisors));
    }

    @Test
    void portsCountTheirDefaults() {
        assertFalse(KubernetesCel.holds(Rules.PORTS_DIFFER, Map.of("cmsd", 1094L)));
        assertFalse(KubernetesCel.holds(Rules.PORTS_DIFFER, Map.of("xrootd", 3121L)));
        assertTrue(KubernetesCel.holds(Rules.PORTS_DIFFER, Map.of()));
    }

    @Test
    void requestsAndLimitsCompareByValue() {
        assertTrue(KubernetesCel.holds(Rules.REQUESTS_WITHIN_LIMITS, Map.of("requests", Map.of("cpu", "1"), "limits", Map.of("cpu", "1000m"))));
        assertFalse(KubernetesCel.holds(Rules.REQUESTS_WITHIN_LIMITS, Map.of("requests", Map.of("cpu", "1001m"), "limits", Map.of("cpu", 1L))));
        assertTrue(KubernetesCel.holds(Rules.REQUESTS_WITHIN_LIMITS, Map.of("requests", Map.of("memory", "3Gi"), "limits", Map.of("cpu", 1L))));
        assertFalse(KubernetesCel.holds(Rules.QUANTITIES, Map.of("limits", Map.of("ephemeral-storage", "1 Gi"))));
    }

    @Test
    void reservedDirectivesAreWholeWords() {
        assertFalse(KubernetesCel.holds(Rules.NO_RESERVED_DIRECTIVE, List.of("xrootd.trace all", "  all.export /x")));
        assertFalse(KubernetesCel.holds(Rules.NO_RESERVED_DIRECTIVE, List.of("oss.localroot")));
        assertTrue(KubernetesCel.holds(Rules.NO_RESERVED_DIRECTIVE, List.of("all.sitename x", "all.exports x", "xrd.portx")));
    }
}
