package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xrootd.hook.daemons.DaemonRun.CLIENT_TIMEOUT;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.xrootd.hook.testkit.Tiers;

/**
 * The bound of name-based redirects on real xrootd 5.5.3 (issue 14), with the hook's configuration as
 * rendered: before 5.8 a client keeps at most 78 characters of {@code host:port}, so the redirectors turn on
 * {@code xrd.network rpipa} only when the longest member name the shape admits
 * ({@code <name>-xrootd-worker-63.<Service>.<ns>.svc.cluster.local:1094} without supervisors) fits.
 * In namespace {@code xrd} (3 characters) that is an Xrootd name of at most 19 characters (name plus
 * namespace 22).
 *
 * <ul>
 *   <li>At the bound (19 characters): the rendered length without the domain is 65, start.sh adds
 *       {@code cluster.local} (78) and turns rpipa on; redirects carry the holder's full name (77
 *       characters with ordinals 0-1), never cut, and root:// and HTTP through the redirector work.
 *   <li>Just over it (20 characters, 79): start.sh says why and leaves rpipa off; redirects carry the
 *       holder's pod IP, root:// and HTTP still work, no name (and so no cut name) in any redirect.
 * </ul>
 * Each case is its own cluster, one after the other.
 */
@Tiers.Daemons
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedirectNameBoundRealDaemonTest {
    static final String AT_BOUND = "bound-0123456789-ab";
    static final String OVER_BOUND = "bound-0123456789-abc";

    @Test
    @Order(1)
    @Timeout(240)
    void atTheBoundRedirectsCarryTheFullName() throws Exception {
        assertEquals(22, AT_BOUND.length() + DaemonRun.NAMESPACE.length());
        try (DaemonRun run = DaemonRun.open("rpipa-bound")) {
            JsonNode response = run.sync(AT_BOUND, DaemonRun.spec(1, 2), 1);
            assertEquals("65", redirectorEnv(response, "XRD_REDIRECT_NAME_LENGTH"));
            assertEquals("78", redirectorEnv(response, "XRD_HOST_PORT_MAX"));
            LocalCluster cluster = run.cluster(response, java.util.Map.of());
            run.timingsHeader("Name-based redirects at the bound (xrootd " + DaemonRun.VERSION + ", Xrootd " + AT_BOUND
                    + " in namespace " + DaemonRun.NAMESPACE + ", 1 redirector, 2 workers):");
            run.explain(() -> {
                run.startAllAndWaitReady("cold start");
                LocalPod r0 = cluster.redirectors.get(0);
                String log = DaemonRun.read(r0.log("xrootd"));
                assertTrue(log.contains("xrootd-hook: redirects name members by DNS name (longest host:port 78 of at most 78 characters)"), log);
                run.timings.put("redirector start.sh", "redirects name members by DNS name (longest host:port 78 of at most 78 characters)");

                String lfn = "/data/at-bound.bin";
                byte[] content = TlsRealDaemonTest.content(lfn);
                Path source = run.clientFile("at-bound.bin", content);
                Procs.Result write = cluster.client(CLIENT_TIMEOUT, "xrdcp", "-d", "2", source.toString(), cluster.rootUrl(r0, lfn));
                assertTrue(write.ok(), write.toString());
                run.written.put(lfn, content);
                LocalPod holder = run.onlyHolder(lfn);
                String hostPort = holder.host.fqdn() + ":" + cluster.xrootdPort;
                String target = ClientOutput.rootRedirect(write);
                run.timings.put("root:// write: redirect target", target + " (" + hostPort.length() + "-character host:port)");
                assertEquals("root://" + hostPort + "/", target);
                assertEquals(77, hostPort.length(), "ordinal 0 or 1: one digit fewer than the 63 the bound counts");

                Path back = run.clientFile("at-bound.back");
                Procs.Result read = cluster.client(CLIENT_TIMEOUT, "xrdcp", "-f", "-d", "2", cluster.rootUrl(r0, lfn), back.toString());
                assertTrue(read.ok(), read.toString());
                assertEquals("root://" + hostPort + "/", ClientOutput.rootRedirect(read));
                assertArrayEquals(content, DaemonRun.bytes(back));

                Procs.Result http = cluster.client(CLIENT_TIMEOUT, "curl", "-sS", "-L", "-o", "/dev/null",
                        "-w", "%{http_code} %{num_redirects} %{url_effective}", cluster.httpUrl(r0, lfn));
                run.timings.put("curl GET -L: code, redirects, final URL", http.output().strip());
                assertEquals("200 1 http://" + hostPort + lfn, http.output().strip());
            });
        }
    }

    @Test
    @Order(2)
    @Timeout(240)
    void justOverTheBoundRedirectsCarryPodIps() throws Exception {
        assertEquals(23, OVER_BOUND.length() + DaemonRun.NAMESPACE.length());
        try (DaemonRun run = DaemonRun.open("rpipa-over")) {
            JsonNode response = run.sync(OVER_BOUND, DaemonRun.spec(1, 2), 1);
            assertEquals("66", redirectorEnv(response, "XRD_REDIRECT_NAME_LENGTH"));
            String warning = condition(response, "RedirectsByAddress");
            assertTrue(warning.contains("is 79 characters with the cluster domain cluster.local, over the 78 that XRootD 5.5.3 keeps"), warning);
            LocalCluster cluster = run.cluster(response, java.util.Map.of());
            run.timingsHeader("Name-based redirects just over the bound (xrootd " + DaemonRun.VERSION + ", Xrootd " + OVER_BOUND
                    + " in namespace " + DaemonRun.NAMESPACE + ", 1 redirector, 2 workers):");
            run.timings.put("status condition RedirectsByAddress", warning);
            run.explain(() -> {
                run.startAllAndWaitReady("cold start");
                LocalPod r0 = cluster.redirectors.get(0);
                String log = DaemonRun.read(r0.log("xrootd"));
                String said = "xrootd-hook: redirects carry pod IPs, not names: the longest member host:port would be 79 characters with the cluster"
                        + " domain cluster.local, over the 78 XRootD keeps";
                assertTrue(log.contains(said), log);
                run.timings.put("redirector start.sh", said);

                String lfn = "/data/over-bound.bin";
                byte[] content = TlsRealDaemonTest.content(lfn);
                Path source = run.clientFile("over-bound.bin", content);
                Procs.Result write = cluster.client(CLIENT_TIMEOUT, "xrdcp", "-d", "2", source.toString(), cluster.rootUrl(r0, lfn));
                assertTrue(write.ok(), write.toString());
                run.written.put(lfn, content);
                LocalPod holder = run.onlyHolder(lfn);
                String target = ClientOutput.rootRedirect(write);
                run.timings.put("root:// write: redirect target", target + " (holder " + holder.host.fqdn() + ", "
                        + (holder.host.fqdn() + ":" + cluster.xrootdPort).length() + " characters by name)");
                assertEquals("root://" + holder.host.ip() + ":" + cluster.xrootdPort + "/", target);

                Path back = run.clientFile("over-bound.back");
                Procs.Result read = cluster.client(CLIENT_TIMEOUT, "xrdcp", "-f", "-d", "2", cluster.rootUrl(r0, lfn), back.toString());
                assertTrue(read.ok(), read.toString());
                assertArrayEquals(content, DaemonRun.bytes(back));
                assertFalse(read.output().contains(OVER_BOUND + "-xrootd-worker"), "no worker name in any redirect: " + read);

                Procs.Result http = cluster.client(CLIENT_TIMEOUT, "curl", "-sS", "-L", "-o", "/dev/null",
                        "-w", "%{http_code} %{num_redirects} %{url_effective}", cluster.httpUrl(r0, lfn));
                run.timings.put("curl GET -L: code, redirects, final URL", http.output().strip());
                assertEquals("200 1 http://" + holder.host.ip() + ":" + cluster.xrootdPort + lfn, http.output().strip());
            });
        }
    }

    private static String redirectorEnv(JsonNode response, String name) {
        for (JsonNode child : response.path("children")) {
            if ("StatefulSet".equals(child.path("kind").asText()) && child.at("/metadata/name").asText().endsWith("-redirector")) {
                for (JsonNode container : child.at("/spec/template/spec/containers")) {
                    for (JsonNode e : container.path("env")) {
                        if (name.equals(e.path("name").asText())) {
                            return e.path("value").asText();
                        }
                    }
                }
            }
        }
        throw new AssertionError("no " + name + " on the redirectors");
    }

    private static String condition(JsonNode response, String type) {
        for (JsonNode c : response.path("status").path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c.path("message").asText();
            }
        }
        throw new AssertionError("no condition " + type + " in " + response.path("status"));
    }
}
