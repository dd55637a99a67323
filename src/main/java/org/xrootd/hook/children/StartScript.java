package org.xrootd.hook.children;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.xrootd.hook.model.XrootdSpec;

/**
 * The start script both daemons of every pod run ({@code start.sh cmsd|xrootd}). It lives beside this
 * class as a resource so that it can be read and shellchecked as a script; three placeholders vary.
 */
public final class StartScript {
    /** How long (in tenths of a second) an xrootd waits for its cmsd (socket or port) before starting anyway. */
    static final int CMSD_WAIT_TENTHS = 300;
    /**
     * A redirector's or supervisor's xrootd keeps serving this long after its pod is deleted (start.sh stop):
     * the time the Service takes to drop the pod's endpoint, so that a client that reached it just before gets
     * its answer. Then it waits while clients hold connections, {@link #STOP_MAX_TENTHS} in all.
     */
    static final int STOP_FLOOR_SECONDS = 3;
    /** The longest preStop wait of either container, in tenths of a second: within the pod's grace period. */
    static final int STOP_MAX_TENTHS = 80;
    private static final String TEMPLATE = load();

    private StartScript() {}

    public static String render(XrootdSpec spec) {
        StringBuilder exportDirs = new StringBuilder();
        for (String export : spec.exports()) {
            exportDirs.append(exportDirs.isEmpty() ? "" : " ").append("\"$XRD_DATA_DIR").append(export).append('"');
        }
        return tokenRegions(TEMPLATE, spec.security().tokens() != null).replace("@EXPORT_DIRS@", exportDirs)
                .replace("@CMSD_WAIT_TENTHS@", Integer.toString(CMSD_WAIT_TENTHS))
                .replace("@CMSD_PORT_HEX@", String.format("%04X", spec.ports().cmsd()))
                .replace("@XROOTD_PORT_HEX@", String.format("%04X", spec.ports().xrootd()))
                .replace("@STOP_FLOOR_SECONDS@", Integer.toString(STOP_FLOOR_SECONDS))
                .replace("@STOP_FLOOR_TENTHS@", Integer.toString(STOP_FLOOR_SECONDS * 10))
                .replace("@STOP_MAX_TENTHS@", Integer.toString(STOP_MAX_TENTHS))
                .replace("@TMP_DIR@", PodLayout.TMP_DIR);
    }

    /**
     * The template's {@code #@TOKENS{ ... #@TOKENS}} regions (spec.tokens: the ca-bundle init step, the probes'
     * CAs): kept without their marker lines with tokens on, left out otherwise, so that the script of a
     * cluster without tokens stays as it was (its hash, and so its pods).
     */
    static String tokenRegions(String template, boolean tokens) {
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        for (String line : template.split("\n", -1)) {
            if (line.equals("#@TOKENS{")) {
                inside = true;
            } else if (line.equals("#@TOKENS}")) {
                inside = false;
            } else if (!inside || tokens) {
                out.append(line).append('\n');
            }
        }
        return out.substring(0, out.length() - 1);
    }

    private static String load() {
        try (InputStream in = StartScript.class.getResourceAsStream("start.sh")) {
            if (in == null) {
                throw new IllegalStateException("start.sh is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
