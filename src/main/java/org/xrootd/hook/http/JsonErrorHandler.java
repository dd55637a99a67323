package org.xrootd.hook.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.xrootd.hook.json.Json;

/**
 * Errors that Jetty answers itself, before a request reaches Javalin (a malformed request line, an
 * ambiguous URI, headers too large), in the same JSON shape as the hook's own errors instead of an HTML
 * page, and with "Connection: close", since Jetty drops the connection after them.
 */
final class JsonErrorHandler extends ErrorHandler {
    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) throws IOException {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        // Jetty closes the connection after such an error without reading the rest of the request: say so,
        // or a keep-alive client (Metacontroller's, the soak's) sends its next request into a closed socket.
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        fields.put(HttpHeader.CONNECTION, "close");
        return ByteBuffer.wrap(body(status, reason));
    }

    static byte[] body(int status, String message) {
        String reason = HttpStatus.getMessage(status);
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("error", reason == null ? "error " + status : reason.toLowerCase());
        body.put("message", message == null || message.isBlank() ? String.valueOf(reason) : message);
        try {
            return Json.MAPPER.writeValueAsBytes(body);
        } catch (IOException e) {
            return ("{\"error\":\"error " + status + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
