package org.xrootd.hook.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.reconcile.SyncHandler;

/**
 * Measures what Metacontroller really sends, so that {@link HookServer#MAX_REQUEST_BYTES} rests on figures:
 * the sizes are printed (see the build log) and the limit must leave a wide margin over the largest.
 */
class RequestSizeTest {

    @Test
    void requestSizeDoesNotGrowWithWorkersAndTheLimitHasAWideMargin() throws Exception {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (int workers : new int[] {1, 64, 100, 500}) {
            sizes.put("workers=" + workers, RealisticRequest.workers(workers).bytes().length);
        }
        List<String> manyExports = IntStream.range(0, 64).mapToObj(i -> "/store/group/experiment-" + i).toList();
        RealisticRequest largest = new RealisticRequest(500, 16, manyExports, 0);
        sizes.put("workers=500 redirectors=16 exports=64", largest.bytes().length);
        // Each object's annotations are capped at 256 KiB by the API server; fill every object (controller,
        // parent, every child, catalog entry) to near that cap.
        RealisticRequest annotated = new RealisticRequest(500, 16, manyExports, 200 * 1024);
        sizes.put("same, every object with 200 KiB of other annotations", annotated.bytes().length);

        // Memory: what parsing and answering the pathological request allocates (the tree is most of it).
        byte[] body = annotated.bytes();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        SyncHandler.handle(HookRequest.parse(body));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        System.out.printf("sync of the %d-byte request allocated %.1f MiB%n", body.length, allocated / 1048576.0);

        sizes.forEach((what, size) -> System.out.printf("sync request size, %s: %d bytes (%.1f KiB)%n", what, size, size / 1024.0));
        breakdown(RealisticRequest.workers(500).json());

        int one = sizes.get("workers=1");
        int sixtyFour = sizes.get("workers=64");
        int hundred = sizes.get("workers=100");
        int fiveHundred = sizes.get("workers=500");
        // Only the status counts and the replicas numbers change with the number of workers, except that
        // above 64 the supervisors' three children (and their status) join once.
        assertTrue(Math.abs(sixtyFour - one) < 1024, "a 64-worker request is about as large as a 1-worker one: " + sizes);
        assertTrue(Math.abs(fiveHundred - hundred) < 1024, "a 500-worker request is about as large as a 100-worker one: " + sizes);
        assertTrue(hundred - sixtyFour < 24 * 1024, "supervisors add a few children, not one per worker: " + sizes);
        int realistic = sizes.get("workers=500 redirectors=16 exports=64");
        assertTrue(realistic * 64L < HookServer.MAX_REQUEST_BYTES, "the limit is more than 64 times a large real request");
        int pathological = sizes.get("same, every object with 200 KiB of other annotations");
        assertTrue(pathological * 2L < HookServer.MAX_REQUEST_BYTES,
                "the limit admits every object annotated to the API server's cap, twice over: " + pathological);
    }

    @Test
    void theMeasuredRequestIsAValidHookRequest() throws Exception {
        // 64 workers: no supervisors; 500 workers: supervisors. Both synced, with every observed child kept.
        for (int workers : new int[] {64, 500}) {
            SyncHandler.Outcome ok = SyncHandler.handle(HookRequest.parse(RealisticRequest.workers(workers).bytes()));
            assertEquals(org.xrootd.hook.reconcile.Result.SYNCED, ok.result());
            assertEquals(RealisticRequest.workers(workers).observedChildren(), ok.response().children().size(), workers + " workers");
        }
    }

    /** Where the bytes go: prints each top-level part and, per object, managedFields and annotations. */
    private static void breakdown(ObjectNode request) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String part : List.of("controller", "parent", "children", "related")) {
            lines.add(part + "=" + size(request.get(part)));
        }
        List<JsonNode> objects = new ArrayList<>();
        objects.add(request.get("parent"));
        request.get("children").forEach(kind -> kind.forEach(objects::add));
        long managed = 0;
        long annotations = 0;
        long total = 0;
        for (JsonNode object : objects) {
            managed += size(object.path("metadata").path("managedFields"));
            annotations += size(object.path("metadata").path("annotations"));
            total += size(object);
        }
        lines.add("parent+children: managedFields=" + managed + " annotations=" + annotations + " of " + total);
        System.out.println("sync request breakdown (500 workers, bytes): " + String.join(", ", lines));
    }

    private static int size(JsonNode node) throws Exception {
        return Json.MAPPER.writeValueAsBytes(node).length;
    }
}
