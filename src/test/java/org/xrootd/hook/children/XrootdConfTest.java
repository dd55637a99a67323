package org.xrootd.hook.children;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;
import org.xrootd.hook.testkit.ConfigReader;
import org.xrootd.hook.testkit.Repo;
import org.xrootd.hook.testkit.Samples;

class XrootdConfTest {
    @Test
    void matchesTheReviewedGoldenFiles() throws Exception {
        XrootdSpec spec = Samples.sample();
        assertEquals(Files.readString(Repo.path("tests/golden/xrootd.cf")), XrootdConf.render(spec));
        assertEquals(Files.readString(Repo.path("tests/golden/start.sh")), StartScript.render(spec));
    }

    @Test
    void everyRedirectorPodIsAManagerWithoutNamespaceOrClusterDomain() {
        String config = XrootdConf.render(Samples.sample());
        // The relative form <pod>.<governing Service>: the pod's DNS search list adds <namespace>.svc.<domain>.
        List<String> every = List.of(
                "base-xrootd-xrootd-redirector-0.xrd-r-ed1625b6:3121",
                "base-xrootd-xrootd-redirector-1.xrd-r-ed1625b6:3121");
        Map<String, String> worker = Map.of("POD_NAME", "base-xrootd-xrootd-worker-0");
        for (String program : List.of("cmsd", "xrootd")) {
            assertEquals(every, ConfigReader.managers(config, program, "worker", worker), program);
        }
        assertEquals(every, ConfigReader.managers(config, "cmsd", "manager", Map.of("POD_NAME", "base-xrootd-xrootd-redirector-1")));
    }

    /**
     * Every cmsd reads the same list (the cluster's identity, XrdCmsSecurity::setSystemID); a redirector's
     * xrootd reads its own pod's cmsd alone: XRootD sorts the list by name (XrdCmsUtils::SInsert) and asks the
     * first connected manager, suspended or not (XrdCmsFinderRMT::SelectManager).
     */
    @Test
    void eachRedirectorsXrootdAsksItsOwnCmsdAndEveryCmsdReadsTheSameList() {
        XrootdSpec spec = Samples.sample();
        String config = XrootdConf.render(spec);
        for (int i = 0; i < 2; i++) {
            String pod = "base-xrootd-xrootd-redirector-" + i;
            Map<String, String> env = Map.of("POD_NAME", pod);
            assertEquals(List.of(pod + ".xrd-r-ed1625b6:3121"), ConfigReader.managers(config, "xrootd", "manager", env), pod);
            assertEquals(ConfigReader.managers(config, "cmsd", "worker", Map.of("POD_NAME", "w")),
                    ConfigReader.managers(config, "cmsd", "manager", env), pod);
            // The redirector's own file (its hash) says the same.
            assertEquals(ConfigReader.managers(config, "xrootd", "manager", env),
                    ConfigReader.managers(XrootdConf.renderFor(spec, Component.REDIRECTOR), "xrootd", "manager", env));
        }
        // A worker's file holds the list alone, as before: its hash did not change with the redirectors' choice.
        String worker = XrootdConf.renderFor(spec, Component.WORKER);
        assertEquals(2, worker.lines().filter(l -> l.startsWith("all.manager ")).count(), worker);
        assertFalse(worker.contains("$(podname)."), worker);
    }

    @Test
    void managerDelaysAreTunedForKubernetes() {
        String config = XrootdConf.render(Samples.sample());
        assertTrue(config.contains("cms.delay startup 1 servers 1 lookup 1 qdl 1 service 2 drop 60"));
        assertTrue(config.contains("cms.conwait 1"));
    }

    @Test
    void spaceThresholdFitsTheVolume() {
        assertEquals("cms.space min 51m 102m", XrootdConf.spaceDirective(BigInteger.valueOf(1L << 30)));
        assertEquals("cms.space min 1m 2m", XrootdConf.spaceDirective(BigInteger.valueOf(10L << 20)));
        assertEquals("cms.space min 10240m 11264m", XrootdConf.spaceDirective(BigInteger.valueOf(1L << 42)));
    }

    @Test
    void aWorkerOnlyChangeRollsOnlyWorkers() {
        ObjectNode parent = Samples.parent("x");
        XrootdSpec before = Samples.model(parent);
        ((ObjectNode) Samples.spec(parent).get("worker").get("storage")).put("capacity", "10Gi");
        XrootdSpec after = Samples.model(parent);
        assertEquals(Samples.hash(before, Component.REDIRECTOR), Samples.hash(after, Component.REDIRECTOR));
        assertNotEquals(Samples.hash(before, Component.WORKER), Samples.hash(after, Component.WORKER));
    }

    @Test
    void aRedirectorCountChangeRollsEveryPod() {
        ObjectNode parent = Samples.parent("x");
        XrootdSpec before = Samples.model(parent);
        ((ObjectNode) Samples.spec(parent).get("redirector")).put("replicas", 3);
        XrootdSpec after = Samples.model(parent);
        assertNotEquals(Samples.hash(before, Component.REDIRECTOR), Samples.hash(after, Component.REDIRECTOR));
        assertNotEquals(Samples.hash(before, Component.WORKER), Samples.hash(after, Component.WORKER));
    }

    @Test
    void roleViewsLeaveTheOtherRoleOut() {
        XrootdSpec spec = Samples.sample();
        assertFalse(XrootdConf.renderFor(spec, Component.REDIRECTOR).contains("oss.localroot"));
        assertFalse(XrootdConf.renderFor(spec, Component.WORKER).contains("all.role manager"));
    }

    @Test
    void startScriptCreatesEveryExport() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putObject("config").putArray("exports").add("/data").add("/store/user");
        String script = StartScript.render(Samples.model(parent));
        assertTrue(script.contains("mkdir -p \"$XRD_DATA_DIR/data\" \"$XRD_DATA_DIR/store/user\""), script);
    }

    @Test
    void userDirectivesLandInTheirRolesBlock() {
        ObjectNode parent = Samples.parent("x");
        ObjectNode config = Samples.spec(parent).putObject("config");
        config.putArray("all").add("xrootd.trace emsg");
        config.putArray("worker").add("oss.defaults nomig");
        XrootdSpec spec = Samples.model(parent);
        assertTrue(XrootdConf.renderFor(spec, Component.WORKER).contains("oss.defaults nomig"));
        assertFalse(XrootdConf.renderFor(spec, Component.REDIRECTOR).contains("oss.defaults nomig"));
        assertTrue(XrootdConf.renderFor(spec, Component.REDIRECTOR).contains("xrootd.trace emsg"));
        String full = XrootdConf.render(spec);
        int roles = full.indexOf("if named");
        assertTrue(full.indexOf("oss.defaults nomig") > full.indexOf("\nelse\n", roles) && full.indexOf("oss.defaults nomig") < full.indexOf("\nfi\n", roles));
    }

    @Test
    void theDrainBlockComesBeforeTheExportsForTheWorkersCmsdOnly() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putObject("config").putArray("exports").add("/data").add("/store");
        XrootdSpec spec = Samples.model(parent);
        String worker = XrootdConf.renderFor(spec, Component.WORKER);
        // What XRootD 5.5.3 reads: the cmsd's defaults apply to the exports parsed after them.
        List<String> lines = worker.lines().filter(l -> !l.startsWith("#")).toList();
        int readOnly = lines.indexOf("if defined ?~XRD_DRAIN_READ_ONLY && exec cmsd");
        assertEquals(List.of("if defined ?~XRD_DRAIN_READ_ONLY && exec cmsd", "   cms.defaults r/o",
                "else if defined ?~XRD_DRAIN_RETIRED && exec cmsd", "   all.export /.xrootd-drained r/o", "   cms.defaults local", "fi",
                "all.export /data", "all.export /store"), lines.subList(readOnly, readOnly + 8));
        assertFalse(XrootdConf.renderFor(spec, Component.REDIRECTOR).contains("XRD_DRAIN"), "the redirectors' hash is unchanged");
        assertTrue(XrootdConf.render(spec).contains("cms.defaults r/o"), "in the ConfigMap every pod reads");
    }

    @Test
    void checksumsReachEveryRoleIncludingSupervisors() {
        ObjectNode parent = Samples.parent("x");
        ((ObjectNode) Samples.spec(parent).get("worker")).put("replicas", 65);
        XrootdSpec spec = Samples.model(parent);
        for (Component component : Component.values()) {
            List<String> chksum = XrootdConf.renderFor(spec, component).lines().filter(l -> l.contains("xrootd.chksum")).toList();
            assertEquals(List.of("xrootd.chksum chkcgi adler32 crc32c"), chksum, component.toString());
        }
        // Once in the full file, outside the role blocks: every role reads it.
        String full = XrootdConf.render(spec);
        assertEquals(1, full.lines().filter(l -> l.equals("xrootd.chksum chkcgi adler32 crc32c")).count(), full);
        assertTrue(full.indexOf("xrootd.chksum") < full.indexOf("if named"), full);
    }

    @Test
    void checksumsFollowTheSpecAndAnEmptyListTurnsThemOff() {
        ObjectNode parent = Samples.parent("x");
        XrootdSpec defaults = Samples.model(parent);
        Samples.spec(parent).putArray("checksums").add("crc32c").add("md5");
        XrootdSpec chosen = Samples.model(parent);
        assertTrue(XrootdConf.render(chosen).contains("\nxrootd.chksum chkcgi crc32c md5\n"));
        for (Component component : List.of(Component.REDIRECTOR, Component.WORKER)) {
            assertNotEquals(Samples.hash(defaults, component), Samples.hash(chosen, component), component + " must roll");
        }
        Samples.spec(parent).putArray("checksums");
        String off = XrootdConf.render(Samples.model(parent));
        assertFalse(off.contains("chksum "), off);
        assertTrue(off.contains("# No checksum queries (spec.checksums is empty)."), off);
    }

    @Test
    void aUsersChksumDirectiveComesAfterAndSoReplacesTheGeneratedOne() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putObject("config").putArray("worker").add("xrootd.chksum md5");
        String worker = XrootdConf.renderFor(Samples.model(parent), Component.WORKER);
        assertTrue(worker.indexOf("xrootd.chksum chkcgi adler32 crc32c") < worker.indexOf("xrootd.chksum md5"), worker);
    }

    @Test
    void sssRequiresTheKeytabFromThePrivateCopy() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putObject("sss").put("secretName", "kt");
        String config = XrootdConf.render(Samples.model(parent));
        assertTrue(config.contains("sec.protocol sss -s " + PodLayout.SSS_KEYTAB));
        assertTrue(config.contains("sec.protbind * only sss"));
        assertFalse(XrootdConf.render(Samples.sample()).contains("sec.protocol"));
    }

    @Test
    void tlsUsesTheCertificateCopies() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putObject("tls").put("secretName", "tls");
        assertTrue(XrootdConf.render(Samples.model(parent)).contains("xrd.tls " + PodLayout.TLS_CERT + " " + PodLayout.TLS_KEY));
    }

    @Test
    void commentsDoNotCountInTheHash() {
        String config = XrootdConf.renderFor(Samples.sample(), Component.WORKER);
        String script = StartScript.render(Samples.sample());
        String reworded = config.replace("# Free-space gate", "# A reworded comment about the free-space gate");
        assertNotEquals(config, reworded);
        assertEquals(XrootdConf.hash(config, script), XrootdConf.hash(reworded, script));
        assertEquals(XrootdConf.hash(config, script), XrootdConf.hash(config, script.replace("# No -l:", "#   no -l:")));
        assertNotEquals(XrootdConf.hash(config, script), XrootdConf.hash(config.replace("cms.space min", "cms.space  min"), script));
    }

    @Test
    void xrootTpcIsRenderedForWorkersOnly() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).putObject("tpc").put("xroot", true).put("streams", 4).put("maxTransfers", 20);
        XrootdSpec spec = Samples.model(parent);
        assertEquals(List.of("ofs.tpc autorm streams 4 xfr 20 pgm /usr/bin/xrdcp --server"),
                XrootdConf.renderFor(spec, Component.WORKER).lines().filter(l -> l.startsWith("ofs.tpc")).toList());
        assertFalse(XrootdConf.renderFor(spec, Component.REDIRECTOR).contains("ofs.tpc"));
        Samples.spec(parent).putObject("tpc").put("xroot", true);
        assertTrue(XrootdConf.render(Samples.model(parent)).contains("\n   ofs.tpc autorm pgm /usr/bin/xrdcp --server\n"));
        // Off by default, and turning it on rolls the workers only.
        XrootdSpec off = Samples.sample();
        assertFalse(XrootdConf.render(off).contains("ofs.tpc"));
        assertNotEquals(Samples.hash(off, Component.WORKER), Samples.hash(Samples.model(parent), Component.WORKER));
    }

    @Test
    void httpTpcLoadsTheHandlerOnEveryRoleAndTrustsTheNamedCas() {
        ObjectNode parent = Samples.parent("x");
        Samples.spec(parent).put("version", "5.5.3");
        Samples.spec(parent).putObject("tls").put("secretName", "site-tls");
        XrootdSpec tlsOnly = Samples.model(parent);
        assertTrue(XrootdConf.render(tlsOnly).contains("   xrd.tlsca noverify\n"));
        assertFalse(XrootdConf.render(tlsOnly).contains("exthandler"));
        Samples.spec(parent).putObject("tpc").put("http", true);
        XrootdSpec system = Samples.model(parent);
        for (Component component : List.of(Component.REDIRECTOR, Component.WORKER)) {
            String conf = XrootdConf.renderFor(system, component);
            assertTrue(conf.contains("\n   http.exthandler xrdtpc libXrdHttpTPC.so\n"), conf);
            assertTrue(conf.contains("\n   xrd.tlsca certdir /etc/ssl/certs\n"), conf);
            assertFalse(conf.contains("noverify"), conf);
            // The 5.5.3 limitation is stated where a site reads the configuration.
            assertTrue(conf.contains("issue 2241"), conf);
        }
        Samples.spec(parent).putObject("tpc").put("http", true).put("caKey", "ca.crt");
        assertTrue(XrootdConf.render(Samples.model(parent)).contains("\n   xrd.tlsca certfile /etc/xrootd-secrets/tls/ca.crt\n"));
        // From 5.7.0 on the parents are created: no note.
        Samples.spec(parent).put("version", "5.7.0");
        assertFalse(XrootdConf.render(Samples.model(parent)).contains("issue 2241"));
    }

    @Test
    void federationSubscribesTheRedirectorsOnlyAndNamesTheSiteEverywhere() {
        ObjectNode parent = Samples.parent("x");
        ObjectNode federation = Samples.spec(parent).putObject("federation").put("siteName", "T2_XX_Example");
        federation.putArray("managers").add(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                .put("host", "meta.example.org").put("port", 1213).put("allAddresses", true));
        XrootdSpec spec = Samples.model(parent);
        List<String> redirector = XrootdConf.renderFor(spec, Component.REDIRECTOR).lines().toList();
        assertTrue(redirector.contains("all.manager meta meta.example.org+:1213"), redirector.toString());
        // After all.role: cmsd files a meta line by the role it has.
        assertTrue(redirector.indexOf("all.manager meta meta.example.org+:1213") > redirector.indexOf("all.role manager"));
        assertFalse(XrootdConf.renderFor(spec, Component.WORKER).contains("all.manager meta"));
        for (Component component : List.of(Component.REDIRECTOR, Component.WORKER)) {
            assertEquals(1, XrootdConf.renderFor(spec, component).lines().filter(l -> l.equals("all.sitename T2_XX_Example")).count());
        }
    }

    @Test
    void aMetaManagersRedirectorsHaveTheMetaRole() {
        ObjectNode parent = Samples.parent("x");
        ((ObjectNode) Samples.spec(parent).get("worker")).put("replicas", 0);
        Samples.spec(parent).putArray("allowedHosts").add("*.sites.example.org");
        Samples.spec(parent).putObject("federation").put("metaManager", true);
        Samples.spec(parent).putObject("networkPolicy").put("enabled", false);
        String conf = XrootdConf.renderFor(Samples.model(parent), Component.REDIRECTOR);
        assertTrue(conf.contains("\nall.role meta manager\n"), conf);
        assertFalse(conf.contains("\nall.role manager\n"), conf);
        assertTrue(conf.contains("\ncms.allow host *.sites.example.org\n"), conf);
        // Its own pods as meta managers: its xrootd finds its cmsd only through such a line, its own pod's.
        assertEquals(List.of("meta x-xrootd-redirector-0", "meta x-xrootd-redirector-1"), ConfigReader.managers(conf, "cmsd", "manager",
                Map.of()).stream().map(l -> l.replaceFirst("\\.[^ ]*$", "")).toList());
        assertEquals(List.of("meta x-xrootd-redirector-1"), ConfigReader.managers(conf, "xrootd", "manager",
                Map.of("POD_NAME", "x-xrootd-redirector-1")).stream().map(l -> l.replaceFirst("\\.[^ ]*$", "")).toList());
    }
}
