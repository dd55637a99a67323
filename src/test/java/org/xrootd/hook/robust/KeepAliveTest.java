package org.xrootd.hook.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.xrootd.hook.http.HookServer;
import org.xrootd.hook.testkit.Http;
import org.xrootd.hook.testkit.Repo;

/**
 * An error answer leaves a keep-alive connection usable, or says it closes it: a client that reuses the
 * connection (Metacontroller's Go client, the soak's Java client) must never meet a silently closed one.
 */
class KeepAliveTest {
    static HookServer server;
    static byte[] valid;

    @BeforeAll
    static void start() throws Exception {
        server = HookServer.start("127.0.0.1", 0);
        valid = Files.readAllBytes(Repo.path("tests/fixtures/steady-ready/request.json"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record First(String name, String method, String path, byte[] body) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<First> firsts() {
        return List.of(
                new First("valid sync", "POST", "/sync", valid),
                new First("truncated JSON", "POST", "/sync", "{\"parent\":".getBytes(StandardCharsets.UTF_8)),
                new First("invalid UTF-8", "POST", "/sync", new byte[] {'"', (byte) 0xC0, (byte) 0xAF, '"'}),
                new First("unknown path with a body", "POST", "/nothing-here", valid),
                new First("GET with a body", "GET", "/sync", valid),
                new First("customize", "POST", "/customize", valid),
                new First("path escaping upwards", "POST", "/sync/../../etc/passwd", valid),
                new First("path with an encoded NUL", "POST", "/sync%00", valid),
                new First("path with an encoded slash", "POST", "/sync%2F..", valid));
    }

    @ParameterizedTest
    @MethodSource("firsts")
    void theNextRequestOnTheConnectionIsAnswered(First first) throws Exception {
        for (int i = 0; i < 3; i++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                socket.setSoTimeout(10_000);
                Http.Reply reply = Wire.exchange(socket, first.method(), first.path(), first.body());
                assertTrue(reply.status() < 500, "status " + reply.status());
                if (Wire.CLOSES.get()) {
                    continue;
                }
                Http.Reply next = Wire.exchange(socket, "POST", "/sync", valid);
                assertEquals(200, next.status(), "the request after '" + first.name() + "' on the same connection");
            }
        }
    }
}
