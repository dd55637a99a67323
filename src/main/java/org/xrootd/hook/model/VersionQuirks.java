package org.xrootd.hook.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the generated configuration must do differently for the XRootD release a cluster runs, read from
 * the catalog version ({@code spec.version}, which is also {@link Catalog.Resolved#version()}). Every
 * difference was read in the XRootD source of both releases the catalog samples name (4.11.2, 5.5.3).
 * A version that does not start with {@code <major>.<minor>} (a catalog name like {@code stable}) is
 * taken as current (5.x): the quirks only keep old releases working.
 *
 * @param nameCacheNeedsOff {@code xrd.network dyndns} does not turn off the 3-hour address-to-name cache
 *     before 5.0 (XrdConfig::xnet sets {@code cache 0} with {@code dyndns} only from 5.0 on): a pod IP
 *     that moves to another pod keeps the old pod's name for hours, so 4.x needs {@code cache 0} spelled out.
 * @param vnid {@code cms.vnid} exists (4.9.0 on): a worker's or supervisor's identity can be its pod name
 *     instead of its address, so one that comes back with a new IP takes its old slot at once.
 * @param httpTpcMakesParents an HTTP-TPC COPY creates the destination file's missing parent directories
 *     (5.7.0 on: commit f6b361d4c, xrootd issue 2241; 5.5.3 opens the destination without SFS_O_MKPTH and
 *     answers the COPY with an error). Only the generated comment differs; TpcRealDaemonTest pins what the
 *     catalog's version does.
 */
public record VersionQuirks(boolean nameCacheNeedsOff, boolean vnid, boolean httpTpcMakesParents) {
    private static final Pattern MAJOR_MINOR = Pattern.compile("^v?(\\d{1,4})\\.(\\d{1,4})(?:\\D.*)?$");
    /** Current releases: nothing to work around. */
    public static final VersionQuirks CURRENT = new VersionQuirks(false, true, true);

    public static VersionQuirks of(String version) {
        Matcher m = version == null ? null : MAJOR_MINOR.matcher(version);
        if (m == null || !m.matches()) {
            return CURRENT;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return new VersionQuirks(major < 5, major > 4 || (major == 4 && minor >= 9), major > 5 || (major == 5 && minor >= 7));
    }
}
