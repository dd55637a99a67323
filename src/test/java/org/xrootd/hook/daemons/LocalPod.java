package org.xrootd.hook.daemons;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One pod of a generated StatefulSet, run as local processes the way the kubelet would run it, from
 * nothing but the pod template and the operand image:
 *
 * <ul>
 *   <li>Root filesystem: each container incarnation gets an overlay of its own (a fresh upper directory
 *       over the image's unpacked layers, as containerd's overlay snapshotter does), with what a runtime
 *       adds: {@code /proc}, a read-only {@code /sys}, a {@code /dev} holding the host's null, zero, full,
 *       random, urandom and tty nodes, and the kubelet's {@code /etc/hosts}, {@code /etc/resolv.conf}
 *       and {@code /etc/hostname} (see {@link #launcher}). The container's process is chroot'ed into
 *       it; nothing of the host's root filesystem is visible to it.
 *   <li>Each container runs its own {@code command} + {@code args} with the image's {@code Env}
 *       overlaid by exactly the container's {@code env} (plus what a runtime adds: HOSTNAME, and HOME
 *       from the image's /etc/passwd when the container sets none), from the image's working directory.
 *   <li>Network: the pod's own network namespace ({@link PodNetwork}) on its node, shared by its
 *       containers; with {@code hostNetwork: true} its node's namespace.
 *   <li>Hostname: a UTS namespace per container, set to the pod name (the node's for a hostNetwork
 *       pod), as Kubernetes sets it.
 *   <li>Volumes: a private mount namespace per container with every {@code volumeMount} bind-mounted at
 *       its {@code mountPath} inside the container's root (created there when the image lacks it, as
 *       runc does; read-only where the template says so). A configMap volume is a directory
 *       holding the ConfigMap's data as files (mode 0644), an emptyDir a fresh directory per pod
 *       incarnation (0777), a volumeClaimTemplate a directory that outlives the pod, as a PVC does. The
 *       pod's fsGroup owns them all, set-group-ID, as the kubelet arranges. A secret volume is written
 *       as the kubelet writes it (see {@link #secretVolume}).
 *   <li>Identity: runAsUser/runAsGroup with fsGroup as supplementary group, set by {@code chroot
 *       --userspec --groups} after entering the root; no_new_privs for allowPrivilegeEscalation: false;
 *       no inheritable capabilities and a bounding set cut to what chroot needs for capabilities.drop:
 *       [ALL] (the uid change then clears every capability); the overlay mounted read-only for
 *       readOnlyRootFilesystem: true.
 * </ul>
 *
 * Each container has a PID namespace of its own, with its command as process 1. A container whose
 * process exits is restarted in the same pod ({@code restartPolicy: Always}, the only policy a StatefulSet
 * admits) after the kubelet's back-off ({@link #RESTART_BACKOFF}); see {@link #restartEvents}. Not emulated:
 * restarts for a failing liveness probe, an IPC namespace, seccomp, cgroups and
 * resource limits, image pulls, Service environment variables, /dev/pts, a tmpfs /dev and /dev/shm.
 */
final class LocalPod {
    /** The PATH a runtime (containerd) gives a container whose image sets none. */
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** Device nodes a runtime puts into every container's /dev. */
    private static final List<String> DEVICES = List.of("null", "zero", "full", "random", "urandom", "tty");
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(20);

    /** The run's runtime layer (see {@link #prepareRuntime}). */
    static Path runtimeLayer(Path workDir) {
        return workDir.resolve("runtime-layer");
    }

    /**
     * Makes the run's runtime layer once, an overlay layer under every container's own: /dev with the
     * host's device nodes a runtime gives every container ({@code cp -a} copies a node as a node), the
     * fd/stdin/stdout/stderr links and a /dev/shm directory, and the mount points /proc and /sys.
     */
    static void prepareRuntime(Path workDir, Procs procs) throws IOException {
        Path layer = runtimeLayer(workDir);
        Path dev = layer.resolve("dev");
        Files.createDirectories(dev.resolve("shm"));
        Files.createDirectories(layer.resolve("proc"));
        Files.createDirectories(layer.resolve("sys"));
        List<String> copy = new ArrayList<>(List.of("cp", "-a"));
        DEVICES.forEach(d -> copy.add("/dev/" + d));
        copy.add(dev.toString());
        procs.check(copy, SETUP_TIMEOUT);
        procs.check(List.of("chmod", "1777", dev.resolve("shm").toString()), SETUP_TIMEOUT);
        Files.createSymbolicLink(dev.resolve("fd"), Path.of("/proc/self/fd"));
        List<String> std = List.of("stdin", "stdout", "stderr");
        for (int fd = 0; fd < std.size(); fd++) {
            Files.createSymbolicLink(dev.resolve(std.get(fd)), Path.of("/proc/self/fd/" + fd));
        }
    }

    final String name;
    /** The Kubernetes namespace the pod lives in. */
    final String namespace;
    final String statefulSet;
    final int ordinal;
    /** The pod's network identity; a re-created pod may get a new one ({@link #readdress}). */
    PodNetwork.Host host;
    private JsonNode template;
    private JsonNode podSpec;
    private final Map<String, JsonNode> configMaps;
    private final Map<String, Map<String, byte[]>> secrets;
    private final OperandImage image;
    private final Path podDir;
    private final Path claimsDir;
    private final Path workDir;
    private final Procs procs;
    /** Each container's current process (also an exited one waiting for its restart); guarded by this. */
    private final Map<String, Process> running = new LinkedHashMap<>();
    /** Each running container's root directory (an overlay mount inside its mount namespace); guarded by this. */
    private final Map<String, Path> roots = new LinkedHashMap<>();
    /**
     * Bumped by every start, stop and kill: a container's exit seen under an older value belongs to a pod
     * that is being (or was) deleted or replaced, which the kubelet does not restart. Guarded by this.
     */
    private int lifecycle;
    /** Restarts of each container of the current incarnation, as the pod status' restartCount. Guarded by this. */
    private final Map<String, Integer> restarts = new LinkedHashMap<>();
    /** When each container's current process started (System.nanoTime); for the back-off reset. Guarded by this. */
    private final Map<String, Long> startedAt = new LinkedHashMap<>();
    /** Each container's next back-off (the kubelet's per-container flowcontrol.Backoff entry). Guarded by this. */
    private final Map<String, Duration> nextBackoff = new LinkedHashMap<>();
    /**
     * Every container exit the emulated kubelet restarted (or will restart) over all incarnations, oldest
     * first: pod/container, exit code, how long it ran, the back-off, and the last lines of its log.
     */
    final List<String> restartEvents = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Path> claims = new LinkedHashMap<>();
    private Map<String, Path> volumes = Map.of();
    private int incarnation;
    /** How each container of the last stopped incarnation ended. */
    Map<String, String> lastExit = Map.of();

    /**
     * @param template the StatefulSet's pod template (metadata and spec)
     * @param configMaps the ConfigMaps by name, read at each start (the caller may change them)
     * @param secrets the Secrets' data by name and key, read at each start
     */
    LocalPod(String namespace, String statefulSet, int ordinal, PodNetwork.Host host, JsonNode template, Map<String, JsonNode> configMaps,
             Map<String, Map<String, byte[]>> secrets, OperandImage image, Path workDir, Procs procs) {
        this.name = statefulSet + "-" + ordinal;
        this.namespace = namespace;
        this.statefulSet = statefulSet;
        this.ordinal = ordinal;
        this.host = host;
        template(template);
        this.configMaps = configMaps;
        this.secrets = secrets;
        this.image = image;
        this.workDir = workDir;
        this.podDir = workDir.resolve("pods").resolve(name);
        this.claimsDir = workDir.resolve("claims");
        this.procs = procs;
    }

    /** The pod template the next incarnation is made from: what a StatefulSet's update revision changes. */
    synchronized void template(JsonNode template) {
        if (!running.isEmpty()) {
            throw new IllegalStateException(name + " is running: a pod's spec does not change, it is replaced");
        }
        this.template = template;
        this.podSpec = template.path("spec");
    }

    /** How many times the pod was created (started) so far: a replaced pod counts one more. */
    int incarnation() {
        return incarnation;
    }

    /** The template this pod was (or will next be) made from. */
    JsonNode template() {
        return template;
    }

    /** The data claim's directory, which a StatefulSet pod keeps across restarts. */
    Path claim(String claimTemplate) {
        return claimsDir.resolve(claimTemplate + "-" + name);
    }

    boolean hasInitContainers() {
        return !podSpec.path("initContainers").isEmpty();
    }

    List<String> containerNames() {
        List<String> names = new ArrayList<>();
        podSpec.path("containers").forEach(c -> names.add(c.path("name").asText()));
        return names;
    }

    JsonNode container(String containerName) {
        for (JsonNode c : podSpec.path("containers")) {
            if (containerName.equals(c.path("name").asText())) {
                return c;
            }
        }
        throw new IllegalArgumentException(name + " has no container " + containerName);
    }

    /**
     * The log of the container's current process (what {@code kubectl logs} shows): one file per
     * incarnation, and one more per restart ({@code .restart<N>}; the one before is {@code --previous}).
     */
    synchronized Path log(String containerName) {
        return log(containerName, restarts.getOrDefault(containerName, 0));
    }

    private Path log(String containerName, int restart) {
        return workDir.resolve("logs").resolve(name + "_" + containerName + "_" + incarnation
                + (restart == 0 ? "" : ".restart" + restart) + ".log");
    }

    /**
     * Where a path inside a container is on the host (latest incarnation): through the volume mounted
     * on the longest matching mountPath. Claims survive the pod, so this works after a kill too.
     */
    Path hostPath(String containerName, String containerPath) {
        JsonNode best = null;
        for (JsonNode mount : container(containerName).path("volumeMounts")) {
            String mountPath = mount.path("mountPath").asText();
            if (Path.of(containerPath).startsWith(mountPath)
                    && (best == null || mountPath.length() > best.path("mountPath").asText().length())) {
                best = mount;
            }
        }
        if (best == null) {
            throw new IllegalArgumentException(containerPath + " is on no volume of " + name + "/" + containerName);
        }
        String volume = best.path("name").asText();
        Path source = claims.containsKey(volume) ? claims.get(volume) : volumes.get(volume);
        if (source == null) {
            throw new IllegalStateException(name + " has not been started; volume " + volume + " does not exist");
        }
        return source.resolve(Path.of(best.path("mountPath").asText()).relativize(Path.of(containerPath)).toString());
    }

    /** Creates (a new incarnation of) the pod: fresh emptyDirs, then every container in template order. */
    synchronized void start() {
        if (!running.isEmpty()) {
            throw new IllegalStateException(name + " is running");
        }
        incarnation++;
        lifecycle++;
        restarts.clear();
        nextBackoff.clear();
        volumes = prepareVolumes();
        roots.clear();
        runInitContainers();
        for (String containerName : containerNames()) {
            launch(containerName);
        }
    }

    /**
     * The kubelet's CrashLoopBackOff (kuberuntime_manager.go doBackOff with flowcontrol.Backoff): 10 s,
     * doubled at each restart up to 300 s, back to 10 s once a container ran 10 minutes. The kubelet lets
     * a container's first exit restart at its next pod sync (about 1 s) and waits 10 s from the second
     * on; this emulation waits 10 s already before the first restart, never less than the kubelet.
     */
    static final Duration RESTART_BACKOFF = Duration.ofSeconds(10);
    static final Duration RESTART_BACKOFF_MAX = Duration.ofSeconds(300);
    private static final Duration RESTART_BACKOFF_RESET = Duration.ofMinutes(10);

    /** Starts the container's process (first start or restart) and watches for its exit. Holds this. */
    private void launch(String containerName) {
        JsonNode c = container(containerName);
        int restart = restarts.getOrDefault(containerName, 0);
        Path containerDir = podDir.resolve("incarnation-" + incarnation).resolve("containers")
                .resolve(containerName + (restart == 0 ? "" : "-restart" + restart));
        List<String> bindFiles = prepareContainer(c, containerName, containerDir);
        roots.put(containerName, containerDir.resolve("root"));
        Process process = procs.start(launcher(c, volumes, containerDir, bindFiles), log(containerName, restart));
        running.put(containerName, process);
        startedAt.put(containerName, System.nanoTime());
        int seen = lifecycle;
        process.onExit().thenRun(() -> exited(containerName, process, seen));
    }

    /**
     * A container's process exited while its pod was not being deleted: as the kubelet with {@code
     * restartPolicy: Always}, the container is started again in the same pod (same network namespace and
     * IP, same volumes, a fresh root filesystem) after its back-off. The exit is printed and recorded.
     */
    private void exited(String containerName, Process process, int seen) {
        Duration backoff;
        synchronized (this) {
            if (seen != lifecycle || running.get(containerName) != process) {
                return;
            }
            Duration ran = Duration.ofNanos(System.nanoTime() - startedAt.get(containerName));
            backoff = ran.compareTo(RESTART_BACKOFF_RESET) >= 0 ? RESTART_BACKOFF
                    : nextBackoff.getOrDefault(containerName, RESTART_BACKOFF);
            Duration doubled = backoff.multipliedBy(2);
            nextBackoff.put(containerName, doubled.compareTo(RESTART_BACKOFF_MAX) > 0 ? RESTART_BACKOFF_MAX : doubled);
            int restart = restarts.getOrDefault(containerName, 0) + 1;
            String event = String.format("%s/%s (incarnation %d) exited with exit code %d after %.1f s; restart %d in %d s"
                    + " (CrashLoopBackOff). Last lines of %s:%n%s", name, containerName, incarnation, process.exitValue(),
                    ran.toMillis() / 1000.0, restart, backoff.toSeconds(), log(containerName).getFileName(), tail(log(containerName), 15));
            restartEvents.add(event);
            System.out.println("emulated kubelet: " + event);
        }
        Thread restarter = new Thread(() -> {
            if (!DaemonRun.sleep(backoff)) {
                return;
            }
            synchronized (this) {
                if (seen != lifecycle || running.get(containerName) != process) {
                    return;
                }
                restarts.merge(containerName, 1, Integer::sum);
                try {
                    launch(containerName);
                } catch (RuntimeException e) {
                    restartEvents.add(name + "/" + containerName + ": restart failed: " + e);
                }
            }
        }, name + "/" + containerName + " restart");
        restarter.setDaemon(true);
        restarter.start();
    }

    /** The last {@code lines} lines of a log (which may hold binary bytes). */
    static String tail(Path log, int lines) {
        try {
            List<String> all = java.util.Arrays.asList(new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1).split("\n"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(" + log + " unreadable: " + e + ")";
        }
    }

    /** How many times each container of the current incarnation was restarted (the pod status' restartCount). */
    synchronized Map<String, Integer> restartCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        containerNames().forEach(c -> counts.put(c, restarts.getOrDefault(c, 0)));
        return counts;
    }

    /**
     * Checks that the container runs the test's image and lays out its overlay directories and layer; returns
     * the files to bind-mount into its root.
     */
    private List<String> prepareContainer(JsonNode c, String containerName, Path containerDir) {
        if (!image.reference().equals(c.path("image").asText())) {
            throw new IllegalStateException(name + "/" + containerName + " names image " + c.path("image")
                    + ", but the test runs " + image.reference());
        }
        try {
            for (String dir : List.of("upper", "work", "root")) {
                Files.createDirectories(containerDir.resolve(dir));
            }
            return containerLayer(c, containerDir.resolve("layer"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The template's initContainers, one after the other, each to completion, as the kubelet runs them
     * before the containers; one that fails fails the start (the kubelet would retry it, the pod never
     * running). Same root filesystem, volumes and identity rules as a container.
     */
    private void runInitContainers() {
        for (JsonNode c : podSpec.path("initContainers")) {
            String containerName = c.path("name").asText();
            Path containerDir = podDir.resolve("incarnation-" + incarnation).resolve("init-containers").resolve(containerName);
            List<String> bindFiles = prepareContainer(c, containerName, containerDir);
            Process process = procs.start(launcher(c, volumes, containerDir, bindFiles), log(containerName));
            try {
                if (!process.waitFor(SETUP_TIMEOUT.toSeconds() * 3, java.util.concurrent.TimeUnit.SECONDS)) {
                    Procs.kill(process);
                    throw new IllegalStateException(name + ": init container " + containerName + " did not finish");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Procs.kill(process);
                throw new IllegalStateException("interrupted", e);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(name + ": init container " + containerName + " exited " + process.exitValue()
                        + ": " + DaemonRun.read(log(containerName)));
            }
        }
    }

    /**
     * The next incarnation runs with this network identity (a new IP): what a pod that is deleted and
     * re-created elsewhere gets. Only between incarnations.
     */
    synchronized void readdress(PodNetwork.Host newHost) {
        if (!running.isEmpty()) {
            throw new IllegalStateException(name + " is running");
        }
        this.host = newHost;
    }

    /**
     * Deletes the pod as the kubelet does: each container at once and independently of the others, its
     * {@code lifecycle.preStop} exec hook first (inside the container, within the grace period), then
     * SIGTERM to its process 1; SIGKILL to whatever is left after {@code terminationGracePeriodSeconds}
     * (default 30) from the deletion. Returns how long the containers took to stop.
     */
    Duration stop() {
        long begin = System.nanoTime();
        long grace = podSpec.path("terminationGracePeriodSeconds").asLong(30);
        long deadline = begin + Duration.ofSeconds(grace).toNanos();
        List<Thread> stopping = new ArrayList<>();
        Map<String, Process> containers;
        synchronized (this) {
            lifecycle++;
            containers = new LinkedHashMap<>(running);
        }
        for (Map.Entry<String, Process> entry : containers.entrySet()) {
            JsonNode hook = container(entry.getKey()).path("lifecycle").path("preStop");
            if (!hook.isMissingNode() && !hook.has("exec")) {
                throw new IllegalStateException("preStop kind not emulated: " + hook);
            }
            Thread thread = new Thread(() -> {
                if (hook.has("exec")) {
                    List<String> argv = new ArrayList<>();
                    hook.path("exec").path("command").forEach(a -> argv.add(a.asText()));
                    Procs.Result result = exec(entry.getKey(), argv, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                    preStops.put(entry.getKey(), result);
                }
                initOf(entry.getValue()).ifPresent(init -> procs.run(List.of("kill", "-TERM", Long.toString(init.pid())), SETUP_TIMEOUT));
            }, name + "/" + entry.getKey() + " stop");
            thread.start();
            stopping.add(thread);
        }
        for (Thread thread : stopping) {
            try {
                thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Process process : containers.values()) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!process.waitFor(left, java.util.concurrent.TimeUnit.NANOSECONDS)) {
                    Procs.kill(process);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Procs.kill(process);
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        synchronized (this) {
            lastExit = containerStates();
            running.clear();
        }
        return took;
    }

    /** Each container's last preStop hook run (its command, exit and output), by container name. */
    final Map<String, Procs.Result> preStops = new java.util.concurrent.ConcurrentHashMap<>();

    /** The container's process 1: the child unshare forked into the container's PID namespace. */
    private static java.util.Optional<ProcessHandle> initOf(Process process) {
        return process.children().findFirst();
    }

    /** Deletes the pod: every container's process is killed by its PID (SIGKILL, like a lost node). */
    void kill() {
        List<Process> containers;
        synchronized (this) {
            lifecycle++;
            containers = new ArrayList<>(running.values());
            running.clear();
        }
        for (Process process : containers) {
            Procs.kill(process);
        }
    }

    synchronized boolean isRunning() {
        return !running.isEmpty() && running.values().stream().allMatch(Process::isAlive);
    }

    /** Each container's state as kubectl shows it: running, or terminated with its exit code (128 + signal). */
    synchronized Map<String, String> containerStates() {
        Map<String, String> states = new LinkedHashMap<>();
        running.forEach((k, v) -> states.put(k, v.isAlive() ? "running" : "terminated, exit code " + v.exitValue()));
        return states;
    }

    /** PIDs of the running containers' daemons (children of start.sh, process 1 of the container). */
    synchronized Map<String, Long> pids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        running.forEach((k, v) -> pids.put(k, v.descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/xrootd") || c.endsWith("/cmsd")).orElse(false))
                .map(ProcessHandle::pid).findFirst().orElse(v.pid())));
        return pids;
    }

    private Map<String, Path> prepareVolumes() {
        Map<String, Path> volumes = new LinkedHashMap<>();
        long fsGroup = podSpec.path("securityContext").path("fsGroup").asLong(-1);
        Path incarnationDir = podDir.resolve("incarnation-" + incarnation);
        try {
            for (JsonNode volume : podSpec.path("volumes")) {
                String volumeName = volume.path("name").asText();
                Path dir = incarnationDir.resolve(volumeName);
                Files.createDirectories(dir);
                if (volume.has("configMap")) {
                    String cmName = volume.path("configMap").path("name").asText();
                    JsonNode cm = configMaps.get(cmName);
                    if (cm == null) {
                        throw new IllegalStateException("pod " + name + " mounts ConfigMap " + cmName + ", which the hook did not return");
                    }
                    var keys = cm.path("data").fields();
                    while (keys.hasNext()) {
                        var entry = keys.next();
                        Path file = dir.resolve(entry.getKey());
                        Files.writeString(file, entry.getValue().asText(), StandardCharsets.UTF_8);
                        ownedBy(file, fsGroup, "0644");
                    }
                    ownedBy(dir, fsGroup, "2755");
                } else if (volume.has("emptyDir")) {
                    ownedBy(dir, fsGroup, "2777");
                } else if (volume.has("secret")) {
                    secretVolume(dir, volume.path("secret"), fsGroup);
                } else {
                    throw new IllegalStateException("volume kind not emulated: " + volume);
                }
                volumes.put(volumeName, dir);
            }
            for (Map.Entry<String, Path> claim : claims.entrySet()) {
                Files.createDirectories(claim.getValue());
                ownedBy(claim.getValue(), fsGroup, "2775");
                volumes.put(claim.getKey(), claim.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return volumes;
    }

    /**
     * A secret volume as the kubelet writes it (its AtomicWriter, then SetVolumeOwnership): the items in
     * a timestamped directory, {@code ..data} linking to it and one link per item at the top; each file
     * with the item's mode, else {@code defaultMode}, else 0644, owned by root. With an fsGroup every file
     * and directory then gets that group, and because a secret volume is read-only, group read access
     * on top of its mode ({@code mode | 0440}; directories also {@code 0110} and set-group-ID). So
     * {@code defaultMode: 0400} arrives as 0440 root:fsGroup.
     */
    private void secretVolume(Path dir, JsonNode secret, long fsGroup) throws IOException {
        procs.check(List.of("chmod", "0755", dir.toString()), SETUP_TIMEOUT);
        Path payload = secretPayload(dir, secret, fsGroup, 1);
        Files.createSymbolicLink(dir.resolve("..data"), payload.getFileName());
        for (String first : topLevel(secret)) {
            Files.createSymbolicLink(dir.resolve(first), Path.of("..data", first));
        }
        if (fsGroup >= 0) {
            procs.check(List.of("chgrp", Long.toString(fsGroup), dir.toString()), SETUP_TIMEOUT);
            procs.check(List.of("chmod", "2755", dir.toString()), SETUP_TIMEOUT);
        }
    }

    /**
     * The items of a secret volume in a new timestamped directory of {@code dir} ({@code serial}: which
     * payload of the volume this is), written from the Secret's data as it is now.
     */
    private Path secretPayload(Path dir, JsonNode secret, long fsGroup, int serial) throws IOException {
        String secretName = secret.path("secretName").asText();
        Map<String, byte[]> data = secrets.get(secretName);
        if (data == null) {
            throw new IllegalStateException("pod " + name + " mounts Secret " + secretName
                    + ", which the test does not provide (the kubelet would not start this pod)");
        }
        Map<String, Integer> items = new LinkedHashMap<>();
        Map<String, String> keys = new LinkedHashMap<>();
        secretItems(secret, data, items, keys);
        Path payload = dir.resolve(String.format("..2024_01_01_00_00_00.%09d", serial));
        Files.createDirectories(payload);
        procs.check(List.of("chmod", "0755", payload.toString()), SETUP_TIMEOUT);
        for (Map.Entry<String, Integer> item : items.entrySet()) {
            byte[] value = data.get(keys.get(item.getKey()));
            if (value == null) {
                throw new IllegalStateException("Secret " + secretName + " has no key " + keys.get(item.getKey())
                        + " (the kubelet would not start pod " + name + ")");
            }
            Path file = payload.resolve(item.getKey());
            Files.createDirectories(file.getParent());
            Files.write(file, value);
            int mode = item.getValue();
            if (fsGroup >= 0) {
                procs.check(List.of("chgrp", Long.toString(fsGroup), file.toString()), SETUP_TIMEOUT);
                mode |= 0440;
            }
            procs.check(List.of("chmod", Integer.toOctalString(mode), file.toString()), SETUP_TIMEOUT);
        }
        if (fsGroup >= 0) {
            procs.check(List.of("chgrp", Long.toString(fsGroup), payload.toString()), SETUP_TIMEOUT);
            procs.check(List.of("chmod", "2755", payload.toString()), SETUP_TIMEOUT);
        }
        return payload;
    }

    /** The volume's items (path to mode, path to key): those it lists, else every key of the Secret. */
    private static void secretItems(JsonNode secret, Map<String, byte[]> data, Map<String, Integer> items, Map<String, String> keys) {
        int defaultMode = secret.path("defaultMode").asInt(0644);
        if (secret.path("items").isEmpty()) {
            new java.util.TreeSet<>(data.keySet()).forEach(key -> {
                keys.put(key, key);
                items.put(key, defaultMode);
            });
        }
        for (JsonNode item : secret.path("items")) {
            keys.put(item.path("path").asText(), item.path("key").asText());
            items.put(item.path("path").asText(), item.path("mode").asInt(defaultMode));
        }
    }

    /** The first path element of every item: the links at the top of the volume. */
    private List<String> topLevel(JsonNode secret) {
        Map<String, Integer> items = new LinkedHashMap<>();
        secretItems(secret, secrets.get(secret.path("secretName").asText()), items, new LinkedHashMap<>());
        List<String> top = new ArrayList<>();
        for (String path : items.keySet()) {
            String first = Path.of(path).getName(0).toString();
            if (!top.contains(first)) {
                top.add(first);
            }
        }
        return top;
    }

    /**
     * What the kubelet does to the running pod's volumes of a Secret whose data changed (within its sync
     * period, about a minute): the AtomicWriter writes the new items into a new timestamped directory,
     * points {@code ..data} at it with one rename and removes the old directory. Files already open keep
     * their content; the next open sees the new. A daemon that copied the file at start never notices.
     * Returns how many volumes it updated.
     */
    int refreshSecret(String secretName) {
        if (running.isEmpty()) {
            return 0;
        }
        int updated = 0;
        long fsGroup = podSpec.path("securityContext").path("fsGroup").asLong(-1);
        try {
            for (JsonNode volume : podSpec.path("volumes")) {
                JsonNode secret = volume.path("secret");
                if (!secretName.equals(secret.path("secretName").asText(null))) {
                    continue;
                }
                Path dir = volumes.get(volume.path("name").asText());
                Path old = dir.resolve("..data").toRealPath();
                Path payload = secretPayload(dir, secret, fsGroup, ++secretUpdates);
                Path link = dir.resolve("..data_tmp");
                Files.createSymbolicLink(link, payload.getFileName());
                Files.move(link, dir.resolve("..data"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                procs.check(List.of("rm", "-rf", old.toString()), SETUP_TIMEOUT);
                updated++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return updated;
    }

    /** Payloads written into this pod's secret volumes after their first (numbers the new directories). */
    private int secretUpdates = 1;

    /** The StatefulSet's volumeClaimTemplates: one persistent directory per claim and pod. */
    LocalPod withClaims(JsonNode volumeClaimTemplates) {
        for (JsonNode template : volumeClaimTemplates) {
            String claimName = template.path("metadata").path("name").asText();
            claims.put(claimName, claim(claimName));
        }
        return this;
    }

    private void ownedBy(Path path, long group, String mode) {
        if (group >= 0) {
            procs.check(List.of("chgrp", Long.toString(group), path.toString()), SETUP_TIMEOUT);
        }
        procs.check(List.of("chmod", mode, path.toString()), SETUP_TIMEOUT);
    }

    /**
     * The container's own bottom-most writable-free layer, above the run's runtime layer and the image:
     * the mount point of every volume (runc creates missing ones in the container's root), and the
     * kubelet's files /etc/hosts and /etc/resolv.conf (hard links to the pod network's files, which
     * {@link PodNetwork} appends to in place, so a running daemon sees pods added later) and
     * /etc/hostname. Returns the kubelet files that could not be hard-linked (another filesystem):
     * those are bind-mounted instead.
     */
    private List<String> containerLayer(JsonNode c, Path layer) throws IOException {
        for (JsonNode mount : c.path("volumeMounts")) {
            Files.createDirectories(layer.resolve(mount.path("mountPath").asText().replaceFirst("^/+", "")));
        }
        Path etc = Files.createDirectories(layer.resolve("etc"));
        Files.writeString(etc.resolve("hostname"), host.hostname() + "\n");
        List<String> bindFiles = new ArrayList<>();
        for (String file : List.of("hosts", "resolv.conf")) {
            Path source = host.etc().resolve(file);
            try {
                Files.createLink(etc.resolve(file), source);
            } catch (IOException | UnsupportedOperationException e) {
                Files.writeString(etc.resolve(file), "");
                bindFiles.add(file);
            }
        }
        return bindFiles;
    }

    /**
     * ip netns exec (network) + unshare (mounts, hostname) + a script that mounts the container's root
     * and its volumes + {@link #asContainerUser}. The root is an overlay of, from the top: a fresh upper
     * directory (read-only mount for readOnlyRootFilesystem), the container's layer, the run's runtime
     * layer ({@link #prepareRuntime}: /dev and the proc and sys mount points) and the unpacked image.
     * Everything that can be a file or directory is one, so that starting a container takes few
     * processes: dozens of pods start at once on 2 cores, where each process costs tens of ms.
     */
    private List<String> launcher(JsonNode c, Map<String, Path> volumes, Path containerDir, List<String> bindFiles) {
        String root = containerDir.resolve("root").toString();
        List<JsonNode> mounts = new ArrayList<>();
        c.path("volumeMounts").forEach(mounts::add);
        // Parents before children, as containerd orders a container's mounts.
        mounts.sort(Comparator.comparingInt(m -> Path.of(m.path("mountPath").asText()).getNameCount()));
        boolean readOnlyRoot = c.path("securityContext").path("readOnlyRootFilesystem").asBoolean(false);
        StringBuilder script = new StringBuilder("set -e\n");
        script.append("root=").append(quote(root)).append('\n');
        script.append("mount -t overlay overlay -o ").append(quote((readOnlyRoot ? "ro," : "")
                + "lowerdir=" + containerDir.resolve("layer") + ":" + runtimeLayer(workDir) + ":" + image.rootfs
                + ",upperdir=" + containerDir.resolve("upper") + ",workdir=" + containerDir.resolve("work"))).append(" \"$root\"\n");
        // What the runtime mounts into every container.
        script.append("mount -t proc -o nosuid,nodev,noexec proc \"$root/proc\"\n");
        script.append("mount -t sysfs -o ro,nosuid,nodev,noexec sysfs \"$root/sys\"\n");
        for (String file : bindFiles) {
            script.append("mount --bind ").append(quote(host.etc().resolve(file).toString()))
                    .append(" \"$root/etc/").append(file).append("\"\n");
        }
        for (JsonNode mount : mounts) {
            Path source = volumes.get(mount.path("name").asText());
            if (source == null) {
                throw new IllegalStateException(name + "/" + c.path("name").asText() + " mounts unknown volume " + mount);
            }
            if (mount.has("subPath")) {
                throw new IllegalStateException("subPath mounts are not emulated: " + mount);
            }
            // mount --bind -o ro binds and remounts read-only in one command.
            script.append("mount --bind ").append(mount.path("readOnly").asBoolean(false) ? "-o ro " : "")
                    .append(quote(source.toString())).append(" \"$root\"").append(quote(mount.path("mountPath").asText())).append('\n');
        }
        // The pod's name; a hostNetwork pod has its node's (Kubernetes shares the node's UTS namespace).
        script.append("hostname ").append(quote(host.hostname())).append('\n');
        script.append("exec \"$@\"\n");

        List<String> command = new ArrayList<>(PodNetwork.inNamespace(host));
        // A PID namespace per container, as a container runtime makes: the container's command is its
        // process 1 (the kernel delivers to it only signals it handles); the proc mount above is its own.
        command.addAll(List.of("unshare", "--mount", "--uts", "--pid", "--fork", "--kill-child=KILL",
                "--propagation", "private", "--", "/bin/sh", "-c", script.toString(), "pod-" + name));
        command.addAll(asContainerUser(c, Path.of(root)));
        command.addAll(containerCommand(c));
        return command;
    }

    /**
     * The container's environment, then its identity and root: {@code env -i} (the image's Env, then
     * HOSTNAME and HOME, then the container's env; a later name wins), {@code setpriv} (no_new_privs, no
     * inheritable capabilities, a bounding set of just what chroot needs), and {@code chroot --userspec
     * --groups} into the container's root, which drops root and with it every capability. All three
     * are the host's and exec() in turn, so the container's PID is the daemon's.
     */
    List<String> asContainerUser(JsonNode c, Path root) {
        JsonNode pod = podSpec.path("securityContext");
        JsonNode own = c.path("securityContext");
        long uid = own.has("runAsUser") ? own.path("runAsUser").asLong() : pod.path("runAsUser").asLong(0);
        long gid = own.has("runAsGroup") ? own.path("runAsGroup").asLong() : pod.path("runAsGroup").asLong(uid);
        if (uid == 0 && (pod.path("runAsNonRoot").asBoolean(false) || own.path("runAsNonRoot").asBoolean(false))) {
            throw new IllegalStateException(name + ": runAsNonRoot with user 0; the kubelet would refuse this pod");
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", DEFAULT_PATH);
        for (String entry : image.env()) {
            int eq = entry.indexOf('=');
            env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        env.put("HOSTNAME", host.hostname());
        env.put("HOME", image.accountOf(uid).map(OperandImage.Account::home).orElse("/"));
        for (JsonNode e : c.path("env")) {
            String value;
            if (e.has("value")) {
                value = e.path("value").asText();
            } else if (e.path("valueFrom").has("fieldRef")) {
                value = downwardApi(e.path("valueFrom").path("fieldRef").path("fieldPath").asText());
            } else {
                throw new IllegalStateException("env valueFrom is not emulated: " + e);
            }
            env.put(e.path("name").asText(), value);
        }
        // env -i sets exactly these; setpriv and chroot (named by their host paths) keep them, and
        // chroot finds the container's command on the image's PATH inside the new root.
        List<String> command = new ArrayList<>(List.of("env", "-i"));
        env.forEach((k, v) -> command.add(k + "=" + v));
        command.add("/usr/bin/setpriv");
        if (!own.path("allowPrivilegeEscalation").asBoolean(true)) {
            command.add("--no-new-privs");
        }
        for (JsonNode drop : own.path("capabilities").path("drop")) {
            if ("ALL".equals(drop.asText())) {
                command.add("--inh-caps=-all");
                command.add("--bounding-set=-all,+setuid,+setgid,+sys_chroot");
            }
        }
        command.add("--");
        command.add("/usr/sbin/chroot");
        command.add("--userspec=" + uid + ":" + gid);
        command.add("--groups=" + (pod.has("fsGroup") ? pod.path("fsGroup").asLong() : gid));
        command.add(root.toString());
        String workingDir = c.path("workingDir").asText(image.workingDir());
        if (!"/".equals(workingDir)) {
            throw new IllegalStateException("a working directory other than / is not emulated: " + workingDir);
        }
        return command;
    }

    /**
     * The downward API's fieldRef values this harness knows (any other fails the run): the pod's name
     * and namespace, the node it runs on ({@code spec.nodeName}: the node's name, which resolves in the
     * site's DNS; {@code status.hostIP}: the node's address) and its own IP ({@code status.podIP}, the
     * node's for a hostNetwork pod, as in Kubernetes).
     */
    private String downwardApi(String fieldPath) {
        return switch (fieldPath) {
            case "metadata.name" -> name;
            case "metadata.namespace" -> namespace;
            case "spec.nodeName" -> host.node().name();
            case "status.hostIP" -> host.node().ip();
            case "status.podIP" -> host.ip();
            default -> throw new IllegalStateException("downward API field not emulated: " + fieldPath);
        };
    }

    private static List<String> containerCommand(JsonNode c) {
        List<String> command = new ArrayList<>();
        c.path("command").forEach(a -> command.add(a.asText()));
        c.path("args").forEach(a -> command.add(a.asText()));
        if (command.isEmpty()) {
            throw new IllegalStateException("container " + c.path("name").asText() + " relies on the image's entrypoint");
        }
        return command;
    }

    /**
     * Runs one of the container's probes as the kubelet would: an exec probe inside the running
     * container (its network, mounts, hostname, user and env), a tcpSocket probe as a connection to the
     * pod's IP from outside the pod. True when the probe succeeds within its timeoutSeconds.
     */
    Procs.Result probe(String containerName, String probeField, PodNetwork.Host kubelet) {
        JsonNode c = container(containerName);
        JsonNode probe = c.path(probeField);
        if (probe.isMissingNode()) {
            throw new IllegalArgumentException(name + "/" + containerName + " has no " + probeField);
        }
        Duration timeout = Duration.ofSeconds(probe.path("timeoutSeconds").asLong(1));
        if (probe.has("exec")) {
            List<String> argv = new ArrayList<>();
            probe.path("exec").path("command").forEach(a -> argv.add(a.asText()));
            return exec(containerName, argv, timeout);
        }
        if (probe.has("tcpSocket")) {
            int port = probe.path("tcpSocket").path("port").asInt();
            List<String> command = new ArrayList<>(PodNetwork.inNamespace(kubelet));
            command.addAll(List.of("bash", "-c", "exec 3<>/dev/tcp/$0/$1", host.ip(), Integer.toString(port)));
            return procs.run(command, timeout);
        }
        throw new IllegalStateException("probe kind not emulated: " + probe);
    }

    /** Like kubectl exec: runs a command inside a running container, as its user, with its env. */
    Procs.Result exec(String containerName, List<String> argv, Duration timeout) {
        Process process;
        Path root;
        synchronized (this) {
            process = running.get(containerName);
            root = roots.get(containerName);
        }
        if (process == null || !process.isAlive()) {
            return new Procs.Result(argv, 1, "container not running", false, Duration.ZERO);
        }
        long target = initOf(process).map(ProcessHandle::pid).orElse(process.pid());
        List<String> command = new ArrayList<>(List.of("nsenter", "--target", Long.toString(target),
                "--net", "--mount", "--uts", "--pid", "--"));
        command.addAll(asContainerUser(container(containerName), root));
        command.addAll(argv);
        return procs.run(command, timeout);
    }

    private static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    @Override
    public String toString() {
        return name + " (" + host.ip() + ")";
    }
}
