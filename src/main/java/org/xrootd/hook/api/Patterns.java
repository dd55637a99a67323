package org.xrootd.hook.api;

/**
 * The regular expressions of the schema, in the syntax both the API server (Go's RE2) and Java accept, so
 * that {@code model.SpecParser} can apply the very same ones. Each mirrors a Kubernetes validation.
 */
public final class Patterns {
    private Patterns() {}

    /** A DNS-1123 label (namespace names, the parts of a subdomain). */
    public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    /** A DNS-1123 subdomain, at most 253 characters: names of Secrets, ServiceAccounts, PriorityClasses, StorageClasses. */
    public static final String DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    public static final int DNS_SUBDOMAIN_MAX = 253;
    /**
     * An Xrootd's name: a DNS-1035 label, because it begins every Service name (which must start with a
     * letter); at most 34 characters, so that NAME-xrootd-redirector plus the StatefulSet's 11-character
     * revision suffix stays within the 63 of a label value.
     */
    public static final String XROOTD_NAME = "^[a-z]([-a-z0-9]*[a-z0-9])?$";
    public static final int XROOTD_NAME_MAX = 34; // 63 - 11 - "-xrootd-redirector".length()
    /** A label value: at most 63 characters, alphanumeric at both ends, '-', '_', '.' inside; may be empty. */
    public static final String LABEL_VALUE = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";
    public static final int LABEL_VALUE_MAX = 63;
    /** A qualified name (label and annotation keys): an optional DNS-subdomain prefix and '/', then a name of at most 63. */
    public static final String QUALIFIED_NAME =
            "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
    /**
     * An XrootdVersion's name (what spec.version names): a DNS-1123 subdomain, since it is an object's
     * name, that also fits a label value (it is the pods' app.kubernetes.io/version label).
     */
    public static final String VERSION_NAME = DNS_SUBDOMAIN;
    public static final int VERSION_NAME_MAX = 63;
    /**
     * The Kubernetes quantity grammar (k8s.io/apimachinery resource.Quantity): a signed decimal number with
     * an optional binary suffix (Ki … Ei), decimal suffix (n, u, m, k, M … E) or decimal exponent.
     */
    public static final String QUANTITY =
            "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$";
    /** Longest quantity spelling accepted: every value the API server can store fits. */
    public static final int QUANTITY_MAX = 64;
    /** A storage size: a quantity without a sign (the CEL rule checks it is a positive whole number of bytes). */
    public static final String CAPACITY = "^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$";
    /** An exported path: absolute, of letters, digits, '.', '_', '-' and '/'. */
    public static final String EXPORT_PATH = "^/[A-Za-z0-9._/-]*$";
    /** One xrootd directive on one line: prefix.name, then its arguments; leading blanks are allowed. */
    public static final String DIRECTIVE = "^ *[a-z]+\\.[A-Za-z_.]+( [^\\x00-\\x1f\\x7f]*)?$";
    /**
     * Directives that define the cluster's shape, which the generated configuration owns. (if, else, fi
     * and continue are refused by {@link #DIRECTIVE} already: they have no prefix.)
     */
    public static final String RESERVED_DIRECTIVE =
            "^ *(all\\.(role|manager|adminpath|pidpath|export)|oss\\.localroot|xrd\\.port)( .*)?$";
    /** A key of a Secret's data. */
    public static final String SECRET_KEY = "^[-._a-zA-Z0-9]+$";
    /**
     * A host of spec.allowedHosts (cms.allow host): a host name, or a pattern with at most one '*'
     * (prefix*suffix, which XRootD matches against the peer's reverse DNS name).
     */
    public static final String ALLOWED_HOST = "^[-A-Za-z0-9.]*[*]?[-A-Za-z0-9.]*$";
    /** No whitespace at all (an image reference). */
    /** An IPv4 or IPv6 CIDR (a load balancer's source range); the hook parses it fully. */
    public static final String CIDR = "^[0-9a-fA-F:.]+/[0-9]{1,3}$";

    public static final String NO_WHITESPACE = "^[^\\s]+$";
    /** all.sitename: XRootD keeps letters, digits, '_', '-' and ':' (anything else becomes '.'), at most 63. */
    public static final String SITE_NAME = "^[A-Za-z0-9_:-]+$";
    /** A meta manager's host: a DNS name or IPv4 address (letters, digits, '-', '.'). */
    public static final String MANAGER_HOST = "^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$";
}
