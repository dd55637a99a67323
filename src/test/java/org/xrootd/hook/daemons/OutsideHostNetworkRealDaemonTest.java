package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.xrootd.hook.testkit.Tiers;

/**
 * Issue 14, workers on their nodes' network ({@code hostNetwork: true}, {@code dnsPolicy:
 * ClusterFirstWithHostNet}, written into the hook's answer by the test) behind today's headless worker
 * Service, the redirector behind a LoadBalancer (1 redirector, 2 workers, 3 nodes). What the daemons
 * show, a limitation the exposure must solve:
 *
 * <p>A hostNetwork worker's cmsd logs in from its node's address, which is public-class, so the manager
 * names that route by the address's reverse lookup (research §3). The cluster DNS answers it as CoreDNS
 * does for an endpoint with a hostname: the pod's name under the headless Service. Every client, inside
 * or outside, is redirected to {@code <pod>.<service>.<ns>.svc.cluster.local}: in-cluster clients
 * resolve it and read and write, an outside client cannot resolve it and fails. ({@code XRDIFADDRS}
 * cannot help: it fills only address slots the connection's own address left empty.)
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutsideHostNetworkRealDaemonTest {
    private static final Duration T = DaemonRun.CLIENT_TIMEOUT;
    private static final Pattern ROOT_REDIRECT = Pattern.compile("Redirected from: \\S+ to: (\\S+)");

    private DaemonRun run;
    private LocalCluster cluster;
    private LocalPod redirector;
    private LocalCluster.Exposed lb;

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open("outside-hostnetwork");
        JsonNode response = hostNetworkWorkers(run.sync("oh", DaemonRun.spec(1, 2), 1));
        Files.writeString(run.workDir.resolve("sync-response-exposed.json"), response.toPrettyString());
        cluster = run.cluster(response, Map.of());
        redirector = cluster.redirectors.get(0);
        run.timingsHeader("Outside access, hostNetwork workers + LoadBalancer redirector (xrootd " + DaemonRun.VERSION
                + ", 1 redirector, 2 workers, " + LocalCluster.NODES + " nodes):");
        run.explain(() -> run.startAllAndWaitReady("cold start"));
        lb = cluster.exposeServices().stream().filter(e -> "oh-xrootd".equals(e.service())).findFirst().orElseThrow();
        for (LocalPod pod : cluster.allPods()) {
            run.timings.put("pod " + pod.name, pod.host.ip() + " on " + pod.host.node().name()
                    + (pod.host.hostNetwork() ? " (hostNetwork)" : ""));
        }
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    static JsonNode hostNetworkWorkers(JsonNode response) {
        JsonNode copy = OutsideAccessRealDaemonTest.loadBalancer(response);
        boolean workers = false;
        for (JsonNode child : copy.path("children")) {
            String component = child.path("metadata").path("labels").path("app.kubernetes.io/component").asText();
            if ("StatefulSet".equals(child.path("kind").asText()) && "worker".equals(component)) {
                ((ObjectNode) child.path("spec").path("template").path("spec")).put("hostNetwork", true)
                        .put("dnsPolicy", "ClusterFirstWithHostNet");
                workers = true;
            }
        }
        assertTrue(workers, "the response has a worker StatefulSet");
        return copy;
    }

    @Test
    void everyClientIsSentToTheWorkersClusterDnsName() {
        run.explain(() -> {
            for (LocalPod worker : cluster.workers) {
                assertTrue(worker.host.hostNetwork() && worker.host.ip().equals(worker.host.node().ip()), worker + " on its node's address");
                String route = "Route all4: " + worker.host.fqdn() + " Dest=[::" + worker.host.ip() + "]:" + cluster.xrootdPort;
                assertTrue(DaemonRun.read(redirector.log("cmsd")).contains(route), "the manager's route for " + worker + ": " + route);
            }
            // Inside: write and read through the redirector's pod name; the redirect names the pod.
            String lfn = "/data/hostnetwork-1.bin";
            byte[] content = ("hostNetwork worker " + System.nanoTime() + "\n").repeat(40).getBytes(StandardCharsets.UTF_8);
            Path source = run.clientFile("hostnetwork-1.bin");
            try {
                Files.write(source, content);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Procs.Result write = cluster.client(T, "xrdcp", "-d", "2", source.toString(), cluster.rootUrl(redirector, lfn));
            assertTrue(write.ok(), write.toString());
            run.written.put(lfn, content);
            LocalPod holder = run.onlyHolder(lfn);
            String insideTarget = redirect(write);
            run.timings.put("inside xrdcp write: redirect target", insideTarget);
            assertEquals("root://" + holder.host.fqdn() + ":" + cluster.xrootdPort + "/", insideTarget);
            run.readBack(redirector, lfn);
            Procs.Result insideGet = cluster.client(T, "curl", "-sS", "-L", "-o", "/dev/null", "-w",
                    "%{http_code} %{num_redirects} %{url_effective}", cluster.httpUrl(redirector, lfn));
            run.timings.put("inside curl GET -L", insideGet.output().strip());
            assertEquals("200 1 http://" + holder.host.fqdn() + ":" + cluster.xrootdPort + lfn, insideGet.output().strip());

            // Outside: the worker's node address itself is reachable...
            assertTrue(cluster.outside(List.of(), Duration.ofSeconds(3), "bash", "-c", "exec 3<>/dev/tcp/$0/$1",
                    holder.host.ip(), Integer.toString(cluster.xrootdPort)).ok(), "outside reaches " + holder.host.ip());
            // ...but the redirect names the pod's cluster DNS name, which the site's DNS does not know.
            String url = "root://" + lb.name() + ":" + cluster.xrootdPort + "/" + lfn;
            Path back = run.clientFile("hostnetwork-1.outside");
            Procs.Result read = cluster.outside(List.of(), T, "xrdcp", "-f", "-d", "2", url, back.toString());
            String outsideTarget = redirect(read);
            run.timings.put("outside xrdcp read: redirect target", outsideTarget + (read.ok() ? " (read ok)" : " (read failed)"));
            assertEquals("root://" + holder.host.fqdn() + ":" + cluster.xrootdPort + "/", outsideTarget);
            assertFalse(read.ok(), read.toString());
            assertTrue(read.output().contains("Unable to resolve " + holder.host.fqdn()), read.toString());
            Procs.Result outsideGet = cluster.outside(List.of(), T, "curl", "-sS", "-L", "-o", "/dev/null", "-w",
                    "%{http_code} %{url_effective}", "http://" + lb.name() + ":" + cluster.xrootdPort + lfn);
            run.timings.put("outside curl GET -L", outsideGet.output().strip().replace('\n', ' '));
            assertFalse(outsideGet.ok(), outsideGet.toString());
            assertTrue(outsideGet.output().contains("Could not resolve host: " + holder.host.fqdn()), outsideGet.toString());
            assertArrayEquals(content, run.written.get(lfn));
        });
    }

    private static String redirect(Procs.Result result) {
        Matcher m = ROOT_REDIRECT.matcher(result.output());
        assertTrue(m.find(), "no redirect in " + result);
        return m.group(1);
    }
}
