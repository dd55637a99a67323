package org.xrootd.hook.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.xrootd.hook.json.Json;

/**
 * {@code status.monitor} and the conditions MonitorStale, WorkersDisconnected and SpaceLow: a pure function
 * of the insight ConfigMap the cluster's monitor writes (a related object of the sync request), the monitor's
 * observed Deployment, and what the spec expects. The insight holds no timestamps, so neither does this:
 * an unchanged insight gives the same bytes on every resync.
 *
 * <p>Staleness is decided from state, never from a clock: the monitor Deployment has no available replica,
 * the ConfigMap is missing or unreadable, or no redirector's reports reached the monitor within 3 report
 * intervals (the collector marks each source {@code stale} in the insight, and rewrites it when that flips).
 * While the insight is stale, WorkersDisconnected and SpaceLow are left out: unknown, not false.
 */
public record MonitorStatus(String connected, List<Redirector> redirectors, List<String> workersNotActive, Long freeBytes,
                            Long totalBytes, Worker fullestWorker) {
    /** Most names a list in the status holds: the counts say how many there are. */
    public static final int MAX_NAMES = 10;
    /** The insight format this reads (monitor.Insight.FORMAT). */
    static final int FORMAT = 1;
    /** XRootD's cmsd holds 64 subscribers. */
    static final int CMSD_SLOTS = 64;

    /**
     * What the spec expects: pod names of the redirectors, supervisors and workers, the workers' cms.space
     * minimum, and the names of the insight ConfigMap and the monitor's Deployment.
     */
    public record Target(String cluster, String insight, String deployment, List<String> redirectors, List<String> supervisors,
                         List<String> workers, long spaceMinBytes) {
        public Target {
            redirectors = List.copyOf(redirectors);
            supervisors = List.copyOf(supervisors);
            workers = List.copyOf(workers);
        }

        int expectedPerRedirector() {
            return Math.min(CMSD_SLOTS, workers.size() + supervisors.size());
        }
    }

    /** One redirector: whether its reports are current, and the subscribers it sees active out of those expected. */
    public record Redirector(String name, boolean reporting, int connected, int expected, List<String> notActive) {}

    public record Worker(String name, long freeBytes) {}

    /** A condition as the fold decides it; {@link StatusBuilder} times it. */
    record Verdict(ConditionType type, boolean status, Reason reason, String message) {}

    /** The status (null while there is no readable insight) and the conditions. */
    record Folded(MonitorStatus status, List<Verdict> conditions) {}

    static Folded fold(Target target, JsonNode insightConfigMap, JsonNode deployment) {
        List<Verdict> conditions = new ArrayList<>();
        boolean available = deployment != null && deployment.path("status").path("availableReplicas").asInt(0) >= 1;
        JsonNode insight = parse(target, insightConfigMap);
        if (insight == null) {
            Verdict stale = !available
                    ? new Verdict(ConditionType.MONITOR_STALE, true, Reason.MONITOR_UNAVAILABLE,
                            "the monitor Deployment " + target.deployment() + " has no available replica")
                    : insightConfigMap == null
                    ? new Verdict(ConditionType.MONITOR_STALE, true, Reason.INSIGHT_MISSING,
                            "the monitor has not written ConfigMap " + target.insight() + " yet")
                    : new Verdict(ConditionType.MONITOR_STALE, true, Reason.INSIGHT_UNREADABLE, "ConfigMap " + target.insight()
                            + " does not hold an insight of cluster " + target.cluster() + " in format " + FORMAT);
            conditions.add(stale);
            return new Folded(null, conditions);
        }

        Map<String, JsonNode> byPod = new HashMap<>();
        for (JsonNode entry : insight.path("redirectors")) {
            if (entry.path("pod").isTextual()) {
                byPod.putIfAbsent(entry.path("pod").asText(), entry);
            }
        }
        Set<String> expectedSubscribers = new HashSet<>(target.workers());
        expectedSubscribers.addAll(target.supervisors());
        List<String> perRedirectorExpected = target.supervisors().isEmpty() ? target.workers() : target.supervisors();
        List<Redirector> redirectors = new ArrayList<>();
        Set<String> activeSomewhere = new HashSet<>();
        Set<String> notActiveSomewhere = new HashSet<>();
        for (String name : target.redirectors()) {
            JsonNode entry = byPod.get(name);
            boolean reporting = entry != null && !entry.path("stale").asBoolean(true);
            Set<String> active = reporting ? active(entry, expectedSubscribers) : Set.of();
            List<String> notActive = new ArrayList<>();
            if (reporting) {
                activeSomewhere.addAll(active);
                for (String expected : perRedirectorExpected) {
                    if (!active.contains(expected)) {
                        notActive.add(expected);
                        notActiveSomewhere.add(expected);
                    }
                }
            }
            redirectors.add(new Redirector(name, reporting, active.size(), target.expectedPerRedirector(), bounded(notActive)));
        }
        for (String name : target.supervisors()) {
            JsonNode entry = byPod.get(name);
            if (entry != null && !entry.path("stale").asBoolean(true)) {
                activeSomewhere.addAll(active(entry, expectedSubscribers));
            }
        }
        List<Redirector> reporting = redirectors.stream().filter(Redirector::reporting).toList();
        if (!available || reporting.isEmpty()) {
            conditions.add(new Verdict(ConditionType.MONITOR_STALE, true, available ? Reason.REPORTS_STALE : Reason.MONITOR_UNAVAILABLE,
                    available ? "no redirector's reports reached the monitor in the last 3 report intervals"
                            : "the monitor Deployment " + target.deployment() + " has no available replica"));
        } else {
            conditions.add(new Verdict(ConditionType.MONITOR_STALE, false, Reason.INSIGHT_CURRENT, reporting.size() + "/"
                    + target.redirectors().size() + " redirectors report to the monitor"));
        }
        boolean current = conditions.get(0).status() == false;

        // A worker is not active when a reporting redirector does not see it (with supervisors: when nobody does).
        List<String> workersNotActive = new ArrayList<>();
        for (String worker : target.workers()) {
            boolean missing = target.supervisors().isEmpty() ? notActiveSomewhere.contains(worker) : !activeSomewhere.contains(worker);
            if (missing && !reporting.isEmpty()) {
                workersNotActive.add(worker);
            }
        }
        String connected = reporting.isEmpty() ? null
                : reporting.stream().mapToInt(Redirector::connected).min().getAsInt() + "/" + target.expectedPerRedirector();

        Set<String> expectedWorkers = new HashSet<>(target.workers());
        long free = 0;
        long total = 0;
        Worker fullest = null;
        int measured = 0;
        List<String> low = new ArrayList<>();
        for (JsonNode entry : insight.path("workers")) {
            String pod = entry.path("pod").asText();
            if (!expectedWorkers.contains(pod) || entry.path("stale").asBoolean(true)
                    || !entry.path("freeBytes").canConvertToLong() || !entry.path("totalBytes").canConvertToLong()) {
                continue;
            }
            long workerFree = Math.max(0, entry.path("freeBytes").asLong());
            free = saturatedAdd(free, workerFree);
            total = saturatedAdd(total, Math.max(0, entry.path("totalBytes").asLong()));
            measured++;
            if (fullest == null || workerFree < fullest.freeBytes() || workerFree == fullest.freeBytes() && pod.compareTo(fullest.name()) < 0) {
                fullest = new Worker(pod, workerFree);
            }
            if (workerFree < target.spaceMinBytes()) {
                low.add(pod);
            }
        }
        if (current) {
            List<String> short_ = reporting.stream().filter(r -> r.connected() < r.expected())
                    .map(r -> r.name() + " sees " + r.connected() + "/" + r.expected()).toList();
            if (short_.isEmpty() && workersNotActive.isEmpty()) {
                conditions.add(new Verdict(ConditionType.WORKERS_DISCONNECTED, false, Reason.ALL_WORKERS_ACTIVE,
                        "every reporting redirector sees all " + target.expectedPerRedirector() + " expected subscribers active"));
            } else {
                conditions.add(new Verdict(ConditionType.WORKERS_DISCONNECTED, true, Reason.WORKERS_NOT_ACTIVE,
                        (short_.isEmpty() ? "" : String.join(", ", short_) + " active subscribers")
                                + (workersNotActive.isEmpty() ? "" : (short_.isEmpty() ? "" : "; ") + workersNotActive.size()
                                + " of " + target.workers().size() + " workers not active: " + String.join(", ", bounded(workersNotActive))
                                + (workersNotActive.size() > MAX_NAMES ? ", ..." : ""))));
            }
            if (measured > 0) {
                if (low.isEmpty()) {
                    conditions.add(new Verdict(ConditionType.SPACE_LOW, false, Reason.SPACE_AVAILABLE, "the fullest worker, "
                            + fullest.name() + ", has " + mebibytes(fullest.freeBytes()) + " free, above its cms.space minimum of "
                            + mebibytes(target.spaceMinBytes())));
                } else {
                    conditions.add(new Verdict(ConditionType.SPACE_LOW, true, Reason.SPACE_BELOW_MINIMUM, low.size() + " of "
                            + measured + " workers below the cms.space minimum of " + mebibytes(target.spaceMinBytes())
                            + " (they take no new files): " + String.join(", ", bounded(low)) + (low.size() > MAX_NAMES ? ", ..." : "")
                            + "; the fullest, " + fullest.name() + ", has " + mebibytes(fullest.freeBytes()) + " free"));
                }
            }
        }
        MonitorStatus status = new MonitorStatus(connected, redirectors, bounded(workersNotActive), measured > 0 ? free : null,
                measured > 0 ? total : null, fullest);
        return new Folded(status, conditions);
    }

    /** The expected subscribers an insight entry sees active. */
    private static Set<String> active(JsonNode entry, Set<String> expected) {
        Set<String> active = new HashSet<>();
        for (JsonNode node : entry.path("nodes")) {
            String pod = node.path("pod").asText();
            if ("active".equals(node.path("state").asText()) && expected.contains(pod)) {
                active.add(pod);
            }
        }
        return active;
    }

    /** The insight of {@code cluster} in the ConfigMap, or null when it is absent or holds something else. */
    public static JsonNode insightOf(String cluster, JsonNode configMap) {
        return parse(new Target(cluster, null, null, List.of(), List.of(), List.of(), 0), configMap);
    }

    /** The insight of this cluster, or null when the ConfigMap is absent or holds something else. */
    private static JsonNode parse(Target target, JsonNode configMap) {
        if (configMap == null) {
            return null;
        }
        JsonNode data = configMap.path("data").path("insight.json");
        if (!data.isTextual() || data.asText().length() > 1 << 20) {
            return null;
        }
        try {
            JsonNode insight = Json.MAPPER.readTree(data.asText());
            if (insight == null || !insight.isObject() || insight.path("format").asInt(-1) != FORMAT
                    || !target.cluster().equals(insight.path("cluster").asText())) {
                return null;
            }
            return insight;
        } catch (IOException e) {
            return null;
        }
    }

    private static List<String> bounded(List<String> names) {
        return List.copyOf(names.subList(0, Math.min(MAX_NAMES, names.size())));
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private static String mebibytes(long bytes) {
        return (bytes >> 20) + " MiB";
    }

    /** {@code status.monitor}: fixed key order, lists in the order of the spec's pods. */
    ObjectNode toJson() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        if (connected != null) {
            node.put("connected", connected);
        }
        ArrayNode list = node.putArray("redirectors");
        for (Redirector r : redirectors) {
            ObjectNode o = list.addObject();
            o.put("name", r.name());
            o.put("reporting", r.reporting());
            o.put("connected", r.connected());
            o.put("expected", r.expected());
            ArrayNode notActive = o.putArray("notActive");
            r.notActive().forEach(notActive::add);
        }
        ArrayNode workers = node.putArray("workersNotActive");
        workersNotActive.forEach(workers::add);
        if (freeBytes != null) {
            node.put("freeBytes", freeBytes);
            node.put("totalBytes", totalBytes);
        }
        if (fullestWorker != null) {
            node.putObject("fullestWorker").put("name", fullestWorker.name()).put("freeBytes", fullestWorker.freeBytes());
        }
        return node;
    }
}
