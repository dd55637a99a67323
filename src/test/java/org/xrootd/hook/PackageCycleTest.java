package org.xrootd.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The product's packages form layers: no package depends, directly or through others, on one that depends
 * on it. The dependencies are read from the compiled classes by the JDK's own jdeps, so fully qualified
 * references count as much as imports.
 */
class PackageCycleTest {
    private static final String BASE = "org.xrootd.hook";
    private static final Pattern EDGE = Pattern.compile("^\\s+(" + Pattern.quote(BASE) + "[\\w.]*)\\s+->\\s+(" + Pattern.quote(BASE)
            + "[\\w.]*)\\s");

    static Map<String, Set<String>> dependencies() {
        Path classes = Path.of("target/classes");
        assertTrue(Files.isDirectory(classes.resolve("org/xrootd/hook")), "compile first: no " + classes);
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("this JDK has no jdeps"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = jdeps.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                "-verbose:package", "-filter:none", classes.toString());
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            Matcher edge = EDGE.matcher(line);
            if (edge.find() && !edge.group(1).equals(edge.group(2))) {
                graph.computeIfAbsent(edge.group(1), p -> new TreeSet<>()).add(edge.group(2));
                graph.computeIfAbsent(edge.group(2), p -> new TreeSet<>());
            }
        }
        return graph;
    }

    @Test
    void noPackageDependsOnItself() {
        Map<String, Set<String>> graph = dependencies();
        assertTrue(graph.size() >= 8, "jdeps output was not understood: " + graph);
        List<String> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            findCycle(graph, start, start, new ArrayList<>(List.of(start)), new TreeSet<>(), cycles);
        }
        assertTrue(cycles.isEmpty(), "package cycles: " + cycles + "\nall dependencies: " + graph);
    }

    private static void findCycle(Map<String, Set<String>> graph, String start, String at, List<String> path, Set<String> visited,
                                  List<String> cycles) {
        for (String next : graph.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                cycles.add(String.join(" -> ", path) + " -> " + start);
            } else if (visited.add(next)) {
                path.add(next);
                findCycle(graph, start, next, path, visited, cycles);
                path.remove(path.size() - 1);
            }
        }
    }

    @Test
    void theCheckSeesACycleWhenThereIsOne() {
        Map<String, Set<String>> graph = new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a")));
        List<String> cycles = new ArrayList<>();
        findCycle(graph, "a", "a", new ArrayList<>(List.of("a")), new TreeSet<>(), cycles);
        assertEquals(List.of("a -> b -> c -> a"), cycles);
    }

    @Test
    void theWireAndTheModelDependOnNothingAboveThem() {
        Map<String, Set<String>> graph = dependencies();
        for (String lower : List.of(BASE + ".model", BASE + ".metacontroller", BASE + ".json")) {
            for (String upper : List.of(BASE + ".reconcile", BASE + ".http", BASE + ".render", BASE + ".status", BASE + ".children")) {
                assertFalse(graph.getOrDefault(lower, Set.of()).contains(upper), lower + " must not depend on " + upper);
            }
        }
    }
}
