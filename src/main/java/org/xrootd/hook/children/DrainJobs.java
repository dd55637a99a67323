package org.xrootd.hook.children;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.model.Component;
import org.xrootd.hook.model.XrootdSpec;

/**
 * The drain of one worker before a scale-down removes it: a ConfigMap with {@code drain.sh} and a Job that
 * runs it with the cluster's own image (its xrdfs and xrdcp), naming the draining worker, the workers that
 * stay and the client Service. The script is the same for every cluster; what varies is in the Job's env.
 */
public final class DrainJobs {
    /** The component label of the drain's children and pod. */
    public static final String COMPONENT = "drain";
    public static final String SCRIPT_KEY = "drain.sh";
    static final String SCRIPT_DIR = "/etc/xrootd-drain";
    static final String SCRIPT_VOLUME = "drain";
    /** Attempts after the first: the script is idempotent (a rerun finds only what is left). */
    static final int BACKOFF_LIMIT = 2;
    /** Listings of the draining worker before the script gives up on files that keep arriving. */
    static final int MAX_PASSES = 20;
    private static final String SCRIPT = load();
    /** The label the Job controller puts on a Job's pods with the Job's uid (Kubernetes 1.27 and later). */
    static final String JOB_UID_LABEL = "batch.kubernetes.io/controller-uid";
    /** The same uid under the label older Kubernetes sets (and current versions still set). */
    static final String LEGACY_JOB_UID_LABEL = "controller-uid";

    private DrainJobs() {}

    /** {@code <name>-xrootd-drain-<ordinal>}: the Job that drains worker {@code ordinal}. */
    public static String jobName(XrootdSpec spec, int ordinal) {
        return jobPrefix(spec) + ordinal;
    }

    /** What every drain Job's name starts with. */
    public static String jobPrefix(XrootdSpec spec) {
        return spec.name() + "-xrootd-drain-";
    }

    public static String configMapName(XrootdSpec spec) {
        return spec.name() + "-xrootd-drain";
    }

    /** The worker pod {@code ordinal}. */
    public static String workerPod(XrootdSpec spec, int ordinal) {
        return Names.worker(spec) + "-" + ordinal;
    }

    /** The script as the ConfigMap carries it. */
    public static String script() {
        return SCRIPT;
    }

    public static ObjectNode configMap(XrootdSpec spec) {
        ObjectNode configMap = JsonTrees.resource("v1", "ConfigMap", configMapName(spec), spec.namespace(), labels(spec));
        configMap.putObject("data").put(SCRIPT_KEY, SCRIPT);
        return configMap;
    }

    /**
     * The Job that moves every file of worker {@code ordinal} to the workers that stay, {@code 0 ..
     * spec.worker.replicas-1}: a file moves once even when several workers go, and the Job's size does not
     * follow the observed StatefulSet's (which a bad request can make any number). Worker
     * pods are addressed by their stable names under the workers' governing Service (the relative form:
     * the pod's search list completes it).
     */
    public static ObjectNode job(XrootdSpec spec, Catalog.Resolved image, int ordinal) {
        if (ordinal < 1) {
            throw new IllegalArgumentException("worker " + ordinal + " has no other worker to move its files to");
        }
        ObjectNode job = JsonTrees.resource("batch/v1", "Job", jobName(spec, ordinal), spec.namespace(), labels(spec));
        ObjectNode jobSpec = job.putObject("spec");
        jobSpec.put("backoffLimit", BACKOFF_LIMIT);
        ObjectNode template = jobSpec.putObject("template");
        template.putObject("metadata").set("labels", JsonTrees.map(labels(spec)));
        ObjectNode podSpec = template.putObject("spec");
        podSpec.put("automountServiceAccountToken", false);
        ObjectNode container = podSpec.putArray("containers").addObject();
        container.set("command", JsonTrees.strings("/bin/sh", SCRIPT_DIR + "/" + SCRIPT_KEY));
        ArrayNode env = container.putArray("env");
        for (Map.Entry<String, String> variable : environment(spec, ordinal).entrySet()) {
            env.addObject().put("name", variable.getKey()).put("value", variable.getValue());
        }
        if (spec.monitor().enabled()) {
            // The Job's uid, which the Job controller puts on its pods: the status takes a progress line only
            // from the Job it observes (not from an earlier drain of the same worker). Both labels: the
            // prefixed one since Kubernetes 1.27, the legacy one before (and, so far, still); a missing
            // label gives an empty value.
            env.addObject().put("name", "DRAIN_JOB_UID").putObject("valueFrom").putObject("fieldRef")
                    .put("fieldPath", "metadata.labels['" + JOB_UID_LABEL + "']");
            env.addObject().put("name", "DRAIN_JOB_UID_LEGACY").putObject("valueFrom").putObject("fieldRef")
                    .put("fieldPath", "metadata.labels['" + LEGACY_JOB_UID_LABEL + "']");
        }
        container.put("image", image.image());
        container.put("imagePullPolicy", spec.imagePullPolicy());
        container.put("name", COMPONENT);
        ObjectNode security = container.putObject("securityContext");
        security.put("allowPrivilegeEscalation", false);
        security.putObject("capabilities").set("drop", JsonTrees.strings("ALL"));
        security.put("readOnlyRootFilesystem", true);
        // The pod's last word (files and bytes moved, or why it stopped): kubectl describe shows it.
        container.put("terminationMessagePolicy", "FallbackToLogsOnError");
        ArrayNode mounts = container.putArray("volumeMounts");
        mounts.addObject().put("mountPath", SCRIPT_DIR).put("name", SCRIPT_VOLUME).put("readOnly", true);
        mounts.addObject().put("mountPath", PodLayout.TMP_DIR).put("name", PodLayout.TMP_VOLUME);
        if (spec.security().sss() != null) {
            mounts.addObject().put("mountPath", PodLayout.SSS_SECRET_DIR).put("name", PodLayout.SSS_VOLUME).put("readOnly", true);
        }
        if (!spec.imagePullSecrets().isEmpty()) {
            podSpec.set("imagePullSecrets", org.xrootd.hook.json.Json.MAPPER.valueToTree(spec.imagePullSecrets()));
        }
        podSpec.put("restartPolicy", "Never");
        ObjectNode podSecurity = podSpec.putObject("securityContext");
        podSecurity.put("fsGroup", spec.security().fsGroup());
        podSecurity.put("runAsGroup", spec.security().runAsGroup());
        podSecurity.put("runAsNonRoot", true);
        podSecurity.put("runAsUser", spec.security().runAsUser());
        podSecurity.putObject("seccompProfile").put("type", "RuntimeDefault");
        ArrayNode volumes = podSpec.putArray("volumes");
        ObjectNode scriptVolume = volumes.addObject();
        scriptVolume.putObject("configMap").put("name", configMapName(spec));
        scriptVolume.put("name", SCRIPT_VOLUME);
        volumes.addObject().put("name", PodLayout.TMP_VOLUME).putObject("emptyDir");
        if (spec.security().sss() != null) {
            ObjectNode secret = volumes.addObject().put("name", PodLayout.SSS_VOLUME).putObject("secret");
            secret.put("defaultMode", 0400);
            String key = spec.security().sss().key();
            secret.putArray("items").addObject().put("key", key).put("path", key);
            secret.put("secretName", spec.security().sss().secretName());
        }
        return job;
    }

    /** The script's parameters for draining worker {@code ordinal}, in the order the Job lists them. */
    public static Map<String, String> environment(XrootdSpec spec, int ordinal) {
        int port = spec.ports().xrootd();
        String service = Names.headlessService(spec, Component.WORKER);
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < Math.min(ordinal, spec.worker().replicas()); i++) {
            targets.add(workerPod(spec, i) + "." + service + ":" + port);
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DRAIN_SOURCE", workerPod(spec, ordinal) + "." + service + ":" + port);
        env.put("DRAIN_TARGETS", String.join(" ", targets));
        env.put("DRAIN_REDIRECTOR", Names.clientService(spec) + ":" + port);
        env.put("DRAIN_EXPORTS", String.join(" ", spec.exports()));
        env.put("DRAIN_CHECKSUM", spec.checksums().isEmpty() ? "" : spec.checksums().get(0));
        env.put("DRAIN_MAX_PASSES", Integer.toString(MAX_PASSES));
        if (spec.monitor().enabled()) {
            // Progress after every file, to the monitor, which puts it in the insight the status reads.
            env.put("DRAIN_MONITOR", Names.monitorHost(spec) + ":" + spec.monitor().reportPort());
            env.put("DRAIN_CLUSTER", spec.name());
            env.put("DRAIN_WORKER", workerPod(spec, ordinal));
        }
        if (spec.security().sss() != null) {
            env.put("DRAIN_SSS_SOURCE", PodLayout.SSS_SECRET_DIR + "/" + spec.security().sss().key());
        }
        // The root filesystem is read-only: the script and the clients write under /tmp.
        env.put("HOME", PodLayout.TMP_DIR);
        env.put("TMPDIR", PodLayout.TMP_DIR);
        return env;
    }

    private static Map<String, String> labels(XrootdSpec spec) {
        Map<String, String> labels = Labels.cluster(spec);
        labels.put(Labels.COMPONENT, COMPONENT);
        return labels;
    }

    private static String load() {
        try (InputStream in = DrainJobs.class.getResourceAsStream(SCRIPT_KEY)) {
            if (in == null) {
                throw new IllegalStateException(SCRIPT_KEY + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
