package org.xrootd.hook.monitor;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the {@link Insight} to its ConfigMap through the Kubernetes API, only when it changed since the
 * last successful write, and at most once per {@code minInterval} (a change inside the interval is
 * written when it ends, if it still stands). The first write reads the ConfigMap: absent → create, present
 * → replace; later writes replace with the resourceVersion of the last write (a conflict reads it again and
 * retries once). Not thread-safe: one caller (the collector's tick).
 */
public final class InsightWriter {
    private static final Logger LOG = LoggerFactory.getLogger(InsightWriter.class);

    /** What one {@link #offer} did. */
    public enum Outcome { UNCHANGED, DEFERRED, CREATED, UPDATED, FAILED }

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final Map<String, String> labels;
    private final List<OwnerReference> owners;
    private final Duration minInterval;
    private final LongSupplier clock;
    private String written;
    private String resourceVersion;
    private long lastAttemptMillis = Long.MIN_VALUE;
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    public InsightWriter(KubernetesClient client, String namespace, String name, Map<String, String> labels,
                         List<OwnerReference> owners, Duration minInterval, LongSupplier clock) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.labels = Map.copyOf(labels);
        this.owners = List.copyOf(owners);
        this.minInterval = minInterval;
        this.clock = clock;
    }

    public Outcome offer(String data) {
        if (data.equals(written)) {
            return Outcome.UNCHANGED;
        }
        long now = clock.getAsLong();
        if (lastAttemptMillis != Long.MIN_VALUE && now - lastAttemptMillis < minInterval.toMillis()) {
            return Outcome.DEFERRED;
        }
        lastAttemptMillis = now;
        try {
            Outcome outcome = write(data, true);
            written = data;
            writes.incrementAndGet();
            return outcome;
        } catch (KubernetesClientException | IllegalStateException e) {
            failures.incrementAndGet();
            resourceVersion = null;
            LOG.warn("cannot write ConfigMap {}/{}: {}", namespace, name, e.getMessage());
            return Outcome.FAILED;
        }
    }

    private Outcome write(String data, boolean retry) {
        if (resourceVersion == null) {
            ConfigMap existing = client.configMaps().inNamespace(namespace).withName(name).get();
            if (existing == null) {
                ConfigMap created = client.configMaps().inNamespace(namespace).resource(desired(data, null)).create();
                resourceVersion = created.getMetadata().getResourceVersion();
                return Outcome.CREATED;
            }
            resourceVersion = existing.getMetadata().getResourceVersion();
        }
        try {
            ConfigMap updated = client.configMaps().inNamespace(namespace).resource(desired(data, resourceVersion)).update();
            resourceVersion = updated.getMetadata().getResourceVersion();
            return Outcome.UPDATED;
        } catch (KubernetesClientException e) {
            if (retry && (e.getCode() == 409 || e.getCode() == 404)) {
                resourceVersion = null;
                return write(data, false);
            }
            throw e;
        }
    }

    private ConfigMap desired(String data, String version) {
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(labels)
                .withOwnerReferences(owners)
                .withResourceVersion(version)
                .endMetadata()
                .withData(Map.of(Insight.KEY, data))
                .build();
    }

    /** Successful writes (creates and updates). */
    public long writes() {
        return writes.get();
    }

    public long failures() {
        return failures.get();
    }
}
