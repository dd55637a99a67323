package org.xrootd.hook.metacontroller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HookRequestTest {
    @Test
    void aDuplicateKeyAnywhereIsRefusedByNameAndPlace() {
        BadRequestException top = assertThrows(BadRequestException.class, () -> HookRequest.parse(
                "{\"parent\":{\"metadata\":{\"name\":\"a\"}},\"parent\":{\"metadata\":{\"name\":\"b\"}}}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("the request body is not valid JSON: duplicate key 'parent' near line 1, column 47", top.getMessage());

        BadRequestException nested = assertThrows(BadRequestException.class, () -> HookRequest.parse(
                "{\"parent\":{\"metadata\":{\"name\":\"a\"}},\"children\":{\"ConfigMap.v1\":{\"c\":{\"data\":{\"k\":\"1\",\n\"k\":\"2\"}}}}}"
                        .getBytes(StandardCharsets.UTF_8)));
        assertEquals("the request body is not valid JSON: duplicate key 'k' near line 2, column 5", nested.getMessage());
    }

    @Test
    void utf8IsCheckedStrictlyWhenABodyIsNotAllAscii() throws Exception {
        assertEquals(true, HookRequest.ascii("{\"a\":\"\u007f\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(false, HookRequest.ascii("{\"a\":\"\u0080\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(false, HookRequest.ascii(new byte[] {'{', (byte) 0xFF, '}'}));
        HookRequest.checkUtf8("{\"parent\":\"caf\u00e9 \ud83d\ude00\"}".getBytes(StandardCharsets.UTF_8));
        String[] refused = {"\u00ff", "\u00c0\u00af", "\u00ed\u00a0\u0080", "\u00f4\u0090\u0080\u0080", "\u00e2\u0082"};
        for (String bytes : refused) {
            byte[] body = ("{\"a\":\"x" + bytes + "\"}").getBytes(StandardCharsets.ISO_8859_1);
            BadRequestException e = assertThrows(BadRequestException.class, () -> HookRequest.checkUtf8(body));
            assertEquals(true, e.getMessage().startsWith("the request body is not valid UTF-8 ("), e.getMessage());
        }
        byte[] cut = "{\"a\":\"\u00e2\u0082".getBytes(StandardCharsets.ISO_8859_1);
        assertThrows(BadRequestException.class, () -> HookRequest.checkUtf8(cut));
    }
}
