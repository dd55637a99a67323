package org.xrootd.hook.children;

/** Where things live inside an XRootD pod; shared by the configuration, the scripts and the pod specs. */
public final class PodLayout {
    /** The ConfigMap's mount point. */
    public static final String CONFIG_DIR = "/etc/xrootd-hook";
    public static final String CONFIG_KEY = "xrootd.cf";
    public static final String START_KEY = "start.sh";
    public static final String CONFIG_FILE = CONFIG_DIR + "/" + CONFIG_KEY;
    public static final String START_SCRIPT = CONFIG_DIR + "/" + START_KEY;
    /** emptyDir shared by cmsd and xrootd: the Unix socket through which they find each other. */
    public static final String ADMIN_DIR = "/xrootd/admin";
    /** The worker's persistent volume, xrootd's oss.localroot. */
    public static final String DATA_DIR = "/xrootd/data";
    public static final String TMP_DIR = "/tmp";
    /** Where a cache worker's extra disks (spec.cache.disks) are mounted, each at its name. */
    public static final String CACHE_DIR = "/xrootd/cache";
    /** Claim template (and volume) name of a cache disk: this prefix and the disk's name. */
    public static final String CACHE_VOLUME_PREFIX = "cache-";
    /** Where Secrets are mounted (outside the ConfigMap mount: a volume cannot be mounted inside another). */
    public static final String SSS_SECRET_DIR = "/etc/xrootd-secrets/sss";
    public static final String TLS_SECRET_DIR = "/etc/xrootd-secrets/tls";
    /**
     * Private copies the start script makes in the admin emptyDir: secret volumes are group-readable when
     * fsGroup is set, and xrootd refuses an sss keytab that anyone but its owner can read.
     */
    public static final String SSS_KEYTAB = ADMIN_DIR + "/sss.keytab";
    public static final String TLS_CERT = ADMIN_DIR + "/tls.crt";
    public static final String TLS_KEY = ADMIN_DIR + "/tls.key";

    public static final String CONFIG_VOLUME = "config";
    public static final String ADMIN_VOLUME = "admin";
    public static final String DATA_VOLUME = "data";
    public static final String TMP_VOLUME = "tmp";
    public static final String SSS_VOLUME = "sss";
    public static final String TLS_VOLUME = "tls";

    private PodLayout() {}
}
