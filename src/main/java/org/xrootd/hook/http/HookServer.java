package org.xrootd.hook.http;

import static net.logstash.logback.argument.StructuredArguments.v;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.BadRequestException;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.reconcile.Result;
import org.xrootd.hook.reconcile.SyncHandler;

/**
 * The HTTP edge: Metacontroller's hook endpoints, health, readiness and metrics. Everything below it is
 * pure; this class only turns bytes into requests and outcomes into JSON, keeps any failure away from
 * the client as a JSON error instead of a stack trace, counts what it answers and logs one line per sync.
 */
public final class HookServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HookServer.class);

    /**
     * Largest request body accepted; larger ones get 413. Measured by RequestSizeTest, with every object as
     * the API server returns it (managedFields, last-applied annotations, defaults, status): a sync request
     * is about 54 KiB, the same for 1, 64 or 500 workers, because the children are two StatefulSets, three
     * Services, one ConfigMap and two PodDisruptionBudgets whatever the replica counts; the children are
     * 85% of it. With 16 redirectors and 64 exports it is about 74 KiB. If every one of the eleven objects
     * (controller, parent, eight children, catalog entry) also carried 200 KiB of other annotations (the API
     * server caps an object's annotations at 256 KiB) it would be about 2.3 MB. 8 MiB is 3.5 times that,
     * over 100 times the large real request, and small enough that a few requests at the limit fit the
     * heap of the 384 MiB container.
     */
    public static final long MAX_REQUEST_BYTES = 8L * 1024 * 1024;

    /** What the process is doing; only {@link State#SERVING} is ready. */
    public enum State { STARTING, SERVING, DRAINING, STOPPED }

    /**
     * How to run: where to listen, how long to stay up but unready after shutdown begins (so that
     * Kubernetes takes the pod out of the Service before it stops listening), and how long to wait for
     * requests in flight once it stops.
     */
    public record Settings(String host, int port, Duration drainDelay, Duration stopTimeout, int maxThreads,
                           SyncHandler.Settings hook) {
        public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(20);
        /**
         * Jetty's request threads, the acceptor and selector included. Every sync is CPU work that never
         * waits on anything but the socket, so threads beyond a few per core only compete with each other
         * and with the JIT compiler (which, starved by 60 busy threads on 2 cores, was still compiling a
         * minute into a load test), and each costs its stack and its allocation buffer. Javalin's default
         * is 250; Metacontroller sends a handful of requests at a time per controller.
         */
        public static final int DEFAULT_MAX_THREADS = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
        /** Jetty leases an acceptor and a selector from the pool; fewer threads would leave none for requests. */
        public static final int MIN_MAX_THREADS = 4;

        public Settings {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(drainDelay, "drainDelay");
            Objects.requireNonNull(stopTimeout, "stopTimeout");
            Objects.requireNonNull(hook, "hook");
            if (maxThreads < MIN_MAX_THREADS) {
                throw new IllegalArgumentException("maxThreads must be at least " + MIN_MAX_THREADS + ", got " + maxThreads);
            }
        }

        public Settings(String host, int port, Duration drainDelay, Duration stopTimeout, int maxThreads) {
            this(host, port, drainDelay, stopTimeout, maxThreads, SyncHandler.Settings.DEFAULT);
        }

        public Settings(String host, int port, Duration drainDelay, Duration stopTimeout) {
            this(host, port, drainDelay, stopTimeout, DEFAULT_MAX_THREADS);
        }

        public static Settings of(String host, int port) {
            return new Settings(host, port, Duration.ZERO, DEFAULT_STOP_TIMEOUT);
        }
    }

    /** A hook's answer: the JSON body and, for sync and finalize, the one-word outcome. */
    private record Answer(JsonNode body, SyncHandler.Outcome outcome) {}

    @FunctionalInterface
    private interface Hook {
        Answer apply(HookRequest request);
    }

    private final Javalin app;
    private final Settings settings;
    private final Metrics metrics;
    private final AtomicReference<State> state;

    private HookServer(Javalin app, Settings settings, Metrics metrics, AtomicReference<State> state) {
        this.app = app;
        this.settings = settings;
        this.metrics = metrics;
        this.state = state;
    }

    public static HookServer start(String host, int port) {
        return start(Settings.of(host, port));
    }

    public static HookServer start(Settings settings) {
        Metrics metrics = new Metrics();
        AtomicReference<State> state = new AtomicReference<>(State.STARTING);
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = MAX_REQUEST_BYTES;
            // Metacontroller's Go client asks for gzip on every call, and Javalin would oblige: compressing
            // a 15-20 KiB answer for a peer inside the cluster cost more CPU than the rest of the sync.
            config.http.compressionStrategy = CompressionStrategy.NONE;
            QueuedThreadPool threads = new QueuedThreadPool(settings.maxThreads(), Math.min(4, settings.maxThreads()));
            threads.setName("hook");
            config.jetty.threadPool = threads;
            config.jetty.modifyServer(server -> {
                // Graceful stop: stop accepting, let requests in flight finish, for at most stopTimeout.
                server.insertHandler(new GracefulHandler());
                server.setStopTimeout(settings.stopTimeout().toMillis());
                server.setErrorHandler(new JsonErrorHandler());
            });
            config.events.serverStarted(() -> state.compareAndSet(State.STARTING, State.SERVING));
            config.routes.before(ctx -> {
                // Refuse an oversized body before reading it, when its length is declared.
                if (ctx.contentLength() > MAX_REQUEST_BYTES) {
                    throw new HttpResponseException(413, "the request body of " + ctx.contentLength()
                            + " bytes is larger than the limit of " + MAX_REQUEST_BYTES + " bytes");
                }
            });
            config.routes.post("/sync", ctx -> hook(ctx, metrics, "sync", request -> sync(request, settings.hook())));
            config.routes.post("/finalize", ctx -> hook(ctx, metrics, "finalize", request -> sync(request, settings.hook())));
            config.routes.post("/customize", ctx -> hook(ctx, metrics, "customize", HookServer::customize));
            config.routes.get("/healthz", ctx -> status(ctx, 200, "ok"));
            config.routes.get("/readyz", ctx -> {
                State now = state.get();
                status(ctx, now == State.SERVING ? 200 : 503, now.name().toLowerCase());
            });
            config.routes.get("/metrics", ctx -> ctx.status(200).contentType(metrics.contentType()).result(metrics.scrape()));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> {
                if (e.getStatus() == 413) {
                    metrics.error(hookOf(ctx), Metrics.TOO_LARGE);
                    LOG.warn("{}: request too large: {}", v("hook", hookOf(ctx)), e.getMessage());
                    error(ctx, 413, e.getMessage() == null || e.getMessage().isBlank()
                            ? "the request body is larger than the limit of " + MAX_REQUEST_BYTES + " bytes"
                            : e.getMessage().contains("limit") ? e.getMessage()
                            : e.getMessage() + ": the limit is " + MAX_REQUEST_BYTES + " bytes");
                    sendThenDiscardBody(ctx);
                } else {
                    error(ctx, e.getStatus(), e.getMessage());
                }
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                metrics.error(hookOf(ctx), Metrics.INTERNAL);
                LOG.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error; the hook's log has the details");
            });
            // Answered before the body is read: then the body is read and dropped, as after a 413. Jetty would
            // close with the body unread, the kernel would reset the connection, and a client still sending
            // lost the answer to the reset (HostileRequestCatalogTest, "unknown path": "header parser received
            // no bytes" under load, twice in a day). Go's net/http server reads such a body for the same reason.
            config.routes.error(404, ctx -> {
                error(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path());
                sendThenDiscardBody(ctx);
            });
            config.routes.error(405, ctx -> {
                error(ctx, 405, "method not allowed: " + ctx.method() + " " + ctx.path());
                sendThenDiscardBody(ctx);
            });
        });
        app.start(settings.host(), settings.port());
        HookServer server = new HookServer(app, settings, metrics, state);
        LOG.atInfo().addKeyValue("event", "started").addKeyValue("version", Metrics.version())
                .log("xrootd-hook {} serving Metacontroller hooks on {}:{}, at most {} bytes a request",
                        Metrics.version(), settings.host(), server.port(), MAX_REQUEST_BYTES);
        return server;
    }

    public int port() {
        return app.port();
    }

    public State state() {
        return state.get();
    }

    /**
     * Graceful shutdown, as on SIGTERM: /readyz answers 503 at once, requests are still served for the
     * drain delay (while Kubernetes removes the pod from the Service's endpoints), then the server stops
     * accepting and waits up to the stop timeout for requests in flight. Safe to call more than once.
     */
    public synchronized void shutdown() {
        if (state.get() == State.STOPPED) {
            return;
        }
        State before = state.getAndSet(State.DRAINING);
        if (before != State.DRAINING) {
            LOG.atInfo().addKeyValue("event", "draining").log("shutting down: unready now, draining for {} ms, then waiting up to {} ms for requests in flight",
                    settings.drainDelay().toMillis(), settings.stopTimeout().toMillis());
        }
        if (!settings.drainDelay().isZero()) {
            try {
                Thread.sleep(settings.drainDelay().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        app.stop();
        state.set(State.STOPPED);
        LOG.atInfo().addKeyValue("event", "stopped").log("stopped");
    }

    @Override
    public void close() {
        shutdown();
    }

    private static void hook(Context ctx, Metrics metrics, String hook, Hook handler) {
        long started = System.nanoTime();
        long size = -1;
        metrics.begin();
        try {
            byte[] body = ctx.bodyAsBytes();
            size = body.length;
            HookRequest request;
            try {
                request = HookRequest.parse(body);
            } catch (BadRequestException e) {
                metrics.error(hook, Metrics.BAD_REQUEST);
                LOG.warn("{}: bad request: {}", v("hook", hook), e.getMessage());
                error(ctx, 400, e.getMessage());
                return;
            }
            Answer answer = handler.apply(request);
            stream(ctx, answer.body());
            if (answer.outcome() != null) {
                JsonNode metadata = request.parent().path("metadata");
                String namespace = metadata.path("namespace").asText("");
                String name = metadata.path("name").asText();
                Result result = answer.outcome().result();
                metrics.sync(hook, namespace, name, result);
                LOG.info("{} {}/{}: {} in {} ms", v("hook", hook), v("namespace", namespace), v("name", name),
                        v("result", result.label()), v("durationMs", (System.nanoTime() - started) / 1_000_000));
            }
        } finally {
            metrics.end();
            metrics.observe(hook, System.nanoTime() - started, size);
        }
    }

    private static Answer customize(HookRequest request) {
        return new Answer(SyncHandler.customize(request), null);
    }

    private static Answer sync(HookRequest request, SyncHandler.Settings hook) {
        SyncHandler.Outcome outcome = SyncHandler.handle(request, hook);
        return new Answer(outcome.response().toJson(), outcome);
    }

    /** The hook named by the request path, for metrics of requests that failed before a handler ran. */
    private static String hookOf(Context ctx) {
        String path = ctx.path();
        return Metrics.hook(path.startsWith("/") ? path.substring(1) : path);
    }

    /** Writes the answer of a hook; what is not the socket's output buffer is never copied. */
    private static final ObjectWriter ANSWER_WRITER = Json.MAPPER.writer().without(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    /**
     * A hook's answer, serialized straight into the response's output stream rather than into a byte array
     * that Javalin then copies there: the same bytes, one 20-30 KiB copy less a sync. A client gone before
     * the answer is written gets nothing, as before (the write is its connection's business, not an error).
     */
    private static void stream(Context ctx, JsonNode body) {
        ctx.status(200).contentType("application/json");
        try {
            ANSWER_WRITER.writeValue(ctx.res().getOutputStream(), body);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            // Not the client: the tree would not serialize. Nothing of it may go out before the error answer.
            if (!ctx.res().isCommitted()) {
                ctx.res().resetBuffer();
            }
            throw new IllegalStateException("a response tree always serializes", e);
        } catch (java.io.IOException e) {
            LOG.debug("the client went away before its answer was written: {}", e.toString());
        }
    }

    private static void write(Context ctx, JsonNode body) {
        try {
            ctx.status(200).contentType("application/json").result(Json.MAPPER.writeValueAsBytes(body));
        } catch (Exception e) {
            throw new IllegalStateException("a response tree always serializes", e);
        }
    }

    private static void status(Context ctx, int code, String status) {
        write(ctx, Json.MAPPER.createObjectNode().put("status", status));
        ctx.status(code);
    }

    /** At most this much of a refused body is read and discarded after the 413 went out, for at most DRAIN_MILLIS. */
    static final long DRAIN_LIMIT = 4 * MAX_REQUEST_BYTES;
    static final long DRAIN_MILLIS = 5_000;
    static final long DRAIN_IDLE_MILLIS = 500;

    /**
     * Sends the 413 now, then reads and discards what the client is still sending of its refused body
     * (bounded in bytes and time, and stopping once nothing arrives). Closing with unread data makes the
     * kernel reset the connection, and a client still sending then sees a transport error instead of the
     * 413 (found by HostileRequestCatalogTest: a 20 MB body over an 8 MiB limit). A client that declared
     * more than it sends gets its answer at once and the connection closes within DRAIN_IDLE_MILLIS.
     */
    private static void sendThenDiscardBody(Context ctx) {
        // The connection closes after the answer: a client does not reuse one the drain may have cut short.
        ctx.header("Connection", "close");
        try {
            byte[] body = ctx.resultInputStream() == null ? new byte[0] : ctx.resultInputStream().readAllBytes();
            ctx.result(new byte[0]);
            ctx.res().setContentLength(body.length);
            ctx.res().getOutputStream().write(body);
            ctx.res().flushBuffer();
            jakarta.servlet.ServletInputStream in = ctx.req().getInputStream();
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            long deadline = System.currentTimeMillis() + DRAIN_MILLIS;
            long lastData = System.currentTimeMillis();
            while (total < DRAIN_LIMIT && System.currentTimeMillis() < deadline
                    && System.currentTimeMillis() - lastData < DRAIN_IDLE_MILLIS) {
                int available = in.available();
                if (available > 0) {
                    int n = in.read(buffer, 0, Math.min(buffer.length, available));
                    if (n < 0) {
                        break;
                    }
                    total += n;
                    lastData = System.currentTimeMillis();
                } else if (in.isFinished()) {
                    break;
                } else {
                    Thread.sleep(5);
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // The client went away, or the body cannot be read further: nothing more to do.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void error(Context ctx, int status, String message) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("error", reason(status));
        body.put("message", message == null ? reason(status) : message);
        try {
            ctx.status(status).contentType("application/json").result(Json.MAPPER.writeValueAsBytes(body));
        } catch (Exception e) {
            ctx.status(status).result("{\"error\":\"" + reason(status) + "\"}");
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "bad request";
            case 404 -> "not found";
            case 405 -> "method not allowed";
            case 413 -> "request too large";
            case 500 -> "internal error";
            default -> "error " + status;
        };
    }
}
