package org.xrootd.hook.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast timestamp reader must agree with Instant.parse wherever it answers. */
class ObservedClockTest {
    @Test
    void readsWhatInstantParseReadsAndLeavesTheRestToIt() {
        List<String> texts = new ArrayList<>(List.of("2026-11-20T09:00:05Z", "1970-01-01T00:00:00Z", "0000-01-01T00:00:00Z",
                "2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-12-31T23:59:60Z",
                "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-11-20T24:00:00Z", "2026-11-20T09:60:00Z",
                "2026-11-20 09:00:05Z", "2026-11-20T09:00:05", "2026-11-20T09:00:05.5Z", "2026-11-20T09:00:05+01:00",
                "+2026-11-20T09:00:05Z", "2026-1a-20T09:00:05Z", "２026-11-20T09:00:05Z", ""));
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            texts.add(String.format("%04d-%02d-%02dT%02d:%02d:%02dZ", random.nextInt(10_000), random.nextInt(14),
                    random.nextInt(33), random.nextInt(26), random.nextInt(62), random.nextInt(62)));
        }
        for (String text : texts) {
            Instant fast = ObservedClock.parseSeconds(text);
            Instant slow;
            try {
                slow = Instant.parse(text);
            } catch (DateTimeParseException e) {
                slow = null;
            }
            if (fast != null) {
                assertEquals(slow, fast, text);
            }
        }
        assertNotNull(ObservedClock.parseSeconds("2026-11-20T09:00:05Z"), "the API server's spelling is read fast");
        assertNotNull(ObservedClock.parseSeconds("2024-02-29T23:59:59Z"));
    }
}
