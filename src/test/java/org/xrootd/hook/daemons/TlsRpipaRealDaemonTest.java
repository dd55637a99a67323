package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.testkit.Tiers;

/**
 * The evaluation of {@code xrd.network rpipa} on the managers for {@code spec.tls} (issue 14): every
 * proof of {@link TlsOutsideRealDaemonTest} with that one line added by this test to the managers'
 * section of the hook's xrootd.cf (the hook does not render it). With it the redirector names in-cluster
 * clients' redirect targets by their PTR records, {@code <pod>.<worker Service>.<ns>.svc.cluster.local},
 * so the DNS-only certificate verifies inside too; the outside proofs show it does not disturb the
 * node-name redirects of HostPort workers.
 */
@Tiers.Daemons
class TlsRpipaRealDaemonTest extends TlsOutsideRealDaemonTest {
    @Override
    JsonNode answer(JsonNode response) {
        JsonNode copy = response.deepCopy();
        boolean added = false;
        for (JsonNode child : copy.path("children")) {
            if ("ConfigMap".equals(child.path("kind").asText())) {
                String conf = child.path("data").path("xrootd.cf").asText();
                String changed = conf.replaceFirst("(?m)^if named manager$", "if named manager\n   xrd.network rpipa");
                added = !changed.equals(conf);
                ((ObjectNode) child.path("data")).put("xrootd.cf", changed);
            }
        }
        assertTrue(added, "the xrootd.cf has a manager section");
        return copy;
    }

    @Override
    String label() {
        return "tls-rpipa";
    }

    @Override
    boolean namesInside() {
        return true;
    }

    /**
     * In-cluster clients, verifying with the same CA, through the redirector pod's name: sent to the
     * holder's cluster DNS name, which {@code *.<worker Service>.<ns>.svc.cluster.local} covers, so
     * roots:// and HTTPS verify (without rpipa they are sent to the pod IP and fail: {@link TlsRealDaemonTest}).
     */
    @Test
    @Order(5)
    void inClusterClientsAreRedirectedToNamesAndVerify() {
        run.explain(() -> {
            String lfn = "/data/tls-outside-1.bin";
            LocalPod holder = run.onlyHolder(lfn);
            LocalPod r0 = cluster.redirectors.get(0);
            String expected = holder.host.fqdn();
            Path back = run.clientFile("tls-inside.back");
            Procs.Result read = cluster.clientWith(List.of("X509_CERT_DIR=" + caDir), T, "xrdcp", "-f", "-d", "2",
                    "roots://" + LocalCluster.dnsName(r0) + ":" + cluster.xrootdPort + "/" + lfn, back.toString());
            String target = ClientOutput.rootRedirect(read);
            run.timings.put("inside roots:// read through " + r0.name + ": redirect target, rc", target + ", " + read.exit());
            assertEquals("roots://" + expected + ":" + cluster.xrootdPort + "/", target);
            assertTrue(read.ok(), read.toString());
            assertArrayEquals(run.written.get(lfn), DaemonRun.bytes(back));
            Procs.Result get = cluster.client(T, "curl", "-sS", "-L", "--cacert", caCert.toString(), "-o", "/dev/null",
                    "-w", "%{http_code} %{num_redirects} %{url_effective}", cluster.httpUrl(r0, lfn).replaceFirst("^http:", "https:"));
            run.timings.put("inside curl GET -L --cacert: code, redirects, final URL", get.output().strip());
            assertTrue(get.ok(), get.toString());
            assertEquals("200 1 https://" + expected + ":" + cluster.xrootdPort + lfn, get.output().strip());
            // XRootD 5.5.3 keeps at most 78 characters of host:port (research §6).
            String hostPort = expected + ":" + cluster.xrootdPort;
            run.timings.put("longest redirect host:port here", hostPort.length() + " characters");
            assertTrue(hostPort.length() <= 78, hostPort);
        });
    }
}
