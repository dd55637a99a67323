package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
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
    /** The line of start.sh that starts the daemon (as a child of the script, which stays process 1). */
    static final String DAEMON_START = "\"$daemon\" -c \"$XRD_CONFIG\" -n \"$XRD_INSTANCE\" &";
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
        int guard = lines.indexOf("elif [ \"$XRD_INSTANCE\" != manager ]; then");
        assertTrue(guard > lines.indexOf("if [ \"$daemon\" = cmsd ]; then"), script);
        assertTrue(lines.contains("admin=\"$XRD_ADMIN_DIR/$XRD_INSTANCE/.olb\""), script);
        assertTrue(lines.contains("sock=\"$admin/olbd.admin\""), script);
        // Supervisors: the xrootd reaches its cmsd through olbd.super and olbd.nimda, and wait for both.
        assertTrue(lines.contains("if [ \"$XRD_INSTANCE\" = supervisor ]; then sock=\"$admin/olbd.super\"; fi"), script);
        int loop = lines.indexOf("while { [ ! -S \"$sock\" ] || { [ \"$XRD_INSTANCE\" = supervisor ] && [ ! -S \"$admin/olbd.nimda\" ]; }; } \\");
        assertTrue(loop > guard, script);
        assertEquals("&& [ \"$waited\" -lt 300 ] && [ \"$stopping\" = 0 ]; do", lines.get(loop + 1), script);
        // The wait is bounded, and comes before the daemon starts.
        assertTrue(guard < lines.indexOf(DAEMON_START), script);
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
        assertTrue(cd > 0 && cd < lines.indexOf(DAEMON_START), lines.toString());
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

    /**
     * As process 1 of a container, xrootd and cmsd ignore SIGTERM (no handler; a PID-namespace init gets
     * only signals it handles) and die by SIGKILL after the grace period: every pod stop took 30 s. The
     * script stays process 1 with the daemon as its child, forwards SIGTERM and SIGINT, and returns the
     * daemon's exit status (0.1 s, status 143, on real daemons).
     */
    @Test
    void theScriptStaysProcessOneAndForwardsSigterm() throws Exception {
        String script = StartScript.render(spec("{\"version\":\"5.5.3\"}"));
        List<String> lines = lines(script);
        assertFalse(script.contains("exec \"$daemon\""), script);
        int trap = lines.indexOf("trap 'stopping=1; if [ -n \"$child\" ]; then kill -TERM \"$child\" 2>/dev/null || true; fi' TERM INT");
        int start = lines.indexOf(DAEMON_START);
        assertTrue(trap > 0 && trap < start, script);
        assertEquals("child=$!", lines.get(start + 1), script);
        assertTrue(lines.indexOf("wait \"$child\" || rc=$?") > start, script);
        assertTrue(lines.indexOf("while kill -0 \"$child\" 2>/dev/null; do") > start, script);
        assertEquals("exit \"$rc\"", lines.get(lines.size() - 1), script);
    }

    /**
     * A worker whose two containers both restart keeps its admin emptyDir, and with it the old cmsd's
     * socket: the new xrootd found it, started before the new cmsd existed, and reached it only 10 s
     * later (first write 12 s after the restart). The cmsd container removes it before cmsd starts.
     */
    @Test
    void theCmsdContainerRemovesAStaleSocket() throws Exception {
        List<String> lines = lines(StartScript.render(spec("{\"version\":\"5.5.3\"}")));
        int cmsd = lines.indexOf("if [ \"$daemon\" = cmsd ]; then");
        int rm = lines.indexOf("rm -f \"$admin/olbd.admin\" \"$admin/olbd.nimda\" \"$admin/olbd.super\"");
        assertTrue(cmsd > 0 && rm == cmsd + 3, lines.toString());
        assertTrue(rm < lines.indexOf(DAEMON_START), lines.toString());
    }

    /**
     * A redirector's xrootd started before its cmsd listened got refused connections
     * and stalled clients until its next try. It now starts once the pod's socket table shows the cmsd
     * port listening (managers create olbd.nimda, not olbd.admin: the worker's socket wait cannot serve).
     */
    @Test
    void managerXrootdWaitsForItsCmsdPort() throws Exception {
        String script = StartScript.render(spec("{\"version\":\"5.5.3\",\"ports\":{\"xrootd\":1094,\"cmsd\":4121}}"));
        String wait = "while ! grep -qsE '^ *[0-9]+: [0-9A-F]+:1019 [0-9A-F]+:0000 0A ' /proc/net/tcp /proc/net/tcp6 \\";
        List<String> lines = lines(script);
        int at = lines.indexOf(wait);
        assertTrue(at > lines.indexOf("elif [ \"$XRD_INSTANCE\" != manager ]; then") && at < lines.indexOf(DAEMON_START), script);
        assertEquals("&& [ \"$waited\" -lt 300 ] && [ \"$stopping\" = 0 ]; do", lines.get(at + 1), script);
        String regex = wait.substring(wait.indexOf('\'') + 1, wait.lastIndexOf('\''));
        java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(regex);
        assertTrue(pattern.matcher("   1: 00000000:1019 00000000:0000 0A 00000000:00000000 00:00000000").find());
        assertTrue(pattern.matcher("   2: 00000000000000000000000000000000:1019 00000000000000000000000000000000:0000 0A 0000").find());
        // An established connection to or from the port is no listener.
        assertFalse(pattern.matcher("   3: 1400D50A:B308 0A00D50A:1019 01 00000000:00000000 02:000AEC56").find());
        assertFalse(pattern.matcher("   4: 0A00D50A:1019 1400D50A:B308 01 00000000:00000000 02:000AEC56").find());
    }

    /**
     * A worker back with a new IP (a rescheduled pod) was a new member to the managers: new-file creates
     * stalled until the old one was dropped (58 s with drop 60). Workers now take their pod name as their
     * identity (first write 1.4 s after the login) at every size; above 64 workers most still log in
     * directly to the managers (SupervisorRealDaemonTest re-creates one); managers log in to nobody;
     * supervisors have none. A redirector's xrootd names its own pod's cmsd by the pod name.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 64, 65, 200})
    void workersAreKnownByPodName(int workers) throws Exception {
        XrootdSpec spec = spec("{\"version\":\"5.5.3\",\"worker\":{\"replicas\":" + workers + "}}");
        for (Component component : Component.values()) {
            List<String> conf = lines(XrootdConf.renderFor(spec, component));
            boolean member = component == Component.WORKER;
            boolean named = component != Component.SUPERVISOR;
            assertEquals(named, conf.contains("set podname = $POD_NAME"), component + ": " + conf);
            assertEquals(member, conf.contains("cms.vnid =$(podname)"), component + ": " + conf);
            assertTrue(!member || conf.indexOf("set podname = $POD_NAME") < conf.indexOf("cms.vnid =$(podname)"), conf.toString());
            // Both daemons read the file (set fails on an undefined variable): both containers get the name.
            var pod = Samples.typed(Samples.statefulSet(spec, component, Samples.image()), StatefulSet.class)
                    .getSpec().getTemplate().getSpec();
            for (var container : pod.getContainers()) {
                var env = container.getEnv().stream().filter(e -> e.getName().equals("POD_NAME")).findFirst();
                assertEquals(named, env.isPresent(), component + "/" + container.getName());
                env.ifPresent(e -> assertEquals("metadata.name", e.getValueFrom().getFieldRef().getFieldPath()));
            }
        }
    }

    /** 4.x: dyndns leaves the 3-hour address-to-name cache on; cms.vnid exists from 4.9 on. */
    @Test
    void oldReleasesGetWhatTheyNeed() throws Exception {
        List<String> v4 = lines(XrootdConf.render(spec("{\"version\":\"4.11.2\"}")));
        assertTrue(v4.contains("xrd.network dyndns cache 0"), v4.toString());
        assertTrue(v4.contains("cms.vnid =$(podname)"), v4.toString());
        List<String> v48 = lines(XrootdConf.render(spec("{\"version\":\"4.8.1\"}")));
        assertTrue(v48.contains("xrd.network dyndns cache 0"), v48.toString());
        assertFalse(v48.stream().anyMatch(l -> l.contains("vnid")), v48.toString());
        // Only the redirector's xrootd reads the pod name there: its own pod's cmsd.
        assertEquals(List.of("if exec xrootd && named manager", "set podname = $POD_NAME"),
                v48.subList(v48.indexOf("set podname = $POD_NAME") - 1, v48.indexOf("set podname = $POD_NAME") + 1));
        assertEquals(1, v48.stream().filter(l -> l.contains("$POD_NAME")).count(), v48.toString());
        List<String> v5 = lines(XrootdConf.render(spec("{\"version\":\"5.5.3\"}")));
        assertTrue(v5.contains("xrd.network dyndns"), v5.toString());
        assertFalse(v5.stream().anyMatch(l -> l.contains("cache 0")), v5.toString());
    }

    /**
     * The worker cmsd container had no probe: a cmsd whose socket was gone, or that never logged in to
     * a redirector, was invisible to the kubelet. Every daemon container now has a liveness and a
     * readiness probe that look at that daemon.
     */
    @Test
    void everyDaemonContainerHasProbesOfItsOwn() throws Exception {
        XrootdSpec spec = spec("{\"version\":\"5.5.3\",\"worker\":{\"replicas\":100}}");
        for (Component component : Component.values()) {
            var pod = Samples.typed(Samples.statefulSet(spec, component, Samples.image()), StatefulSet.class)
                    .getSpec().getTemplate().getSpec();
            for (var container : pod.getContainers()) {
                assertTrue(container.getLivenessProbe() != null && container.getReadinessProbe() != null, component + "/" + container.getName());
            }
            assertEquals(10L, pod.getTerminationGracePeriodSeconds(), component.toString());
        }
        var worker = Samples.typed(Samples.statefulSet(spec, Component.WORKER, Samples.image()), StatefulSet.class)
                .getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("cmsd", worker.getName());
        assertEquals(List.of("/bin/sh", "-c", "test -S /xrootd/admin/worker/.olb/olbd.admin && kill -0 \"$(cat /xrootd/admin/worker/cmsd.pid)\""),
                worker.getLivenessProbe().getExec().getCommand());
        assertEquals(List.of("/bin/sh", "-c", StatefulSets.connectedToRedirector(3121)), worker.getReadinessProbe().getExec().getCommand());
        var redirector = Samples.typed(Samples.statefulSet(spec, Component.REDIRECTOR, Samples.image()), StatefulSet.class)
                .getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(3121, redirector.getReadinessProbe().getTcpSocket().getPort().getIntVal());
    }
}
