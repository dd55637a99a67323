package org.xrootd.hook.monitor;

import java.util.regex.Pattern;

/** Pod and node names from the host names XRootD reports. */
final class Names {
    private static final Pattern IPV4 = Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");

    private Names() {}

    /**
     * The first label of a host name: a pod's name ({@code worker-0.svc.ns.svc.cluster.local} →
     * {@code worker-0}). An address is kept whole ({@code 10.1.2.3}, {@code [::ffff:10.1.2.3]}).
     */
    static String pod(String host) {
        if (host == null || host.isEmpty()) {
            return "unknown";
        }
        if (host.startsWith("[") || host.indexOf(':') >= 0 || IPV4.matcher(host).matches()) {
            return host;
        }
        int dot = host.indexOf('.');
        return dot > 0 ? host.substring(0, dot) : host;
    }
}
