package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * only). The spec asks for the exposure and whatever the hook answers runs, unedited (1 redirector, 2
 * workers): {@code spec.redirector.exposure.service.type: LoadBalancer} and {@code spec.worker.exposure:
 * {mode: HostPort, advertise: NodeName}} (the hook publishes the workers' xrootd port on their nodes and
 * sets {@code XRDIFADDRS} from {@code spec.nodeName}: a name with A and PTR records in the site zone and
 * a public-class address).
 *
 * <p>From outside, through the LoadBalancer's name: xrdcp write and read, xrdfs locate, a read through
 * the Service's node port on the redirector's node, HTTP GET and PUT with curl and with davix; every
 * redirect goes to the holding worker's node name, never to a pod IP. From inside, the same redirector
 * sends clients to the worker's cluster DNS name. Each redirect target is recorded in the run's timings
 * file. {@link OutsideHostNetworkRealDaemonTest} runs the same proofs with hostNetwork workers and the
 * redirectors behind a Service of type NodePort instead (outside clients at node:nodePort).
 */
@Tiers.Daemons
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OutsideAccessRealDaemonTest {
    /** Where an outside client must be sent for a file on {@code holder}: its node's name. */
    String outsideTarget(LocalPod holder) {
        return holder.host.node().name();
    }

    /**
     * Where an in-cluster client must be sent: the holder's cluster DNS name (name-based redirects, the names
     * fit XRootD's 78 characters; before they carried the pod IP).
     */
    String insideTarget(LocalPod holder) {
        return holder.host.fqdn();
    }

    /** The run's name (work directory, timings file) and the Xrootd's name. */
    String runName() {
        return "outside";
    }

    String parentName() {
        return "ox";
    }

    /** The spec the hook gets: the LoadBalancer redirector Service and HostPort workers advertising their node names. */
    ObjectNode spec() {
        ObjectNode spec = DaemonRun.spec(1, 2);
        ((ObjectNode) spec.get("redirector")).putObject("exposure").putObject("service").put("type", "LoadBalancer");
        ((ObjectNode) spec.get("worker")).putObject("exposure").put("mode", "HostPort").put("advertise", "NodeName");
        return spec;
    }

    String title() {
        return "Outside access, HostPort workers + LoadBalancer redirector";
    }

    /** The type of the redirectors' client Service the spec asks for. */
    String serviceType() {
        return "LoadBalancer";
    }

    /** Where outside clients connect: the LoadBalancer's name and the Service port. */
    String entry() {
        return clientService.name() + ":" + cluster.xrootdPort;
    }

    /** How the timings name {@link #entry()}. */
    String entryKind() {
        return "the LoadBalancer";
    }

    /** What the test checks in the hook's answer before running it. */
    void checkResponse(JsonNode response) {
        JsonNode worker = child(response, "StatefulSet", "worker");
        boolean hostPort = false;
        for (JsonNode c : worker.path("spec").path("template").path("spec").path("containers")) {
            for (JsonNode p : c.path("ports")) {
                hostPort |= p.path("hostPort").asInt() == 1094;
            }
        }
        assertTrue(hostPort, "the hook publishes the workers' xrootd port on the node: " + worker);
    }

    /** The hook's child of {@code kind} for {@code component} (a Service: the non-headless one). */
    static JsonNode child(JsonNode response, String kind, String component) {
        for (JsonNode child : response.path("children")) {
            if (kind.equals(child.path("kind").asText())
                    && component.equals(child.path("metadata").path("labels").path("app.kubernetes.io/component").asText())
                    && !"None".equals(child.path("spec").path("clusterIP").asText())) {
                return child;
            }
        }
        throw new AssertionError("no " + kind + " for " + component + " in " + response);
    }

    private static final Pattern POD_IP = Pattern.compile("\\b10\\.213\\.[0-9]+\\.[0-9]+\\b");
    private static final Duration T = DaemonRun.CLIENT_TIMEOUT;

    DaemonRun run;
    LocalCluster cluster;
    LocalPod redirector;
    LocalCluster.Exposed clientService;

    @BeforeAll
    void startCluster() throws Exception {
        run = DaemonRun.open(runName());
        Prerequisites.requireBinaries("davix-get", "davix-put");
        JsonNode response = run.sync(parentName(), spec(), 1);
        JsonNode service = child(response, "Service", "redirector");
        assertEquals(serviceType(), service.path("spec").path("type").asText());
        // The redirectors must see an outside client's own address (no SNAT) to send it to an outside route.
        assertEquals("Local", service.path("spec").path("externalTrafficPolicy").asText(), service.toString());
        checkResponse(response);
        cluster = run.cluster(response, Map.of());
        redirector = cluster.redirectors.get(0);
        run.timingsHeader(title() + " (xrootd " + DaemonRun.VERSION
                + ", 1 redirector, 2 workers, " + LocalCluster.NODES + " nodes):");
        run.explain(() -> run.startAllAndWaitReady("cold start"));
        clientService = cluster.exposeServices().stream().filter(e -> (parentName() + "-xrootd").equals(e.service())).findFirst().orElseThrow();
        if ("LoadBalancer".equals(serviceType())) {
            assertNotNull(clientService.name(), "the client Service got a LoadBalancer address");
            run.timings.put("LoadBalancer", clientService.name() + " = " + clientService.address() + ", announced by " + clientService.announcedBy().name());
        }
        run.timings.put("outside clients connect to", entry() + " (" + entryKind() + ")");
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
            if (clientService.address() != null) {
                assertTrue(outsideConnects(clientService.address(), cluster.xrootdPort), "LoadBalancer " + clientService.address());
            }
            // A LoadBalancer Service is a NodePort Service with an address in front; with externalTrafficPolicy
            // Local only nodes with a ready endpoint forward the node port.
            int nodePort = clientService.nodePorts().get(cluster.xrootdPort);
            run.timings.put(serviceType() + " Service's node port", Integer.toString(nodePort));
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
            Path source = run.clientFile("outside-1.bin", content);
            Procs.Result write = cluster.outside(List.of(), T, "xrdcp", "-d", "2", source.toString(), lbUrl(lfn));
            assertTrue(write.ok(), write.toString());
            run.timings.put("outside xrdcp write (new file) through " + entryKind(), String.format("%.2f s", write.took().toMillis() / 1000.0));
            run.written.put(lfn, content);
            LocalPod holder = run.onlyHolder(lfn);
            String target = ClientOutput.rootRedirect(write);
            run.timings.put("outside xrdcp write: redirect target", target + " (holder " + holder.name + ")");
            assertEquals("root://" + outsideTarget(holder) + ":" + cluster.xrootdPort + "/", target);

            Path back = run.clientFile("outside-1.back");
            Procs.Result read = cluster.outside(List.of(), T, "xrdcp", "-f", "-d", "2", lbUrl(lfn), back.toString());
            assertTrue(read.ok(), read.toString());
            assertArrayEquals(content, DaemonRun.bytes(back));
            String readTarget = ClientOutput.rootRedirect(read);
            run.timings.put("outside xrdcp read: redirect target", readTarget);
            assertEquals("root://" + outsideTarget(holder) + ":" + cluster.xrootdPort + "/", readTarget);

            Procs.Result locate = cluster.outside(List.of(), T, "xrdfs", entry(), "locate", lfn);
            Procs.Result locateNames = cluster.outside(List.of(), T, "xrdfs", entry(), "locate", "-m", lfn);
            assertTrue(locate.ok() && locateNames.ok(), locate + "\n" + locateNames);
            run.timings.put("outside xrdfs locate", locate.output().strip());
            run.timings.put("outside xrdfs locate -m", locateNames.output().strip());
            assertTrue(locate.output().contains(holder.host.node().ip() + "]:" + cluster.xrootdPort), locate.toString());
            assertTrue(locateNames.output().startsWith(outsideTarget(holder) + ":" + cluster.xrootdPort + " "), locateNames.toString());
            assertNoPodIp(locate.output() + locateNames.output() + target + readTarget);

            // The Service's node port on the redirector's node, as a NodePort Service offers it (a
            // LoadBalancer Service is a NodePort Service with an address in front): same redirect.
            int nodePort = clientService.nodePorts().get(cluster.xrootdPort);
            String viaNodePort = "root://" + redirector.host.node().name() + ":" + nodePort + "/" + lfn;
            Path nodePortBack = run.clientFile("outside-1.nodeport");
            Procs.Result nodePortRead = cluster.outside(List.of(), T, "xrdcp", "-f", "-d", "2", viaNodePort, nodePortBack.toString());
            assertTrue(nodePortRead.ok(), nodePortRead.toString());
            assertArrayEquals(content, DaemonRun.bytes(nodePortBack));
            String nodePortTarget = ClientOutput.rootRedirect(nodePortRead);
            run.timings.put("outside xrdcp read via node port " + viaNodePort + ": redirect target", nodePortTarget);
            assertEquals("root://" + outsideTarget(holder) + ":" + cluster.xrootdPort + "/", nodePortTarget);
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
            Path source = run.clientFile("outside-curl-put.txt", content);
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
            String location = ClientOutput.location(get);
            run.timings.put("outside davix-get: Location", location);
            assertEquals("http://" + outsideTarget(holder) + ":" + cluster.xrootdPort + lfn, location);
            assertArrayEquals(run.written.get(lfn), DaemonRun.bytes(got));

            String put = "/data/outside-davix-put.txt";
            byte[] content = content(put);
            Path source = run.clientFile("outside-davix-put.txt", content);
            Procs.Result upload = cluster.outside(List.of(), T, "davix-put", "--trace", "header", source.toString(), lbHttp(put));
            assertTrue(upload.ok(), upload.toString());
            run.written.put(put, content);
            LocalPod putHolder = run.onlyHolder(put);
            String putLocation = ClientOutput.location(upload);
            run.timings.put("outside davix-put: Location", putLocation);
            assertEquals("http://" + outsideTarget(putHolder) + ":" + cluster.xrootdPort + put, putLocation);
            // Read back from outside over xroot, through the same entry.
            Path back = run.clientFile("outside-davix-put.back");
            Procs.Result read = cluster.outside(List.of(), T, "xrdcp", "-f", lbUrl(put), back.toString());
            assertTrue(read.ok(), read.toString());
            assertArrayEquals(content, DaemonRun.bytes(back));
        });
    }

    @Test
    @Order(5)
    void clientsInsideAreStillServed() {
        run.explain(() -> {
            String lfn = "/data/outside-1.bin";
            LocalPod holder = run.onlyHolder(lfn);
            Path back = run.clientFile("inside-1.back");
            Procs.Result read = cluster.client(T, "xrdcp", "-f", "-d", "2", cluster.rootUrl(redirector, lfn), back.toString());
            assertTrue(read.ok(), read.toString());
            assertArrayEquals(run.written.get(lfn), DaemonRun.bytes(back));
            String target = ClientOutput.rootRedirect(read);
            run.timings.put("inside xrdcp read: redirect target", target);
            assertEquals("root://" + insideTarget(holder) + ":" + cluster.xrootdPort + "/", target);

            String inside = "/data/inside-2.bin";
            byte[] content = content(inside);
            Procs.Result write = cluster.client(T, "xrdcp", "-d", "2", run.clientFile("inside-2.bin", content).toString(),
                    cluster.rootUrl(redirector, inside));
            assertTrue(write.ok(), write.toString());
            run.written.put(inside, content);
            LocalPod insideHolder = run.onlyHolder(inside);
            String writeTarget = ClientOutput.rootRedirect(write);
            run.timings.put("inside xrdcp write: redirect target", writeTarget);
            assertEquals("root://" + insideTarget(insideHolder) + ":" + cluster.xrootdPort + "/", writeTarget);

            Procs.Result get = cluster.client(T, "curl", "-sS", "-L", "-o", "/dev/null", "-w",
                    "%{http_code} %{num_redirects} %{url_effective}", cluster.httpUrl(redirector, lfn));
            run.timings.put("inside curl GET -L: code, redirects, final URL", get.output().strip());
            assertEquals("200 1 http://" + insideTarget(holder) + ":" + cluster.xrootdPort + lfn, get.output().strip(), get.toString());
        });
    }

    boolean outsideConnects(String ip, int port) {
        return cluster.outside(List.of(), Duration.ofSeconds(3), "bash", "-c", "exec 3<>/dev/tcp/$0/$1", ip, Integer.toString(port)).ok();
    }

    private String lbUrl(String lfn) {
        return "root://" + entry() + "/" + lfn;
    }

    private String lbHttp(String lfn) {
        return "http://" + entry() + lfn;
    }

    private static byte[] content(String lfn) {
        return ("outside access test " + lfn + " " + System.nanoTime() + "\n").repeat(40).getBytes(StandardCharsets.UTF_8);
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
