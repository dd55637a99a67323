package org.xrootd.hook.children;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;

/**
 * The xrootd.cf lines of an XCache (spec.cache), after the anchors: Debian's
 * /etc/xrootd/xrootd-filecache-clustered.cfg (cmsd exports {@code stage r/o}, the cache xrootd loads
 * libXrdPss as its storage with the file cache libXrdPfc on top and names the origin) and OSG's cache
 * redirector (one copy of a file in the cluster). docs/xrootd-configuration.md explains each line.
 */
final class CacheConf {
    /** A worker leaves the selection for new files only when its volume is nearly full (the purge keeps room). */
    static final String CACHE_SPACE = "cms.space min 1m 2m";
    /**
     * OSG's cache-redirector tuning: no retry of a failed selection on another cache and no second source
     * for a file one cache already has, so a file lives in one cache of the cluster; a lookup of a file no
     * cache has is answered from the held result for 15 minutes (at most 4 hours).
     */
    static final String SCHED = "cms.sched maxretries 0 nomultisrc";
    static final String FXHOLD = "cms.fxhold noloc 15m 4h";

    private CacheConf() {}

    static void redirectorLines(List<String> out, String indent) {
        out.add(indent + "# Cache redirector (spec.cache): each file in one cache, no retries elsewhere; misses held 15 min.");
        out.add(indent + SCHED);
        out.add(indent + FXHOLD);
    }

    /**
     * The exports (read-only; {@code stage} for the cmsds and redirectors: a cache can bring in any file,
     * so the redirector selects one for a file no cache holds yet) and the workers' cache. {@code only}: the
     * role whose view this is (its hash), or empty for the whole file.
     */
    static void lines(XrootdSpec spec, Optional<Component> only, List<String> out) {
        XrootdSpec.Cache cache = spec.cache();
        boolean workers = only.isEmpty() || only.get() == Component.WORKER;
        out.add("# XCache (spec.cache): exported read-only; the workers' xrootd is the cache in front of the origin.");
        if (workers) {
            // XRootD 5.5.3 reads "if exec xrootd named worker" as a list of programs (any xrootd matched, the
            // managers' too), and if-blocks do not nest: an else-if chain on one level selects the daemon.
            out.add("if exec cmsd");
            exports(spec, out);
            out.add("else if named " + Component.WORKER.instance());
            for (String export : spec.exports()) {
                out.add("   all.export " + export + " r/o");
            }
            out.add("   ofs.osslib libXrdPss.so");
            out.add("   pss.cachelib libXrdPfc.so");
            out.add("   pss.origin " + cache.origin());
            out.add("   pfc.ram " + size(cache.ramBytes()));
            if (cache.blockBytes() != null) {
                out.add("   pfc.blocksize " + size(cache.blockBytes()));
            }
            if (cache.prefetch() != null) {
                out.add("   pfc.prefetch " + cache.prefetch());
            }
            if (!cache.disks().isEmpty()) {
                out.add("   # Cached blocks in space " + cache.dataSpace() + ", .cinfo files in space " + cache.metaSpace()
                        + " (public: the worker volume).");
                out.add("   pfc.spaces " + cache.dataSpace() + " " + cache.metaSpace());
                for (XrootdSpec.Disk disk : cache.disks()) {
                    out.add("   oss.space " + disk.type().space() + " " + PodLayout.CACHE_DIR + "/" + disk.name());
                }
            }
            out.add("   # Watermarks " + cache.lowWaterMark().toPlainString() + " and " + cache.highWaterMark().toPlainString()
                    + " of the data space's " + cache.dataBytes() + " bytes, as sizes (a bare number would be a fraction):");
            out.add("   # XRootD takes fractions of the filesystem's total, which is not the claim's size on shared filesystems.");
            out.add("   pfc.diskusage " + size(cache.lowBytes()) + " " + size(cache.highBytes()) + " purgeinterval "
                    + cache.purgeIntervalSeconds() + "s");
            out.add("else");
            exports(spec, out);
            out.add("fi");
        } else {
            exports(spec, out);
        }
    }

    private static void exports(XrootdSpec spec, List<String> out) {
        for (String export : spec.exports()) {
            out.add("   all.export " + export + " stage r/o");
        }
    }

    /** A byte size as XRootD's size arguments take it: the largest of g, m, k (powers of 1024) that divides it. */
    static String size(BigInteger bytes) {
        String[] suffixes = {"g", "m", "k"};
        int[] shifts = {30, 20, 10};
        for (int i = 0; i < suffixes.length; i++) {
            BigInteger unit = BigInteger.ONE.shiftLeft(shifts[i]);
            if (bytes.mod(unit).signum() == 0) {
                return bytes.divide(unit) + suffixes[i];
            }
        }
        return bytes.toString();
    }
}
