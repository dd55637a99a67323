package org.xrootd.hook.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xrootd.hook.model.Supervisors;

/**
 * Summary-report datagrams shaped exactly like the samples captured from real 5.5.3 daemons
 * (src/test/resources/org/xrootd/hook/monitor/samples), with the host names rewritten per daemon: one
 * cluster's worth, for {@link MonitorBench} and {@link MonitorLoad}.
 *
 * <p>A cluster of W workers above 64 has the supervisors the hook gives it ({@link Supervisors#required});
 * each redirector's cmsd sees 64 nodes (the supervisors, then as many workers as fit), each supervisor's
 * cmsd its share of the other workers, every node active ({@code awn}). Every daemon sends the sample of
 * its kind: a worker's xrootd {@code steady-ds1-xrootd}, its cmsd {@code steady-ds1-cmsd}, a redirector's
 * {@code steady-manager-*}, a supervisor's {@code steady-supervisor-*}.
 */
final class MonitorReports {
    static final String CLUSTER = "bench";
    private static final String DOMAIN = ".xrd-%s-0b5c1e2a.bench.svc.cluster.local";
    private static final Pattern SRC = Pattern.compile("src=\"[^\"]*:(\\d+)\"");
    private static final Pattern NODES = Pattern.compile("<node>\\d+.*</node>");

    private MonitorReports() {}

    static byte[] sample(String name) {
        String path = "org/xrootd/hook/monitor/samples/" + name + ".xml";
        try (InputStream in = MonitorReports.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("no sample " + path + " on the classpath (target/test-classes)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String pod(String role, int ordinal) {
        return CLUSTER + "-xrootd-" + role + "-" + ordinal;
    }

    static String host(String role, int ordinal) {
        return pod(role, ordinal) + String.format(DOMAIN, role.substring(0, 1));
    }

    /** The sample with its daemon's host name replaced (the {@code src} attribute and the info section). */
    static byte[] rewrite(String sample, String host) {
        String xml = new String(sample(sample), StandardCharsets.ISO_8859_1);
        Matcher src = SRC.matcher(xml);
        if (!src.find()) {
            throw new IllegalStateException(sample + ": no src attribute");
        }
        xml = src.replaceFirst(Matcher.quoteReplacement("src=\"" + host + ":" + src.group(1) + "\""));
        xml = xml.replace("<stats id=\"info\"><host>vm</host>", "<stats id=\"info\"><host>" + host + "</host>");
        return xml.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A manager's or supervisor's cmsd report whose {@code cmsm} section lists these nodes, all active. */
    static byte[] cmsm(String sample, String host, List<String> nodeHosts, List<String> nodeRoles) {
        String xml = new String(rewrite(sample, host), StandardCharsets.ISO_8859_1);
        StringBuilder nodes = new StringBuilder("<node>").append(nodeHosts.size());
        for (int i = 0; i < nodeHosts.size(); i++) {
            nodes.append("<stats id=\"").append(i).append("\"><host>").append(nodeHosts.get(i)).append("</host><role>")
                    .append(nodeRoles.get(i)).append("</role><run>awn</run><ref><r>0</r><w>0</w></ref></stats>");
        }
        nodes.append("</node>");
        Matcher m = NODES.matcher(xml);
        if (!m.find()) {
            throw new IllegalStateException(sample + ": no <node> list");
        }
        return m.replaceFirst(Matcher.quoteReplacement(nodes.toString())).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** One datagram per daemon (a cmsd and an xrootd per pod) of a cluster with these redirectors and workers. */
    static List<byte[]> cluster(int redirectors, int workers) {
        int supervisors = Supervisors.required(workers);
        List<String> direct = new ArrayList<>();
        List<String> directRoles = new ArrayList<>();
        for (int s = 0; s < supervisors; s++) {
            direct.add(host("supervisor", s));
            directRoles.add("R");
        }
        int next = 0;
        while (direct.size() < 64 && next < workers) {
            direct.add(host("worker", next++));
            directRoles.add("S");
        }
        List<byte[]> out = new ArrayList<>();
        for (int r = 0; r < redirectors; r++) {
            out.add(cmsm("steady-manager-cmsd", host("redirector", r), direct, directRoles));
            out.add(rewrite("steady-manager-xrootd", host("redirector", r)));
        }
        int behind = workers - next;
        for (int s = 0; s < supervisors; s++) {
            int share = behind / supervisors + (s < behind % supervisors ? 1 : 0);
            List<String> nodes = new ArrayList<>();
            for (int i = 0; i < share; i++) {
                nodes.add(host("worker", next++));
            }
            out.add(cmsm("steady-supervisor-cmsd", host("supervisor", s), nodes, nodes.stream().map(n -> "S").toList()));
            out.add(rewrite("steady-supervisor-xrootd", host("supervisor", s)));
        }
        for (int w = 0; w < workers; w++) {
            out.add(rewrite("steady-ds1-cmsd", host("worker", w)));
            out.add(rewrite("steady-ds1-xrootd", host("worker", w)));
        }
        return out;
    }
}
