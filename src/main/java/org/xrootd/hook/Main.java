package org.xrootd.hook;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.xrootd.hook.http.HookServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command line: {@code serve} (the default) runs the hook service. */
@Command(name = "xrootd-hook", mixinStandardHelpOptions = true, version = "xrootd-hook 0.1.0",
        description = "Metacontroller hooks that run XRootD clusters on Kubernetes.",
        subcommands = {Main.Serve.class})
public final class Main implements Callable<Integer> {
    @CommandLine.Mixin
    ServeOptions serve = new ServeOptions();

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        return serve.run();
    }

    /** Options of the HTTP service; env PORT is read when --port is not given. */
    static final class ServeOptions {
        @Option(names = "--port", description = "HTTP port (default: env PORT, else 8080)")
        Integer port;

        @Option(names = "--host", defaultValue = "0.0.0.0", description = "address to listen on (default: ${DEFAULT-VALUE})")
        String host;

        int resolvedPort() {
            if (port != null) {
                return port;
            }
            String env = System.getenv("PORT");
            if (env != null && !env.isBlank()) {
                try {
                    return Integer.parseInt(env.trim());
                } catch (NumberFormatException e) {
                    throw new CommandLine.ParameterException(new CommandLine(new Main()), "PORT must be a number, got '" + env + "'");
                }
            }
            return 8080;
        }

        int run() throws InterruptedException {
            HookServer server = HookServer.start(host, resolvedPort());
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
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
}
