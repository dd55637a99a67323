package org.xrootd.hook.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository (fixtures, manifests, docs), found from the directory the tests run in. */
public final class Repo {
    private static final Path ROOT = find();

    private Repo() {}

    /** The directory holding pom.xml: the working directory under Maven, or one of its parents in an IDE. */
    public static Path root() {
        return ROOT;
    }

    /** A path relative to the repository root, such as {@code tests/fixtures}. */
    public static Path path(String relative) {
        return ROOT.resolve(relative);
    }

    private static Path find() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("pom.xml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("run from inside the repository");
        }
        return dir;
    }
}
