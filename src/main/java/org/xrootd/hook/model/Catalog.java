package org.xrootd.hook.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The version catalog: XrootdVersion objects that the customize hook asked Metacontroller to send
 * under {@code related}. An explicit {@code spec.image} wins over the catalog.
 */
public final class Catalog {
    public static final String GROUP = "catalog.xrootd.org";
    public static final String API_VERSION = GROUP + "/v1alpha1";
    public static final String KIND = "XrootdVersion";
    public static final String RESOURCE = "xrootdversions";
    /** The key Metacontroller uses for this kind in the {@code related} map. */
    public static final String RELATED_KEY = KIND + "." + API_VERSION;

    /** The answer to "what does this cluster run": an image, or why there is none. */
    public sealed interface Resolution permits Resolved, Missing {}

    /** What the cluster runs: image, the version it stands for, and whether the catalog deprecates it. */
    public record Resolved(String version, String image, boolean deprecated, boolean fromCatalog) implements Resolution {}

    /** No usable catalog entry and no spec.image: {@code reason} is meant for the user. */
    public record Missing(String reason) implements Resolution {}

    private Catalog() {}

    /**
     * Resolves the image for {@code spec} from the related XrootdVersion objects. Only entries in the
     * parent's own namespace count: under hook v2 Metacontroller sends every namespace's object of that
     * name, and another tenant's entry must never choose what this cluster runs.
     */
    public static Resolution resolve(XrootdSpec spec, JsonNode relatedOfKind) {
        JsonNode entry = findEntry(relatedOfKind, spec.namespace(), spec.version());
        boolean deprecated = entry != null && entry.path("spec").path("deprecated").asBoolean(false);
        if (spec.imageOverride() != null) {
            return new Resolved(spec.version(), spec.imageOverride(), deprecated, false);
        }
        if (entry == null) {
            return new Missing("version '" + spec.version() + "' is not in the catalog: create an " + KIND + " named '"
                    + spec.version() + "' in namespace '" + spec.namespace() + "', or set spec.image");
        }
        JsonNode image = entry.path("spec").path("image");
        if (!image.isTextual() || image.asText().isBlank()) {
            return new Missing(KIND + " '" + spec.version() + "' has no spec.image");
        }
        return new Resolved(spec.version(), image.asText(), deprecated, true);
    }

    private static JsonNode findEntry(JsonNode relatedOfKind, String namespace, String version) {
        if (relatedOfKind == null || !relatedOfKind.isObject()) {
            return null;
        }
        // Keys are "name" (hook v1) or "namespace/name" (hook v2): match on the object's own metadata.
        for (JsonNode candidate : relatedOfKind) {
            JsonNode metadata = candidate.path("metadata");
            if (version.equals(metadata.path("name").asText(null)) && namespace.equals(metadata.path("namespace").asText(null))) {
                return candidate;
            }
        }
        return null;
    }
}
