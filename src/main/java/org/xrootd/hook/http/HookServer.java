package org.xrootd.hook.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xrootd.hook.Json;
import org.xrootd.hook.hook.BadRequestException;
import org.xrootd.hook.hook.HookRequest;
import org.xrootd.hook.hook.SyncHandler;

/**
 * The HTTP edge: Metacontroller's hook endpoints and health. Everything below it is pure; this class
 * only turns bytes into requests and outcomes into JSON, and keeps any failure away from the client as a
 * JSON error instead of a stack trace.
 */
public final class HookServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HookServer.class);
    /** Metacontroller sends full objects with managedFields and last-applied annotations. */
    public static final long MAX_REQUEST_BYTES = 32L * 1024 * 1024;

    private final Javalin app;

    private HookServer(Javalin app) {
        this.app = app;
    }

    public static HookServer start(String host, int port) {
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = MAX_REQUEST_BYTES;
            config.routes.post("/sync", ctx -> hook(ctx, "sync", request -> SyncHandler.handle(request)));
            config.routes.post("/finalize", ctx -> hook(ctx, "finalize", request -> SyncHandler.handle(request)));
            config.routes.post("/customize", ctx -> customize(ctx));
            config.routes.get("/healthz", ctx -> ctx.json(Json.MAPPER.createObjectNode().put("status", "ok")));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage()));
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error; the hook's log has the details");
            });
            config.routes.error(404, ctx -> error(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path()));
            config.routes.error(405, ctx -> error(ctx, 405, "method not allowed: " + ctx.method() + " " + ctx.path()));
        });
        app.start(host, port);
        return new HookServer(app);
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }

    private static void hook(Context ctx, String hook, Function<HookRequest, SyncHandler.Outcome> handler) {
        long started = System.nanoTime();
        HookRequest request;
        try {
            request = HookRequest.parse(ctx.bodyAsBytes());
        } catch (BadRequestException e) {
            LOG.warn("{}: bad request: {}", hook, e.getMessage());
            error(ctx, 400, e.getMessage());
            return;
        }
        SyncHandler.Outcome outcome = handler.apply(request);
        write(ctx, outcome.response().toJson());
        JsonNode metadata = request.parent().path("metadata");
        LOG.info("{} {}/{}: {} in {} ms", hook, metadata.path("namespace").asText(""), metadata.path("name").asText(),
                outcome.result(), (System.nanoTime() - started) / 1_000_000);
    }

    private static void customize(Context ctx) {
        try {
            write(ctx, SyncHandler.customize(HookRequest.parse(ctx.bodyAsBytes())));
        } catch (BadRequestException e) {
            error(ctx, 400, e.getMessage());
        }
    }

    private static void write(Context ctx, JsonNode body) {
        try {
            ctx.status(200).contentType("application/json").result(Json.MAPPER.writeValueAsBytes(body));
        } catch (Exception e) {
            throw new IllegalStateException("a response tree always serializes", e);
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
