package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.CLIENT_TIMEOUT;
import static org.xrootd.hook.daemons.DaemonRun.seconds;
import static org.xrootd.hook.daemons.DaemonRun.since;
import static org.xrootd.hook.daemons.DaemonRun.waitFor;
import static org.xrootd.hook.daemons.TlsRotationRealDaemonTest.assertOnlyHashChanged;
import static org.xrootd.hook.daemons.TlsRotationRealDaemonTest.hash;
import static org.xrootd.hook.daemons.TlsRotationRealDaemonTest.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.children.PodLayout;
import org.xrootd.hook.testkit.Tiers;

/**
 * A rotated sss keytab takes effect with no manual restart (#17 §2), on real xrootd/cmsd 5.5.3: an Xrootd
 * with 1 redirector, 2 workers and {@code spec.sss}, its keytab made with {@code xrdsssadmin}. The Secret's
 * data is replaced by a keytab with another key (a one-step rotation: the old key is gone); nothing else
 * changes. As in {@link TlsRotationRealDaemonTest}: the kubelets update the mounted keytab in place, and the
 * daemons, which copy it at start, go on accepting the old key and refusing the new one (asserted); then the
 * real sync handler is asked as Metacontroller asks it and its answers are applied as the StatefulSet
 * controllers apply them, redirectors first, then workers, each pod deleted with its grace period and created
 * again with a new IP. Afterwards, with real clients: the new keytab writes and reads through the redirector
 * (the file written before the rotation too), the old one is refused by the redirector and by a worker
 * directly, and the cmsd logins work: every re-created worker logged in to the redirector and is in its
 * cluster map.
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SssRotationRealDaemonTest {
    private static final String NAME = "rsss";
    private static final String SECRET = "rsss-keytab";
    private static final String KEY = "sss.keytab";
    private static final String BEFORE = "/data/before-rotation.txt";
    private static final Duration ROLL_LIMIT = Duration.ofSeconds(180);

    private DaemonRun run;
    private LocalCluster cluster;
    private ObjectNode spec;
    private JsonNode initial;
    private Path oldKeytab;
    private Path newKeytab;

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open("sss-rotation");
        spec = DaemonRun.spec(1, 2);
        spec.putObject("sss").put("secretName", SECRET);
        oldKeytab = keytab("old.keytab", "first");
        Map<String, Map<String, byte[]>> secrets = Map.of(SECRET, Map.of(KEY, Files.readAllBytes(oldKeytab)));
        initial = run.sync(NAME, spec, 1, List.of(), secrets);
        cluster = run.cluster(initial, secrets);
        cluster.clientEnv(sss(oldKeytab));
        run.timingsHeader("sss keytab rotation (xrootd " + DaemonRun.VERSION + ", 1 redirector, 2 workers, spec.sss; the Secret's data"
                + " replaced by a keytab with another key; pods rolled by the hook's answers as the StatefulSet controller applies them):");
        run.startAllAndWaitReady("sss rotation cluster");
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    /** A keytab as an administrator makes one: {@code xrdsssadmin add}, one key for the daemon account. */
    private Path keytab(String file, String keyName) {
        Path path = run.clientFile(file);
        run.procs.check(List.of("xrdsssadmin", "-k", keyName, "-u", Prerequisites.DAEMON_USER, "-g", Prerequisites.DAEMON_USER,
                "add", path.toString()), Duration.ofSeconds(20));
        return path;
    }

    private static List<String> sss(Path keytab) {
        return List.of("XrdSecPROTOCOL=sss", "XrdSecSSSKT=" + keytab, "XRD_LOGLEVEL=Error");
    }

    @Test
    @Order(1)
    @Timeout(90)
    void theFirstKeytabWritesThroughTheRedirector() {
        run.explain(() -> {
            LocalPod r0 = cluster.redirectors.get(0);
            waitFor(Duration.ofSeconds(30), () -> cluster.subscribedServers(r0).equals(workerIps()), r0 + " lists every worker");
            Procs.Result put = run.write(r0, BEFORE, CLIENT_TIMEOUT);
            assertTrue(put.ok(), put.toString());
            run.readBack(r0, BEFORE);
        });
    }

    @Test
    @Order(2)
    @Timeout(600)
    void aNewSecretRollsTheRolesThatMountItOneAfterTheOther() {
        run.explain(this::rotate);
    }

    private void rotate() throws IOException, InterruptedException {
        newKeytab = keytab("new.keytab", "second");
        byte[] keytab = Files.readAllBytes(newKeytab);
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(oldKeytab), keytab));
        LocalPod r0 = cluster.redirectors.get(0);
        Map<String, Integer> incarnations = new HashMap<>();
        cluster.allPods().forEach(p -> incarnations.put(p.name, p.incarnation()));

        long rotated = System.nanoTime();
        assertEquals(cluster.allPods().size(), cluster.secret(SECRET, Map.of(KEY, keytab)), "every pod mounts the Secret");
        assertArrayEquals(keytab, DaemonRun.bytes(r0.hostPath("xrootd", PodLayout.SSS_SECRET_DIR + "/" + KEY)),
                "the kubelet updated the mounted keytab");
        // Control: the daemons use the copy they made at start.
        Procs.Result stillOld = cluster.clientWith(sss(oldKeytab), CLIENT_TIMEOUT, "xrdfs", address(r0), "stat", BEFORE);
        assertTrue(stillOld.ok(), "without a roll the old keytab is still accepted: " + stillOld);
        Procs.Result notYet = cluster.clientWith(sss(newKeytab), CLIENT_TIMEOUT, "xrdfs", address(r0), "stat", BEFORE);
        assertFalse(notYet.ok(), "without a roll the new keytab is refused: " + notYet);

        Map<String, Map<String, byte[]>> related = Map.of(SECRET, Map.of(KEY, keytab));
        DaemonRun.Step first = run.rollOutStep(NAME, spec, 1, initial, related, ROLL_LIMIT);
        assertTrue(first.rolled(), "the new Secret changes a pod template");
        assertOnlyHashChanged(initial, first.applied(), "redirector");
        assertEquals(template(initial, "worker"), template(first.applied(), "worker"), "the workers' template is held");
        assertNotEquals(template(first.answer(), "worker"), template(first.applied(), "worker"),
                "the hook returned the workers' template as observed (with the API server's defaults)");
        for (LocalPod worker : cluster.workers) {
            assertEquals(incarnations.get(worker.name), worker.incarnation(), worker + " not rolled yet");
        }
        run.timings.put("round 1 (hook: redirectors move, workers held): rolled in", seconds(first.took()) + "\n      "
                + String.join("\n      ", first.events()));

        DaemonRun.Step second = run.rollOutStep(NAME, spec, 1, first.applied(), related, ROLL_LIMIT);
        assertTrue(second.rolled(), "the workers follow");
        assertOnlyHashChanged(initial, second.applied(), "worker");
        assertEquals(hash(second.applied(), "redirector"), hash(second.applied(), "worker"), "both roles mount the one Secret");
        run.timings.put("round 2 (hook: workers move): rolled in", seconds(second.took()) + "\n      "
                + String.join("\n      ", second.events()));

        cluster.clientEnv(sss(newKeytab));
        waitFor(Duration.ofSeconds(60), () -> cluster.subscribedServers(r0).equals(workerIps()), r0 + " lists every re-created worker");
        String lfn = "/data/after-rotation.txt";
        Procs.Result put = run.write(r0, lfn, CLIENT_TIMEOUT);
        assertTrue(put.ok(), "a write with the new keytab: " + put);
        run.timings.put("Secret edited -> a write with the new keytab goes through the redirector", seconds(since(rotated)));

        DaemonRun.Step third = run.rollOutStep(NAME, spec, 1, second.applied(), related, ROLL_LIMIT);
        assertFalse(third.rolled(), "the hook's answer once every role is rolled out changes nothing");
        assertEquals(second.applied().path("children"), third.applied().path("children"));
        for (LocalPod pod : cluster.allPods()) {
            assertEquals(incarnations.get(pod.name) + 1, pod.incarnation(), pod + " replaced exactly once");
        }
    }

    @Test
    @Order(3)
    @Timeout(180)
    void theNewKeytabIsAcceptedTheOldOneRefusedAndEveryWorkerLoggedIn() {
        run.explain(() -> {
            LocalPod r0 = cluster.redirectors.get(0);
            for (LocalPod worker : cluster.workers) {
                assertTrue(LocalCluster.loggedInto(DaemonRun.read(worker.log("cmsd")), r0), worker + "'s new cmsd logged in to " + r0);
            }
            assertEquals(workerIps(), cluster.subscribedServers(r0), "every worker in the redirector's cluster map");
            String lfn = "/data/after-rotation.txt";
            run.readBack(r0, lfn);
            LocalPod holder = run.onlyHolder(lfn);
            run.readBack(r0, BEFORE);
            String redirectorLog = DaemonRun.read(r0.log("xrootd"));
            assertTrue(redirectorLog.contains("login as " + Prerequisites.DAEMON_USER), "sss login in " + r0 + "'s log");

            Path back = run.clientFile("refused.back");
            Procs.Result viaRedirector = cluster.clientWith(sss(oldKeytab), CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(r0, lfn),
                    back.toString());
            assertFalse(viaRedirector.ok(), "the old keytab through the redirector: " + viaRedirector);
            assertTrue(viaRedirector.output().contains("Auth failed"), viaRedirector.toString());
            Procs.Result direct = cluster.clientWith(sss(oldKeytab), CLIENT_TIMEOUT, "xrdcp", "-f", "-s", cluster.rootUrl(holder, lfn),
                    back.toString());
            assertFalse(direct.ok(), "the old keytab at " + holder + ": " + direct);
            assertTrue(direct.output().contains("Auth failed"), direct.toString());
            Procs.Result write = cluster.clientWith(sss(oldKeytab), CLIENT_TIMEOUT, "xrdcp", "-f", "-s", "/etc/hostname",
                    cluster.rootUrl(r0, "/data/old-key.txt"));
            assertFalse(write.ok(), "a write with the old keytab: " + write);
            for (LocalPod w : cluster.workers) {
                assertFalse(Files.exists(w.hostPath("xrootd", run.localRoot() + "/data/old-key.txt")), "nothing written with the old keytab");
            }
        });
    }

    private Set<String> workerIps() {
        Set<String> ips = new TreeSet<>();
        cluster.workers.forEach(w -> ips.add(w.host.ip()));
        return ips;
    }

    private String address(LocalPod pod) {
        return LocalCluster.dnsName(pod) + ":" + cluster.xrootdPort;
    }
}
