package org.xrootd.hook.monitor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** The summary reports captured from real 5.5.3 daemons (src/test/resources/.../monitor/samples). */
final class Samples {
    static final List<String> ALL = List.of(
            "steady-manager-cmsd.xml", "steady-manager-xrootd.xml",
            "steady-supervisor-cmsd.xml", "steady-supervisor-xrootd.xml",
            "steady-ds1-cmsd.xml", "steady-ds1-xrootd.xml", "steady-ds2-cmsd.xml", "steady-ds2-xrootd.xml",
            "steady-ds3-cmsd.xml", "steady-ds3-xrootd.xml", "steady-cache-cmsd.xml", "steady-cache-xrootd.xml",
            "suspended-manager-cmsd.xml", "offline-manager-cmsd.xml");

    private Samples() {}

    static byte[] bytes(String name) {
        try (InputStream in = Samples.class.getResourceAsStream("samples/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no sample " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Report report(String name) {
        ReportParser.Parsed parsed = ReportParser.parse(bytes(name));
        if (!parsed.ok()) {
            throw new AssertionError(name + ": " + parsed.error());
        }
        return parsed.report();
    }
}
