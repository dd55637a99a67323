package org.xrootd.hook.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

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

    /** What the cluster runs: image, the version it stands for, and whether the catalog deprecates it. */
    public record Resolved(String version, String image, boolean deprecated, boolean fromCatalog) {}

    private Catalog() {}

    /**
     * Resolves the image for {@code spec}. Empty when the catalog has no usable entry and the spec names
     * no image; {@code problem} then says why.
     */
    public static Optional<Resolved> resolve(XrootdSpec spec, JsonNode relatedOfKind, StringBuilder problem) {
        JsonNode entry = findEntry(relatedOfKind, spec.version());
        boolean deprecated = entry != null && entry.path("spec").path("deprecated").asBoolean(false);
        if (spec.imageOverride() != null) {
            return Optional.of(new Resolved(spec.version(), spec.imageOverride(), deprecated, false));
        }
        if (entry == null) {
            problem.append("version '").append(spec.version()).append("' is not in the catalog: create an ")
                    .append(KIND).append(" named '").append(spec.version()).append("' in namespace '")
                    .append(spec.namespace()).append("', or set spec.image");
            return Optional.empty();
        }
        JsonNode image = entry.path("spec").path("image");
        if (!image.isTextual() || image.asText().isBlank()) {
            problem.append(KIND).append(" '").append(spec.version()).append("' has no spec.image");
            return Optional.empty();
        }
        return Optional.of(new Resolved(spec.version(), image.asText(), deprecated, true));
    }

    private static JsonNode findEntry(JsonNode relatedOfKind, String version) {
        if (relatedOfKind == null || !relatedOfKind.isObject()) {
            return null;
        }
        // Keys are "name" (hook v1) or "namespace/name" (hook v2): match on the object's own name.
        for (JsonNode candidate : relatedOfKind) {
            if (version.equals(candidate.path("metadata").path("name").asText(null))) {
                return candidate;
            }
        }
        return null;
    }
}
