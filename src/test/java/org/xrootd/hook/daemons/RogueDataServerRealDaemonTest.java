package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.CLIENT_TIMEOUT;
import static org.xrootd.hook.daemons.DaemonRun.waitFor;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.xrootd.hook.testkit.Tiers;

/**
 * Issue 14, "only the cluster's own pods may join", on real xrootd 5.5.3: the managers' {@code cms.allow}
 * patterns (one per member role, {@code *.<member headless Service>.<ns>.svc.<cluster domain>}) refuse
 * a data server that runs a copy of the cluster's xrootd.cf (all.role server, the same all.manager
 * names) but is no member. Two rogues, each cmsd + xrootd from a copy of the worker pod template (the
 * same ConfigMap, so byte for byte the same configuration):
 *
 * <ul>
 *   <li>inside the pod network: a pod of another namespace and Service ({@code rogue-0.impostor.other}),
 *       whose address the cluster DNS maps back to {@code rogue-0.impostor.other.svc.cluster.local},
 *       as the kube DNS answers for any StatefulSet pod;
 *   <li>outside the cluster: a machine on the site network (the outside client's address) at a site
 *       whose routers carry the pod network's routes (a routed CNI such as Calico peering with the
 *       site's routers; the harness's default outside client has no such route). That is the realistic
 *       way for a machine that is no pod to reach a redirector's cmsd port: the hook publishes the cmsd
 *       port on no node and in no LoadBalancer (the client Service carries the xroot port only), so on a
 *       non-routed pod network an outside rogue never gets a TCP connection at all. Its address has no
 *       record in the cluster DNS.
 * </ul>
 *
 * Neither is listed by xrdmapc, and new files written through the redirectors all land on members.
 * The harness does not emulate NetworkPolicy: what is refused here is refused by the daemons alone.
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RogueDataServerRealDaemonTest {
    private static final Duration REFUSAL = Duration.ofSeconds(40);
    /** New files written through the redirectors while both rogues keep trying to log in. */
    private static final int FILES = 12;

    private DaemonRun run;
    private LocalCluster cluster;
    private JsonNode workerTemplate;
    private JsonNode workerClaims;
    private final List<LocalPod> rogues = new ArrayList<>();

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open("rogue");
        JsonNode response = run.sync("rg", DaemonRun.spec(2, 2), 1);
        for (JsonNode child : response.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText())
                    && "worker".equals(child.path("metadata").path("labels").path("app.kubernetes.io/component").asText())) {
                // The rogue's template is the worker's, copied before the cluster holds it.
                workerTemplate = child.path("spec").path("template").deepCopy();
                workerClaims = child.path("spec").path("volumeClaimTemplates").deepCopy();
            }
        }
        assertTrue(workerTemplate != null, "the response has a worker StatefulSet");
        cluster = run.cluster(response, Map.of());
        run.timingsHeader("Rogue data servers (xrootd " + DaemonRun.VERSION + ", 2 redirectors, 2 workers, "
                + LocalCluster.NODES + " nodes):");
        run.explain(() -> run.startAllAndWaitReady("cold start"));
        String allow = String.join(" | ", cluster.xrootdConfig().lines().filter(l -> l.strip().startsWith("cms.allow")).map(String::strip).toList());
        run.timings.put("cms.allow lines of the managers", allow);
        // Without the patterns this test proves nothing about them: a cluster with no cms.allow admits anyone.
        assertTrue(allow.contains("cms.allow host *."), allow);
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    @Test
    @Order(1)
    void membersJoinEveryRedirector() {
        run.explain(() -> {
            Set<String> workerIps = workerIps();
            for (LocalPod r : cluster.redirectors) {
                waitFor(Duration.ofSeconds(30), () -> cluster.subscribedServers(r).equals(workerIps), r + " lists both workers");
                for (LocalPod w : cluster.workers) {
                    assertTrue(LocalCluster.loggedInto(DaemonRun.read(w.log("cmsd")), r), w + " logged into " + r);
                }
            }
            run.timings.put("members listed by xrdmapc (control)", workerIps.toString());
        });
    }

    @Test
    @Order(2)
    void aRoguePodOfAnotherNamespaceIsRefused() {
        run.explain(() -> {
            LocalPod rogue;
            try {
                rogue = cluster.foreignPod("rogue", "other", "impostor", workerTemplate, workerClaims, cluster.nodes().get(1),
                        List.of(memberSearch()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            assertRefused(rogue, "rogue pod of namespace other (" + rogue.host.fqdn() + ")");
        });
    }

    @Test
    @Order(3)
    void aRogueMachineOutsideTheClusterIsRefused() {
        run.explain(() -> {
            LocalPod rogue;
            try {
                rogue = cluster.siteMachinePod("rogue-site", workerTemplate, workerClaims, List.of(memberSearch()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            assertRefused(rogue, "rogue on the site network (" + rogue.host.ip() + ", routed to the pod network)");
        });
    }

    @Test
    @Order(4)
    void newFilesLandOnMembersOnly() {
        run.explain(() -> {
            assertEquals(2, rogues.size(), "both rogues run (the earlier tests started them)");
            for (LocalPod rogue : rogues) {
                assertTrue(rogue.isRunning(), rogue + " still running and trying");
            }
            Map<String, Integer> perHolder = new TreeMap<>();
            for (int i = 0; i < FILES; i++) {
                String lfn = "/data/rogue-test-" + i + ".bin";
                LocalPod through = cluster.redirectors.get(i % cluster.redirectors.size());
                Procs.Result put = run.write(through, lfn, CLIENT_TIMEOUT);
                assertTrue(put.ok(), "write " + lfn + " through " + through + ": " + put);
                perHolder.merge(run.onlyHolder(lfn).name, 1, Integer::sum);
            }
            run.timings.put(FILES + " new files through both redirectors, per holder", perHolder.toString());
            for (LocalPod rogue : rogues) {
                List<Path> files = filesUnder(rogue.hostPath("xrootd", run.localRoot()));
                assertEquals(List.of(), files, rogue + " received files");
                run.timings.put("files on " + rogue.name, Integer.toString(files.size()));
            }
            Set<String> workerIps = workerIps();
            for (LocalPod r : cluster.redirectors) {
                assertEquals(workerIps, cluster.subscribedServers(r), "xrdmapc of " + r + " after the writes");
            }
        });
    }

    /**
     * Starts the rogue and waits until every redirector's cmsd has refused it: the refusal naming the
     * rogue's address in the manager's log, the login failure in the rogue's own log; then xrdmapc on
     * every redirector still lists exactly the workers.
     */
    private void assertRefused(LocalPod rogue, String what) {
        rogue.start();
        rogues.add(rogue);
        // The refusal of a peer cms.allow does not match, as the manager's cmsd logs it (XrdInet::Accept)
        // before any login: by the name its address's PTR record gives, by address when there is none.
        // (The probe client's TCP check gets the same line with its own address.)
        String peer = "\\[::ffff:" + Pattern.quote(rogue.host.ip()) + "\\]"
                + (rogue.host.fqdn() == null ? "" : "|" + Pattern.quote(rogue.host.fqdn()));
        Pattern refused = Pattern.compile("(?m)^.*XrdAccept: Unable to accept TCP connection from (" + peer + "); permission denied$");
        Map<String, String> lines = new LinkedHashMap<>();
        for (LocalPod r : cluster.redirectors) {
            waitFor(REFUSAL, () -> refused.matcher(DaemonRun.read(r.log("cmsd"))).find(), r + " refuses " + what);
            var m = refused.matcher(DaemonRun.read(r.log("cmsd")));
            assertTrue(m.find());
            lines.put(r.name, m.group().strip());
            run.timings.put(r.name + " cmsd on " + rogue.name, m.group().strip());
        }
        // The rogue's cmsd, refused by a redirector it found by name: "Login: <redirector> login failed; rejected".
        Pattern rejected = Pattern.compile("(?m)^.*Login: rg-xrootd-redirector-[0-9]\\S* login failed; rejected$");
        waitFor(REFUSAL, () -> rejected.matcher(DaemonRun.read(rogue.log("cmsd"))).find(), what + " logs its refusal");
        var m = rejected.matcher(DaemonRun.read(rogue.log("cmsd")));
        assertTrue(m.find());
        run.timings.put(rogue.name + " cmsd", m.group().strip());
        for (LocalPod w : cluster.workers) {
            assertFalse(rogue.host.ip().equals(w.host.ip()));
        }
        Set<String> workerIps = workerIps();
        for (LocalPod r : cluster.redirectors) {
            Set<String> listed = cluster.subscribedServers(r);
            assertEquals(workerIps, listed, "xrdmapc of " + r + " with " + what + " running");
            assertFalse(listed.contains(rogue.host.ip()), "xrdmapc of " + r + " lists " + what);
            // And the rogue's cmsd never logged in anywhere.
            assertFalse(LocalCluster.loggedInto(DaemonRun.read(rogue.log("cmsd")), r), what + " logged into " + r);
        }
        System.out.println(what + ": " + lines);
    }

    /**
     * The search domain the members' resolv.conf has and a rogue needs: all.manager names the
     * redirectors relative to the cluster's namespace ({@code <pod>.<service>}), which resolve only with
     * {@code <ns>.svc.<cluster domain>} on the search line. A rogue gets it with a pod's standard
     * {@code dnsConfig.searches} (or its own resolv.conf), so its xrootd.cf stays a byte-for-byte copy.
     */
    private static String memberSearch() {
        return DaemonRun.NAMESPACE + ".svc." + PodNetwork.CLUSTER_DOMAIN;
    }

    private Set<String> workerIps() {
        Set<String> ips = new TreeSet<>();
        cluster.workers.forEach(w -> ips.add(w.host.ip()));
        return ips;
    }

    private static List<Path> filesUnder(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
