package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.SpecParser;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.testkit.Samples;

/**
 * How the start script, the probes and xrootd.cf work around what xrootd/cmsd 5.5.3 really do: each
 * behaviour was found by running the generated pods on real daemons (org.xrootd.hook.daemons), and each
 * test names it and checks the workaround in the built children.
 */
class XrootdQuirksTest {
    /** The readiness probe as the Kubernetes model reads it (the builder writes a JSON tree). */
    private static Probe readiness(XrootdSpec spec, Component component) {
        return Samples.typed(StatefulSets.readiness(spec, component), Probe.class);
    }

    private static XrootdSpec spec(String specJson) throws Exception {
        JsonNode parent = Json.MAPPER.readTree("{\"metadata\":{\"name\":\"demo\",\"namespace\":\"xrd\"},\"spec\":" + specJson + "}");
        SpecParser.Result result = SpecParser.parse(parent);
        assertTrue(result.ok(), () -> result.problems().toString());
        return result.spec();
    }

    private static List<String> lines(String text) {
        return text.lines().map(String::strip).toList();
    }

    /**
     * A worker's xrootd that starts before its cmsd's socket exists retries only after 10 s (hard-coded,
     * not cms.conwait), and the worker cmsd logs in to no redirector until its xrootd has: first write
     * after a cold start 11.8 s instead of 2.5 s. The start script now waits for the socket.
     */
    @Test
    void workerXrootdWaitsForItsCmsdSocket() throws Exception {
        String script = StartScript.render(spec("{\"version\":\"5.5.3\"}"));
        List<String> lines = lines(script);
        int guard = lines.indexOf("if [ \"$daemon\" = xrootd ] && [ \"$XRD_INSTANCE\" = worker ]; then");
        assertTrue(guard > 0, script);
        assertTrue(lines.contains("sock=\"$XRD_ADMIN_DIR/$XRD_INSTANCE/.olb/olbd.admin\""), script);
        assertTrue(lines.contains("while [ ! -S \"$sock\" ] && [ \"$waited\" -lt 300 ]; do"), script);
        // The wait is bounded, and comes before the exec.
        assertTrue(guard < lines.indexOf("exec \"$daemon\" -c \"$XRD_CONFIG\" -n \"$XRD_INSTANCE\""), script);
        // The socket path follows all.adminpath of the configuration.
        assertTrue(lines(XrootdConf.render(spec("{\"version\":\"5.5.3\"}"))).contains("all.adminpath " + PodLayout.ADMIN_DIR));
    }

    /**
     * The daemons create and enter "working directory/instance" as their home; the image's working
     * directory ("/") is not writable for the unprivileged user ("Unable to create home directory").
     */
    @Test
    void daemonsRunFromTheWritableTmpVolume() throws Exception {
        List<String> lines = lines(StartScript.render(spec("{\"version\":\"5.5.3\"}")));
        int cd = lines.indexOf("cd " + PodLayout.TMP_DIR);
        assertTrue(cd > 0 && cd < lines.indexOf("exec \"$daemon\" -c \"$XRD_CONFIG\" -n \"$XRD_INSTANCE\""), lines.toString());
    }

    /**
     * "query config cms" on a worker says only whether its xrootd is attached to its own cmsd, which is
     * true with no redirector running. Readiness now also needs the cmsd's connection to a redirector.
     */
    @Test
    void workerReadinessNeedsALoginToARedirector() throws Exception {
        XrootdSpec spec = spec("{\"version\":\"5.5.3\",\"ports\":{\"xrootd\":1094,\"cmsd\":3121}}");
        List<String> worker = readiness(spec, Component.WORKER).getExec().getCommand();
        assertEquals(List.of("/bin/sh", "-c",
                "xrdfs localhost:1094 query config cms | grep -q '/a' && "
                        + "grep -qsE '^ *[0-9]+: [0-9A-F]+:[0-9A-F]{4} [0-9A-F]+:0C31 01 ' /proc/net/tcp /proc/net/tcp6"),
                worker);
        List<String> redirector = readiness(spec, Component.REDIRECTOR).getExec().getCommand();
        assertEquals(List.of("/bin/sh", "-c", "xrdfs localhost:1094 query config cms | grep -q '/c'"), redirector);
        assertFalse(redirector.get(2).contains("/proc/net"));
    }

    @Test
    void workerReadinessFollowsTheCmsdPort() throws Exception {
        XrootdSpec spec = spec("{\"version\":\"5.5.3\",\"ports\":{\"xrootd\":2094,\"cmsd\":4121}}");
        String command = readiness(spec, Component.WORKER).getExec().getCommand().get(2);
        assertTrue(command.startsWith("xrdfs localhost:2094 query config cms | grep -q '/a' && "), command);
        assertTrue(command.contains(" [0-9A-F]+:1019 01 '"), command); // 4121 = 0x1019
    }

    /** The /proc/net/tcp pattern matches an established connection to the port, and nothing else. */
    @Test
    void connectionPatternMatchesOnlyEstablishedConnectionsToTheCmsdPort() {
        String command = StatefulSets.connectedToRedirector(3121);
        String regex = command.substring(command.indexOf('\'') + 1, command.lastIndexOf('\''));
        java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(regex);
        // Lines as the kernel writes them (IPv4 and IPv6 tables), seen on a worker in the real-daemon test.
        assertTrue(pattern.matcher("   3: 1400D50A:B308 0A00D50A:0C31 01 00000000:00000000 02:000AEC56 00000000   103").find());
        assertTrue(pattern.matcher("  12: 0000000000000000FFFF00001400D50A:9C31 0000000000000000FFFF00000A00D50A:0C31 01 0000").find());
        // Listening on 3121 (a redirector), a closed connection, a connection from port 3121.
        assertFalse(pattern.matcher("   1: 00000000:0C31 00000000:0000 0A 00000000:00000000 00:00000000").find());
        assertFalse(pattern.matcher("   3: 1400D50A:B308 0A00D50A:0C31 06 00000000:00000000 02:000AEC56").find());
        assertFalse(pattern.matcher("   4: 0A00D50A:0C31 1400D50A:B308 01 00000000:00000000 02:000AEC56").find());
    }

    /**
     * With spec.sss the probes' xrdfs must log in with sss like any client ("Auth failed: No protocols
     * left to try" otherwise, so no pod ever became ready and liveness would restart them): the xrootd
     * container's environment points clients at the daemon's private keytab copy. Exec probes run with
     * the container's environment.
     */
    @Test
    void withSssTheProbesLogInWithTheKeytabCopy() throws Exception {
        XrootdSpec sss = spec("{\"version\":\"5.5.3\",\"sss\":{\"secretName\":\"kt\"}}");
        for (Component component : Component.values()) {
            var xrootd = Samples.typed(Samples.statefulSet(sss, component, Samples.image()), StatefulSet.class).getSpec().getTemplate().getSpec()
                    .getContainers().stream().filter(c -> c.getName().equals("xrootd")).findFirst().orElseThrow();
            assertTrue(xrootd.getEnv().stream().anyMatch(e -> e.getName().equals("XrdSecSSSKT") && e.getValue().equals(PodLayout.SSS_KEYTAB)),
                    component + ": " + xrootd.getEnv());
        }
        XrootdSpec plain = spec("{\"version\":\"5.5.3\"}");
        var xrootd = Samples.typed(Samples.statefulSet(plain, Component.WORKER, Samples.image()), StatefulSet.class).getSpec().getTemplate().getSpec()
                .getContainers().stream().filter(c -> c.getName().equals("xrootd")).findFirst().orElseThrow();
        assertFalse(xrootd.getEnv().stream().anyMatch(e -> e.getName().equals("XrdSecSSSKT")), xrootd.getEnv().toString());
    }

    /**
     * XrdHttp on the xroot port ignores sec.protbind: with sss required for xroot, an HTTP GET or PUT
     * without any keytab still read and wrote files. With spec.sss the port serves xroot only.
     */
    @Test
    void withSssThePortServesNoHttp() throws Exception {
        String sss = XrootdConf.render(spec("{\"version\":\"5.5.3\",\"sss\":{\"secretName\":\"kt\"},\"tls\":{\"secretName\":\"t\"}}"));
        assertFalse(sss.contains("xrd.protocol XrdHttp"), sss);
        assertTrue(lines(sss).contains("sec.protbind * only sss"), sss);
        assertTrue(XrootdConf.render(spec("{\"version\":\"5.5.3\"}")).contains("xrd.protocol XrdHttp:1094 libXrdHttp.so"));
        assertTrue(XrootdConf.render(spec("{\"version\":\"5.5.3\",\"tls\":{\"secretName\":\"t\"}}")).contains("xrd.protocol XrdHttp:1094 libXrdHttp.so"));
    }

    /**
     * XrdHttp redirects to http:// unless told otherwise: an HTTPS GET through the redirector was sent
     * to the worker in plain text ("200 1 http://10.213.0.11:1094/..."). With spec.tls it stays HTTPS.
     */
    @Test
    void withTlsHttpsRedirectsStayHttps() throws Exception {
        List<String> tls = lines(XrootdConf.render(spec("{\"version\":\"5.5.3\",\"tls\":{\"secretName\":\"t\"}}")));
        assertTrue(tls.contains("http.desthttps yes"), tls.toString());
        assertTrue(tls.indexOf("http.desthttps yes") > tls.indexOf("if exec xrootd"), tls.toString());
        assertFalse(lines(XrootdConf.render(spec("{\"version\":\"5.5.3\"}"))).contains("http.desthttps yes"));
    }
}
