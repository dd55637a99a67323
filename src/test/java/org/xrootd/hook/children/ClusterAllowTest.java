package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.testkit.Samples;

/** cms.allow on managers and supervisors, the cluster domain it needs, and the short governing Service names. */
class ClusterAllowTest {
    private static List<String> allow(String config) {
        return config.lines().map(String::strip).filter(l -> l.startsWith("cms.allow")).toList();
    }

    @Test
    void managersAndSupervisorsAdmitEveryMemberRoleByPatternWorkersDoNotFilter() {
        ObjectNode parent = Samples.parent("wide");
        ((ObjectNode) Samples.spec(parent).get("worker")).put("replicas", 100);
        Samples.spec(parent).putArray("allowedHosts").add("*.nodes.example.org");
        XrootdSpec spec = Samples.model(parent);
        List<String> expected = List.of(
                "cms.allow host *.xrd-r-c436fdd6.ns1.svc.$(clusterdom)",
                "cms.allow host *.xrd-w-c436fdd6.ns1.svc.$(clusterdom)",
                "cms.allow host *.xrd-s-c436fdd6.ns1.svc.$(clusterdom)",
                "cms.allow host *.nodes.example.org");
        assertEquals(expected, allow(XrootdConf.renderFor(spec, Component.REDIRECTOR)));
        assertEquals(expected, allow(XrootdConf.renderFor(spec, Component.SUPERVISOR)));
        assertEquals(List.of(), allow(XrootdConf.renderFor(spec, Component.WORKER)));
        for (String line : allow(XrootdConf.render(spec))) {
            String host = line.substring("cms.allow host ".length());
            assertTrue(host.indexOf('*') == host.lastIndexOf('*') && host.contains("*"), "patterns only, one '*': " + line);
        }
        String config = XrootdConf.render(spec);
        assertTrue(config.contains("\nset clusterdom = $XRD_CLUSTER_DOMAIN\n"), config);
        assertTrue(config.indexOf("set clusterdom") < config.indexOf("cms.allow host"), "set before use");
    }

    @Test
    void theSupervisorsPatternIsThereWithoutSupervisorsSoCrossing64WorkersRollsNoRedirector() {
        String redirector = XrootdConf.renderFor(Samples.sample(), Component.REDIRECTOR);
        assertTrue(allow(redirector).contains("cms.allow host *.xrd-s-ed1625b6.ns1.svc.$(clusterdom)"), redirector);
    }

    @Test
    void shortServiceNamesAreDnsLabelsDistinctPerRoleAndCluster() {
        XrootdSpec a = Samples.sample();
        XrootdSpec b = Samples.model(Samples.parent("other"));
        for (Component component : Component.values()) {
            String name = Names.shortService(a, component);
            assertEquals(Names.SHORT_SERVICE_LENGTH, name.length());
            assertTrue(name.matches("[a-z]([-a-z0-9]*[a-z0-9])?"), name);
            assertFalse(name.equals(Names.shortService(b, component)));
            assertEquals(name, Names.headlessService(a, component), "a new cluster uses the short names");
            assertEquals("kept-" + component.label(),
                    Names.headlessService(a.withGoverningServices(Map.of(component, "kept-" + component.label())), component));
        }
        assertEquals(3, java.util.Arrays.stream(Component.values()).map(c -> Names.shortService(a, c)).distinct().count());
    }

    @Test
    void startShReadsTheClusterDomainFromTheSearchList(@TempDir Path dir) throws Exception {
        String script = StartScript.render(Samples.sample());
        int start = script.indexOf("cluster_domain() {");
        String function = script.substring(start, script.indexOf("\n}\n", start) + 3);
        Map<String, String> cases = Map.of(
                "search ns1.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n", "cluster.local",
                "nameserver 10.96.0.10\nsearch ns1.svc.k8s.example.org svc.k8s.example.org k8s.example.org example.org\n", "k8s.example.org",
                "search svc.corp.example.\n", "corp.example",
                "nameserver 192.0.2.53\nsearch example.org\n", "",
                "", "");
        int i = 0;
        for (Map.Entry<String, String> entry : cases.entrySet()) {
            Path resolv = dir.resolve("resolv" + i++);
            Files.writeString(resolv, entry.getKey());
            Process sh = new ProcessBuilder("sh", "-c", "set -eu\n" + function + "cluster_domain \"$1\"", "sh", resolv.toString())
                    .redirectErrorStream(true).start();
            String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(sh.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, sh.exitValue(), out);
            assertEquals(entry.getValue(), out, entry.getKey());
        }
        assertTrue(script.contains("export XRD_CLUSTER_DOMAIN=\"${XRD_CLUSTER_DOMAIN:-cluster.local}\""), "cluster.local otherwise");
    }
}
