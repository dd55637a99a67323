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
