package org.xrootd.hook.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads an Xrootd parent into an {@link XrootdSpec}: defaults applied, every field checked. Wrong input
 * is never an exception: each mistake becomes a {@link Problem} naming the field, so the hook can report
 * all of them at once in a status condition.
 */
public final class SpecParser {
    /**
     * Longest parent name whose children stay within Kubernetes limits: the StatefulSet
     * "NAME-xrootd-redirector" gets an 11-character revision suffix in a 63-character label value.
     */
    public static final int MAX_NAME_LENGTH = 63 - 11 - "-xrootd-redirector".length();
    /** A cmsd accepts at most 64 subscribers; more workers would need supervisors, which we do not build. */
    public static final int MAX_WORKERS = 64;
    public static final int MAX_REDIRECTORS = 16;

    public static final String DEFAULT_CAPACITY = "1Gi";
    public static final int DEFAULT_XROOTD_PORT = 1094;
    public static final int DEFAULT_CMSD_PORT = 3121;
    public static final long DEFAULT_UID = 1000;

    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    private static final Pattern LABEL_VALUE = Pattern.compile("^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$");
    private static final Pattern EXPORT_PATH = Pattern.compile("^/[A-Za-z0-9._/-]*$");
    private static final Set<String> PULL_POLICIES = Set.of("Always", "IfNotPresent", "Never");

    /** Either a spec, or the problems that prevent one. */
    public record Result(XrootdSpec spec, List<Problem> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private final List<Problem> problems = new ArrayList<>();

    private SpecParser() {}

    public static Result parse(JsonNode parent) {
        return new SpecParser().read(parent);
    }

    private Result read(JsonNode parent) {
        JsonNode metadata = parent.path("metadata");
        String name = metadata.path("name").asText("");
        String namespace = metadata.path("namespace").asText("default");
        long generation = metadata.path("generation").asLong(0);
        if (name.length() > MAX_NAME_LENGTH) {
            problems.add(new Problem("metadata.name", "'" + name + "' is " + name.length()
                    + " characters; at most " + MAX_NAME_LENGTH + " fit the names of its StatefulSets and pods"));
        } else if (!DNS_LABEL.matcher(name).matches()) {
            problems.add(new Problem("metadata.name", "'" + name + "' must be a DNS label (lower-case letters, digits, '-')"));
        }

        JsonNode spec = parent.get("spec");
        if (spec == null || !spec.isObject()) {
            problems.add(new Problem("spec", "must be an object with at least spec.version"));
            return new Result(null, List.copyOf(problems));
        }
        String version = requiredString(spec, "version", "spec.version");
        if (version != null && !LABEL_VALUE.matcher(version).matches()) {
            problems.add(new Problem("spec.version", "'" + version + "' must be a catalog name of at most 63 letters, digits, '.', '_' or '-'"));
        }
        String image = optionalString(spec, "image", "spec.image", null);
        String pullPolicy = optionalString(spec, "imagePullPolicy", "spec.imagePullPolicy", "IfNotPresent");
        if (pullPolicy != null && !PULL_POLICIES.contains(pullPolicy)) {
            problems.add(new Problem("spec.imagePullPolicy", "must be one of Always, IfNotPresent, Never"));
        }

        JsonNode redirectorNode = object(spec, "redirector", "spec.redirector");
        JsonNode workerNode = object(spec, "worker", "spec.worker");
        int redirectors = integer(redirectorNode, "replicas", "spec.redirector.replicas", 1, 1, MAX_REDIRECTORS);
        int workers = integer(workerNode, "replicas", "spec.worker.replicas", 1, 0, MAX_WORKERS);
        XrootdSpec.Storage storage = storage(object(workerNode, "storage", "spec.worker.storage"));

        JsonNode portsNode = object(spec, "ports", "spec.ports");
        int xrootdPort = integer(portsNode, "xrootd", "spec.ports.xrootd", DEFAULT_XROOTD_PORT, 1024, 65535);
        int cmsdPort = integer(portsNode, "cmsd", "spec.ports.cmsd", DEFAULT_CMSD_PORT, 1024, 65535);
        if (xrootdPort == cmsdPort) {
            problems.add(new Problem("spec.ports", "xrootd and cmsd need different ports"));
        }

        JsonNode securityNode = object(spec, "securityContext", "spec.securityContext");
        long uid = integer(securityNode, "runAsUser", "spec.securityContext.runAsUser", DEFAULT_UID, 1, Integer.MAX_VALUE);
        long gid = integer(securityNode, "runAsGroup", "spec.securityContext.runAsGroup", uid, 1, Integer.MAX_VALUE);
        long fsGroup = integer(securityNode, "fsGroup", "spec.securityContext.fsGroup", gid, 1, Integer.MAX_VALUE);

        List<String> exports = exports(spec);

        if (!problems.isEmpty()) {
            return new Result(null, List.copyOf(problems));
        }
        return new Result(new XrootdSpec(name, namespace, generation, version, image, pullPolicy,
                new XrootdSpec.Role(redirectors), new XrootdSpec.Role(workers), storage,
                new XrootdSpec.Ports(xrootdPort, cmsdPort), new XrootdSpec.Security(uid, gid, fsGroup),
                exports), List.of());
    }

    private XrootdSpec.Storage storage(JsonNode node) {
        String capacity = optionalString(node, "capacity", "spec.worker.storage.capacity", DEFAULT_CAPACITY);
        String storageClass = optionalString(node, "class", "spec.worker.storage.class", null);
        if (capacity == null) {
            return null;
        }
        try {
            Quantities.Bytes bytes = Quantities.parseBytes(capacity);
            return new XrootdSpec.Storage(bytes.canonical(), bytes.bytes(), storageClass);
        } catch (IllegalArgumentException e) {
            problems.add(new Problem("spec.worker.storage.capacity", e.getMessage()));
            return null;
        }
    }

    private List<String> exports(JsonNode spec) {
        JsonNode node = spec.get("exports");
        if (node == null || node.isNull()) {
            return List.of("/data");
        }
        if (!node.isArray() || node.isEmpty()) {
            problems.add(new Problem("spec.exports", "must be a non-empty list of absolute paths"));
            return List.of();
        }
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode path = node.get(i);
            String field = "spec.exports[" + i + "]";
            if (!path.isTextual() || !EXPORT_PATH.matcher(path.asText()).matches() || path.asText().contains("..")) {
                problems.add(new Problem(field, "must be an absolute path of letters, digits, '.', '_', '-' and '/'"));
            } else if (paths.contains(path.asText())) {
                problems.add(new Problem(field, "'" + path.asText() + "' is listed twice"));
            } else {
                paths.add(path.asText());
            }
        }
        return List.copyOf(paths);
    }

    private JsonNode object(JsonNode parent, String key, String field) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add(new Problem(field, "must be an object"));
            return null;
        }
        return node;
    }

    private String requiredString(JsonNode parent, String key, String field) {
        JsonNode node = parent.get(key);
        if (node == null || node.isNull()) {
            problems.add(new Problem(field, "is required"));
            return null;
        }
        return string(node, field);
    }

    private String optionalString(JsonNode parent, String key, String field, String fallback) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        return string(node, field);
    }

    private String string(JsonNode node, String field) {
        if (!node.isTextual()) {
            problems.add(new Problem(field, "must be a string"));
            return null;
        }
        String text = node.asText();
        if (text.isBlank()) {
            problems.add(new Problem(field, "must not be empty"));
            return null;
        }
        if (text.length() > 1024) {
            problems.add(new Problem(field, "is longer than 1024 characters"));
            return null;
        }
        return text;
    }

    private int integer(JsonNode parent, String key, String field, long fallback, long min, long max) {
        JsonNode node = parent == null ? null : parent.get(key);
        if (node == null || node.isNull()) {
            return (int) fallback;
        }
        if (!node.isIntegralNumber() && !(node.isNumber() && node.decimalValue().stripTrailingZeros().scale() <= 0)) {
            problems.add(new Problem(field, "must be an integer"));
            return (int) fallback;
        }
        java.math.BigInteger value = node.decimalValue().toBigInteger();
        if (value.compareTo(java.math.BigInteger.valueOf(min)) < 0 || value.compareTo(java.math.BigInteger.valueOf(max)) > 0) {
            problems.add(new Problem(field, "must be between " + min + " and " + max + ", got " + value
                    + hint(field)));
            return (int) fallback;
        }
        return value.intValue();
    }

    private static String hint(String field) {
        if (field.equals("spec.worker.replicas")) {
            return " (a redirector's cmsd accepts at most 64 workers; larger clusters need supervisors, which this controller does not build yet)";
        }
        if (field.startsWith("spec.ports")) {
            return " (the daemons run unprivileged and cannot bind ports below 1024)";
        }
        return "";
    }
}
