package org.xrootd.hook.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * The heavy test tiers, as JUnit tags. {@code mvn test} leaves them out; {@code mvn verify} runs them after
 * the fast tiers (failsafe); {@code mvn test -Dgroups=daemons} runs one of them alone. The tag names are
 * also written in pom.xml ({@code tiers.heavy}).
 */
public final class Tiers {
    /** Real xrootd/cmsd daemons in network namespaces: root and the xrootd packages, minutes per class. */
    public static final String DAEMONS = "daemons";
    /** A real kube-apiserver and kube-controller-manager: the provisioned Kubernetes binaries. */
    public static final String E2E = "e2e";
    /** The hook in a memory cgroup with the deployment's limit: root and a writable cgroup. */
    public static final String CGROUP = "cgroup";

    private Tiers() {}

    @Target({ElementType.TYPE, ElementType.METHOD})
    @Retention(RetentionPolicy.RUNTIME)
    @Tag(DAEMONS)
    public @interface Daemons {}

    @Target({ElementType.TYPE, ElementType.METHOD})
    @Retention(RetentionPolicy.RUNTIME)
    @Tag(E2E)
    public @interface E2e {}

    @Target({ElementType.TYPE, ElementType.METHOD})
    @Retention(RetentionPolicy.RUNTIME)
    @Tag(CGROUP)
    public @interface Cgroup {}
}
