package org.xrootd.hook.daemons;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Every process the test starts goes through here, so that each one is stopped by its own PID whatever
 * happens: by the test, at teardown, or by a JVM shutdown hook if the run is interrupted.
 */
final class Procs implements AutoCloseable {
    private final List<Process> started = new ArrayList<>();
    private final List<Runnable> teardowns = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::onShutdown, "stop-test-processes");

    Procs() {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** A long-running process whose output (stdout and stderr, like kubectl logs) goes to {@code log}. */
    synchronized Process start(List<String> command, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            Process process = builder.start();
            started.add(process);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** The outcome of a command run to completion (or killed at its timeout). */
    record Result(List<String> command, int exit, String output, boolean timedOut, Duration took) {
        boolean ok() {
            return !timedOut && exit == 0;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " -> " + (timedOut ? "timed out" : "exit " + exit)
                    + " after " + took.toMillis() + " ms" + (output.isBlank() ? "" : ":\n" + output.strip());
        }
    }

    /** Runs a command; kills it by PID if it outlives {@code timeout}. */
    Result run(List<String> command, Duration timeout) {
        long begin = System.nanoTime();
        Process process;
        synchronized (this) {
            try {
                process = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run " + command, e);
            }
            started.add(process);
        }
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        boolean finished;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        if (!finished) {
            kill(process);
        }
        String text;
        try {
            text = output.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            text = "(output unavailable: " + e + ")";
        }
        synchronized (this) {
            started.remove(process);
        }
        return new Result(command, finished ? process.exitValue() : -1, text, !finished,
                Duration.ofNanos(System.nanoTime() - begin));
    }

    /** Runs a command that must succeed. */
    Result check(List<String> command, Duration timeout) {
        Result result = run(command, timeout);
        if (!result.ok()) {
            throw new IllegalStateException(result.toString());
        }
        return result;
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** SIGKILL to the process's descendants and then to the process, each by PID; waits for it to exit. */
    static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Something to undo if the JVM is stopped before the test's own teardown ran (after every process is killed). */
    synchronized void onShutdown(Runnable teardown) {
        teardowns.add(teardown);
    }

    private void onShutdown() {
        killAll();
        List<Runnable> actions;
        synchronized (this) {
            actions = new ArrayList<>(teardowns);
        }
        for (Runnable action : actions) {
            try {
                action.run();
            } catch (RuntimeException e) {
                System.err.println("teardown at shutdown failed: " + e);
            }
        }
    }

    synchronized void killAll() {
        for (Process process : started) {
            if (process.isAlive()) {
                kill(process);
            }
        }
        started.clear();
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or will run; nothing left to do
        }
    }
}
