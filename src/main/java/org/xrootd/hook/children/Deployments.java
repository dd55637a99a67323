package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.model.XrootdSpec;

/**
 * The monitor's Deployment (spec.monitor): one replica of the hook's own image running {@code monitor},
 * which receives every daemon's summary reports, serves /metrics and writes the insight ConfigMap with
 * the token of its ServiceAccount. The pod runs as the hook does (k8s/deployment.yaml): non-root,
 * read-only root filesystem, no capabilities, RuntimeDefault seccomp.
 */
public final class Deployments {
    /** The monitor's HTTP port: /metrics, /insight, /healthz. */
    public static final int METRICS_PORT = 9100;
    /** The distroless image's nonroot user, as in k8s/deployment.yaml. */
    static final long RUN_AS = 65532;
    static final String DEFAULT_RESOURCES = "{\"limits\":{\"memory\":\"256Mi\"},\"requests\":{\"cpu\":\"50m\",\"memory\":\"256Mi\"}}";

    /**
     * The collector's JVM: Serial GC and one processor (one receiver thread, a scrape now and then);
     * {@code TieredStopAtLevel=1}, the client compiler only: at 200 datagrams a second the server compiler
     * was still compiling after minutes and cost more than the receiver itself (BENCHMARKS.md, the
     * monitor at 1000 workers); {@code -UsePerfData}: no perf-data file and no sampler waking 20 times a
     * second (jcmd PID still attaches).
     */
    static final String JAVA_OPTIONS = "-XX:MaxRAMPercentage=50 -XX:+UseSerialGC -XX:ActiveProcessorCount=1 -XX:TieredStopAtLevel=1"
            + " -XX:-UsePerfData -XX:+ExitOnOutOfMemoryError -Xss512k";

    private Deployments() {}

    public static ObjectNode monitor(XrootdSpec spec, String image) {
        XrootdSpec.Monitor monitor = spec.monitor();
        ObjectNode deployment = JsonTrees.resource("apps/v1", "Deployment", Names.monitor(spec), spec.namespace(), Labels.monitor(spec));
        ObjectNode deploymentSpec = deployment.putObject("spec");
        deploymentSpec.put("replicas", 1);
        deploymentSpec.put("revisionHistoryLimit", 3);
        deploymentSpec.putObject("selector").set("matchLabels", JsonTrees.map(Labels.monitorSelector(spec)));
        // Two collectors at once would both write the ConfigMap: the old one stops before the new one starts.
        deploymentSpec.putObject("strategy").put("type", "Recreate");
        ObjectNode template = deploymentSpec.putObject("template");
        template.putObject("metadata").set("labels", JsonTrees.map(Labels.monitor(spec)));
        ObjectNode podSpec = template.putObject("spec");
        // The collector writes the insight ConfigMap with this token (its Role allows that one ConfigMap).
        podSpec.put("automountServiceAccountToken", true);
        ArrayNode containers = podSpec.putArray("containers");
        ObjectNode container = containers.addObject();
        container.set("args", JsonTrees.strings("monitor",
                "--cluster", spec.name(),
                "--namespace", spec.namespace(),
                "--owner-uid", spec.uid(),
                "--report-port", String.valueOf(monitor.reportPort()),
                "--port", String.valueOf(METRICS_PORT),
                "--interval", monitor.reportIntervalSeconds() + "s",
                "--insight", "on"));
        ArrayNode env = container.putArray("env");
        env.addObject().put("name", "JAVA_TOOL_OPTIONS").put("value", JAVA_OPTIONS);
        env.addObject().put("name", "LOG_FORMAT").put("value", "json");
        container.put("image", image);
        container.put("imagePullPolicy", "IfNotPresent");
        container.set("livenessProbe", probe(20, 5, 3));
        container.put("name", "monitor");
        ArrayNode ports = container.putArray("ports");
        ports.addObject().put("containerPort", METRICS_PORT).put("name", "metrics").put("protocol", "TCP");
        ports.addObject().put("containerPort", monitor.reportPort()).put("name", "report").put("protocol", "UDP");
        container.set("readinessProbe", probe(5, 2, 2));
        try {
            container.set("resources", monitor.resources() != null ? Json.MAPPER.valueToTree(monitor.resources())
                    : Json.MAPPER.readTree(DEFAULT_RESOURCES));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        ObjectNode security = container.putObject("securityContext");
        security.put("allowPrivilegeEscalation", false);
        security.putObject("capabilities").set("drop", JsonTrees.strings("ALL"));
        security.put("readOnlyRootFilesystem", true);
        security.put("runAsNonRoot", true);
        ObjectNode startup = probe(2, 1, 60);
        container.set("startupProbe", startup);
        container.putArray("volumeMounts").addObject().put("mountPath", "/tmp").put("name", "tmp");
        podSpec.put("enableServiceLinks", false);
        ObjectNode podSecurity = podSpec.putObject("securityContext");
        podSecurity.put("runAsGroup", RUN_AS);
        podSecurity.put("runAsNonRoot", true);
        podSecurity.put("runAsUser", RUN_AS);
        podSecurity.putObject("seccompProfile").put("type", "RuntimeDefault");
        podSpec.put("serviceAccountName", Names.monitor(spec));
        podSpec.put("terminationGracePeriodSeconds", 10);
        // The only writable path: the JVM's temporary files.
        podSpec.putArray("volumes").addObject().<ObjectNode>set("emptyDir", JsonTrees.object().put("sizeLimit", "64Mi")).put("name", "tmp");
        return deployment;
    }

    private static ObjectNode probe(int periodSeconds, int timeoutSeconds, int failureThreshold) {
        ObjectNode probe = JsonTrees.object();
        probe.put("failureThreshold", failureThreshold);
        probe.putObject("httpGet").put("path", "/healthz").put("port", "metrics");
        probe.put("periodSeconds", periodSeconds);
        probe.put("timeoutSeconds", timeoutSeconds);
        return probe;
    }
}
