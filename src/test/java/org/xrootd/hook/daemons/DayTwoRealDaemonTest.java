package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.CLIENT_TIMEOUT;
import static org.xrootd.hook.daemons.DaemonRun.read;
import static org.xrootd.hook.daemons.DaemonRun.seconds;
import static org.xrootd.hook.daemons.DaemonRun.since;
import static org.xrootd.hook.daemons.DaemonRun.waitFor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.Adler32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.children.PodLayout;
import org.xrootd.hook.children.StatefulSets;
import org.xrootd.hook.testkit.Tiers;

/**
 * Day-2 features on real xrootd/cmsd 5.5.3, on one cluster run by the same harness as
 * {@link RealDaemonClusterTest}: an Xrootd with 1 redirector and 2 workers, {@code spec.sss} naming a
 * Secret with a keytab made by {@code xrdsssadmin}, two exports ({@code /data}, {@code /store}), a
 * directive for every pod ({@code all.sitename}) and one for workers only ({@code xrootd.chksum chkcgi
 * adler32}, which replaces the default spec.checksums there); then the same Xrootd with 2 redirectors,
 * applied as a rolling update of both StatefulSets.
 *
 * <p>The Secret is materialized as the kubelet does it for {@code defaultMode: 0400} with the pod's
 * fsGroup: mode 0440, owner root, group fsGroup ({@link LocalPod}). Every client command carries the
 * keytab ({@code XrdSecPROTOCOL=sss XrdSecSSSKT=...}) unless a step says otherwise.
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DayTwoRealDaemonTest {
    private static final String NAME = "day2";
    private static final int WORKERS = 2;
    private static final String SECRET = "day2-keytab";
    private static final String SITE = "day2site";
    private static final List<String> EXPORTS = List.of("/data", "/store");

    private DaemonRun run;
    private LocalCluster cluster;
    private Path keytab;
    private Path wrongKeytab;
    private JsonNode initial;

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open("day2");
        keytab = newKeytab("client.keytab", "day2");
        wrongKeytab = newKeytab("wrong.keytab", "other");
        initial = run.sync(NAME, spec(1), 1);
        cluster = run.cluster(initial, Map.of(SECRET, Map.of("sss.keytab", Files.readAllBytes(keytab))));
        cluster.clientEnv(List.of("XrdSecPROTOCOL=sss", "XrdSecSSSKT=" + keytab));
        run.timingsHeader("Day-2 real-daemon timings (xrootd " + DaemonRun.VERSION + ", 1 then 2 redirectors, "
                + WORKERS + " workers, sss, exports " + EXPORTS + "):");
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    private ObjectNode spec(int redirectors) {
        ObjectNode spec = run.spec(redirectors, WORKERS);
        spec.putObject("sss").put("secretName", SECRET);
        ObjectNode config = spec.putObject("config");
        EXPORTS.forEach(config.putArray("exports")::add);
        config.putArray("all").add("all.sitename " + SITE);
        config.putArray("worker").add("xrootd.chksum chkcgi adler32");
        return spec;
    }

    /** A keytab as an administrator makes one: {@code xrdsssadmin add}, one key for the daemon account. */
    private Path newKeytab(String file, String keyName) {
        Path path = run.clientFile(file);
        run.procs.check(List.of("xrdsssadmin", "-k", keyName, "-u", Prerequisites.DAEMON_USER, "-g", Prerequisites.DAEMON_USER,
                "add", path.toString()), Duration.ofSeconds(20));
        return path;
    }

    @Test
    @Order(1)
    @Timeout(120)
    void theClusterFormsWithSssRequired() {
        run.explain(() -> {
            run.startAllAndWaitReady("sss cluster");
            Set<String> workerIps = new TreeSet<>();
            cluster.workers.forEach(w -> workerIps.add(w.host.ip()));
            LocalPod r0 = cluster.redirectors.get(0);
            waitFor(Duration.ofSeconds(30), () -> cluster.subscribedServers(r0).equals(workerIps), r0 + " lists every worker");

            // The Secret as the kubelet mounts it, and the copy xrootd reads.
            LocalPod w0 = cluster.workers.get(0);
            Path mounted = w0.hostPath("xrootd", PodLayout.SSS_SECRET_DIR + "/sss.keytab");
            assertEquals("r--r-----", permissions(mounted), "the Secret file as mounted");
            Path copy = w0.hostPath("xrootd", PodLayout.SSS_KEYTAB);
            assertEquals("r--------", permissions(copy), "xrootd's private copy");
            assertEquals(Long.toString(run.account.uid()), owner(copy), "owner of xrootd's private copy");

            String lfn = "/data/with-keytab.txt";
            Procs.Result put = run.write(r0, lfn, CLIENT_TIMEOUT);
            assertTrue(put.ok(), put.toString());
            run.timings.put("sss: write of a new file through the redirector", seconds(put.took()));
            run.readBack(r0, lfn);
            run.onlyHolder(lfn);
            // The daemons logged the client in with sss, as the keytab's user.
            String redirectorLog = read(r0.log("xrootd"));
            assertTrue(redirectorLog.contains("login as " + Prerequisites.DAEMON_USER), "sss login in " + r0 + "'s log");
        });
    }

    @Test
    @Order(2)
    @Timeout(120)
    void aClientWithoutTheKeytabIsRefused() {
        run.explain(() -> {
            LocalPod r0 = cluster.redirectors.get(0);
            String lfn = "/data/with-keytab.txt";
            Path back = run.clientFile("refused.back");
            for (List<String> env : List.of(List.<String>of(), List.of("XrdSecPROTOCOL=sss", "XrdSecSSSKT=" + wrongKeytab))) {
                String who = env.isEmpty() ? "without a keytab" : "with another keytab";
                Procs.Result get = cluster.clientWith(env, CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(r0, lfn), back.toString());
                assertFalse(get.ok(), "read " + who + " must fail: " + get);
                assertTrue(get.output().contains("Auth failed"), "read " + who + ": " + get);
                Procs.Result put = cluster.clientWith(env, CLIENT_TIMEOUT, "xrdcp", "-f", "-s", "/etc/hostname", cluster.rootUrl(r0, "/data/intruder.txt"));
                assertFalse(put.ok(), "write " + who + " must fail: " + put);
                // Straight to the worker that holds the file: it requires sss too.
                LocalPod holder = run.onlyHolder(lfn);
                Procs.Result direct = cluster.clientWith(env, CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(holder, lfn), back.toString());
                assertFalse(direct.ok(), "read " + who + " from " + holder + " must fail: " + direct);
            }
            // HTTP has no sss: with spec.sss the port must not serve HTTP at all.
            for (LocalPod pod : List.of(r0, run.onlyHolder(lfn))) {
                Procs.Result http = cluster.clientWith(List.of(), CLIENT_TIMEOUT, "curl", "-sS", "-L", "--max-time", "10",
                        "-o", back.toString(), "-w", "%{http_code}", cluster.httpUrl(pod, lfn));
                assertFalse(http.ok() && http.output().strip().equals("200"), "HTTP GET from " + pod + " without a keytab: " + http);
            }
            for (LocalPod w : cluster.workers) {
                assertFalse(Files.exists(w.hostPath("xrootd", run.localRoot() + "/data/intruder.txt")), "no file written without the keytab");
            }
        });
    }

    @Test
    @Order(3)
    @Timeout(120)
    void everyExportExistsOnEveryWorkerAndWorksThroughTheRedirector() {
        run.explain(() -> {
            for (LocalPod w : cluster.workers) {
                for (String export : EXPORTS) {
                    assertTrue(Files.isDirectory(w.hostPath("xrootd", run.localRoot() + export)), export + " on " + w);
                }
            }
            LocalPod r0 = cluster.redirectors.get(0);
            for (int i = 0; i < 2; i++) {
                String lfn = "/store/file-" + i + ".txt";
                Procs.Result put = run.write(r0, lfn, CLIENT_TIMEOUT);
                assertTrue(put.ok(), put.toString());
                run.readBack(r0, lfn);
                run.onlyHolder(lfn);
            }
            for (String export : EXPORTS) {
                Procs.Result ls = cluster.client(CLIENT_TIMEOUT, "xrdfs", LocalCluster.dnsName(r0) + ":" + cluster.xrootdPort, "ls", export);
                assertTrue(ls.ok(), "listing " + export + " through " + r0 + ": " + ls);
            }
            Procs.Result outside = run.write(r0, "/elsewhere/file.txt", CLIENT_TIMEOUT);
            assertFalse(outside.ok(), "a path outside the exports must be refused: " + outside);
        });
    }

    @Test
    @Order(4)
    @Timeout(60)
    void userDirectivesTakeEffectWhereTheyBelong() {
        run.explain(() -> {
            for (LocalPod pod : cluster.allPods()) {
                assertEquals(SITE, run.queryConfig(pod, "sitename"), "spec.config.all all.sitename on " + pod);
            }
            // spec.checksums (the default) reaches every role; the worker-only xrootd.chksum comes after it
            // in the workers' configuration and replaces it there, and nowhere else.
            for (LocalPod w : cluster.workers) {
                assertEquals("0:adler32", run.queryConfig(w, "chksum"), "spec.config.worker xrootd.chksum on " + w);
            }
            for (LocalPod r : cluster.redirectors) {
                assertEquals("0:adler32,1:crc32c", run.queryConfig(r, "chksum"), "spec.checksums, not the worker directive, on " + r);
            }
            // The effect a client sees: the worker holding a file computes its adler32 checksum, directly or
            // through the redirector. crc32c, which the redirector accepts but the worker no longer computes,
            // is refused by the worker (chkcgi), never answered with the adler32 value; through the redirector
            // the client goes back to it after the worker's error and ends with "Redirect limit has been reached".
            String lfn = "/store/file-0.txt";
            LocalPod holder = run.onlyHolder(lfn);
            LocalPod r0 = cluster.redirectors.get(0);
            Adler32 adler = new Adler32();
            adler.update(run.written.get(lfn));
            String adler32 = String.format("%08x", adler.getValue());
            for (LocalPod server : List.of(holder, r0)) {
                Procs.Result sum = checksum(server, lfn + "?cks.type=adler32");
                assertTrue(sum.ok(), sum.toString());
                assertEquals("adler32 " + adler32, sum.output().strip(), "checksum of " + lfn + " through " + server);
            }
            Procs.Result direct = checksum(holder, lfn + "?cks.type=crc32c");
            assertFalse(direct.ok(), "crc32c from a worker computing adler32 only: " + direct);
            assertTrue(direct.output().contains("crc32c checksum not supported"), direct.toString());
            Procs.Result redirected = checksum(r0, lfn + "?cks.type=crc32c");
            assertFalse(redirected.ok(), "crc32c through " + r0 + " to a worker computing adler32 only: " + redirected);
            assertFalse(redirected.output().contains(adler32), redirected.toString());
            run.timings.put("crc32c through the redirector, worker with adler32 only", redirected.output().strip());
            // all.sitename also names the site in every worker's login to the redirector.
            for (LocalPod w : cluster.workers) {
                assertTrue(read(w.log("cmsd")).contains("Logged into " + SITE + " " + r0.host.fqdn()), w + " logs in as site " + SITE);
            }
        });
    }

    @Test
    @Order(5)
    @Timeout(240)
    void aSecondRedirectorRollsBothStatefulSetsAndEveryWorkerLogsInToBoth() throws Exception {
        JsonNode after = run.sync(NAME, spec(2), 2);
        for (String component : List.of("redirector", "worker")) {
            assertNotEquals(configHash(initial, component), configHash(after, component), component + " pods must roll");
        }
        run.explain(() -> {
            long start = System.nanoTime();
            List<String> events;
            try {
                events = cluster.rollingUpdate(after, Duration.ofSeconds(180));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            run.timings.put("1 -> 2 redirectors: rolling update of both StatefulSets until every pod is ready", seconds(since(start)));
            run.timings.put("  its steps (seconds since the update began)", "\n      " + String.join("\n      ", events));
            assertEquals(2, cluster.redirectors.size());
            assertTrue(cluster.xrootdConfig().contains("all.manager " + cluster.redirectors.get(1).name + "."), "all.manager lists the new redirector");

            Set<String> workerIps = new TreeSet<>();
            cluster.workers.forEach(w -> workerIps.add(w.host.ip()));
            for (LocalPod r : cluster.redirectors) {
                waitFor(Duration.ofSeconds(30), () -> cluster.subscribedServers(r).equals(workerIps), r + " lists every worker");
            }
            for (LocalPod w : cluster.workers) {
                String log = read(w.log("cmsd"));
                for (LocalPod r : cluster.redirectors) {
                    assertTrue(LocalCluster.loggedInto(log, r), w + " cmsd logged in to " + r);
                }
            }
            LocalPod r1 = cluster.redirectors.get(1);
            String lfn = "/store/through-the-new-redirector.txt";
            Procs.Result put = run.write(r1, lfn, CLIENT_TIMEOUT);
            if (!put.ok()) {
                // Seen once in CI right after the update (the write hung for the whole timeout at the new
                // redirector while the last worker had just logged in again): clients retry, and so does this
                // test once, but the stall is reported, not hidden.
                run.timings.put("2 redirectors: FIRST write through the new redirector FAILED (retried once)", put.toString());
                System.out.println("first write through the new redirector failed, retrying once: " + put);
                lfn = "/store/through-the-new-redirector-retry.txt";
                put = run.write(r1, lfn, CLIENT_TIMEOUT);
            }
            assertTrue(put.ok(), put.toString());
            run.timings.put("2 redirectors: write of a new file through the new redirector", seconds(put.took()));
            run.readBack(cluster.redirectors.get(0), lfn);
            // Everything written before the update is still there, through either redirector.
            for (String old : run.written.keySet()) {
                run.readBack(r1, old);
            }
        });
    }

    private Procs.Result checksum(LocalPod server, String pathAndCgi) {
        return cluster.client(CLIENT_TIMEOUT, "xrdfs", LocalCluster.dnsName(server) + ":" + cluster.xrootdPort, "query", "checksum", pathAndCgi);
    }

    private static String configHash(JsonNode response, String component) {
        for (JsonNode child : response.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText())
                    && component.equals(child.path("metadata").path("labels").path("app.kubernetes.io/component").asText())) {
                return child.path("spec").path("template").path("metadata").path("annotations").path(StatefulSets.CONFIG_HASH).asText();
            }
        }
        throw new AssertionError("no " + component + " StatefulSet");
    }

    private static String permissions(Path path) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String owner(Path path) {
        try {
            return Files.getAttribute(path, "unix:uid").toString();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
