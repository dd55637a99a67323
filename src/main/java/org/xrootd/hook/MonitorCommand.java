package org.xrootd.hook;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.xrootd.hook.monitor.Insight;
import org.xrootd.hook.monitor.InsightWriter;
import org.xrootd.hook.monitor.MonitorServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code monitor}: one cluster's summary-report collector, a Prometheus exporter and the insight writer. */
@Command(name = "monitor", mixinStandardHelpOptions = true,
        description = "Collect the xrd.report summary reports of one cluster's daemons (UDP), serve them as Prometheus"
                + " metrics, and write the cluster's view to the ConfigMap <cluster>-xrootd-insight when Kubernetes"
                + " credentials are at hand (in-cluster, or KUBECONFIG); without them it runs as a plain exporter.")
final class MonitorCommand implements Callable<Integer> {
    static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    enum InsightMode { auto, on, off }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--report-port", defaultValue = "9931", description = "UDP port for xrd.report (default: ${DEFAULT-VALUE})")
    int reportPort;

    @Option(names = "--report-host", defaultValue = "0.0.0.0", description = "address for reports (default: ${DEFAULT-VALUE})")
    String reportHost;

    @Option(names = "--port", defaultValue = "9100", description = "HTTP port for /metrics, /insight, /healthz (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "HTTP address (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--cluster", required = true, description = "the Xrootd resource's name (label 'cluster', ConfigMap <cluster>-xrootd-insight)")
    String cluster;

    @Option(names = "--namespace", description = "namespace of the insight ConfigMap (default: the pod's namespace, else 'default')")
    String namespace;

    @Option(names = "--interval", defaultValue = "10s", paramLabel = "DURATION",
            description = "the daemons' report interval (xrd.report every); a source is stale after 3 (default: ${DEFAULT-VALUE})")
    Duration interval;

    @Option(names = "--forget", defaultValue = "60m", paramLabel = "DURATION",
            description = "drop a source silent this long (default: ${DEFAULT-VALUE})")
    Duration forget;

    @Option(names = "--insight", defaultValue = "auto",
            description = "write the insight ConfigMap: auto (when credentials are found), on, off (default: ${DEFAULT-VALUE})")
    InsightMode insight;

    @Option(names = "--insight-min-interval", defaultValue = "10s", paramLabel = "DURATION",
            description = "at most one write per this long (default: ${DEFAULT-VALUE})")
    Duration insightMinInterval;

    @Option(names = "--owner-uid", description = "uid of the Xrootd resource, made the ConfigMap's owner (garbage-collected with it)")
    String ownerUid;

    @Override
    public Integer call() throws Exception {
        if (interval.isZero() || interval.isNegative()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be positive");
        }
        boolean credentials = System.getenv("KUBECONFIG") != null
                || (System.getenv("KUBERNETES_SERVICE_HOST") != null && Files.isReadable(SERVICE_ACCOUNT.resolve("token")));
        boolean write = insight == InsightMode.on || (insight == InsightMode.auto && credentials);
        KubernetesClient client = write ? new KubernetesClientBuilder().build() : null;
        InsightWriter writer = null;
        if (client != null) {
            String ns = namespace != null ? namespace : podNamespace();
            List<OwnerReference> owners = ownerUid == null ? List.of() : List.of(new OwnerReferenceBuilder()
                    .withApiVersion("xrootd.org/v1alpha1").withKind("Xrootd").withName(cluster).withUid(ownerUid).build());
            writer = new InsightWriter(client, ns, Insight.name(cluster),
                    Map.of("app.kubernetes.io/name", "xrootd", "app.kubernetes.io/instance", cluster,
                            "app.kubernetes.io/component", "insight", "app.kubernetes.io/managed-by", "xrootd-monitor"),
                    owners, insightMinInterval, System::currentTimeMillis);
        }
        MonitorServer server = MonitorServer.start(new MonitorServer.Settings(host, port, reportHost, reportPort, cluster, interval,
                forget), writer);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            if (client != null) {
                client.close();
            }
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
        return 0;
    }

    private static String podNamespace() {
        try {
            return Files.readString(SERVICE_ACCOUNT.resolve("namespace"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "default";
        }
    }
}
