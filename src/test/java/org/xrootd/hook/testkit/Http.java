package org.xrootd.hook.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.xrootd.hook.json.Json;

/**
 * HTTP to a hook on loopback, the way Metacontroller talks to it: HTTP/1.1, a JSON body. One client for the
 * whole suite; tests that need a header or a body publisher of their own build the request on {@link #CLIENT}.
 */
public final class Http {
    public static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** One answer: status, content type, body. */
    public record Reply(int status, String contentType, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public JsonNode json() throws IOException {
            return Json.MAPPER.readTree(body);
        }
    }

    private Http() {}

    public static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public static Reply get(int port, String path) throws IOException, InterruptedException {
        return send(port, "GET", path, null);
    }

    public static Reply post(int port, String path, byte[] body) throws IOException, InterruptedException {
        return send(port, "POST", path, body);
    }

    public static Reply post(int port, String path, String body) throws IOException, InterruptedException {
        return post(port, path, body.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code body} null: no body. */
    public static Reply send(int port, String method, String path, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(port, path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        HttpResponse<byte[]> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), response.body());
    }
}
