package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.CLIENT_TIMEOUT;
import static org.xrootd.hook.daemons.DaemonRun.bytes;
import static org.xrootd.hook.daemons.DaemonRun.seconds;
import static org.xrootd.hook.daemons.DaemonRun.since;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.testkit.ConfigReader;
import org.xrootd.hook.testkit.Tiers;

/**
 * {@code spec.federation} on real xrootd 5.5.3: three Xrootds rendered by the hook, side by side in one
 * harness network. "fed" is the meta manager ({@code federation.metaManager: true}, 1 redirector, no
 * workers, {@code allowedHosts} admitting the sites' redirector pods); "feda" and "fedb" are sites (1
 * redirector, 2 workers each) whose redirectors subscribe to it ({@code federation.managers}) under their
 * site names. A client reading through the meta manager gets each site's files (meta manager → site
 * redirector → worker); with site B's redirector down, site A's files stay readable through the meta
 * manager and site B's are not (they exist at one site only).
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FederationRealDaemonTest {
    private static final String META = "fed";
    private static final String A = "feda";
    private static final String B = "fedb";
    private static final String FILE_A = "/data/at-site-a.txt";
    private static final String FILE_B = "/data/at-site-b.txt";

    private DaemonRun run;
    private LocalCluster cluster;

    @BeforeAll
    void startFederation() throws Exception {
        run = DaemonRun.open("federation");
        // The meta manager's name is known from its own answer; the sites' redirector Services from theirs.
        JsonNode meta0 = run.sync(META, metaSpec(List.of("placeholder.example.org")), 1);
        String metaHost = redirectorHost(meta0);
        JsonNode a = run.sync(A, siteSpec("SITE_A", metaHost), 1);
        JsonNode b = run.sync(B, siteSpec("SITE_B", metaHost), 1);
        String domain = DaemonRun.NAMESPACE + ".svc." + PodNetwork.CLUSTER_DOMAIN;
        JsonNode meta = run.sync(META, metaSpec(List.of("*." + redirectorService(a) + "." + domain,
                "*." + redirectorService(b) + "." + domain)), 1);
        assertEquals(metaHost, redirectorHost(meta));
        cluster = run.cluster(LocalCluster.combined(meta, a, b), Map.of());
        run.timingsHeader("Federation real-daemon timings (xrootd " + DaemonRun.VERSION + ", a meta manager and two sites of 1 redirector"
                + " + 2 workers, rendered by the hook):");
    }

    /** The meta manager: one redirector, no workers, admitting {@code sites} (cms.allow host patterns). */
    private static ObjectNode metaSpec(List<String> sites) {
        ObjectNode spec = DaemonRun.spec(1, 0);
        spec.putObject("federation").put("metaManager", true);
        // The site redirectors log in to its cmsd port: members of its NetworkPolicy (the harness does not enforce
        // NetworkPolicies; a site would name the sites' addresses).
        spec.putObject("networkPolicy").putArray("members").addObject().putObject("ipBlock").put("cidr", "10.0.0.0/8");
        sites.forEach(spspec -> spec.withArray("allowedHosts").add(spspec));
        return spec;
    }

    private static ObjectNode siteSpec(String siteName, String metaHost) {
        ObjectNode spec = DaemonRun.spec(1, 2);
        ObjectNode federation = spec.putObject("federation").put("siteName", siteName);
        federation.putArray("managers").addObject().put("host", metaHost).put("port", 3121);
        return spec;
    }

    /** The meta manager's redirector pod as all.manager names it: {@code <pod>.<headless Service>.<namespace>.svc}. */
    private static String redirectorHost(JsonNode response) {
        return firstManager(response).replaceFirst(":\\d+$", "") + "." + DaemonRun.NAMESPACE + ".svc";
    }

    private static String redirectorService(JsonNode response) {
        return firstManager(response).replaceFirst("^[^.]+\\.", "").replaceFirst(":\\d+$", "");
    }

    /** The first redirector pod of the list every cmsd reads ({@code <pod>.<headless Service>:<port>}). */
    private static String firstManager(JsonNode response) {
        return ConfigReader.managers(conf(response), "cmsd", "worker", Map.of("POD_NAME", "w")).get(0).replaceFirst("^meta ", "");
    }

    private static String conf(JsonNode response) {
        for (JsonNode child : response.path("children")) {
            if ("ConfigMap".equals(child.path("kind").asText())) {
                return child.path("data").path("xrootd.cf").asText();
            }
        }
        throw new IllegalStateException("no ConfigMap in " + response);
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    @Test
    @Order(1)
    @Timeout(120)
    void theSitesSubscribeToTheMetaManager() {
        run.explain(() -> {
            run.startAllAndWaitReady("meta manager and two sites");
            LocalPod meta = redirector(META);
            long start = System.nanoTime();
            // xrdmapc on the meta manager lists each site redirector as a manager with its workers under it.
            DaemonRun.waitFor(Duration.ofSeconds(60), () -> {
                String map = cluster.client(Duration.ofSeconds(10), "xrdmapc", "--list", "all", LocalCluster.dnsName(meta) + ":"
                        + cluster.xrootdPort).output();
                return map.contains(redirector(A).host.ip()) || map.contains(redirector(A).host.fqdn()) ? map.contains(redirector(B).host.ip())
                        || map.contains(redirector(B).host.fqdn()) : false;
            }, "the meta manager's map lists both site redirectors");
            run.timings.put("pods ready -> both site redirectors in the meta manager's map", seconds(since(start)));
            Procs.Result map = cluster.client(Duration.ofSeconds(10), "xrdmapc", "--list", "all", LocalCluster.dnsName(meta) + ":" + cluster.xrootdPort);
            System.out.println("meta manager map:\n" + map.output());
            String cmsd = DaemonRun.read(redirector(A).log("cmsd"));
            assertTrue(cmsd.contains("SITE_A"), "site A's cmsd runs under its site name");
        });
    }

    @Test
    @Order(2)
    @Timeout(120)
    void aClientOfTheMetaManagerReadsEachSitesFiles() {
        run.explain(() -> {
            assertTrue(run.write(redirector(A), FILE_A, CLIENT_TIMEOUT).ok(), "write at site A");
            assertTrue(run.write(redirector(B), FILE_B, CLIENT_TIMEOUT).ok(), "write at site B");
            assertTrue(workers(A).contains(run.onlyHolder(FILE_A)));
            assertTrue(workers(B).contains(run.onlyHolder(FILE_B)));
            for (String lfn : List.of(FILE_A, FILE_B)) {
                Procs.Result read = readThroughMeta(lfn);
                assertTrue(read.ok(), read.toString());
                run.timings.put("first read of " + lfn + " through the meta manager (meta -> site redirector -> worker)", seconds(read.took()));
                Procs.Result again = readThroughMeta(lfn);
                run.timings.put("second read of " + lfn + " through the meta manager", seconds(again.took()));
            }
            // HTTP too: two redirects, meta manager -> site redirector -> worker.
            Procs.Result get = cluster.client(CLIENT_TIMEOUT, "curl", "-sS", "-L", "-o", "/dev/null", "-w", "%{http_code} %{num_redirects}",
                    cluster.httpUrl(redirector(META), FILE_B));
            assertEquals("200 2", get.output().strip(), get.toString());
            run.timings.put("HTTP GET through the meta manager (curl -L): code, redirects", get.output().strip() + " in " + seconds(get.took()));
        });
    }

    @Test
    @Order(3)
    @Timeout(180)
    void withSiteBDownSiteAStaysReadable() {
        run.explain(() -> {
            LocalPod siteB = redirector(B);
            siteB.kill();
            long start = System.nanoTime();
            Procs.Result a = readThroughMeta(FILE_A);
            assertTrue(a.ok(), "site A's file through the meta manager with site B down: " + a);
            run.timings.put("read of site A's file through the meta manager, site B's redirector down", seconds(a.took()));
            Procs.Result b = cluster.client(Duration.ofSeconds(60), "xrdcp", "-f", "-s", cluster.rootUrl(redirector(META), FILE_B),
                    run.clientFile("b-while-down").toString());
            assertFalse(b.ok(), "site B's file exists at site B only: " + b);
            run.timings.put("read of site B's file through the meta manager, site B down: fails after", seconds(b.took()));
            run.timings.put("site B down -> both reads answered", seconds(since(start)));
        });
    }

    private Procs.Result readThroughMeta(String lfn) {
        Path back = run.clientFile(lfn.replace('/', '_') + ".meta");
        Procs.Result read = cluster.client(CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(redirector(META), lfn), back.toString());
        if (read.ok()) {
            assertArrayEquals(run.written.get(lfn), bytes(back), "content of " + lfn + " through the meta manager");
        }
        return read;
    }

    private LocalPod redirector(String name) {
        return cluster.podsOf(name).stream().filter(cluster.redirectors::contains).findFirst().orElseThrow();
    }

    private List<LocalPod> workers(String name) {
        return cluster.podsOf(name).stream().filter(cluster.workers::contains).toList();
    }
}
