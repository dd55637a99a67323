package org.xrootd.hook.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A minimal, unstructured Kubernetes REST client on java.net.http: JSON trees in and out, resources found
 * through the server's own discovery, no retries (a failure is an {@link ApiException} the caller sees).
 * Every write (POST, PUT, PATCH, DELETE) is counted and logged, so that a test can assert how many writes a
 * component made.
 */
public final class KubeApi {
    /** One write request, for write counts and for explaining a hot loop. */
    public record Write(long atMillis, String method, String path, int status) {
        @Override
        public String toString() {
            return method + " " + path + " -> " + status;
        }
    }

    /** Where a resource lives: its REST path pieces and its kind. */
    public record Resource(String apiVersion, String plural, String kind, boolean namespaced, boolean hasStatus) {
        String base() {
            return apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
        }

        public String path(String namespace, String name) {
            StringBuilder path = new StringBuilder(base());
            if (namespaced && namespace != null) {
                path.append("/namespaces/").append(namespace);
            }
            path.append('/').append(plural);
            if (name != null) {
                path.append('/').append(name);
            }
            return path.toString();
        }

        /** "Kind.apiVersion", the key Metacontroller uses in a hook request's children map. */
        public String childKey() {
            return kind + "." + apiVersion;
        }
    }

    /** A non-2xx answer of the API server, with its Status body. */
    public static final class ApiException extends RuntimeException {
        private final int status;
        private final String body;

        ApiException(String method, String path, int status, String body) {
            super(method + " " + path + " -> HTTP " + status + ": " + abbreviate(body));
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public String body() {
            return body;
        }

        public boolean notFound() {
            return status == 404;
        }

        public boolean conflict() {
            return status == 409;
        }
    }

    static final ObjectMapper MAPPER = new ObjectMapper();

    private final String server;
    private final String token;
    private final HttpClient http;
    private final String name;
    private final List<Write> writes = new CopyOnWriteArrayList<>();
    private final AtomicInteger reads = new AtomicInteger();
    private final Map<String, Resource> discovered = new ConcurrentHashMap<>();

    /** {@code name} only labels this client's write log (e.g. "emulator", "test"). */
    public KubeApi(String name, String server, String token, SSLContext ssl) {
        this.name = name;
        this.server = server;
        this.token = token;
        this.http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    }

    public String name() {
        return name;
    }

    // ------------------------------------------------------------------ discovery

    /** The resource {@code plural} of {@code apiVersion}, from the server's discovery document. */
    public Resource resource(String apiVersion, String plural) {
        String key = apiVersion + "/" + plural;
        Resource known = discovered.get(key);
        if (known != null) {
            return known;
        }
        String base = apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
        JsonNode list = get(base);
        Resource found = null;
        boolean status = false;
        for (JsonNode resource : list.path("resources")) {
            String resourceName = resource.path("name").asText();
            if (resourceName.equals(plural)) {
                found = new Resource(apiVersion, plural, resource.path("kind").asText(),
                        resource.path("namespaced").asBoolean(), false);
            } else if (resourceName.equals(plural + "/status")) {
                status = true;
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("the API server does not serve " + plural + " in " + apiVersion);
        }
        found = new Resource(found.apiVersion(), found.plural(), found.kind(), found.namespaced(), status);
        discovered.put(key, found);
        return found;
    }

    /** The resource of {@code kind} in {@code apiVersion}, from discovery. */
    public Resource resourceForKind(String apiVersion, String kind) {
        String base = apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
        for (JsonNode resource : get(base).path("resources")) {
            if (resource.path("kind").asText().equals(kind) && !resource.path("name").asText().contains("/")) {
                return resource(apiVersion, resource.path("name").asText());
            }
        }
        throw new IllegalArgumentException("the API server does not serve kind " + kind + " in " + apiVersion);
    }

    // ------------------------------------------------------------------ verbs

    public JsonNode get(String path) {
        return send("GET", path, null, null, null);
    }

    /** GET with a specific Accept header (e.g. the Table format), returned as JSON. */
    public JsonNode get(String path, String accept) {
        return send("GET", path, null, null, accept);
    }

    public ObjectNode get(Resource resource, String namespace, String name) {
        return (ObjectNode) get(resource.path(namespace, name));
    }

    /** The object, or null when it does not exist. */
    public ObjectNode find(Resource resource, String namespace, String name) {
        try {
            return get(resource, namespace, name);
        } catch (ApiException e) {
            if (e.notFound()) {
                return null;
            }
            throw e;
        }
    }

    public JsonNode list(Resource resource, String namespace, String labelSelector) {
        String path = resource.path(namespace, null);
        if (labelSelector != null) {
            path += "?labelSelector=" + URLEncoder.encode(labelSelector, StandardCharsets.UTF_8);
        }
        return get(path);
    }

    public ObjectNode create(Resource resource, String namespace, JsonNode object) {
        return (ObjectNode) send("POST", resource.path(namespace, null), object, "application/json", null);
    }

    /** PUT of the whole object (its resourceVersion makes it an optimistic-concurrency update). */
    public ObjectNode update(Resource resource, JsonNode object) {
        JsonNode metadata = object.path("metadata");
        return (ObjectNode) send("PUT", resource.path(metadata.path("namespace").asText(null), metadata.path("name").asText()),
                object, "application/json", null);
    }

    /** PUT to the status subresource. */
    public ObjectNode updateStatus(Resource resource, JsonNode object) {
        JsonNode metadata = object.path("metadata");
        return (ObjectNode) send("PUT", resource.path(metadata.path("namespace").asText(null), metadata.path("name").asText())
                + "/status", object, "application/json", null);
    }

    /** JSON merge patch (RFC 7386). */
    public ObjectNode mergePatch(Resource resource, String namespace, String name, JsonNode patch) {
        return (ObjectNode) send("PATCH", resource.path(namespace, name), patch, "application/merge-patch+json", null);
    }

    /** DELETE with a propagation policy and, when given, a UID precondition (what Metacontroller sends). */
    public void delete(Resource resource, String namespace, String name, String propagation, String uid) {
        ObjectNode options = MAPPER.createObjectNode();
        options.put("apiVersion", "v1").put("kind", "DeleteOptions");
        if (propagation != null) {
            options.put("propagationPolicy", propagation);
        }
        if (uid != null) {
            options.putObject("preconditions").put("uid", uid);
        }
        send("DELETE", resource.path(namespace, name), options, "application/json", null);
    }

    /** Raw request whose non-2xx answer is returned rather than thrown (for admission checks). */
    public HttpResponse<String> raw(String method, String path, JsonNode body) {
        HttpRequest.Builder request = request(path, null).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body.toString()));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            record(method, path, response.statusCode());
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Opens a watch stream ({@code ?watch=1}); the caller reads one JSON event per line and closes the stream
     * to stop watching.
     */
    public InputStream watch(Resource resource, String namespace, String resourceVersion, int timeoutSeconds)
            throws IOException, InterruptedException {
        String path = resource.path(namespace, null) + "?watch=1&allowWatchBookmarks=true&timeoutSeconds=" + timeoutSeconds
                + "&resourceVersion=" + URLEncoder.encode(resourceVersion, StandardCharsets.UTF_8);
        reads.incrementAndGet();
        HttpResponse<InputStream> response = http.send(request(path, null).GET().timeout(Duration.ofSeconds(timeoutSeconds + 30))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            throw new ApiException("WATCH", path, response.statusCode(), body);
        }
        return response.body();
    }

    // ------------------------------------------------------------------ counting

    /** Every write this client made, in order. */
    public List<Write> writes() {
        return List.copyOf(writes);
    }

    public int writeCount() {
        return writes.size();
    }

    /** Writes made since {@code mark} (a value of {@link #writeCount()}). */
    public List<Write> writesSince(int mark) {
        List<Write> all = writes();
        return new ArrayList<>(all.subList(Math.min(mark, all.size()), all.size()));
    }

    public int readCount() {
        return reads.get();
    }

    // ------------------------------------------------------------------ plumbing

    private HttpRequest.Builder request(String path, String accept) {
        return HttpRequest.newBuilder(URI.create(server + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .header("Accept", accept == null ? "application/json" : accept);
    }

    private JsonNode send(String method, String path, JsonNode body, String contentType, String accept) {
        HttpRequest.Builder request = request(path, accept);
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.method(method, HttpRequest.BodyPublishers.ofString(body.toString())).header("Content-Type", contentType);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            record(method, path, -1);
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        record(method, path, response.statusCode());
        if (response.statusCode() / 100 != 2) {
            throw new ApiException(method, path, response.statusCode(), response.body());
        }
        try {
            return MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable answer to " + method + " " + path, e);
        }
    }

    private void record(String method, String path, int status) {
        if (method.equals("GET")) {
            reads.incrementAndGet();
        } else {
            writes.add(new Write(System.currentTimeMillis(), method, path, status));
        }
    }

    static String abbreviate(String text) {
        String flat = text == null ? "" : text.replaceAll("\\s+", " ").trim();
        return flat.length() > 600 ? flat.substring(0, 600) + "..." : flat;
    }
}
