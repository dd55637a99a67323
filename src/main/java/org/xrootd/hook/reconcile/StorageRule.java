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
