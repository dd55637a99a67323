package org.xrootd.hook.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A small client-go style informer for one resource across all namespaces: list, then watch from the list's
 * resourceVersion, keeping a cache of the objects and calling handlers on add, update and delete. A watch
 * that ends is resumed from the last seen resourceVersion; one that expired (410 Gone) starts over with a
 * list, and the difference to the cache is delivered as events, as client-go's Reflector does. An optional
 * resync period re-delivers every cached object as an update with old == new, like
 * {@code AddEventHandlerWithResyncPeriod}.
 */
final class Informer implements AutoCloseable {
    interface Handler {
        void onAdd(ObjectNode object);

        void onUpdate(ObjectNode old, ObjectNode current);

        void onDelete(ObjectNode object);
    }

    private final KubeApi api;
    private final KubeApi.Resource resource;
    private final Map<String, ObjectNode> cache = new ConcurrentHashMap<>();
    private final List<Handler> handlers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final CountDownLatch synced = new CountDownLatch(1);
    private final Thread thread;
    private final long resyncMillis;
    private volatile boolean closed;
    private volatile InputStream stream;
    private volatile Throwable lastError;

    Informer(KubeApi api, KubeApi.Resource resource, long resyncMillis) {
        this.api = api;
        this.resource = resource;
        this.resyncMillis = resyncMillis;
        this.thread = new Thread(this::run, "informer-" + resource.plural());
        this.thread.setDaemon(true);
    }

    KubeApi.Resource resource() {
        return resource;
    }

    void addHandler(Handler handler) {
        handlers.add(handler);
    }

    void start() {
        thread.start();
    }

    boolean awaitSynced(long timeout, TimeUnit unit) throws InterruptedException {
        return synced.await(timeout, unit);
    }

    static String key(JsonNode object) {
        JsonNode metadata = object.path("metadata");
        String namespace = metadata.path("namespace").asText("");
        return namespace.isEmpty() ? metadata.path("name").asText() : namespace + "/" + metadata.path("name").asText();
    }

    /** The cached object (a shared copy: callers must not change it). */
    ObjectNode get(String namespace, String name) {
        return cache.get(namespace == null || namespace.isEmpty() ? name : namespace + "/" + name);
    }

    List<ObjectNode> list(String namespace) {
        List<ObjectNode> objects = new ArrayList<>();
        for (ObjectNode object : cache.values()) {
            if (namespace == null || namespace.equals(object.path("metadata").path("namespace").asText(""))) {
                objects.add(object);
            }
        }
        return objects;
    }

    /**
     * What a resync does, now: every cached object re-delivered as an update with old == new (client-go's
     * informer resync, which Metacontroller runs every {@code --cache-flush-interval}).
     */
    void resyncNow() {
        for (ObjectNode object : List.copyOf(cache.values())) {
            handlers.forEach(h -> h.onUpdate(object, object));
        }
    }

    boolean synced() {
        return synced.getCount() == 0;
    }

    Throwable lastError() {
        return lastError;
    }

    private void run() {
        String resourceVersion = null;
        long nextResync = System.currentTimeMillis() + resyncMillis;
        while (!closed) {
            try {
                if (resourceVersion == null) {
                    resourceVersion = relist();
                    synced.countDown();
                }
                // Short watches, so that the resync below runs on time even when nothing happens.
                int timeout = resyncMillis > 0 ? (int) Math.max(1, Math.min(60, resyncMillis / 1000)) : 60;
                try (InputStream in = api.watch(resource, null, resourceVersion, timeout)) {
                    stream = in;
                    if (closed) {
                        return;
                    }
                    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                    String line;
                    while (!closed && (line = reader.readLine()) != null) {
                        JsonNode event = KubeApi.MAPPER.readTree(line);
                        String type = event.path("type").asText();
                        ObjectNode object = (ObjectNode) event.path("object");
                        if (type.equals("ERROR")) {
                            // 410 Gone: the resourceVersion is too old; start over with a list.
                            resourceVersion = null;
                            break;
                        }
                        resourceVersion = object.path("metadata").path("resourceVersion").asText(resourceVersion);
                        switch (type) {
                            case "ADDED", "MODIFIED" -> put(object);
                            case "DELETED" -> remove(object);
                            default -> { } // BOOKMARK
                        }
                        if (resyncMillis > 0 && System.currentTimeMillis() >= nextResync) {
                            break;
                        }
                    }
                } finally {
                    stream = null;
                }
                if (resyncMillis > 0 && System.currentTimeMillis() >= nextResync) {
                    nextResync = System.currentTimeMillis() + resyncMillis;
                    for (ObjectNode object : List.copyOf(cache.values())) {
                        handlers.forEach(h -> h.onUpdate(object, object));
                    }
                }
            } catch (KubeApi.ApiException e) {
                lastError = e;
                if (e.status() == 410) {
                    resourceVersion = null;
                }
                pause();
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
                lastError = e;
                pause();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private String relist() {
        JsonNode list = api.get(resource.path(null, null));
        Map<String, ObjectNode> seen = new HashMap<>();
        for (JsonNode item : list.path("items")) {
            ObjectNode object = (ObjectNode) item;
            // List items carry no apiVersion/kind; watch events and Metacontroller's objects do.
            object.put("apiVersion", resource.apiVersion());
            object.put("kind", resource.kind());
            seen.put(key(object), object);
        }
        for (ObjectNode old : List.copyOf(cache.values())) {
            if (!seen.containsKey(key(old))) {
                remove(old);
            }
        }
        seen.values().forEach(this::put);
        return list.path("metadata").path("resourceVersion").asText();
    }

    private void put(ObjectNode object) {
        ObjectNode old = cache.put(key(object), object);
        for (Handler handler : handlers) {
            if (old == null) {
                handler.onAdd(object);
            } else {
                handler.onUpdate(old, object);
            }
        }
    }

    private void remove(ObjectNode object) {
        ObjectNode old = cache.remove(key(object));
        handlers.forEach(h -> h.onDelete(old != null ? old : object));
    }

    private void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public void close() {
        closed = true;
        InputStream in = stream;
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // closing only to stop the watch
            }
        }
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
