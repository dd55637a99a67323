package org.xrootd.hook.monitor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the report parser (Jazzer): whatever the datagram, it returns a report or an
 * error, never both, never throws. {@code mvn test} replays the inputs committed beside it (regression
 * mode); to fuzz: {@code JAZZER_FUZZ=1 mvn test -Dtest=ReportFuzzTest} (the fuzz profile runs SyncFuzzTest).
 */
class ReportFuzzTest {
    @FuzzTest(maxDuration = "60s")
    @DictionaryEntries({"<statistics ", "</statistics>", "<stats id=\"", "</stats>", "pgm=\"cmsd\"", "src=\"h:1\"", "cmsm", "<node>",
        "<run>awn</run>", "<paths>", "<tot>", "<free>", "\"link\"", "\"oss\"", "&#x", "&amp;", "<!--", "<?xml", "0>"})
    void parse(byte[] input) {
        ReportParser.Parsed parsed = ReportParser.parse(input);
        assertTrue(parsed.ok() ^ parsed.error() != null);
        if (parsed.ok()) {
            assertTrue(parsed.report().program() != null && !parsed.report().program().isBlank());
        }
    }
}
