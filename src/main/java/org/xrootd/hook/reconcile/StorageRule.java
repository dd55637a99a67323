package org.xrootd.hook.reconcile;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.xrootd.hook.children.ExistingStatefulSet;
import org.xrootd.hook.children.PodLayout;
import org.xrootd.hook.model.Problem;
import org.xrootd.hook.model.Quantities;
import org.xrootd.hook.model.XrootdSpec;

/**
 * Worker volumes are fixed once the workers exist (a StatefulSet's claim templates are immutable): a
 * different capacity or class is reported and changes nothing, rather than dropped silently.
 */
final class StorageRule {
    private StorageRule() {}

    /**
     * As {@link #check(XrootdSpec, Optional)}, and the mode the existing workers run ({@code status.mode} as
     * last written; absent: a cluster from before caches, so data servers) must be the spec's: a data
     * server's volume holds the only copy of its files, which a cache would serve as half-cached copies of
     * the origin's and could purge; a cache's disks hold copies a data server would serve as its own data.
     */
    static List<Problem> check(XrootdSpec spec, Optional<ExistingStatefulSet> workers, String runningMode) {
        if (workers.isPresent()) {
            // A change of mode is the one thing to fix (the disks follow from it): say only that.
            String running = runningMode == null ? org.xrootd.hook.status.Status.Serving.DATA_SERVER : runningMode;
            if (spec.isCache() && !running.equals(org.xrootd.hook.status.Status.Serving.CACHE)) {
                return List.of(new Problem("spec.cache", "the existing workers are data servers (status.mode " + Problem.excerpt(running)
                        + "); their volumes hold the only copy of their files, so they cannot become caches: create a new "
                        + "Xrootd for the cache"));
            }
            if (!spec.isCache() && running.equals(org.xrootd.hook.status.Status.Serving.CACHE)) {
                return List.of(new Problem("spec.cache", "the existing workers are caches (status.mode Cache); their disks hold "
                        + "copies of the origin's files, not data: create a new Xrootd for data servers"));
            }
        }
        return check(spec, workers);
    }

    static List<Problem> check(XrootdSpec spec, Optional<ExistingStatefulSet> workers) {
        List<Problem> problems = new ArrayList<>();
        Optional<ExistingStatefulSet.ClaimTemplate> data = workers.flatMap(existing -> existing.claim(PodLayout.DATA_VOLUME));
        if (data.isEmpty()) {
            return problems;
        }
        String existing = canonicalOrSame(data.get().storage());
        if (existing != null && !existing.equals(spec.storage().capacity())) {
            problems.add(new Problem("spec.worker.storage.capacity", "is " + Problem.excerpt(existing)
                    + " on the existing workers and cannot change (a StatefulSet's volume claims are fixed); set it back to "
                    + Problem.excerpt(existing)));
        }
        String existingClass = data.get().storageClass();
        if (!Objects.equals(existingClass, spec.storage().storageClass())) {
            problems.add(new Problem("spec.worker.storage.class", "is "
                    + (existingClass == null ? "the cluster default" : "'" + Problem.excerpt(existingClass) + "'")
                    + " on the existing workers and cannot change (a StatefulSet's volume claims are fixed)"));
        }
        cacheDisks(spec, workers.get(), problems);
        return problems;
    }

    /**
     * spec.cache.disks on existing workers: each disk must already be a claim template of theirs with the
     * same size and class, and each cache claim template of theirs still a disk; a pod whose mounts named
     * a claim the StatefulSet lacks could not be created.
     */
    private static void cacheDisks(XrootdSpec spec, ExistingStatefulSet workers, List<Problem> problems) {
        List<XrootdSpec.Disk> disks = spec.isCache() ? spec.cache().disks() : List.of();
        for (int i = 0; i < disks.size(); i++) {
            XrootdSpec.Disk disk = disks.get(i);
            Optional<ExistingStatefulSet.ClaimTemplate> claim = workers.claim(PodLayout.CACHE_VOLUME_PREFIX + disk.name());
            String field = "spec.cache.disks[" + i + "]";
            if (claim.isEmpty()) {
                problems.add(new Problem(field, "'" + disk.name() + "' is not a disk of the existing workers, and a StatefulSet's "
                        + "volume claims are fixed; disks are chosen when the workers are created"));
            } else if (!disk.capacity().equals(canonicalOrSame(claim.get().storage()))
                    || !Objects.equals(disk.storageClass(), claim.get().storageClass())) {
                problems.add(new Problem(field, "'" + disk.name() + "' has another capacity or class on the existing workers ("
                        + Problem.excerpt(String.valueOf(claim.get().storage())) + "), which cannot change"));
            }
        }
        for (String name : workers.claimNames()) {
            if (name.startsWith(PodLayout.CACHE_VOLUME_PREFIX)
                    && disks.stream().noneMatch(d -> name.equals(PodLayout.CACHE_VOLUME_PREFIX + d.name()))) {
                problems.add(new Problem("spec.cache.disks", "the existing workers have disk '"
                        + name.substring(PodLayout.CACHE_VOLUME_PREFIX.length()) + "', which cannot be removed (a StatefulSet's "
                        + "volume claims are fixed)"));
            }
        }
    }

    private static String canonicalOrSame(String size) {
        if (size == null) {
            return null;
        }
        try {
            return Quantities.parseBytes(size).canonical();
        } catch (IllegalArgumentException e) {
            return size;
        }
    }
}
