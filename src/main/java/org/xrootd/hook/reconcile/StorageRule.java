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
        return problems;
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
