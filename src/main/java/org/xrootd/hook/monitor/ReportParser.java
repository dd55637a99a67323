package org.xrootd.hook.monitor;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.xrootd.hook.monitor.Report.NodeState;
import org.xrootd.hook.monitor.Report.Role;
import org.xrootd.hook.monitor.XmlScanner.Element;

/**
 * Datagram → {@link Report}. Never throws: a datagram that is not a report (garbage, truncated, no
 * {@code <statistics>} root, no {@code pgm} or {@code src}) gives a {@link Parsed} with an error and no
 * report. Within a report it is lenient: a section it does not know is ignored, a number is read from
 * its leading digits (the 5.5.3 cache's {@code <hits>0></hits>} is 0), a missing one is
 * {@link Report#ABSENT}.
 */
public final class ReportParser {
    /** Larger than any datagram a daemon sends (a 64-node manager: about 10 kB). */
    public static final int MAX_DATAGRAM = 65_507;

    /** The sections {@link #report} reads; the scanner checks the others but builds nothing of them. */
    private static final Set<String> SECTIONS = Set.of("link", "proc", "sched", "buff", "xrootd", "ofs", "oss", "cmsm", "cms", "cache");

    private ReportParser() {}

    /** A report, or why there is none. */
    public record Parsed(Report report, String error) {
        public boolean ok() {
            return report != null;
        }
    }

    public static Parsed parse(byte[] data) {
        return parse(data, data.length);
    }

    public static Parsed parse(byte[] data, int length) {
        try {
            XmlScanner.Result xml = XmlScanner.scan(data, length, SECTIONS);
            if (!xml.ok()) {
                return new Parsed(null, xml.error());
            }
            return report(xml.root());
        } catch (RuntimeException | StackOverflowError e) {
            return new Parsed(null, "parser failure: " + e);
        }
    }

    private static Parsed report(Element root) {
        if (!root.name().equals("statistics")) {
            return new Parsed(null, "root element is <" + root.name() + ">, not <statistics>");
        }
        String program = root.attribute("pgm");
        String src = root.attribute("src");
        if (program == null || program.isBlank() || src == null || src.isBlank()) {
            return new Parsed(null, "no pgm or src attribute");
        }
        int colon = src.lastIndexOf(':');
        String host = colon > 0 ? src.substring(0, colon) : src;
        int port = colon > 0 ? (int) Math.max(0, Math.min(65535, number(src.substring(colon + 1)))) : 0;
        String instance = orEmpty(root.attribute("ins"));

        Element link = null, proc = null, sched = null, buff = null, xrootd = null, ofs = null, oss = null, cmsm = null, cms = null,
                cache = null;
        for (Element s : root.children()) {
            if (!s.name().equals("stats")) {
                continue;
            }
            String id = orEmpty(s.attribute("id"));
            switch (id) {
                case "link" -> link = first(link, s);
                case "proc" -> proc = first(proc, s);
                case "sched" -> sched = first(sched, s);
                case "buff" -> buff = first(buff, s);
                case "xrootd" -> xrootd = first(xrootd, s);
                case "ofs" -> ofs = first(ofs, s);
                case "oss" -> oss = first(oss, s);
                case "cmsm" -> cmsm = first(cmsm, s);
                case "cms" -> cms = first(cms, s);
                case "cache" -> cache = first(cache, s);
                default -> { }
            }
        }
        Report.Ofs ofsStats = ofs == null ? null : new Report.Ofs(ofs.text("role"), n(ofs, "err"),
                n(ofs, "tpc", "grnt"), n(ofs, "tpc", "deny"), n(ofs, "tpc", "err"), n(ofs, "tpc", "exp"));
        Report.Cms cmsStats = cms(cmsm, cms);
        Report report = new Report(
                host,
                port,
                program,
                instance,
                orEmpty(root.attribute("site")),
                orEmpty(root.attribute("ver")),
                number(root.attribute("pid")),
                number(root.attribute("tos")),
                number(root.attribute("tod")),
                role(program, cmsStats, ofsStats),
                link == null ? null : new Report.Link(n(link, "num"), n(link, "maxn"), n(link, "tot"), n(link, "in"),
                        n(link, "out"), n(link, "tmo"), n(link, "stall"), n(link, "sfps")),
                proc == null ? null : new Report.Proc(seconds(proc.child("usr")), seconds(proc.child("sys"))),
                sched == null ? null : new Report.Sched(n(sched, "jobs"), n(sched, "inq"), n(sched, "maxinq"),
                        n(sched, "threads"), n(sched, "idle"), n(sched, "tcr"), n(sched, "tde"), n(sched, "tlimr")),
                buff == null ? null : new Report.Buff(n(buff, "reqs"), n(buff, "mem"), n(buff, "buffs")),
                xrootd == null ? null : new Report.Xrootd(n(xrootd, "num"), n(xrootd, "err"), n(xrootd, "rdr"),
                        n(xrootd, "dly"), n(xrootd, "lgn", "num"), n(xrootd, "lgn", "af"), n(xrootd, "lgn", "au"),
                        n(xrootd, "lgn", "ua"), n(xrootd, "ops", "open"), n(xrootd, "ops", "rd"), n(xrootd, "ops", "wr")),
                ofsStats,
                paths(oss),
                cmsStats,
                cache == null ? null : new Report.Cache(n(cache, "store", "size"), n(cache, "store", "used")));
        return new Parsed(report, null);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static Element first(Element already, Element candidate) {
        return already != null ? already : candidate;
    }

    private static Role role(String program, Report.Cms cms, Report.Ofs ofs) {
        if (cms != null && cms.role() != null) {
            switch (cms.role()) {
                case "M":
                    return Role.REDIRECTOR;
                case "R":
                    return Role.SUPERVISOR;
                case "S":
                    return Role.WORKER;
                default:
                    break;
            }
        }
        if (ofs != null && ofs.role() != null) {
            String r = ofs.role();
            if (r.contains("manager") || r.contains("meta")) {
                return Role.REDIRECTOR;
            }
            if (r.contains("supervisor")) {
                return Role.SUPERVISOR;
            }
            if (r.contains("server")) {
                return Role.WORKER;
            }
        }
        return Role.UNKNOWN;
    }

    private static Report.Cms cms(Element cmsm, Element cms) {
        if (cmsm != null) {
            List<Report.Node> nodes = new ArrayList<>();
            Element list = cmsm.child("node");
            if (list != null) {
                for (Element n : list.children()) {
                    if (!n.name().equals("stats")) {
                        continue;
                    }
                    String run = n.text("run");
                    String flags = run == null || run.isEmpty() ? "" : run.substring(1);
                    String host = n.text("host");
                    nodes.add(new Report.Node((int) Math.min(Integer.MAX_VALUE, number(n.attribute("id"))),
                            host == null ? "" : host, n.text("role"), NodeState.of(run), flags.indexOf('w') >= 0,
                            flags.indexOf('n') >= 0));
                }
            }
            return new Report.Cms(cmsm.text("role"), n(cmsm, "sel", "t"), nodes);
        }
        if (cms != null) {
            return new Report.Cms(cms.text("role"), Report.ABSENT, List.of());
        }
        return null;
    }

    private static List<Report.OssPath> paths(Element oss) {
        if (oss == null || oss.child("paths") == null) {
            return List.of();
        }
        List<Report.OssPath> out = new ArrayList<>();
        for (Element p : oss.child("paths").children()) {
            if (p.name().equals("stats")) {
                out.add(new Report.OssPath(unquote(p.text("lp")), unquote(p.text("rp")), kib(n(p, "tot")), kib(n(p, "free")),
                        n(p, "ino"), n(p, "ifr")));
            }
        }
        return out;
    }

    /** XrdOssSys::getStats writes total and free space shifted right by 10 (KiB). */
    private static long kib(long value) {
        return value < 0 ? Report.ABSENT : value > Long.MAX_VALUE >> 10 ? Long.MAX_VALUE : value << 10;
    }

    private static String unquote(String s) {
        if (s == null) {
            return "";
        }
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    /** {@code <usr><s>seconds</s><u>microseconds</u></usr>}. */
    private static double seconds(Element e) {
        if (e == null) {
            return Report.ABSENT;
        }
        long s = e.number("s");
        long u = e.number("u");
        if (s < 0 && u < 0) {
            return Report.ABSENT;
        }
        return Math.max(0, s) + Math.max(0, u) / 1e6;
    }

    private static long n(Element e, String child) {
        return e.number(child);
    }

    private static long n(Element e, String child, String grandchild) {
        return e.number(child, grandchild);
    }

    /** The leading decimal digits of {@code text}, or ABSENT; saturates instead of overflowing. */
    static long number(String text) {
        if (text == null) {
            return Report.ABSENT;
        }
        int i = 0;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        long value = 0;
        int digits = 0;
        while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            int d = text.charAt(i) - '0';
            value = value > (Long.MAX_VALUE - d) / 10 ? Long.MAX_VALUE : value * 10 + d;
            digits++;
            i++;
        }
        return digits == 0 ? Report.ABSENT : value;
    }
}
