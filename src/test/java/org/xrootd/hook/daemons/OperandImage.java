package org.xrootd.hook.daemons;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.xrootd.hook.json.Json;

/**
 * The operand image the pods run (images/xrootd), as an OCI archive built by {@code images/xrootd/build.sh}
 * and named by the environment variable {@value #ENV}. Unpacked once with {@code umoci unpack} (layers in
 * order, whiteouts applied, owners kept) into {@code target/real-daemons/image/<manifest digest>/}, which
 * later runs reuse. Each container then runs on an overlay of its own over that root filesystem
 * ({@link LocalPod}), as a container runtime's overlay snapshotter does.
 */
final class OperandImage {
    static final String ENV = "XROOTD_IMAGE";
    /** The repository the catalog entry k8s/examples/xrootdversion-5.5.3.yaml names; the tag is the archive's. */
    static final String REPOSITORY = "xrootd-hook/xrootd";
    static final String BUILD = "export " + ENV + "=\"$(bash images/xrootd/build.sh | tail -n1)\" (as root; tests/run-all.sh does this)";
    private static final Duration UNPACK_TIMEOUT = Duration.ofMinutes(5);

    /** An account of the image's /etc/passwd. */
    record Account(String name, long uid, long gid, String home) {}

    final Path archive;
    final String tag;
    final String manifestDigest;
    /** The image configuration ({@code config} of the OCI image config blob): Env, User, WorkingDir, Labels. */
    final JsonNode config;
    final Path rootfs;

    private OperandImage(Path archive, String tag, String manifestDigest, JsonNode config, Path rootfs) {
        this.archive = archive;
        this.tag = tag;
        this.manifestDigest = manifestDigest;
        this.config = config;
        this.rootfs = rootfs;
    }

    /** The archive named by {@value #ENV}, or empty when the variable is unset. */
    static Optional<Path> archiveFromEnv() {
        String value = System.getenv(ENV);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(Path.of(value));
    }

    private static OperandImage cached;

    /** Unpacks the archive (once per manifest digest) below {@code cacheDir}. */
    static synchronized OperandImage unpack(Path archive, Path cacheDir, Procs procs) throws IOException {
        if (cached != null && cached.archive.equals(archive)) {
            return cached;
        }
        Files.createDirectories(cacheDir);
        Path layout = Files.createTempDirectory(cacheDir, "layout-");
        try {
            procs.check(List.of("tar", "-xf", archive.toString(), "-C", layout.toString()), UNPACK_TIMEOUT);
            JsonNode index = Json.MAPPER.readTree(layout.resolve("index.json").toFile());
            JsonNode descriptor = index.path("manifests").path(0);
            String digest = descriptor.path("digest").asText();
            String tag = descriptor.path("annotations").path("org.opencontainers.image.ref.name").asText();
            if (digest.isEmpty() || tag.isEmpty() || index.path("manifests").size() != 1) {
                throw new IllegalStateException(archive + ": expected one tagged manifest in index.json, got " + index);
            }
            JsonNode manifest = Json.MAPPER.readTree(blob(layout, digest).toFile());
            JsonNode imageConfig = Json.MAPPER.readTree(blob(layout, manifest.path("config").path("digest").asText()).toFile());
            Path bundle = cacheDir.resolve(digest.replace(':', '-'));
            if (!Files.exists(bundle.resolve("complete"))) {
                Path staging = cacheDir.resolve(bundle.getFileName() + ".tmp");
                procs.run(List.of("rm", "-rf", staging.toString(), bundle.toString()), UNPACK_TIMEOUT);
                procs.check(List.of("umoci", "unpack", "--image", layout + ":" + tag, staging.toString()), UNPACK_TIMEOUT);
                Files.writeString(staging.resolve("complete"), digest + "\n");
                Files.move(staging, bundle, StandardCopyOption.ATOMIC_MOVE);
            }
            cached = new OperandImage(archive, tag, digest, imageConfig.path("config"), bundle.resolve("rootfs"));
            return cached;
        } finally {
            procs.run(List.of("rm", "-rf", layout.toString()), UNPACK_TIMEOUT);
        }
    }

    private static Path blob(Path layout, String digest) {
        String[] parts = digest.split(":", 2);
        if (parts.length != 2 || !parts[1].matches("[0-9a-f]{64}")) {
            throw new IllegalStateException("not a digest: " + digest);
        }
        return layout.resolve("blobs").resolve(parts[0]).resolve(parts[1]);
    }

    /** The image reference a catalog entry names for this image. */
    String reference() {
        return REPOSITORY + ":" + tag;
    }

    /** The image's Env as NAME=value entries, which a runtime puts under the container's own env. */
    List<String> env() {
        List<String> env = new ArrayList<>();
        config.path("Env").forEach(e -> env.add(e.asText()));
        return env;
    }

    /** The image's WorkingDir, "/" when unset (as runc does). */
    String workingDir() {
        String dir = config.path("WorkingDir").asText("");
        return dir.isEmpty() ? "/" : dir;
    }

    /** An account of the image's /etc/passwd (primary group from the same line). */
    Optional<Account> account(String name) {
        return accounts().stream().filter(a -> a.name().equals(name)).findFirst();
    }

    /** The account with this uid, if the image's /etc/passwd has one. */
    Optional<Account> accountOf(long uid) {
        return accounts().stream().filter(a -> a.uid() == uid).findFirst();
    }

    private List<Account> accounts() {
        try {
            List<Account> accounts = new ArrayList<>();
            for (String line : Files.readAllLines(rootfs.resolve("etc/passwd"))) {
                String[] f = line.split(":", -1);
                if (f.length >= 7) {
                    accounts.add(new Account(f[0], Long.parseLong(f[2]), Long.parseLong(f[3]), f[5]));
                }
            }
            return accounts;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return archive + " (" + tag + ", " + manifestDigest + ")";
    }
}
