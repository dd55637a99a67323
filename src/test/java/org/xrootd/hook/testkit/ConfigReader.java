package org.xrootd.hook.testkit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The directives one daemon acts on in an xrootd.cf, read as XRootD's preprocessor reads them (5.5.3
 * XrdOucStream: {@code if}/{@code else if}/{@code else}/{@code fi}, never nested; {@code set var = $ENV};
 * {@code $(var)} in later lines; XrdOucUtils::doIf: {@code defined ?~VAR}, {@code exec <program>} and
 * {@code named <instance>}, joined by {@code &&}). An oracle for the tests, written from the XRootD
 * source, not from the hook's renderer; only what the hook renders is understood, anything else fails.
 */
public final class ConfigReader {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\((\\w+)\\)");

    private ConfigReader() {}

    /**
     * The directive lines (stripped, without comments, {@code if} structure and {@code set}) that
     * {@code program} (xrootd|cmsd) started with {@code -n instance} reads, with {@code env} as its environment.
     */
    public static List<String> asRead(String config, String program, String instance, Map<String, String> env) {
        List<String> kept = new ArrayList<>();
        Map<String, String> variables = new HashMap<>();
        boolean inIf = false;
        boolean taken = false;
        boolean active = true;
        for (String raw : config.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("if ")) {
                if (inIf) {
                    throw new IllegalArgumentException("nested if (XRootD refuses it): " + line);
                }
                inIf = true;
                active = holds(line.substring(3), program, instance, env);
                taken = active;
                continue;
            }
            if (line.startsWith("else if ")) {
                requireIf(inIf, line);
                active = !taken && holds(line.substring(8), program, instance, env);
                taken |= active;
                continue;
            }
            if (line.equals("else")) {
                requireIf(inIf, line);
                active = !taken;
                taken = true;
                continue;
            }
            if (line.equals("fi")) {
                requireIf(inIf, line);
                inIf = false;
                active = true;
                continue;
            }
            if (!active) {
                continue;
            }
            Matcher set = Pattern.compile("set (\\w+) = \\$(\\w+)").matcher(line);
            if (set.matches()) {
                String value = env.get(set.group(2));
                if (value == null) {
                    throw new IllegalArgumentException("undefined environment variable in " + line);
                }
                variables.put(set.group(1), value);
                continue;
            }
            Matcher use = VARIABLE.matcher(line);
            StringBuilder substituted = new StringBuilder();
            while (use.find()) {
                String value = variables.get(use.group(1));
                use.appendReplacement(substituted, Matcher.quoteReplacement(value == null ? use.group() : value));
            }
            use.appendTail(substituted);
            kept.add(substituted.toString());
        }
        if (inIf) {
            throw new IllegalArgumentException("an if without fi");
        }
        return kept;
    }

    /**
     * The all.manager lines of {@link #asRead}, without the directive name; XRD_CLUSTER_DOMAIN is cluster.local
     * unless {@code env} says otherwise (start.sh always exports it).
     */
    public static List<String> managers(String config, String program, String instance, Map<String, String> env) {
        Map<String, String> started = new HashMap<>(env);
        started.putIfAbsent("XRD_CLUSTER_DOMAIN", "cluster.local");
        return asRead(config, program, instance, started).stream()
                .filter(line -> line.startsWith("all.manager "))
                .map(line -> line.substring("all.manager ".length()))
                .toList();
    }

    private static void requireIf(boolean inIf, String line) {
        if (!inIf) {
            throw new IllegalArgumentException(line + " without if");
        }
    }

    private static boolean holds(String condition, String program, String instance, Map<String, String> env) {
        for (String term : condition.split(" && ")) {
            String[] words = term.strip().split(" +");
            boolean holds = switch (words[0]) {
                case "exec" -> List.of(words).subList(1, words.length).contains(program);
                case "named" -> List.of(words).subList(1, words.length).contains(instance);
                case "defined" -> List.of(words).subList(1, words.length).stream()
                        .anyMatch(v -> v.startsWith("?~") && env.containsKey(v.substring(2)));
                default -> throw new IllegalArgumentException("condition not understood: " + condition);
            };
            if (!holds) {
                return false;
            }
        }
        return true;
    }
}
