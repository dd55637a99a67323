package org.xrootd.hook.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the generated configuration must do differently for the XRootD release a cluster runs, read from
 * the catalog version ({@code spec.version}, which is also {@link Catalog.Resolved#version()}). Every
 * difference was read in the XRootD source of both releases the catalog samples name (4.11.2, 5.5.3).
 * A version that does not start with {@code <major>.<minor>} (a catalog name like {@code stable}) is
 * taken as 5.x before 5.8, the release the operand image carries: the quirks only keep old releases working.
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
 * @param redirectHostPortMax the longest {@code host:port} a name-based redirect ({@code xrd.network rpipa})
 *     may carry: XrdNetUtils::GetHostPort copies it into {@code char[MAXHOSTNAMELEN+15]} and silently cuts
 *     it at 78 characters before 5.8.0, where the buffer became 256 bytes (255 characters). 0 for 4.x: the
 *     hook renders no name-based redirects there (proven on 5.5.3 only).
 */
public record VersionQuirks(boolean nameCacheNeedsOff, boolean vnid, boolean httpTpcMakesParents, int redirectHostPortMax) {
    private static final Pattern MAJOR_MINOR = Pattern.compile("^v?(\\d{1,4})\\.(\\d{1,4})(?:\\D.*)?$");
    /** XRootD 5.0 to 5.7 (5.5.3 is the operand image's release): the 78-character host:port. */
    public static final int HOST_PORT_MAX_BEFORE_5_8 = 78;
    /** XRootD 5.8.0 on: a 256-byte buffer. */
    public static final int HOST_PORT_MAX_FROM_5_8 = 255;
    /**
     * A catalog name that is no version number: current in what only the generated comments tell apart, but the
     * 78-character host:port of the releases before 5.8, since a longer redirect would be cut without a word.
     */
    public static final VersionQuirks CURRENT = new VersionQuirks(false, true, true, HOST_PORT_MAX_BEFORE_5_8);

    public static VersionQuirks of(String version) {
        Matcher m = version == null ? null : MAJOR_MINOR.matcher(version);
        if (m == null || !m.matches()) {
            return CURRENT;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        int hostPortMax = major < 5 ? 0 : major == 5 && minor < 8 ? HOST_PORT_MAX_BEFORE_5_8 : HOST_PORT_MAX_FROM_5_8;
        return new VersionQuirks(major < 5, major > 4 || (major == 4 && minor >= 9), major > 5 || (major == 5 && minor >= 7), hostPortMax);
    }
}
