package org.xrootd.hook.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.xrootd.hook.http.HookServer;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.testkit.Http;

/**
 * A client that sends a body over the limit in full, as an ordinary HTTP client does, reads the 413:
 * the server answers before reading the body, and must not reset the connection under the client
 * while it is still sending (which loses the answer). Repeated, because it is a race when it fails.
 */
class OversizedBodyTest {
    @Test
    void aClientStillSendingItsBodyGetsThe413() throws Exception {
        byte[] body = new byte[(int) Math.min(Integer.MAX_VALUE - 16, 2 * HookServer.MAX_REQUEST_BYTES + 1)];
        Arrays.fill(body, (byte) ' ');
        body[0] = '{';
        try (HookServer server = HookServer.start("127.0.0.1", 0)) {
            for (int i = 0; i < 20; i++) {
                Http.Reply reply = Http.post(server.port(), "/sync", body);
                assertEquals(413, reply.status(), reply.text());
                assertEquals("request too large", Json.MAPPER.readTree(reply.body()).path("error").asText());
            }
        }
    }
}
