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
}
