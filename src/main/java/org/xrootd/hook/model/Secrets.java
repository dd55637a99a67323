package org.xrootd.hook.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The Secrets a cluster mounts (spec.sss.secretName, spec.tls.secretName), which the customize hook asks
 * Metacontroller to send under {@code related}. The sync hook reduces each to a digest of its data, so that a
 * rotation changes the pod templates of the roles that mount it (and rolls those pods) while the contents
 * never leave the request: only SHA-256 digests reach a child.
 */
public final class Secrets {
    public static final String API_VERSION = "v1";
    public static final String KIND = "Secret";
    public static final String RESOURCE = "secrets";
    /** The key Metacontroller uses for this kind in the {@code related} map. */
    public static final String RELATED_KEY = KIND + "." + API_VERSION;

    /** Every referenced Secret found: its data digest by name (sorted, so the bytes built from it are stable). */
    public sealed interface Resolution permits Found, Missing {}

    public record Found(Map<String, String> digests) implements Resolution {}

    /** Referenced Secrets that are not in {@code related}; {@code reason} is meant for the user. */
    public record Missing(List<String> names, String reason) implements Resolution {}

    private Secrets() {}

    /** The Secrets the validated spec mounts, sorted and each once. */
    public static List<String> referenced(XrootdSpec spec) {
        TreeSet<String> names = new TreeSet<>();
        if (spec.security().sss() != null) {
            names.add(spec.security().sss().secretName());
        }
        if (spec.security().tlsSecret() != null) {
            names.add(spec.security().tlsSecret());
        }
        TokenAuth.CaBundle ca = caBundle(spec);
        if (ca != null && ca.secret()) {
            names.add(ca.name());
        }
        return List.copyOf(names);
    }

    /** The key under which a ConfigMap's digest joins the Secrets' (a slash never occurs in an object name). */
    public static final String CONFIG_MAP_PREFIX = "ConfigMap/";

    /** The ConfigMaps the validated spec mounts besides the cluster's own (spec.tokens.caBundle.configMap). */
    public static List<String> referencedConfigMaps(XrootdSpec spec) {
        TokenAuth.CaBundle ca = caBundle(spec);
        return ca != null && !ca.secret() ? List.of(ca.name()) : List.of();
    }

    /** The ConfigMaps a raw parent names, for the customize hook (see {@link #referenced(JsonNode)}). */
    public static List<String> referencedConfigMaps(JsonNode parent) {
        JsonNode name = parent.path("spec").path("tokens").path("caBundle").path("configMap");
        return name.isTextual() && !name.asText().isBlank() ? List.of(name.asText()) : List.of();
    }

    private static TokenAuth.CaBundle caBundle(XrootdSpec spec) {
        return spec.security().tokens() == null ? null : spec.security().tokens().caBundle();
    }

    /**
     * The Secrets a raw parent names, for the customize hook, which runs before (and without) validation: a
     * name that is not a non-blank string is skipped (the sync hook reports the spec as invalid anyway).
     */
    public static List<String> referenced(JsonNode parent) {
        TreeSet<String> names = new TreeSet<>();
        for (String field : new String[] {"sss", "tls"}) {
            JsonNode name = parent.path("spec").path(field).path("secretName");
            if (name.isTextual() && !name.asText().isBlank()) {
                names.add(name.asText());
            }
        }
        JsonNode ca = parent.path("spec").path("tokens").path("caBundle").path("secret");
        if (ca.isTextual() && !ca.asText().isBlank()) {
            names.add(ca.asText());
        }
        return List.copyOf(names);
    }

    /**
     * The digest of every Secret {@code spec} references, from the related Secrets. Only Secrets in the
     * parent's own namespace count (the same rule as {@link Catalog#resolve}): a Secret of another namespace
     * with the same name must never decide when this cluster's pods roll.
     */
    public static Resolution resolve(XrootdSpec spec, JsonNode relatedOfKind) {
        return resolve(spec, relatedOfKind, null);
    }

    /**
     * As above, and the ConfigMaps the pods mount besides the cluster's own ({@link #referencedConfigMaps}) from
     * the related ConfigMaps: their digests join under {@link #CONFIG_MAP_PREFIX}{@code name}, a missing one is
     * reported like a missing Secret.
     */
    public static Resolution resolve(XrootdSpec spec, JsonNode relatedOfKind, JsonNode relatedConfigMaps) {
        Map<String, String> digests = new TreeMap<>();
        List<String> missing = new ArrayList<>();
        for (String name : referenced(spec)) {
            JsonNode secret = find(relatedOfKind, spec.namespace(), name);
            if (secret == null) {
                missing.add(name);
            } else {
                digests.put(name, digest(secret));
            }
        }
        List<String> missingConfigMaps = new ArrayList<>();
        for (String name : referencedConfigMaps(spec)) {
            JsonNode configMap = find(relatedConfigMaps, spec.namespace(), name);
            if (configMap == null) {
                missingConfigMaps.add(name);
            } else {
                digests.put(CONFIG_MAP_PREFIX + name, digest(configMap));
            }
        }
        if (!missingConfigMaps.isEmpty()) {
            List<String> all = new ArrayList<>(missing);
            missingConfigMaps.forEach(name -> all.add(CONFIG_MAP_PREFIX + name));
            String secretsPart = missing.isEmpty() ? "" : missingSecrets(spec, missing) + "; ";
            return new Missing(List.copyOf(all), secretsPart + "ConfigMap '" + missingConfigMaps.get(0)
                    + "' (spec.tokens.caBundle.configMap) not found in namespace '" + spec.namespace()
                    + "': create it, or change the reference");
        }
        if (!missing.isEmpty()) {
            return new Missing(List.copyOf(missing), missingSecrets(spec, missing));
        }
        return new Found(digests);
    }

    private static String missingSecrets(XrootdSpec spec, List<String> missing) {
        List<String> named = new ArrayList<>();
        for (String name : missing) {
            named.add("'" + name + "' (" + String.join(", ", fields(spec, name)) + ")");
        }
        return (missing.size() == 1 ? "Secret " : "Secrets ") + String.join(", ", named)
                + " not found in namespace '" + spec.namespace() + "': create " + (missing.size() == 1 ? "it" : "them")
                + ", or change the reference";
    }

    /** The spec fields that name {@code name}, for the message. */
    private static List<String> fields(XrootdSpec spec, String name) {
        List<String> fields = new ArrayList<>();
        if (spec.security().sss() != null && name.equals(spec.security().sss().secretName())) {
            fields.add("spec.sss.secretName");
        }
        if (name.equals(spec.security().tlsSecret())) {
            fields.add("spec.tls.secretName");
        }
        TokenAuth.CaBundle ca = caBundle(spec);
        if (ca != null && ca.secret() && name.equals(ca.name())) {
            fields.add("spec.tokens.caBundle.secret");
        }
        return fields;
    }

    /**
     * SHA-256 over the Secret's data keys in sorted order, each with the SHA-256 of its value (as the API
     * server stores it, base64): any change of a key or value changes it, the same data always gives the
     * same digest, and nothing of the contents can be recovered from it. metadata (resourceVersion, labels)
     * is left out on purpose: relabelling a Secret must not roll pods.
     */
    public static String digest(JsonNode secret) {
        StringBuilder text = new StringBuilder();
        Map<String, String> data = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = secret.path("data").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            data.put(entry.getKey(), entry.getValue().isTextual() ? entry.getValue().asText() : entry.getValue().toString());
        }
        data.forEach((key, value) -> text.append(key).append('\0').append(sha256(value)).append('\n'));
        return sha256(text.toString());
    }

    /** One hash of several Secrets' digests (name and digest each, sorted by name): a role's annotation. */
    public static String combined(Map<String, String> digestsByName) {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(digestsByName).forEach((name, digest) -> text.append(name).append('\0').append(digest).append('\n'));
        return sha256(text.toString());
    }

    private static JsonNode find(JsonNode relatedOfKind, String namespace, String name) {
        if (relatedOfKind == null || !relatedOfKind.isObject()) {
            return null;
        }
        // Keys are "name" (hook v1) or "namespace/name" (hook v2): match on the object's own metadata.
        for (JsonNode candidate : relatedOfKind) {
            JsonNode metadata = candidate.path("metadata");
            if (name.equals(metadata.path("name").asText(null)) && namespace.equals(metadata.path("namespace").asText(null))) {
                return candidate;
            }
        }
        return null;
    }

    private static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
