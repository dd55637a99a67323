package org.xrootd.hook.build;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.xrootd.hook.model.Catalog;
import org.xrootd.hook.model.XrootdSpec;

/**
 * The redirector and worker StatefulSets. Each pod runs cmsd and xrootd from the same image, sharing an
 * admin-path emptyDir; workers keep their data on a volume from the claim template.
 */
public final class StatefulSets {
    /** Pod template annotation whose value changes whenever the pod's configuration does. */
    public static final String CONFIG_HASH = "xrootd.org/config-hash";
    /** Where XRootD clients (xrdfs, xrdcp) look for an sss keytab first. */
    static final String SSS_CLIENT_KEYTAB_ENV = "XrdSecSSSKT";

    private StatefulSets() {}

    public static StatefulSet build(XrootdSpec spec, Component component, Catalog.Resolved image) {
        String name = Names.statefulSet(spec, component);
        int replicas = component == Component.REDIRECTOR ? spec.redirector().replicas() : spec.worker().replicas();
        StatefulSetBuilder builder = new StatefulSetBuilder()
                .withNewMetadata()
                    .withName(name)
                    .withNamespace(spec.namespace())
                    .withLabels(Labels.of(spec, component, image.version()))
                .endMetadata()
                .withNewSpec()
                    .withReplicas(replicas)
                    .withServiceName(Names.headlessService(spec, component))
                    // Pods of one role do not depend on each other's order; start them together.
                    .withPodManagementPolicy("Parallel")
                    .withNewSelector().withMatchLabels(Labels.selector(spec, component)).endSelector()
                    .withNewUpdateStrategy().withType("RollingUpdate").endUpdateStrategy()
                    .withNewTemplate()
                        .withNewMetadata()
                            .withLabels(podLabels(spec, component, image))
                            .withAnnotations(podAnnotations(spec, component))
                        .endMetadata()
                        .withSpec(podSpec(spec, component, image))
                    .endTemplate()
                .endSpec();
        if (component == Component.WORKER) {
            builder.editSpec().withVolumeClaimTemplates(dataClaim(spec)).endSpec();
            if (spec.storage().deleteWithXrootd()) {
                // Opt-in only: by default (Kubernetes' default, Retain) worker data outlives the Xrootd.
                builder.editSpec().withNewPersistentVolumeClaimRetentionPolicy()
                        .withWhenDeleted("Delete").withWhenScaled("Retain")
                        .endPersistentVolumeClaimRetentionPolicy().endSpec();
            }
        }
        return builder.build();
    }

    private static XrootdSpec.Role role(XrootdSpec spec, Component component) {
        return component == Component.REDIRECTOR ? spec.redirector() : spec.worker();
    }

    private static Map<String, String> podLabels(XrootdSpec spec, Component component, Catalog.Resolved image) {
        Map<String, String> labels = new TreeMap<>(role(spec, component).pod().labels());
        labels.putAll(Labels.of(spec, component, image.version()));
        return labels;
    }

    private static Map<String, String> podAnnotations(XrootdSpec spec, Component component) {
        Map<String, String> annotations = new TreeMap<>(role(spec, component).pod().annotations());
        annotations.put(CONFIG_HASH, XrootdConfig.hash(spec, component));
        return annotations;
    }

    private static PodSpec podSpec(XrootdSpec spec, Component component, Catalog.Resolved image) {
        XrootdSpec.Pod pod = role(spec, component).pod();
        return new PodSpecBuilder()
                .withNewSecurityContext()
                    .withRunAsNonRoot(true)
                    .withRunAsUser(spec.security().runAsUser())
                    .withRunAsGroup(spec.security().runAsGroup())
                    .withFsGroup(spec.security().fsGroup())
                    .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                // The daemons never talk to the Kubernetes API.
                .withAutomountServiceAccountToken(false)
                .withServiceAccountName(spec.serviceAccountName())
                .withImagePullSecrets(spec.imagePullSecrets())
                .withContainers(cmsd(spec, component, image), xrootd(spec, component, image))
                .withVolumes(volumes(spec))
                .withNodeSelector(pod.nodeSelector().isEmpty() ? null : new TreeMap<>(pod.nodeSelector()))
                .withAffinity(pod.affinity())
                .withTolerations(pod.tolerations())
                .withTopologySpreadConstraints(pod.topologySpreadConstraints())
                .withPriorityClassName(pod.priorityClassName())
                .build();
    }

    private static Container cmsd(XrootdSpec spec, Component component, Catalog.Resolved image) {
        ContainerBuilder container = daemon("cmsd", spec, component, image)
                .withResources(role(spec, component).pod().cmsdResources());
        if (component == Component.REDIRECTOR) {
            container.withPorts(containerPort("cmsd", spec.ports().cmsd()))
                    .withLivenessProbe(new ProbeBuilder()
                            .withNewTcpSocket().withPort(new IntOrString(spec.ports().cmsd())).endTcpSocket()
                            .withInitialDelaySeconds(10)
                            .withPeriodSeconds(20)
                            .withTimeoutSeconds(5)
                            .build());
        }
        return container.build();
    }

    private static Container xrootd(XrootdSpec spec, Component component, Catalog.Resolved image) {
        ContainerBuilder container = daemon("xrootd", spec, component, image)
                .withResources(role(spec, component).pod().resources());
        if (spec.security().sss() != null) {
            container.addToEnv(new EnvVar("XRD_SSS_SOURCE", PodLayout.SSS_SECRET_DIR + "/" + spec.security().sss().key(), null))
                    // The probes' xrdfs runs in this container with its environment and must log in with
                    // sss like any client: it uses the daemon's private copy of the keytab.
                    .addToEnv(new EnvVar(SSS_CLIENT_KEYTAB_ENV, PodLayout.SSS_KEYTAB, null))
                    .addToVolumeMounts(new VolumeMountBuilder().withName(PodLayout.SSS_VOLUME)
                            .withMountPath(PodLayout.SSS_SECRET_DIR).withReadOnly(true).build());
        }
        if (spec.security().tlsSecret() != null) {
            container.addToEnv(new EnvVar("XRD_TLS_SOURCE", PodLayout.TLS_SECRET_DIR, null))
                    .addToVolumeMounts(new VolumeMountBuilder().withName(PodLayout.TLS_VOLUME)
                            .withMountPath(PodLayout.TLS_SECRET_DIR).withReadOnly(true).build());
        }
        return container
                .withPorts(containerPort("xrootd", spec.ports().xrootd()))
                .withReadinessProbe(readiness(spec, component))
                .withLivenessProbe(liveness(spec))
                .build();
    }

    private static ContainerBuilder daemon(String daemon, XrootdSpec spec, Component component, Catalog.Resolved image) {
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVar("XRD_INSTANCE", component.instance(), null));
        env.add(new EnvVar("XRD_CONFIG", PodLayout.CONFIG_FILE, null));
        env.add(new EnvVar("XRD_ADMIN_DIR", PodLayout.ADMIN_DIR, null));
        // The root filesystem is read-only: anything that writes under $HOME writes to the /tmp emptyDir.
        env.add(new EnvVar("HOME", PodLayout.TMP_DIR, null));
        if (component == Component.WORKER) {
            env.add(new EnvVar("XRD_DATA_DIR", PodLayout.DATA_DIR, null));
        }
        return new ContainerBuilder()
                .withName(daemon)
                .withImage(image.image())
                .withImagePullPolicy(spec.imagePullPolicy())
                .withCommand("/bin/sh", PodLayout.START_SCRIPT, daemon)
                .withEnv(env)
                .withVolumeMounts(mounts(component))
                .withNewSecurityContext()
                    .withAllowPrivilegeEscalation(false)
                    .withCapabilities(dropAll())
                    .withReadOnlyRootFilesystem(spec.security().readOnlyRootFilesystem())
                .endSecurityContext();
    }

    /**
     * Redirector: its xrootd reaches a manager cmsd that serves (a worker has subscribed). Worker: its
     * xrootd is attached to the pod's own cmsd ({@code /a}) and that cmsd holds a connection to a
     * redirector's cmsd port. The attachment alone is true without any redirector (seen on real daemons):
     * the worker would count as ready, and a rolling update would move on, before it is back in the
     * cluster. See xrootd-ops.md section 3.10.
     */
    public static Probe readiness(XrootdSpec spec, Component component) {
        String query = "xrdfs localhost:" + spec.ports().xrootd() + " query config cms";
        String command = component == Component.REDIRECTOR
                ? query + " | grep -q '/c'"
                : query + " | grep -q '/a' && " + connectedToRedirector(spec.ports().cmsd());
        return new ProbeBuilder()
                .withNewExec()
                    .withCommand("/bin/sh", "-c", command)
                .endExec()
                .withInitialDelaySeconds(2)
                .withPeriodSeconds(5)
                .withTimeoutSeconds(5)
                .withFailureThreshold(3)
                .build();
    }

    /**
     * True while a TCP connection from this pod to some redirector's cmsd port is established: the
     * worker cmsd's login. A cmsd that a redirector rejects is disconnected, so this is login, not mere
     * reachability. Reads the pod's socket table, which both containers share, with grep alone.
     */
    static String connectedToRedirector(int cmsdPort) {
        String port = String.format("%04X", cmsdPort);
        return "grep -qsE '^ *[0-9]+: [0-9A-F]+:[0-9A-F]{4} [0-9A-F]+:" + port + " 01 ' /proc/net/tcp /proc/net/tcp6";
    }

    /** xrootd answers a configuration query: cheap, and true on every role. */
    public static Probe liveness(XrootdSpec spec) {
        return new ProbeBuilder()
                .withNewExec()
                    .withCommand("xrdfs", "localhost:" + spec.ports().xrootd(), "query", "config", "version")
                .endExec()
                .withInitialDelaySeconds(15)
                .withPeriodSeconds(20)
                .withTimeoutSeconds(10)
                .withFailureThreshold(3)
                .build();
    }

    private static List<VolumeMount> mounts(Component component) {
        List<VolumeMount> mounts = new ArrayList<>();
        mounts.add(new VolumeMountBuilder().withName(PodLayout.CONFIG_VOLUME).withMountPath(PodLayout.CONFIG_DIR).withReadOnly(true).build());
        mounts.add(new VolumeMountBuilder().withName(PodLayout.ADMIN_VOLUME).withMountPath(PodLayout.ADMIN_DIR).build());
        mounts.add(new VolumeMountBuilder().withName(PodLayout.TMP_VOLUME).withMountPath(PodLayout.TMP_DIR).build());
        if (component == Component.WORKER) {
            mounts.add(new VolumeMountBuilder().withName(PodLayout.DATA_VOLUME).withMountPath(PodLayout.DATA_DIR).build());
        }
        return mounts;
    }

    private static List<Volume> volumes(XrootdSpec spec) {
        List<Volume> volumes = new ArrayList<>(List.of(
                new VolumeBuilder().withName(PodLayout.CONFIG_VOLUME)
                        .withNewConfigMap().withName(Names.configMap(spec)).endConfigMap().build(),
                new VolumeBuilder().withName(PodLayout.ADMIN_VOLUME).withNewEmptyDir().endEmptyDir().build(),
                new VolumeBuilder().withName(PodLayout.TMP_VOLUME).withNewEmptyDir().endEmptyDir().build()));
        if (spec.security().sss() != null) {
            volumes.add(new VolumeBuilder().withName(PodLayout.SSS_VOLUME).withNewSecret()
                    .withSecretName(spec.security().sss().secretName())
                    .addNewItem().withKey(spec.security().sss().key()).withPath(spec.security().sss().key()).endItem()
                    .withDefaultMode(0400)
                    .endSecret().build());
        }
        if (spec.security().tlsSecret() != null) {
            volumes.add(new VolumeBuilder().withName(PodLayout.TLS_VOLUME).withNewSecret()
                    .withSecretName(spec.security().tlsSecret())
                    .addNewItem().withKey("tls.crt").withPath("tls.crt").endItem()
                    .addNewItem().withKey("tls.key").withPath("tls.key").endItem()
                    .withDefaultMode(0400)
                    .endSecret().build());
        }
        return volumes;
    }

    /**
     * Spelled as the API server stores it (apiVersion, kind, volumeMode, status), because Metacontroller
     * replaces this list wholesale and would otherwise see a difference on every sync.
     */
    private static PersistentVolumeClaim dataClaim(XrootdSpec spec) {
        PersistentVolumeClaimBuilder claim = new PersistentVolumeClaimBuilder()
                .withApiVersion("v1")
                .withKind("PersistentVolumeClaim")
                .withNewMetadata().withName(PodLayout.DATA_VOLUME).endMetadata()
                .withNewSpec()
                    .withAccessModes("ReadWriteOnce")
                    .withVolumeMode("Filesystem")
                    .withNewResources().addToRequests("storage", new Quantity(spec.storage().capacity())).endResources()
                .endSpec()
                .withNewStatus().withPhase("Pending").endStatus();
        if (spec.storage().storageClass() != null) {
            claim.editSpec().withStorageClassName(spec.storage().storageClass()).endSpec();
        }
        return claim.build();
    }

    private static ContainerPort containerPort(String name, int port) {
        return new ContainerPortBuilder().withName(name).withContainerPort(port).withProtocol("TCP").build();
    }

    private static Capabilities dropAll() {
        return new CapabilitiesBuilder().withDrop("ALL").build();
    }
}
