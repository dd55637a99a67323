package org.xrootd.hook.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Repo;

/** k8s/examples/xcache.yaml, the worked example of "Running XCache", renders as described. */
class XCacheExampleTest {
    private static Renderer.Source source(Path path) throws Exception {
        return new Renderer.Source(path.toString(), Files.readString(path));
    }

    @Test
    void twoCachesWithADataAndAMetaDiskInFrontOfTheOrigin() throws Exception {
        Renderer.Result result = Renderer.render(source(Repo.path("k8s/examples/xcache.yaml")),
                source(Repo.path("k8s/examples/xrootdversion-5.5.3.yaml")), "site");
        assertTrue(result.ok(), result.errors().toString());
        List<JsonNode> children = Renderer.readAll(result.yaml());
        String config = children.stream().filter(c -> c.path("kind").asText().equals("ConfigMap")).findFirst().orElseThrow()
                .path("data").path("xrootd.cf").asText();
        // 500Gi of data disk: 0.90 is 450Gi, 0.95 is 475Gi.
        for (String line : List.of("pss.origin cmsxrootd.fnal.gov:1094", "pfc.ram 4g", "pfc.blocksize 512k", "pfc.prefetch 10",
                "pfc.spaces data meta", "oss.space data /xrootd/cache/nvme0", "oss.space meta /xrootd/cache/cinfo",
                "pfc.diskusage 450g 475g purgeinterval 300s", "all.export /store stage r/o", "all.export /store r/o",
                "cms.sched maxretries 0 nomultisrc", "cms.fxhold noloc 15m 4h")) {
            assertTrue(config.contains(line), line + " in\n" + config);
        }
        JsonNode worker = children.stream().filter(c -> c.path("kind").asText().equals("StatefulSet")
                && c.path("metadata").path("name").asText().equals("xcache-xrootd-worker")).findFirst().orElseThrow();
        JsonNode claims = worker.path("spec").path("volumeClaimTemplates");
        assertEquals(3, claims.size());
        assertEquals("cache-nvme0", claims.get(1).path("metadata").path("name").asText());
        assertEquals("500Gi", claims.get(1).path("spec").path("resources").path("requests").path("storage").asText());
        assertEquals("local-nvme", claims.get(1).path("spec").path("storageClassName").asText());
        JsonNode xrootd = worker.path("spec").path("template").path("spec").path("containers").get(1);
        assertEquals("8Gi", xrootd.path("resources").path("requests").path("memory").asText());
        assertEquals(60, xrootd.path("startupProbe").path("failureThreshold").asInt());
    }
}
