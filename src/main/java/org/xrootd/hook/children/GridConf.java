package org.xrootd.hook.children;

import java.util.List;
import org.xrootd.hook.model.Grid;
import org.xrootd.hook.model.VersionQuirks;
import org.xrootd.hook.model.XrootdSpec;

/**
 * The xrootd.cf lines of spec.tpc and spec.federation (docs/operations.md, "Third-party copy" and
 * "Federation"), placed by {@link XrootdConf}: the site name for every role, the meta-manager
 * subscription and role on the redirectors, xroot TPC on the workers, the HTTP-TPC handler for every
 * role's xrootd.
 */
final class GridConf {
    /** The image's system CAs (ca-certificates, hashed), which HTTP TPC trusts without spec.tpc.caKey. */
    static final String SYSTEM_CA_DIR = "/etc/ssl/certs";

    private GridConf() {}

    /** all.sitename for every role: the meta managers and the monitoring name the site by it. */
    static void siteLines(XrootdSpec spec, List<String> out) {
        if (spec.federation().siteName() != null) {
            out.add("# The site's name in the federation (spec.federation.siteName).");
            out.add("all.sitename " + spec.federation().siteName());
        }
    }

    /**
     * How the cluster's own redirectors are listed: a meta manager's xrootd finds its cmsd only through an
     * {@code all.manager meta} line ("Meta manager not specified" and no xroot protocol otherwise, seen on
     * 5.5.3), and its cmsd takes its port from it.
     */
    static String ownManager(XrootdSpec spec) {
        return spec.federation().metaManager() ? "all.manager meta " : "all.manager ";
    }

    /** The redirectors' all.role: a meta manager for spec.federation.metaManager, else a manager. */
    static String managerRole(XrootdSpec spec) {
        return spec.federation().metaManager() ? "all.role meta manager" : "all.role manager";
    }

    /**
     * After the redirectors' all.role: a meta manager's note, or the meta managers they subscribe to. cmsd
     * takes {@code all.manager meta} only on a manager (a worker ignores it), so the workers keep logging in
     * to their own redirectors, and the redirectors log in upward with every worker they hold.
     */
    static void managerLines(XrootdSpec spec, List<String> out, String indent) {
        Grid.Federation federation = spec.federation();
        if (federation.metaManager()) {
            out.add(indent + "# A federation meta manager (spec.federation.metaManager): site redirectors subscribe to it,");
            out.add(indent + "# spec.allowedHosts admits them; the all.manager meta lines above name its own pods.");
        }
        if (!federation.managers().isEmpty()) {
            out.add(indent + "# Subscribe to the federation's meta managers (spec.federation.managers).");
            for (Grid.Manager manager : federation.managers()) {
                out.add(indent + "all.manager meta " + manager.address());
            }
        }
    }

    /**
     * xroot TPC on the workers: the destination worker runs {@code xrdcp --server} to pull the file from the
     * source server, which checks the rendezvous key the client left there. autorm removes a partial file
     * when a copy fails. Redirectors only redirect (ofs.tpc is a data server's job on 5.5.3).
     */
    static void workerLines(XrootdSpec spec, List<String> out, String indent) {
        Grid.Tpc tpc = spec.tpc();
        if (!tpc.xroot()) {
            return;
        }
        StringBuilder line = new StringBuilder("ofs.tpc autorm");
        if (tpc.streams() > 0) {
            line.append(" streams ").append(tpc.streams());
        }
        if (tpc.maxTransfers() > 0) {
            line.append(" xfr ").append(tpc.maxTransfers());
        }
        line.append(" pgm /usr/bin/xrdcp --server");
        out.add(indent + "# xroot third-party copy (spec.tpc.xroot): the destination worker pulls from the source server.");
        out.add(indent + line);
    }

    /**
     * In the xrootd section with TLS: what the TLS lines are, and for HTTP TPC the handler and the CAs the
     * handler's libcurl trusts for the remote server. XrdHttpTPC refuses to start without a CA
     * ({@code xrd.tlsca noverify} gives it none), so with HTTP TPC the pods verify with the CAs named.
     */
    static String tlsCa(XrootdSpec spec) {
        if (!spec.tpc().http()) {
            return "xrd.tlsca noverify";
        }
        if (spec.tpc().caKey() != null) {
            return "xrd.tlsca certfile " + PodLayout.TLS_SECRET_DIR + "/" + spec.tpc().caKey();
        }
        return "xrd.tlsca certdir " + SYSTEM_CA_DIR;
    }

    static void httpLines(XrootdSpec spec, List<String> out, String indent) {
        if (!spec.tpc().http()) {
            return;
        }
        out.add(indent + "# HTTP third-party copy (spec.tpc.http): COPY with Source pulls, with Destination pushes;");
        out.add(indent + "# the client's TransferHeaderAuthorization header is what the remote server sees.");
        out.add(indent + "http.exthandler xrdtpc libXrdHttpTPC.so");
        VersionQuirks quirks = VersionQuirks.of(spec.version());
        if (!quirks.httpTpcMakesParents()) {
            out.add(indent + "# XRootD " + spec.version() + " does not create a COPY destination's parent directories (fixed in 5.7.0,");
            out.add(indent + "# xrootd issue 2241): create them first (MKCOL) on the worker that will hold the file.");
        }
    }
}
