package org.xrootd.hook.daemons;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xrootd.hook.json.Json;

/**
 * What the files the hook generates need from the image, read from those files and nothing else, and
 * whether an unpacked image has it:
 *
 * <ul>
 *   <li>commands: each container's {@code command[0]}; every command that {@code start.sh} (the
 *       ConfigMap's) runs, found by a real shell parser ({@code shfmt --to-json}), a command named by a
 *       variable ({@code exec "$daemon"}) standing for the arguments the containers pass to the script;
 *       every command of the exec probes, {@code sh -c} strings parsed the same way. Shell functions the
 *       script defines are not commands; builtins are whatever the image's own {@code /bin/sh} says
 *       ({@code command -v}).
 *   <li>plugins: every {@code *.so} the ConfigMap's {@code xrootd.cf} names, and the security protocol
 *       library of each {@code sec.protocol} (libXrdSec&lt;name&gt;.so). xrootd loads {@code libX.so} as
 *       {@code libX-5.so} when that exists (its versioned plugin names), else as named.
 * </ul>
 *
 * Each command is found on the image's PATH inside the image (a chroot), and each executable and plugin
 * must load: the image's own dynamic loader lists its libraries ({@code ld.so --list}) and none may be
 * "not found"; a script's interpreter is checked the same way.
 */
final class ImageReferences {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String LOADER = "/lib64/ld-linux-x86-64.so.2";
    private static final Pattern SHARED_OBJECT = Pattern.compile("(?<![\\w.-])(/?[\\w./+-]*\\.so)(?![\\w.])");
    private static final Pattern SEC_PROTOCOL = Pattern.compile("^\\s*sec\\.protocol\\s+(?:\\S*/\\s+)?(\\w+)");
    private static final Set<String> SHELLS = Set.of("/bin/sh", "sh", "/bin/bash", "bash", "/bin/dash", "dash");

    /** A thing the image must have, and where the generated files refer to it. */
    record Reference(Kind kind, String name, String from) {}

    enum Kind { COMMAND, PLUGIN }

    private final Map<String, Reference> references = new LinkedHashMap<>();

    /** The references of every ConfigMap and StatefulSet in a hook response. */
    static ImageReferences of(JsonNode response, Procs procs) {
        ImageReferences refs = new ImageReferences();
        List<JsonNode> containers = new ArrayList<>();
        Map<String, String> files = new LinkedHashMap<>();
        for (JsonNode child : response.path("children")) {
            switch (child.path("kind").asText()) {
                case "ConfigMap" -> child.path("data").fields().forEachRemaining(e -> files.put(e.getKey(), e.getValue().asText()));
                case "StatefulSet" -> child.path("spec").path("template").path("spec").path("containers").forEach(containers::add);
                default -> { }
            }
        }
        if (containers.isEmpty() || !files.containsKey("xrootd.cf")) {
            throw new IllegalArgumentException("the response has no pods or no xrootd.cf: " + response);
        }
        refs.config(files.get("xrootd.cf"));
        for (JsonNode c : containers) {
            String where = c.path("name").asText();
            List<String> command = strings(c.path("command"));
            command.addAll(strings(c.path("args")));
            refs.add(Kind.COMMAND, command.get(0), where + " command");
            if (command.size() > 1 && SHELLS.contains(command.get(0))) {
                String script = Path.of(command.get(1)).getFileName().toString();
                if (!files.containsKey(script)) {
                    throw new IllegalStateException(where + " runs " + command.get(1) + ", which is in no ConfigMap of the response");
                }
                refs.shell(files.get(script), script, command.subList(2, command.size()), procs);
            }
            for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
                List<String> argv = strings(c.path(probe).path("exec").path("command"));
                if (argv.isEmpty()) {
                    continue;
                }
                refs.add(Kind.COMMAND, argv.get(0), where + " " + probe);
                if (SHELLS.contains(argv.get(0)) && argv.size() > 2 && "-c".equals(argv.get(1))) {
                    refs.shell(argv.get(2), where + " " + probe, List.of(), procs);
                }
            }
        }
        return refs;
    }

    List<Reference> all() {
        return List.copyOf(references.values());
    }

    Set<String> names(Kind kind) {
        Set<String> names = new LinkedHashSet<>();
        references.values().stream().filter(r -> r.kind() == kind).forEach(r -> names.add(r.name()));
        return names;
    }

    /** Adds the references of another response (e.g. another spec's). */
    ImageReferences and(ImageReferences other) {
        other.references.values().forEach(r -> references.putIfAbsent(r.kind() + " " + r.name(), r));
        return this;
    }

    private void add(Kind kind, String name, String from) {
        references.putIfAbsent(kind + " " + name, new Reference(kind, name, from));
    }

    private void config(String cf) {
        String[] lines = cf.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].replaceFirst("#.*", "");
            String from = "xrootd.cf line " + (i + 1) + ": " + line.strip();
            Matcher so = SHARED_OBJECT.matcher(line);
            while (so.find()) {
                add(Kind.PLUGIN, so.group(1), from);
            }
            Matcher sec = SEC_PROTOCOL.matcher(line);
            if (sec.find()) {
                add(Kind.PLUGIN, "libXrdSec" + sec.group(1) + ".so", from);
            }
        }
    }

    /** Every command a shell script runs; {@code dynamic}: what a command named by a variable stands for. */
    private void shell(String script, String where, List<String> dynamic, Procs procs) {
        Procs.Result parsed = runWithInput(procs, List.of("sh", "-c", "exec shfmt --to-json <\"$1\"", "shfmt"), script);
        if (!parsed.ok()) {
            throw new IllegalStateException("shfmt cannot parse " + where + ": " + parsed);
        }
        JsonNode ast;
        try {
            ast = Json.MAPPER.readTree(parsed.output());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<String> functions = new LinkedHashSet<>();
        collect(ast, "FuncDecl", n -> functions.add(n.path("Name").path("Value").asText()));
        collect(ast, "CallExpr", call -> {
            JsonNode args = call.path("Args");
            int i = 0;
            // exec and command run their first argument
            while (i < args.size() && List.of("exec", "command").contains(literal(args.get(i)).orElse(""))) {
                i++;
            }
            if (i >= args.size()) {
                return;
            }
            JsonNode word = args.get(i);
            String line = where + " line " + word.path("Pos").path("Line").asText();
            Optional<String> name = literal(word);
            if (name.isPresent()) {
                if (!functions.contains(name.get())) {
                    add(Kind.COMMAND, name.get(), line);
                }
            } else {
                if (dynamic.isEmpty()) {
                    throw new IllegalStateException(line + " runs a command named by a variable, and nothing says which");
                }
                dynamic.forEach(d -> add(Kind.COMMAND, d, line + " (runs its argument)"));
            }
        });
    }

    /** A word's text when it is made of literals only (plain, or quoted without expansions). */
    private static Optional<String> literal(JsonNode word) {
        StringBuilder text = new StringBuilder();
        for (JsonNode part : word.path("Parts")) {
            switch (part.path("Type").asText()) {
                case "Lit" -> text.append(part.path("Value").asText());
                case "SglQuoted" -> text.append(part.path("Value").asText());
                case "DblQuoted" -> {
                    for (JsonNode inner : part.path("Parts")) {
                        if (!"Lit".equals(inner.path("Type").asText())) {
                            return Optional.empty();
                        }
                        text.append(inner.path("Value").asText());
                    }
                }
                default -> {
                    return Optional.empty();
                }
            }
        }
        return text.isEmpty() ? Optional.empty() : Optional.of(text.toString());
    }

    private static void collect(JsonNode node, String type, java.util.function.Consumer<JsonNode> action) {
        if (node.isObject()) {
            if (type.equals(node.path("Type").asText())) {
                action.accept(node);
            }
            node.fields().forEachRemaining(e -> collect(e.getValue(), type, action));
        } else if (node.isArray()) {
            node.forEach(n -> collect(n, type, action));
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> list = new ArrayList<>();
        array.forEach(a -> list.add(a.asText()));
        return list;
    }

    // ------------------------------------------------------------------------------ the image side

    /**
     * What the image at {@code rootfs} (with the PATH {@code path}) lacks: one line per reference that
     * is missing, cannot load, or loads a library that is not there. Empty when the image has everything.
     */
    List<String> missingIn(Path rootfs, String path, Procs procs) {
        List<String> problems = new ArrayList<>();
        if (!Files.exists(rootfs.resolve(LOADER.substring(1)))) {
            problems.add("the image has no dynamic loader " + LOADER);
            return problems;
        }
        for (Reference ref : references.values()) {
            switch (ref.kind()) {
                case COMMAND -> command(rootfs, path, ref, procs).ifPresent(problems::add);
                case PLUGIN -> plugin(rootfs, ref, procs).ifPresent(problems::add);
            }
        }
        return problems;
    }

    private Optional<String> command(Path rootfs, String path, Reference ref, Procs procs) {
        Procs.Result found = procs.run(List.of("env", "-i", "PATH=" + path, "/usr/sbin/chroot", rootfs.toString(),
                "/bin/sh", "-c", "command -v \"$1\"", "sh", ref.name()), TIMEOUT);
        String where = found.output().strip();
        if (!found.ok() || where.isEmpty()) {
            return Optional.of("command " + ref.name() + " (" + ref.from() + "): not in the image on PATH " + path
                    + (found.ok() ? "" : " [" + found.output().strip() + "]"));
        }
        if (!where.startsWith("/")) {
            return Optional.empty(); // a builtin of the image's shell
        }
        return loads(rootfs, where, procs, 0).map(p -> "command " + ref.name() + " (" + ref.from() + "): " + p);
    }

    private Optional<String> plugin(Path rootfs, Reference ref, Procs procs) {
        String name = ref.name();
        List<String> candidates = new ArrayList<>();
        if (name.contains("/")) {
            candidates.add(name);
        } else {
            if (name.startsWith("libXrd") && name.endsWith(".so")) {
                candidates.add(name.substring(0, name.length() - 3) + "-5.so");
            }
            candidates.add(name);
        }
        for (String candidate : candidates) {
            Optional<String> file = candidate.contains("/") ? Optional.of(candidate) : librarySearch(rootfs, candidate, procs);
            if (file.isPresent() && Files.exists(inRoot(rootfs, file.get()))) {
                return loads(rootfs, file.get(), procs, 0).map(p -> "plugin " + name + " (" + ref.from() + "): " + p);
            }
        }
        return Optional.of("plugin " + name + " (" + ref.from() + "): not in the image (looked for " + String.join(", ", candidates) + ")");
    }

    /** Where dlopen() finds a bare library name: the image's ld.so.cache, then its default directories. */
    private static Optional<String> librarySearch(Path rootfs, String name, Procs procs) {
        Procs.Result cache = procs.run(List.of("/usr/sbin/chroot", rootfs.toString(), "/sbin/ldconfig", "-p"), TIMEOUT);
        if (cache.ok()) {
            for (String line : cache.output().split("\n")) {
                String[] parts = line.strip().split(" => ");
                if (parts.length == 2 && parts[0].startsWith(name + " ")) {
                    return Optional.of(parts[1].strip());
                }
            }
        }
        for (String dir : List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib")) {
            if (Files.exists(inRoot(rootfs, dir + "/" + name))) {
                return Optional.of(dir + "/" + name);
            }
        }
        return Optional.empty();
    }

    /** Why the file at this path of the image cannot run or load, or empty when it can. */
    private Optional<String> loads(Path rootfs, String file, Procs procs, int depth) {
        Path host = inRoot(rootfs, file);
        byte[] head;
        try (var in = Files.newInputStream(host)) {
            head = in.readNBytes(256);
        } catch (IOException e) {
            return Optional.of(file + " cannot be read: " + e);
        }
        if (head.length >= 2 && head[0] == '#' && head[1] == '!') {
            String interpreter = new String(head, StandardCharsets.ISO_8859_1).substring(2).split("\n")[0].strip().split("\\s+")[0];
            if (depth > 3 || !Files.exists(inRoot(rootfs, interpreter))) {
                return Optional.of(file + " is a script for " + interpreter + ", which the image lacks");
            }
            return loads(rootfs, interpreter, procs, depth + 1);
        }
        if (head.length < 4 || head[0] != 0x7f || head[1] != 'E' || head[2] != 'L' || head[3] != 'F') {
            return Optional.of(file + " is neither an ELF file nor a script");
        }
        Procs.Result list = procs.run(List.of("env", "-i", "/usr/sbin/chroot", rootfs.toString(), LOADER, "--list", file), TIMEOUT);
        List<String> notFound = list.output().lines().filter(l -> l.contains("not found")).map(String::strip).toList();
        if (!notFound.isEmpty()) {
            return Optional.of(file + " needs libraries the image lacks: " + String.join("; ", notFound));
        }
        if (!list.ok() && !list.output().contains("statically linked")) {
            return Optional.of(file + " does not load: " + list.output().strip());
        }
        return Optional.empty();
    }

    /** A path of the image as a host path, following the image's symlinks inside the image. */
    static Path inRoot(Path rootfs, String path) {
        Path current = rootfs;
        List<String> rest = new ArrayList<>(List.of(path.replaceFirst("^/+", "").split("/")));
        int links = 0;
        while (!rest.isEmpty()) {
            String part = rest.remove(0);
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                current = current.equals(rootfs) ? rootfs : current.getParent();
                continue;
            }
            Path next = current.resolve(part);
            if (Files.isSymbolicLink(next)) {
                if (++links > 40) {
                    return next;
                }
                String target;
                try {
                    target = Files.readSymbolicLink(next).toString();
                } catch (IOException e) {
                    return next;
                }
                List<String> targetParts = new ArrayList<>(List.of(target.split("/")));
                if (target.startsWith("/")) {
                    current = rootfs;
                }
                targetParts.addAll(rest);
                rest = targetParts;
                continue;
            }
            current = next;
        }
        return current;
    }

    private static Procs.Result runWithInput(Procs procs, List<String> command, String input) {
        try {
            Path file = Files.createTempFile("image-refs", ".sh");
            try {
                Files.writeString(file, input, StandardCharsets.UTF_8);
                List<String> withFile = new ArrayList<>(command);
                withFile.add(file.toString());
                return procs.run(withFile, TIMEOUT);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
