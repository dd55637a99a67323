package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.Optional;

/**
 * What an observed StatefulSet of a role fixes for the one the hook builds in its place: its volume claim
 * templates. The field is immutable, and the API server stores it with fields of its own (1.20 adds
 * {@code metadata.creationTimestamp: null} to each template). Metacontroller replaces this list wholesale
 * (its items share none of its merge keys) and compares the result with the observed object by deep
 * equality, so any other spelling is an update on every sync: a no-op the server accepts, or, after a
 * change of capacity or class, one it rejects, which would fail every later update of the StatefulSet too.
 *
 * @param volumeClaimTemplates as observed, or null when the StatefulSet has none
 */
public record ExistingStatefulSet(ArrayNode volumeClaimTemplates) {

    /** One claim template's size and class, as the API server holds them. */
    public record ClaimTemplate(String storage, String storageClass) {}

    public static ExistingStatefulSet of(JsonNode statefulSet) {
        JsonNode templates = statefulSet.path("spec").get("volumeClaimTemplates");
        return new ExistingStatefulSet(templates instanceof ArrayNode array ? array : null);
    }

    /** The template of the volume named {@code name}, if the StatefulSet has one. */
    public Optional<ClaimTemplate> claim(String name) {
        if (volumeClaimTemplates == null) {
            return Optional.empty();
        }
        for (JsonNode template : volumeClaimTemplates) {
            if (name.equals(template.path("metadata").path("name").asText())) {
                JsonNode storage = template.path("spec").path("resources").path("requests").path("storage");
                JsonNode storageClass = template.path("spec").path("storageClassName");
                return Optional.of(new ClaimTemplate(storage.isTextual() ? storage.asText() : null,
                        storageClass.isTextual() ? storageClass.asText() : null));
            }
        }
        return Optional.empty();
    }
}
