package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
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
 * Issue 14, clients outside the cluster, on real xrootd 5.5.3 behind the harness's cluster boundary
 * ({@link PodNetwork}: pods on 3 nodes, an outside client that reaches node and LoadBalancer addresses
 * only). The exposure of the hostPort mode, written into the hook's answer by this test with standard
 * Kubernetes fields until the spec drives it (1 redirector, 2 workers):
 *
 * <ul>
 *   <li>workers: {@code hostPort: 1094} on the xrootd container port, and {@code XRDIFADDRS} from the
 *       downward API's {@code spec.nodeName} on both daemon containers (the node's name, public-class
 *       address with A and PTR records in the site zone);
 *   <li>the redirectors' client Service: {@code type: LoadBalancer}, {@code externalTrafficPolicy: Local}.
 * </ul>
 *
 * From outside, through the LoadBalancer's name: xrdcp write and read, xrdfs locate, HTTP GET and PUT
 * with curl and with davix; every redirect goes to the holding worker's node name, never to a pod IP.
 * From inside, the same redirector sends clients to the worker's pod IP. Each redirect target is
 * recorded in the run's timings file.
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OutsideAccessRealDaemonTest {
    /** Where an outside client must be sent for a file on {@code holder}: its node's name. */
    String outsideTarget(LocalPod holder) {
        return holder.host.node().name();
    }

    /** Where an in-cluster client must be sent: the holder's pod IP. */
    String insideTarget(LocalPod holder) {
        return holder.host.ip();
    }

    private static final Pattern ROOT_REDIRECT = Pattern.compile("Redirected from: \\S+ to: (\\S+)");
    private static final Pattern POD_IP = Pattern.compile("\\b10\\.213\\.[0-9]+\\.[0-9]+\\b");
    private static final Duration T = DaemonRun.CLIENT_TIMEOUT;

    private DaemonRun run;
    private LocalCluster cluster;
    private LocalPod redirector;
    private LocalCluster.Exposed lb;

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open("outside");
        Prerequisites.requireBinaries("davix-get", "davix-put");
        JsonNode response = hostPortMode(run.sync("ox", DaemonRun.spec(1, 2), 1));
        Files.writeString(run.workDir.resolve("sync-response-exposed.json"), response.toPrettyString());
        cluster = run.cluster(response, Map.of());
        redirector = cluster.redirectors.get(0);
        run.timingsHeader("Outside access, hostPort workers + LoadBalancer redirector (xrootd " + DaemonRun.VERSION
                + ", 1 redirector, 2 workers, " + LocalCluster.NODES + " nodes):");
        run.explain(() -> run.startAllAndWaitReady("cold start"));
        lb = cluster.exposeServices().stream().filter(e -> "ox-xrootd".equals(e.service())).findFirst().orElseThrow();
        assertNotNull(lb.name(), "the client Service got a LoadBalancer address");
        run.timings.put("LoadBalancer", lb.name() + " = " + lb.address() + ", announced by " + lb.announcedBy().name());
        for (LocalPod pod : cluster.allPods()) {
            run.timings.put("pod " + pod.name, pod.host.ip() + " on " + pod.host.node().name() + " (" + pod.host.node().ip() + ")");
        }
    }

    @AfterAll
    void stopEverything() throws IOException {
        if (run != null) {
            run.close();
        }
    }

    /**
     * The hook's answer with the hostPort exposure written in: what a Pod Security "baseline" site
     * would apply. Only standard fields, so the harness runs it exactly as a kubelet would.
     */
    static JsonNode hostPortMode(JsonNode response) {
        JsonNode copy = loadBalancer(response);
        boolean workers = false;
        for (JsonNode child : copy.path("children")) {
            String component = child.path("metadata").path("labels").path("app.kubernetes.io/component").asText();
            if ("StatefulSet".equals(child.path("kind").asText()) && "worker".equals(component)) {
                for (JsonNode c : child.path("spec").path("template").path("spec").path("containers")) {
                    ObjectNode env = ((ArrayNode) c.path("env")).addObject();
                    env.put("name", "XRDIFADDRS");
                    env.putObject("valueFrom").putObject("fieldRef").put("apiVersion", "v1").put("fieldPath", "spec.nodeName");
                    if ("xrootd".equals(c.path("name").asText())) {
                        ArrayNode ports = c.has("ports") ? (ArrayNode) c.path("ports") : ((ObjectNode) c).putArray("ports");
                        ObjectNode xrootd = null;
                        for (JsonNode p : ports) {
                            if (p.path("containerPort").asInt() == 1094) {
                                xrootd = (ObjectNode) p;
                            }
                        }
                        if (xrootd == null) {
                            xrootd = ports.addObject().put("name", "xrootd").put("containerPort", 1094).put("protocol", "TCP");
                        }
                        xrootd.put("hostPort", 1094);
                        workers = true;
                    }
                }
            }
        }
        assertTrue(workers, "the response has a worker xrootd container");
        return copy;
    }

    /** The redirectors' client Service as type LoadBalancer with externalTrafficPolicy Local. */
    static JsonNode loadBalancer(JsonNode response) {
        JsonNode copy = response.deepCopy();
        boolean service = false;
        for (JsonNode child : copy.path("children")) {
            String component = child.path("metadata").path("labels").path("app.kubernetes.io/component").asText();
            if ("Service".equals(child.path("kind").asText()) && "redirector".equals(component)
                    && !"None".equals(child.path("spec").path("clusterIP").asText())) {
                ((ObjectNode) child.path("spec")).put("type", "LoadBalancer").put("externalTrafficPolicy", "Local");
                service = true;
            }
        }
        assertTrue(service, "the response has a redirector client Service");
        return copy;
    }

    @Test
    @Order(1)
    void theOutsideReachesNodeAndLoadBalancerAddressesOnly() {
        run.explain(() -> {
            for (LocalPod pod : cluster.allPods()) {
                if (!pod.host.hostNetwork()) {
                    assertFalse(outsideConnects(pod.host.ip(), cluster.xrootdPort), "outside client reached pod IP of " + pod);
                }
                assertTrue(cluster.accepts(pod, cluster.xrootdPort), "in-cluster client reaches " + pod);
            }
            assertTrue(outsideConnects(lb.address(), cluster.xrootdPort), "LoadBalancer " + lb.address());
            // A LoadBalancer Service also has a node port; with externalTrafficPolicy Local only nodes
            // with a ready endpoint forward it.
            int nodePort = lb.nodePorts().get(cluster.xrootdPort);
            run.timings.put("LoadBalancer node port", Integer.toString(nodePort));
            for (PodNetwork.Node node : cluster.nodes()) {
                boolean local = cluster.redirectors.stream().anyMatch(r -> r.host.node().equals(node));
                assertEquals(local, outsideConnects(node.ip(), nodePort), "node port " + nodePort + " on " + node.name()
                        + (local ? " (has a redirector)" : " (no redirector)"));
            }
            for (LocalPod worker : cluster.workers) {
                assertTrue(outsideConnects(worker.host.node().ip(), cluster.xrootdPort), "hostPort of " + worker + " on its node");
            }
            // A node without a hostPort pod forwards nothing: the redirector's own address stays closed.
            List<String> workerNodes = cluster.workers.stream().map(w -> w.host.node().ip()).toList();
            PodNetwork.Node redirectorNode = redirector.host.node();
            if (!workerNodes.contains(redirectorNode.ip())) {
                assertFalse(outsideConnects(redirectorNode.ip(), cluster.xrootdPort), "node " + redirectorNode.name() + " without a hostPort pod");
            }
        });
    }

    @Test
    @Order(2)
    void xrootdFromOutsideIsRedirectedToTheNodeName() {
        run.explain(() -> {
            String lfn = "/data/outside-1.bin";
            byte[] content = content(lfn);
            Path source = file("outside-1.bin", content);
            Procs.Result write = cluster.outside(List.of(), T, "xrdcp", "-d", "2", source.toString(), lbUrl(lfn));
            assertTrue(write.ok(), write.toString());
            run.written.put(lfn, content);
            LocalPod holder = run.onlyHolder(lfn);
            String target = rootRedirect(write);
            run.timings.put("outside xrdcp write: redirect target", target + " (holder " + holder.name + ")");
            assertEquals("root://" + outsideTarget(holder) + ":" + cluster.xrootdPort + "/", target);

            Path back = run.clientFile("outside-1.back");
            Procs.Result read = cluster.outside(List.of(), T, "xrdcp", "-f", "-d", "2", lbUrl(lfn), back.toString());
            assertTrue(read.ok(), read.toString());
            assertArrayEquals(content, DaemonRun.bytes(back));
            String readTarget = rootRedirect(read);
            run.timings.put("outside xrdcp read: redirect target", readTarget);
            assertEquals("root://" + outsideTarget(holder) + ":" + cluster.xrootdPort + "/", readTarget);

            Procs.Result locate = cluster.outside(List.of(), T, "xrdfs", lb.name() + ":" + cluster.xrootdPort, "locate", lfn);
            Procs.Result locateNames = cluster.outside(List.of(), T, "xrdfs", lb.name() + ":" + cluster.xrootdPort, "locate", "-m", lfn);
            assertTrue(locate.ok() && locateNames.ok(), locate + "\n" + locateNames);
            run.timings.put("outside xrdfs locate", locate.output().strip());
            run.timings.put("outside xrdfs locate -m", locateNames.output().strip());
            assertTrue(locate.output().contains(holder.host.node().ip() + "]:" + cluster.xrootdPort), locate.toString());
            assertTrue(locateNames.output().startsWith(outsideTarget(holder) + ":" + cluster.xrootdPort + " "), locateNames.toString());
            assertNoPodIp(locate.output() + locateNames.output() + target + readTarget);
        });
    }

    @Test
    @Order(3)
    void httpFromOutsideWithCurlIsRedirectedToTheNodeName() {
        run.explain(() -> {
            String lfn = "/data/outside-1.bin";
            LocalPod holder = run.onlyHolder(lfn);
            Path got = run.clientFile("outside-curl-get.bin");
            Procs.Result get = cluster.outside(List.of(), T, "curl", "-sS", "-L", "-o", got.toString(), "-w",
                    "%{http_code} %{num_redirects} %{url_effective}", lbHttp(lfn));
            run.timings.put("outside curl GET -L: code, redirects, final URL", get.output().strip());
            assertEquals("200 1 http://" + outsideTarget(holder) + ":" + cluster.xrootdPort + lfn, get.output().strip(), get.toString());
            assertArrayEquals(run.written.get(lfn), DaemonRun.bytes(got));

            String put = "/data/outside-curl-put.txt";
            byte[] content = content(put);
            Path source = file("outside-curl-put.txt", content);
            Procs.Result upload = cluster.outside(List.of(), T, "curl", "-sS", "-L", "-o", "/dev/null", "-T", source.toString(), "-w",
                    "%{http_code} %{num_redirects} %{url_effective}", lbHttp(put));
            run.timings.put("outside curl PUT -L: code, redirects, final URL", upload.output().strip());
            assertTrue(upload.ok(), upload.toString());
            run.written.put(put, content);
            LocalPod putHolder = run.onlyHolder(put);
            assertTrue(upload.output().strip().matches("20[01] 1 " + Pattern.quote("http://" + outsideTarget(putHolder) + ":"
                    + cluster.xrootdPort + put)), upload.toString());
            assertNoPodIp(get.output() + upload.output());
        });
    }

    @Test
    @Order(4)
    void httpFromOutsideWithDavixIsRedirectedToTheNodeName() {
        run.explain(() -> {
            String lfn = "/data/outside-1.bin";
            LocalPod holder = run.onlyHolder(lfn);
            Path got = run.clientFile("outside-davix-get.bin");
            Procs.Result get = cluster.outside(List.of(), T, "davix-get", "--trace", "header", lbHttp(lfn), got.toString());
            assertTrue(get.ok(), get.toString());
            String location = location(get);
            run.timings.put("outside davix-get: Location", location);
            assertEquals("http://" + outsideTarget(holder) + ":" + cluster.xrootdPort + lfn, location);
            assertArrayEquals(run.written.get(lfn), DaemonRun.bytes(got));

            String put = "/data/outside-davix-put.txt";
            byte[] content = content(put);
            Path source = file("outside-davix-put.txt", content);
            Procs.Result upload = cluster.outside(List.of(), T, "davix-put", "--trace", "header", source.toString(), lbHttp(put));
            assertTrue(upload.ok(), upload.toString());
            run.written.put(put, content);
            LocalPod putHolder = run.onlyHolder(put);
            String putLocation = location(upload);
            run.timings.put("outside davix-put: Location", putLocation);
            assertEquals("http://" + outsideTarget(putHolder) + ":" + cluster.xrootdPort + put, putLocation);
            // Read back from outside over xroot, through the LoadBalancer.
            Path back = run.clientFile("outside-davix-put.back");
            Procs.Result read = cluster.outside(List.of(), T, "xrdcp", "-f", lbUrl(put), back.toString());
            assertTrue(read.ok(), read.toString());
            assertArrayEquals(content, DaemonRun.bytes(back));
        });
    }

    @Test
    @Order(5)
    void clientsInsideAreStillRedirectedToPodIps() {
        run.explain(() -> {
            String lfn = "/data/outside-1.bin";
            LocalPod holder = run.onlyHolder(lfn);
            Path back = run.clientFile("inside-1.back");
            Procs.Result read = cluster.client(T, "xrdcp", "-f", "-d", "2", cluster.rootUrl(redirector, lfn), back.toString());
            assertTrue(read.ok(), read.toString());
            assertArrayEquals(run.written.get(lfn), DaemonRun.bytes(back));
            String target = rootRedirect(read);
            run.timings.put("inside xrdcp read: redirect target", target);
            assertEquals("root://" + insideTarget(holder) + ":" + cluster.xrootdPort + "/", target);

            String inside = "/data/inside-2.bin";
            byte[] content = content(inside);
            Procs.Result write = cluster.client(T, "xrdcp", "-d", "2", file("inside-2.bin", content).toString(),
                    cluster.rootUrl(redirector, inside));
            assertTrue(write.ok(), write.toString());
            run.written.put(inside, content);
            LocalPod insideHolder = run.onlyHolder(inside);
            String writeTarget = rootRedirect(write);
            run.timings.put("inside xrdcp write: redirect target", writeTarget);
            assertEquals("root://" + insideTarget(insideHolder) + ":" + cluster.xrootdPort + "/", writeTarget);

            Procs.Result get = cluster.client(T, "curl", "-sS", "-L", "-o", "/dev/null", "-w",
                    "%{http_code} %{num_redirects} %{url_effective}", cluster.httpUrl(redirector, lfn));
            run.timings.put("inside curl GET -L: code, redirects, final URL", get.output().strip());
            assertEquals("200 1 http://" + insideTarget(holder) + ":" + cluster.xrootdPort + lfn, get.output().strip(), get.toString());
        });
    }

    private boolean outsideConnects(String ip, int port) {
        return cluster.outside(List.of(), Duration.ofSeconds(3), "bash", "-c", "exec 3<>/dev/tcp/$0/$1", ip, Integer.toString(port)).ok();
    }

    private String lbUrl(String lfn) {
        return "root://" + lb.name() + ":" + cluster.xrootdPort + "/" + lfn;
    }

    private String lbHttp(String lfn) {
        return "http://" + lb.name() + ":" + cluster.xrootdPort + lfn;
    }

    private static byte[] content(String lfn) {
        return ("outside access test " + lfn + " " + System.nanoTime() + "\n").repeat(40).getBytes(StandardCharsets.UTF_8);
    }

    private Path file(String name, byte[] content) {
        Path path = run.clientFile(name);
        try {
            Files.write(path, content);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return path;
    }

    /** The (first) redirect an XrdCl client logged at debug level. */
    private static String rootRedirect(Procs.Result result) {
        Matcher m = ROOT_REDIRECT.matcher(result.output());
        assertTrue(m.find(), "no redirect in " + result);
        return m.group(1);
    }

    /** The Location header of the redirector's answer in davix's header trace. */
    private static String location(Procs.Result result) {
        Matcher m = Pattern.compile("(?im)^<?\\s*Location:\\s*(\\S+)").matcher(result.output());
        assertTrue(m.find(), "no Location header in " + result);
        return m.group(1);
    }

    private static void assertNoPodIp(String seen) {
        List<String> ips = new ArrayList<>();
        Matcher m = POD_IP.matcher(seen);
        while (m.find()) {
            ips.add(m.group());
        }
        assertEquals(List.of(), ips, "pod IPs seen by an outside client");
    }
}
