package org.xrootd.hook.robust;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Http.Reply;

/**
 * Raw HTTP over loopback sockets for the robustness tests (requests a client library would not send), and
 * the rule that a 200 keeps every observed child. Ordinary requests go through {@link org.xrootd.hook.testkit.Http}.
 */
public final class Wire {
    private Wire() {}

    /**
     * Sends a request over a plain socket: {@code head} is the request line and headers (without the blank
     * line), then {@code body} is written in a second thread so that a server that answers early (413) and
     * stops reading does not block the test. Returns the parsed response.
     */
    public static Reply raw(int port, String head, Body body) throws IOException, InterruptedException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Thread writer = new Thread(() -> {
                try {
                    body.writeTo(out);
                    out.flush();
                } catch (IOException e) {
                    // The server answered and closed before taking the whole body: expected for 413.
                }
            }, "raw-body-writer");
            writer.setDaemon(true);
            writer.start();
            Reply reply = readResponse(socket.getInputStream());
            writer.join(10_000);
            return reply;
        }
    }

    /** Writes a request body in pieces. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Sends one request on an open connection and reads its response, leaving the connection open. */
    public static Reply exchange(Socket socket, String method, String path, byte[] body) throws IOException {
        OutputStream out = socket.getOutputStream();
        String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + (body == null ? 0 : body.length) + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            out.write(body);
        }
        out.flush();
        return readResponse(socket.getInputStream());
    }

    /** Whether the last response said it closes the connection. */
    static final ThreadLocal<Boolean> CLOSES = ThreadLocal.withInitial(() -> false);

    static Reply readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before the response head ended: " + head);
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        String contentType = "";
        long length = -1;
        boolean chunked = false;
        CLOSES.set(false);
        for (String line : lines) {
            String lower = line.toLowerCase();
            if (lower.startsWith("connection:") && lower.contains("close")) {
                CLOSES.set(true);
            }
            if (lower.startsWith("content-type:")) {
                contentType = line.substring(13).trim();
            } else if (lower.startsWith("content-length:")) {
                length = Long.parseLong(line.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            while (true) {
                String size = readLine(in);
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    readLine(in);
                    break;
                }
                body.write(in.readNBytes(n));
                readLine(in);
            }
        } else if (length >= 0) {
            body.write(in.readNBytes((int) length));
        } else {
            body.write(in.readAllBytes());
        }
        return new Reply(status, contentType, body.toByteArray());
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /**
     * The observed children of a request as "Kind.apiVersion name", named as Metacontroller matches them
     * against desired children: by the object's own name, or the map key's name part when it has none.
     */
    public static Set<String> observedKeys(JsonNode request) {
        Set<String> keys = new HashSet<>();
        JsonNode children = request.path("children");
        children.fields().forEachRemaining(kind -> kind.getValue().fields().forEachRemaining(entry -> {
            JsonNode name = entry.getValue().path("metadata").path("name");
            String key = entry.getKey();
            String fallback = key.substring(key.lastIndexOf('/') + 1);
            keys.add(kind.getKey() + " " + (name.isTextual() && !name.asText().isEmpty() ? name.asText() : fallback));
        }));
        return keys;
    }

    /** The children of a response, keyed as {@link #observedKeys}. */
    public static List<String> responseKeys(JsonNode response) {
        List<String> keys = new ArrayList<>();
        for (JsonNode child : response.path("children")) {
            keys.add(child.path("kind").asText() + "." + child.path("apiVersion").asText() + " "
                    + child.path("metadata").path("name").asText());
        }
        return keys;
    }

    /**
     * Plural resource names as the API server's discovery reports them, written out here on purpose: this
     * oracle must not share a helper with the code it checks (the hook once derived "networkpolicys").
     */
    private static final Map<String, String> PLURALS = Map.ofEntries(
            Map.entry("StatefulSet", "statefulsets"), Map.entry("Service", "services"), Map.entry("ConfigMap", "configmaps"),
            Map.entry("PodDisruptionBudget", "poddisruptionbudgets"), Map.entry("Secret", "secrets"),
            Map.entry("NetworkPolicy", "networkpolicies"), Map.entry("Ingress", "ingresses"), Map.entry("Endpoints", "endpoints"),
            Map.entry("Job", "jobs"), Map.entry("ServiceAccount", "serviceaccounts"), Map.entry("Role", "roles"),
            Map.entry("RoleBinding", "rolebindings"), Map.entry("Deployment", "deployments"),
            Map.entry("ServiceMonitor", "servicemonitors"), Map.entry("PrometheusRule", "prometheusrules"));

    /** The kinds the hook builds, as Metacontroller keys them in a request, also written out independently. */
    public static final Set<String> BUILT_KINDS = Set.of("StatefulSet.apps/v1", "Service.v1", "ConfigMap.v1",
            "PodDisruptionBudget.policy/v1", "Deployment.apps/v1", "ServiceAccount.v1", "Role.rbac.authorization.k8s.io/v1",
            "RoleBinding.rbac.authorization.k8s.io/v1", "ServiceMonitor.monitoring.coreos.com/v1",
            "PrometheusRule.monitoring.coreos.com/v1", "NetworkPolicy.networking.k8s.io/v1", "Job.batch/v1");

    /**
     * Observed children the response would make Metacontroller delete. Children of a kind the request's
     * CompositeController does not declare are not counted: Metacontroller has no informer for such a kind,
     * never sends its objects, and cannot delete them. A kind whose plural this table does not know counts
     * as declared, so the oracle errs towards reporting a drop.
     */
    public static Set<String> dropped(JsonNode request, JsonNode response) {
        Set<String> missing = new HashSet<>(observedKeys(request));
        responseKeys(response).forEach(missing::remove);
        JsonNode rules = request.path("controller").path("spec").path("childResources");
        if (rules.isArray()) {
            Set<String> declared = new HashSet<>();
            rules.forEach(rule -> declared.add(rule.path("apiVersion").asText() + "/" + rule.path("resource").asText()));
            missing.removeIf(key -> {
                String kindKey = key.substring(0, key.indexOf(' '));
                int dot = kindKey.indexOf('.');
                String plural = dot < 0 ? null : PLURALS.get(kindKey.substring(0, dot));
                return plural != null && !declared.contains(kindKey.substring(dot + 1) + "/" + plural);
            });
        }
        return missing;
    }

    public static JsonNode tree(byte[] body) throws IOException {
        return Json.MAPPER.readTree(body);
    }
}
