package org.xrootd.hook.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.xrootd.hook.api.Patterns;

/**
 * spec.tpc and spec.federation, read and checked: what a site needs to take part in a grid data federation
 * (third-party copy and the subscription to meta managers). Like {@link SpecParser}, wrong input is never an
 * exception: each mistake becomes a {@link Problem} naming the field.
 */
public final class Grid {
    private static final Set<String> TPC_FIELDS = Set.of("xroot", "http", "streams", "maxTransfers", "caKey");
    private static final Set<String> FEDERATION_FIELDS = Set.of("siteName", "managers", "metaManager");
    private static final Set<String> MANAGER_FIELDS = Set.of("host", "port", "allAddresses");
    private static final Pattern SITE_NAME = Pattern.compile(Patterns.SITE_NAME);
    private static final Pattern MANAGER_HOST = Pattern.compile(Patterns.MANAGER_HOST);
    private static final Pattern SECRET_KEY = Pattern.compile(Patterns.SECRET_KEY);
    public static final int MAX_SITE_NAME = 63;
    public static final int MAX_MANAGERS = 8;
    public static final int MAX_STREAMS = 15;
    public static final int MAX_TRANSFERS = 1000;

    private Grid() {}

    /**
     * spec.tpc. {@code streams}, {@code maxTransfers}: 0 when unset (XRootD's defaults: 1 stream, 9
     * transfers). {@code caKey}: the key of the spec.tls Secret with the CAs HTTP TPC trusts, or null for
     * the image's system CAs.
     */
    public record Tpc(boolean xroot, boolean http, int streams, int maxTransfers, String caKey) {
        public static final Tpc OFF = new Tpc(false, false, 0, 0, null);

        public boolean any() {
            return xroot || http;
        }
    }

    /** One meta manager: host, cmsd port, and whether every address of the host is one (host+). */
    public record Manager(String host, int port, boolean allAddresses) {
        /** As all.manager writes it: {@code host[+]:port}. */
        public String address() {
            return host + (allAddresses ? "+" : "") + ":" + port;
        }
    }

    /** spec.federation: the site name (null: none), the meta managers subscribed to, whether this cluster is one. */
    public record Federation(String siteName, List<Manager> managers, boolean metaManager) {
        public static final Federation NONE = new Federation(null, List.of(), false);
    }

    /**
     * Reads spec.tpc; {@code tls}: whether spec.tls is set, {@code sss}: whether spec.sss is (it turns HTTP off).
     */
    static Tpc tpc(JsonNode spec, boolean tls, boolean sss, Consumer<Problem> problems) {
        JsonNode node = spec.get("tpc");
        if (node == null || node.isNull()) {
            return Tpc.OFF;
        }
        if (!node.isObject()) {
            problems.accept(new Problem("spec.tpc", "must be an object"));
            return Tpc.OFF;
        }
        known(node, "spec.tpc", TPC_FIELDS, problems);
        boolean xroot = bool(node, "xroot", "spec.tpc.xroot", problems);
        boolean http = bool(node, "http", "spec.tpc.http", problems);
        int streams = integer(node, "streams", "spec.tpc.streams", MAX_STREAMS, problems);
        int maxTransfers = integer(node, "maxTransfers", "spec.tpc.maxTransfers", MAX_TRANSFERS, problems);
        String caKey = null;
        JsonNode ca = node.get("caKey");
        if (ca != null && !ca.isNull()) {
            if (!ca.isTextual() || ca.asText().isEmpty() || ca.asText().length() > 253 || !SECRET_KEY.matcher(ca.asText()).matches()) {
                problems.accept(new Problem("spec.tpc.caKey", "must be a key of a Secret (1 to 253 letters, digits, '-', '_' or '.')"));
            } else if (!http) {
                problems.accept(new Problem("spec.tpc.caKey", "is used only by HTTP TPC: set spec.tpc.http, or remove it"));
            } else if (ca.asText().equals("tls.crt") || ca.asText().equals("tls.key")) {
                problems.accept(new Problem("spec.tpc.caKey", "'" + ca.asText() + "' is the pods' own certificate or key; name the key"
                        + " with the CA certificates (e.g. ca.crt)"));
            } else {
                caKey = ca.asText();
            }
        }
        if (http && !tls) {
            problems.accept(new Problem("spec.tpc.http", org.xrootd.hook.api.Rules.HTTP_TPC_NEEDS_TLS_MESSAGE
                    + ": set spec.tls.secretName"));
        }
        if (http && sss) {
            problems.accept(new Problem("spec.tpc.http", org.xrootd.hook.api.Rules.HTTP_TPC_WITHOUT_SSS_MESSAGE));
        }
        return new Tpc(xroot, http, streams, maxTransfers, caKey);
    }

    /**
     * Reads spec.federation; {@code workers}: spec.worker.replicas (a meta manager has none),
     * {@code allowedHosts}: whether spec.allowedHosts lists any (a meta manager must admit the site
     * redirectors), {@code directives}: every spec.config line (an all.sitename there would clash).
     */
    static Federation federation(JsonNode spec, int workers, boolean allowedHosts, List<String> directives,
                                 Consumer<Problem> problems) {
        JsonNode node = spec.get("federation");
        if (node == null || node.isNull()) {
            return Federation.NONE;
        }
        if (!node.isObject()) {
            problems.accept(new Problem("spec.federation", "must be an object"));
            return Federation.NONE;
        }
        known(node, "spec.federation", FEDERATION_FIELDS, problems);
        String siteName = null;
        JsonNode site = node.get("siteName");
        if (site != null && !site.isNull()) {
            if (!site.isTextual() || site.asText().isEmpty() || site.asText().length() > MAX_SITE_NAME
                    || !SITE_NAME.matcher(site.asText()).matches()) {
                problems.accept(new Problem("spec.federation.siteName", "'" + Problem.excerpt(site.isTextual() ? site.asText() : site.toString())
                        + "' must be 1 to " + MAX_SITE_NAME + " letters, digits, '_', '-' or ':' (what all.sitename keeps)"));
            } else {
                siteName = site.asText();
            }
        }
        boolean meta = bool(node, "metaManager", "spec.federation.metaManager", problems);
        List<Manager> managers = managers(node.get("managers"), problems);
        if (!managers.isEmpty() && site == null) {
            problems.accept(new Problem("spec.federation.siteName", org.xrootd.hook.api.Rules.FEDERATION_SITE_NAME_MESSAGE));
        }
        if (meta && !managers.isEmpty()) {
            problems.accept(new Problem("spec.federation.managers", org.xrootd.hook.api.Rules.META_MANAGER_SUBSCRIBES_NOWHERE_MESSAGE));
        }
        if (meta && workers != 0) {
            problems.accept(new Problem("spec.worker.replicas", org.xrootd.hook.api.Rules.META_MANAGER_NO_WORKERS_MESSAGE
                    + " (spec.federation.metaManager)"));
        }
        if (meta && !allowedHosts) {
            problems.accept(new Problem("spec.allowedHosts", "must name the site redirectors for a meta manager (spec.federation"
                    + ".metaManager): its cmsd admits only the hosts listed there"));
        }
        if (siteName != null) {
            for (String directive : directives) {
                if (directive.split("\\s+", 2)[0].equals("all.sitename")) {
                    problems.accept(new Problem("spec.federation.siteName", "is also set by an all.sitename directive in spec.config;"
                            + " XRootD keeps the first one: remove the directive"));
                    break;
                }
            }
        }
        return new Federation(siteName, managers, meta);
    }

    private static List<Manager> managers(JsonNode node, Consumer<Problem> problems) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            problems.accept(new Problem("spec.federation.managers", "must be a list of {host, port}"));
            return List.of();
        }
        if (node.size() > MAX_MANAGERS) {
            problems.accept(new Problem("spec.federation.managers", "lists " + node.size() + " meta managers; at most " + MAX_MANAGERS));
            return List.of();
        }
        List<Manager> managers = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String field = "spec.federation.managers[" + i + "]";
            JsonNode entry = node.get(i);
            if (entry == null || !entry.isObject()) {
                problems.accept(new Problem(field, "must be an object with host and port"));
                continue;
            }
            known(entry, field, MANAGER_FIELDS, problems);
            JsonNode host = entry.get("host");
            String hostName = null;
            if (host == null || host.isNull()) {
                problems.accept(new Problem(field + ".host", "is required"));
            } else if (!host.isTextual() || host.asText().length() > Patterns.DNS_SUBDOMAIN_MAX
                    || !MANAGER_HOST.matcher(host.asText()).matches()) {
                problems.accept(new Problem(field + ".host", "'" + Problem.excerpt(host.isTextual() ? host.asText() : host.toString())
                        + "' is not a host name or IPv4 address (letters, digits, '-' and '.'; at most " + Patterns.DNS_SUBDOMAIN_MAX + ")"));
            } else {
                hostName = host.asText();
            }
            int port = 0;
            JsonNode portNode = entry.get("port");
            if (portNode == null || portNode.isNull()) {
                problems.accept(new Problem(field + ".port", "is required (the meta manager's cmsd port, e.g. 1213)"));
            } else {
                port = integer(entry, "port", field + ".port", 65535, problems);
            }
            boolean all = bool(entry, "allAddresses", field + ".allAddresses", problems);
            if (hostName != null && port > 0) {
                Manager manager = new Manager(hostName, port, all);
                if (managers.stream().anyMatch(m -> m.host().equals(manager.host()) && m.port() == manager.port())) {
                    problems.accept(new Problem(field, "lists " + hostName + ":" + port + " twice"));
                } else {
                    managers.add(manager);
                }
            }
        }
        return List.copyOf(managers);
    }

    private static void known(JsonNode node, String field, Set<String> fields, Consumer<Problem> problems) {
        node.fieldNames().forEachRemaining(name -> {
            if (!fields.contains(name)) {
                problems.accept(new Problem(field + "." + Problem.excerpt(name, 63), "is not a field of " + field));
            }
        });
    }

    private static boolean bool(JsonNode parent, String key, String field, Consumer<Problem> problems) {
        JsonNode node = parent.get(key);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            problems.accept(new Problem(field, "must be true or false"));
            return false;
        }
        return node.asBoolean();
    }

    /** An optional integer from 1 to {@code max}; 0 when unset or wrong. */
    private static int integer(JsonNode parent, String key, String field, int max, Consumer<Problem> problems) {
        JsonNode node = parent.get(key);
        if (node == null || node.isNull()) {
            return 0;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 1 || node.asInt() > max) {
            problems.accept(new Problem(field, "must be an integer from 1 to " + max + ", got " + Problem.excerpt(node.toString())));
            return 0;
        }
        return node.asInt();
    }
}
