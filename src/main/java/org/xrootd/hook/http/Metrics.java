package org.xrootd.hook.http;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.xrootd.hook.reconcile.Result;

/**
 * The service's Prometheus metrics, in a registry of its own (one per server, so tests can run many).
 * Every label has a small, fixed set of values: hook names, one-word results, error kinds. Nothing is
 * labelled by parent; the one per-parent figure, the number of invalid parents, is a count.
 */
public final class Metrics {
    /** The hooks as labels; anything else that reaches a hook path's error handling is "other". */
    static final Set<String> HOOKS = Set.of("sync", "finalize", "customize");

    /** Error kinds: the request was not a hook request, was too large, or the hook failed. */
    public static final String BAD_REQUEST = "bad-request";
    public static final String TOO_LARGE = "too-large";
    public static final String INTERNAL = "internal";

    /** How long a parent counts as invalid without being seen again: longer than Metacontroller's 30 min relist. */
    static final Duration INVALID_TTL = Duration.ofMinutes(90);
    /** Bounds the memory the invalid-parent count can take, whatever the cluster does. */
    static final int INVALID_MAX = 10_000;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final LongSupplier clock;

    private final Counter syncs;
    private final Counter errors;
    private final Histogram duration;
    private final Histogram requestSize;
    private final Gauge inFlight;
    /** namespace/name of each parent whose last sync here was invalid, with its result and when it was seen. */
    private final Map<String, Invalid> invalid = new ConcurrentHashMap<>();

    private record Invalid(Result result, long seenMillis) {}

    public Metrics() {
        this(System::currentTimeMillis);
    }

    Metrics(LongSupplier clock) {
        this.clock = clock;
        syncs = Counter.builder()
                .name("xrootd_hook_syncs_total")
                .help("Sync and finalize calls answered, by hook and one-word result")
                .labelNames("hook", "result")
                .register(registry);
        errors = Counter.builder()
                .name("xrootd_hook_errors_total")
                .help("Hook calls answered with an error status, by hook and kind (bad-request, too-large, internal)")
                .labelNames("hook", "kind")
                .register(registry);
        duration = (Histogram) Histogram.builder()
                .name("xrootd_hook_request_duration_seconds")
                .help("Time from request to response of a hook call, parsing included")
                .labelNames("hook")
                .classicOnly()
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .withoutExemplars()
                .register(registry);
        requestSize = (Histogram) Histogram.builder()
                .name("xrootd_hook_request_size_bytes")
                .help("Size of hook request bodies; compare with xrootd_hook_max_request_bytes")
                .labelNames("hook")
                .classicOnly()
                .classicExponentialUpperBounds(4096, 4, 8)
                .withoutExemplars()
                .register(registry);
        inFlight = Gauge.builder()
                .name("xrootd_hook_in_flight_requests")
                .help("Hook calls being answered right now")
                .register(registry);
        GaugeWithCallback.builder()
                .name("xrootd_hook_invalid_parents")
                .help("Parents whose last sync on this replica could not be acted on, by result (invalid, version-not-found, secret-not-found);"
                        + " aggregate replicas with max, not sum")
                .labelNames("result")
                .callback(callback -> {
                    Map<Result, Integer> counts = invalidCounts();
                    for (Result result : Result.values()) {
                        if (result.blocked()) {
                            callback.call(counts.getOrDefault(result, 0), result.label());
                        }
                    }
                })
                .register(registry);
        Gauge.builder()
                .name("xrootd_hook_max_request_bytes")
                .help("Largest hook request body accepted; larger ones get 413")
                .register(registry)
                .set(HookServer.MAX_REQUEST_BYTES);
        Info.builder()
                .name("xrootd_hook_build_info")
                .help("Version of the running hook")
                .labelNames("version")
                .register(registry)
                .addLabelValues(version());
        JvmMetrics.builder().register(registry);
    }

    /** A sync or finalize call that was answered with 200 and this one-word result. */
    public void sync(String hook, String namespace, String name, Result result) {
        syncs.labelValues(hook(hook), result.label()).inc();
        String key = namespace + "/" + name;
        if (result.blocked()) {
            if (invalid.size() < INVALID_MAX || invalid.containsKey(key)) {
                invalid.put(key, new Invalid(result, clock.getAsLong()));
            }
        } else {
            invalid.remove(key);
        }
    }

    public void error(String hook, String kind) {
        errors.labelValues(hook(hook), kind).inc();
    }

    public void observe(String hook, long nanos, long requestBytes) {
        duration.labelValues(hook(hook)).observe(nanos / 1e9);
        if (requestBytes >= 0) {
            requestSize.labelValues(hook(hook)).observe(requestBytes);
        }
    }

    public void begin() {
        inFlight.inc();
    }

    public void end() {
        inFlight.dec();
    }

    /** The Prometheus text format (version 0.0.4), which every Prometheus scrapes. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory does not fail", e);
        }
        return out.toByteArray();
    }

    public String contentType() {
        return writer.getContentType();
    }

    private Map<Result, Integer> invalidCounts() {
        long oldest = clock.getAsLong() - INVALID_TTL.toMillis();
        invalid.values().removeIf(entry -> entry.seenMillis() < oldest);
        Map<Result, Integer> counts = new java.util.EnumMap<>(Result.class);
        invalid.values().forEach(entry -> counts.merge(entry.result(), 1, Integer::sum));
        return counts;
    }

    static String hook(String hook) {
        return HOOKS.contains(hook) ? hook : "other";
    }

    /** The project version, from a resource Maven fills in at build time. */
    static String version() {
        try (java.io.InputStream in = Metrics.class.getResourceAsStream("/xrootd-hook.properties")) {
            if (in != null) {
                java.util.Properties properties = new java.util.Properties();
                properties.load(in);
                String version = properties.getProperty("version", "");
                if (!version.isBlank() && !version.startsWith("${")) {
                    return version;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "dev";
    }
}
