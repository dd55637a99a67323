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
 * <p>Its {@code spec.serviceName} is immutable too: the governing headless Service an existing StatefulSet
 * names (a long {@code N-xrootd-<role>} from before the short names) stays its Service for good.
 *
 * <p>So is its {@code spec.podManagementPolicy}: supervisors are now created {@code OrderedReady} (one
 * login at a time, see {@link StatefulSets}), and a supervisor StatefulSet created {@code Parallel} before
 * keeps {@code Parallel}, or the API server would reject every update of it.
 *
 * @param volumeClaimTemplates as observed, or null when the StatefulSet has none
 * @param serviceName as observed, or null when it is missing or not a Service name (then the short name)
 * @param podManagementPolicy as observed ({@code Parallel} or {@code OrderedReady}), or null when missing or
 *     anything else (then the hook's own choice)
 */
public record ExistingStatefulSet(ArrayNode volumeClaimTemplates, String serviceName, String podManagementPolicy) {
    /** A Service name (DNS-1035 label): anything else cannot be what the API server stored. */
    private static final java.util.regex.Pattern SERVICE_NAME = java.util.regex.Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");

    public ExistingStatefulSet(ArrayNode volumeClaimTemplates) {
        this(volumeClaimTemplates, null, null);
    }

    public ExistingStatefulSet(ArrayNode volumeClaimTemplates, String serviceName) {
        this(volumeClaimTemplates, serviceName, null);
    }

    /** One claim template's size and class, as the API server holds them. */
    public record ClaimTemplate(String storage, String storageClass) {}

    public static ExistingStatefulSet of(JsonNode statefulSet) {
        JsonNode templates = statefulSet.path("spec").get("volumeClaimTemplates");
        JsonNode serviceName = statefulSet.path("spec").path("serviceName");
        String policy = statefulSet.path("spec").path("podManagementPolicy").asText("");
        return new ExistingStatefulSet(templates instanceof ArrayNode array ? array : null,
                serviceName.isTextual() && SERVICE_NAME.matcher(serviceName.asText()).matches() ? serviceName.asText() : null,
                StatefulSets.PARALLEL.equals(policy) || StatefulSets.ORDERED_READY.equals(policy) ? policy : null);
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

    /** The names of its claim templates, in order; empty when it has none. */
    public java.util.List<String> claimNames() {
        java.util.List<String> names = new java.util.ArrayList<>();
        if (volumeClaimTemplates != null) {
            for (JsonNode template : volumeClaimTemplates) {
                names.add(template.path("metadata").path("name").asText());
            }
        }
        return names;
    }
}
