package org.xrootd.hook.build;

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

    public static final String CONFIG_VOLUME = "config";
    public static final String ADMIN_VOLUME = "admin";
    public static final String DATA_VOLUME = "data";
    public static final String TMP_VOLUME = "tmp";

    private PodLayout() {}
}
