package org.xrootd.hook.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Repo;

/** crds/ is what the API classes generate, byte for byte: the CRDs are never edited by hand. */
class GeneratedCrdsTest {
    private static final String REGENERATE = "regenerate with: mvn -q test-compile exec:java -Dexec.classpathScope=test"
            + " -Dexec.mainClass=org.xrootd.hook.api.GenerateCrds";

    @Test
    void theCommittedCrdsAreTheGeneratedOnes() throws Exception {
        Map<String, String> generated = GenerateCrds.generate();
        for (Map.Entry<String, String> file : generated.entrySet()) {
            Path committed = Repo.path("crds").resolve(file.getKey());
            assertEquals(file.getValue(), Files.exists(committed) ? Files.readString(committed) : "<missing>",
                    committed + " differs from what src/main/java/org/xrootd/hook/api generates; " + REGENERATE);
        }
    }

    @Test
    void everyCrdInTheFolderIsGenerated() throws Exception {
        try (Stream<Path> files = Files.list(Repo.path("crds"))) {
            assertEquals(GenerateCrds.FILES.keySet(), files.map(p -> p.getFileName().toString())
                    .filter(name -> !name.equals("kustomization.yaml")).collect(Collectors.toSet()),
                    "every CRD in crds/ comes from an API class (GenerateCrds.FILES)");
        }
    }

    @Test
    void generationIsDeterministic() {
        assertEquals(GenerateCrds.generate(), GenerateCrds.generate());
    }
}
