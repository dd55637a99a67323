package org.xrootd.hook;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xrootd.hook.http.HookServer;
import org.xrootd.hook.render.Renderer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Command line: {@code serve} (the default) runs the hook service; {@code render} previews children offline;
 * {@code monitor} runs a cluster's summary-report collector ({@link MonitorCommand}).
 */
@Command(name = "xrootd-hook", mixinStandardHelpOptions = true, version = "xrootd-hook 0.1.0",
        description = "Metacontroller hooks that run XRootD clusters on Kubernetes.",
        subcommands = {Main.Serve.class, Main.Render.class, MonitorCommand.class})
public final class Main implements Callable<Integer> {
    @CommandLine.Mixin
    ServeOptions serve = new ServeOptions();

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Main()).registerConverter(Duration.class, Main::duration);
    }

    @Override
    public Integer call() throws Exception {
        return serve.run();
    }

    /** "5s", "500ms", "1m", "0" or an ISO-8601 duration ("PT5S"). */
    static Duration duration(String text) {
        Matcher m = Pattern.compile("^(\\d+)(ms|s|m)?$").matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofSeconds(amount);
            };
        }
        try {
            return Duration.parse(text.trim());
        } catch (RuntimeException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a duration (e.g. 5s, 500ms, 1m)");
        }
    }

    /** Options of the HTTP service; env PORT is read when --port is not given. */
    static final class ServeOptions {
        /** The command these options belong to, so that an error is reported by the command line that ran it. */
        @Spec(Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec command;

        @Option(names = "--port", description = "HTTP port (default: env PORT, else 8080)")
        Integer port;

        @Option(names = "--host", defaultValue = "0.0.0.0", description = "address to listen on (default: ${DEFAULT-VALUE})")
        String host;

        @Option(names = "--drain-delay", defaultValue = "0s", paramLabel = "DURATION",
                description = "after SIGTERM, stay up but unready this long so Kubernetes can take the pod out of "
                        + "the Service before it stops listening (default: ${DEFAULT-VALUE})")
        Duration drainDelay;

        @Option(names = "--stop-timeout", defaultValue = "20s", paramLabel = "DURATION",
                description = "then wait at most this long for requests in flight (default: ${DEFAULT-VALUE})")
        Duration stopTimeout;

        @Option(names = "--threads", paramLabel = "N",
                description = "at most this many HTTP threads, the acceptor and selector included (default: 4 per CPU, at least 8)")
        Integer threads;

        @Option(names = "--monitor-image", paramLabel = "IMAGE",
                description = "image of the per-cluster monitor (spec.monitor): this hook's own image (default: env MONITOR_IMAGE, else "
                        + org.xrootd.hook.children.Children.DEFAULT_MONITOR_IMAGE + ")")
        String monitorImage;

        String resolvedMonitorImage() {
            if (monitorImage != null) {
                return monitorImage;
            }
            String env = System.getenv("MONITOR_IMAGE");
            return env != null && !env.isBlank() ? env.trim() : org.xrootd.hook.children.Children.DEFAULT_MONITOR_IMAGE;
        }

        int resolvedPort() {
            if (port != null) {
                return port;
            }
            String env = System.getenv("PORT");
            if (env != null && !env.isBlank()) {
                try {
                    return Integer.parseInt(env.trim());
                } catch (NumberFormatException e) {
                    throw new CommandLine.ParameterException(command.commandLine(), "PORT must be a number, got '" + env + "'");
                }
            }
            return 8080;
        }

        private org.xrootd.hook.reconcile.SyncHandler.Settings hookSettings() {
            try {
                return new org.xrootd.hook.reconcile.SyncHandler.Settings(resolvedMonitorImage());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(command.commandLine(), "--monitor-image: " + e.getMessage());
            }
        }

        int run() throws InterruptedException {
            if (threads != null && threads < HookServer.Settings.MIN_MAX_THREADS) {
                throw new CommandLine.ParameterException(command.commandLine(),
                        "--threads must be at least " + HookServer.Settings.MIN_MAX_THREADS + ", got " + threads);
            }
            HookServer server = HookServer.start(new HookServer.Settings(host, resolvedPort(),
                    drainDelay == null ? Duration.ZERO : drainDelay,
                    stopTimeout == null ? HookServer.Settings.DEFAULT_STOP_TIMEOUT : stopTimeout,
                    threads == null ? HookServer.Settings.DEFAULT_MAX_THREADS : threads, hookSettings()));
            CountDownLatch stopped = new CountDownLatch(1);
            // SIGTERM and SIGINT run this: drain, finish requests in flight, then let the JVM exit.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.shutdown();
                stopped.countDown();
            }, "shutdown"));
            stopped.await();
            return 0;
        }
    }

    @Command(name = "serve", description = "Serve the Metacontroller hooks over HTTP (the default command).")
    static final class Serve implements Callable<Integer> {
        @CommandLine.Mixin
        ServeOptions options = new ServeOptions();

        @Override
        public Integer call() throws Exception {
            return options.run();
        }
    }

    @Command(name = "render", mixinStandardHelpOptions = true,
            description = "Print the children the sync hook would create for the Xrootd resources in FILE, as YAML,"
                    + " without a cluster (like 'helm template'). XrootdVersion objects in FILE or in the catalog"
                    + " give the images. Exit status: 0 rendered, 1 the input has problems (listed on stderr).")
    static final class Render implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "YAML with one or more Xrootd objects ('-' reads standard input)")
        String file;

        @Option(names = "--catalog", paramLabel = "FILE", description = "YAML with XrootdVersion objects (several documents, or a List)")
        String catalog;

        @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE",
                description = "namespace to render into (default: the object's metadata.namespace, else 'default')")
        String namespace;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            PrintWriter out = spec.commandLine().getOut();
            Renderer.Source parents;
            Renderer.Source catalogSource = null;
            try {
                parents = read(file);
                if (catalog != null) {
                    catalogSource = read(catalog);
                }
            } catch (UnreadableFile e) {
                err.println(e.getMessage());
                err.flush();
                return 1;
            }
            Renderer.Result result = Renderer.render(parents, catalogSource, namespace);
            if (!result.ok()) {
                result.errors().forEach(err::println);
                err.flush();
                return 1;
            }
            out.print(result.yaml());
            out.flush();
            return 0;
        }

        private static Renderer.Source read(String name) throws UnreadableFile {
            try {
                if (name.equals("-")) {
                    return new Renderer.Source("<stdin>", new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
                }
                return new Renderer.Source(name, Files.readString(Path.of(name), StandardCharsets.UTF_8));
            } catch (NoSuchFileException e) {
                throw new UnreadableFile(name + ": no such file");
            } catch (IOException | RuntimeException e) {
                throw new UnreadableFile(name + ": cannot read: " + e.getMessage());
            }
        }
    }

    private static final class UnreadableFile extends Exception {
        UnreadableFile(String message) {
            super(message);
        }
    }
}
