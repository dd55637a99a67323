package org.xrootd.hook.model;

import java.util.List;

/**
 * A validated Xrootd parent: everything the builders need, with defaults applied. Builders never look
 * at the raw JSON; only {@link SpecParser} interprets what the user wrote.
 */
public record XrootdSpec(
        String name,
        String namespace,
        long generation,
        String version,
        String imageOverride,
        String imagePullPolicy,
        Role redirector,
        Role worker,
        Storage storage,
        Ports ports,
        Security security,
        List<String> exports) {

    /** Per-role settings. */
    public record Role(int replicas) {}

    /** The worker's persistent volume: size in canonical spelling and bytes, optional class. */
    public record Storage(String capacity, java.math.BigInteger bytes, String storageClass) {}

    /** xrootd's data port (xroot and HTTP) and the redirectors' cmsd port. */
    public record Ports(int xrootd, int cmsd) {}

    /** The unprivileged identity both daemons run as. */
    public record Security(long runAsUser, long runAsGroup, long fsGroup) {}
}
