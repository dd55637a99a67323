package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Tiers;

/**
 * Issue 14, the proofs of {@link OutsideAccessRealDaemonTest} with workers on their nodes' network:
 * {@code spec.worker.exposure.mode: HostNetwork}, {@code spec.allowedHosts: ["*.site.example"]} (their
 * cmsd logs in from node addresses), the redirector behind a Service of type NodePort ({@code nodePort:
 * }{@value #NODE_PORT}); the hook's answer runs unedited. Outside clients connect to the node port on the
 * redirector's node, by the node's name, as a site without a load balancer publishes its redirectors (a
 * DNS name for the nodes that run them); every proof of the parent class (xrdcp write and read, xrdfs
 * locate, curl and davix GET and PUT, the inside clients) goes through it, and the redirect target must
 * be the holding worker's node name, which the outside reaches. The Service is the hook's with
 * {@code externalTrafficPolicy: Local}: only nodes with a ready redirector forward the port
 * ({@link LocalCluster#exposeServices}, kube-proxy's semantics for Local).
 *
 * <p>A hostNetwork worker's cmsd logs in from its node's address, which is public-class, so the manager
 * names its one route by that address's reverse lookup (research §3). With a headless Service selecting
 * the worker, the cluster DNS answered it with the pod's cluster name and every client, outside ones
 * too, was sent there (an outside client cannot resolve it). The hook now builds no headless Service for
 * HostNetwork workers, so the cluster DNS forwards the PTR to the site's DNS: the node name, which every
 * client resolves. Inside and outside clients alike are sent to it (the node address is public-class:
 * there is no private route).
 */
@Tiers.Daemons
class OutsideHostNetworkRealDaemonTest extends OutsideAccessRealDaemonTest {
    @Override
    String runName() {
        return "outside-hostnetwork";
    }

    @Override
    String parentName() {
        return "oh";
    }

    /** Inside the Service node-port range (30000-32767), not the harness's first allocation (30000). */
    static final int NODE_PORT = 31094;

    @Override
    String title() {
        return "Outside access, HostNetwork workers + NodePort redirector Service";
    }

    @Override
    String serviceType() {
        return "NodePort";
    }

    /** The redirector's node by name, at the Service's node port. */
    @Override
    String entry() {
        return redirector.host.node().name() + ":" + clientService.nodePorts().get(cluster.xrootdPort);
    }

    @Override
    String entryKind() {
        return "the NodePort Service on the redirector's node";
    }

    @Override
    ObjectNode spec() {
        ObjectNode spec = DaemonRun.spec(1, 2);
        ((ObjectNode) spec.get("redirector")).putObject("exposure").putObject("service").put("type", "NodePort")
                .put("nodePort", NODE_PORT);
        ((ObjectNode) spec.get("worker")).putObject("exposure").put("mode", "HostNetwork");
        spec.putArray("allowedHosts").add("*." + PodNetwork.SITE_DOMAIN);
        return spec;
    }

    /** One route per worker, named by the node address's PTR: inside clients get the node name too. */
    @Override
    String insideTarget(LocalPod holder) {
        return holder.host.node().name();
    }

    @Override
    void checkResponse(JsonNode response) {
        JsonNode port = child(response, "Service", "redirector").path("spec").path("ports").path(0);
        assertEquals(NODE_PORT, port.path("nodePort").asInt(), port.toString());
        assertEquals(1094, port.path("targetPort").asInt(), port.toString());
        JsonNode worker = child(response, "StatefulSet", "worker");
        assertTrue(worker.path("spec").path("template").path("spec").path("hostNetwork").asBoolean(), worker.toString());
        String serviceName = worker.path("spec").path("serviceName").asText();
        assertFalse(serviceName.isEmpty(), "the StatefulSet keeps its serviceName");
        for (JsonNode child : response.path("children")) {
            if ("Service".equals(child.path("kind").asText())) {
                assertFalse(serviceName.equals(child.path("metadata").path("name").asText()),
                        "no headless Service " + serviceName + " for HostNetwork workers: " + child);
                assertFalse("worker".equals(child.path("spec").path("selector").path("app.kubernetes.io/component").asText()),
                        "no Service selects the workers: " + child);
            }
        }
    }

    @Test
    @Order(0)
    void theManagerNamesEachWorkerByItsNodeName() {
        run.explain(() -> {
            for (LocalPod worker : cluster.workers) {
                PodNetwork.Node node = worker.host.node();
                assertTrue(worker.host.hostNetwork() && worker.host.ip().equals(node.ip()), worker + " on its node's address");
                // Inside the cluster: the node address's PTR is the site's (forwarded), the pod's cluster name is unknown.
                Procs.Result reverse = cluster.client(Duration.ofSeconds(5), "getent", "hosts", node.ip());
                run.timings.put("inside getent hosts " + node.ip(), reverse.output().strip());
                assertTrue(reverse.ok() && reverse.output().strip().endsWith(node.name()), reverse.toString());
                Procs.Result forward = cluster.client(Duration.ofSeconds(5), "getent", "ahostsv4", worker.host.fqdn());
                assertFalse(forward.ok(), "the cluster DNS knows no " + worker.host.fqdn() + ": " + forward);
                String route = "Route all4: " + node.name() + " Dest=[::" + node.ip() + "]:" + cluster.xrootdPort;
                String log = DaemonRun.read(redirector.log("cmsd"));
                assertTrue(log.contains(route), "the manager's route for " + worker + ": " + route);
                run.timings.put("manager's route for " + worker.name, route);
                assertFalse(log.contains(worker.host.fqdn()), "the manager never names " + worker.host.fqdn());
            }
        });
    }
}
