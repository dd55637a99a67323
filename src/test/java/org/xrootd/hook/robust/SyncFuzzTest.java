package org.xrootd.hook.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Set;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.BadRequestException;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.metacontroller.ObservedChildren;
import org.xrootd.hook.reconcile.SyncHandler;

/**
 * Coverage-guided fuzzing of the pure hook (request parsing and the sync and finalize handler) with
 * Jazzer. Properties: only {@link BadRequestException} may escape parsing and nothing may escape the
 * handler; the response serializes; every child has kind, apiVersion and name; and a sync that cannot act
 * (invalid spec) keeps every observed child, while a sync that acts drops only children of the kinds it
 * builds.
 *
 * <p>An input is either the raw request body, or, when it starts with byte 1, a list of edits that
 * {@link StructuredMutator} applies to a golden fixture request, so that mutations also reach the code
 * behind a successful parse.
 *
 * <p>By default (regression mode) this replays the corpus committed under
 * {@code src/test/resources/org/xrootd/hook/robust/SyncFuzzTestInputs/sync}. With {@code JAZZER_FUZZ=1}
 * (the Maven profile {@code fuzz}) Jazzer mutates it for {@code jazzer.max_duration}; a failing input is
 * written to that directory, and from then on replayed by every {@code mvn test}.
 */
class SyncFuzzTest {
    /** An input starting with this byte describes edits of a golden request ({@link StructuredMutator}). */
    static final byte STRUCTURED = 1;

    /**
     * Reads a request the hook accepted. The hook accepts duplicate keys inside managedFields, which it reads
     * for their times only (a real API server's fieldsV1 can repeat a key: RequestReader), and refuses them
     * everywhere else; Jackson's strict tree reader would refuse such a request here instead.
     */
    private static final ObjectReader REQUEST_AS_SENT = Json.MAPPER.reader().without(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    @FuzzTest(maxDuration = "60s")
    @DictionaryEntries({
        "\"parent\"", "\"children\"", "\"related\"", "\"finalizing\"", "\"metadata\"", "\"name\"", "\"namespace\"",
        "\"uid\"", "\"spec\"", "\"status\"", "\"version\"", "\"image\"", "\"replicas\"", "\"worker\"", "\"redirector\"",
        "\"storage\"", "\"capacity\"", "\"class\"", "\"ports\"", "\"xrootd\"", "\"cmsd\"", "\"exports\"",
        "\"securityContext\"", "\"runAsUser\"", "\"imagePullPolicy\"", "\"ownerReferences\"", "\"controller\"",
        "\"annotations\"", "\"labels\"", "\"conditions\"", "\"lastTransitionTime\"", "\"generation\"",
        "\"StatefulSet.apps/v1\"", "\"Service.v1\"", "\"ConfigMap.v1\"", "\"XrootdVersion.catalog.xrootd.org/v1alpha1\"",
        "\"metacontroller.k8s.io/last-applied-configuration\"", "\"app.kubernetes.io/component\"",
        "1e400", "-1", "9223372036854775808", "null", "true", "[]", "{}", "\"1Gi\"", "\"8Ei\"", "\"1e3\"", "\\u0000"
    })
    void sync(byte[] input) throws Exception {
        if (input.length == 0 || input[0] != STRUCTURED) {
            check(input);
            return;
        }
        byte[] body = StructuredMutator.request(input);
        try {
            check(body);
        } catch (Throwable e) {
            // A structured input means something else once the fixtures or the mutator change: keep the
            // request it expanded to, to commit as a raw regression input next to Jazzer's finding.
            Path findings = Path.of("target", "fuzz-findings");
            Files.createDirectories(findings);
            Path file = findings.resolve("request-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body)) + ".json");
            Files.write(file, body);
            System.err.println("SyncFuzzTest: the structured input expands to " + file.toAbsolutePath()
                    + "; commit that file under SyncFuzzTestInputs/sync/ as the regression input");
            throw e;
        }
    }

    private static void check(byte[] body) throws IOException {
        HookRequest request;
        try {
            request = HookRequest.parse(body);
        } catch (BadRequestException e) {
            assertTrue(e.getMessage() != null && e.getMessage().length() < 2000, "a short message");
            return;
        }
        SyncHandler.customize(request);
        SyncHandler.Outcome outcome = SyncHandler.handle(request);
        JsonNode response = Json.MAPPER.readTree(Json.MAPPER.writeValueAsBytes(outcome.response().toJson()));
        for (JsonNode child : response.get("children")) {
            assertTrue(child.path("kind").isTextual() && child.path("apiVersion").isTextual()
                    && child.path("metadata").path("name").isTextual(), "a child without identity: " + child);
        }
        if (request.finalizing()) {
            assertEquals(0, response.get("children").size(), "finalize returns no children");
            return;
        }
        Set<String> dropped = Wire.dropped(REQUEST_AS_SENT.readTree(body), response);
        if (outcome.result() == org.xrootd.hook.reconcile.Result.INVALID) {
            assertTrue(dropped.isEmpty(), "an invalid spec must keep every observed child; dropped " + dropped);
        } else {
            for (String key : dropped) {
                String kind = key.substring(0, key.indexOf(' '));
                assertTrue(Wire.BUILT_KINDS.contains(kind), "a child of a kind the hook does not build was dropped: " + key);
            }
        }
    }
}
