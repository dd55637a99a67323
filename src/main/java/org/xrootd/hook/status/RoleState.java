package org.xrootd.hook.status;

import com.fasterxml.jackson.databind.JsonNode;

/** What one observed StatefulSet says about its pods; absent fields read as zero. */
record RoleState(
        boolean exists,
        int specReplicas,
        int replicas,
        int readyReplicas,
        int updatedReplicas,
        boolean generationObserved,
        boolean revisionsMatch,
        String image,
        String version,
        String configHash,
        String currentVersion) {

    static final RoleState MISSING = new RoleState(false, 0, 0, 0, 0, false, false, null, null, null, null);

    RoleState withCurrentVersion(String version) {
        return new RoleState(exists, specReplicas, replicas, readyReplicas, updatedReplicas, generationObserved,
                revisionsMatch, image, this.version, configHash, version);
    }

    static RoleState of(JsonNode statefulSet, String configHashAnnotation, String versionLabel) {
        if (statefulSet == null) {
            return MISSING;
        }
        JsonNode spec = statefulSet.path("spec");
        JsonNode status = statefulSet.path("status");
        JsonNode template = spec.path("template");
        String image = null;
        for (JsonNode container : template.path("spec").path("containers")) {
            if ("xrootd".equals(container.path("name").asText())) {
                image = container.path("image").asText(null);
            }
        }
        long generation = statefulSet.path("metadata").path("generation").asLong(0);
        String currentRevision = status.path("currentRevision").asText("");
        String updateRevision = status.path("updateRevision").asText("");
        return new RoleState(true,
                spec.path("replicas").asInt(1),
                status.path("replicas").asInt(0),
                status.path("readyReplicas").asInt(0),
                status.path("updatedReplicas").asInt(0),
                status.path("observedGeneration").asLong(0) >= generation,
                currentRevision.equals(updateRevision),
                image,
                template.path("metadata").path("labels").path(versionLabel).asText(null),
                template.path("metadata").path("annotations").path(configHashAnnotation).asText(null),
                null);
    }
}
