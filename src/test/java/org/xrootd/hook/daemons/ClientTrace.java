package org.xrootd.hook.daemons;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where a slow or failed xrdcp spent its time: the lines of its XrdCl debug log ({@code XRD_LOGLEVEL=Debug})
 * that tell of a wait, a redirect, a retry or an error, with their timestamps.
 */
final class ClientTrace {
    private static final Pattern TELLING = Pattern.compile(
            "(?i)(kXR_wait|waiting|redirected|redirecting|retry|retrying|recover|error|failed|refused|timed? ?out|broken|tried=)");
    /** Lines that match but tell nothing: the absent user configuration, every stream's parameters. */
    private static final Pattern NOISE = Pattern.compile("Unable to process|Stream parameters");
    private static final int MAX_LINES = 16;

    private ClientTrace() {}

    /** The telling lines of the log at {@code trace}, each on its own indented line; empty if there is no log. */
    static String summary(Path trace) {
        List<String> lines;
        try {
            if (!Files.exists(trace)) {
                return "";
            }
            lines = List.of(new String(Files.readAllBytes(trace), StandardCharsets.ISO_8859_1).split("\n"));
        } catch (IOException e) {
            return " (trace unreadable: " + e + ")";
        }
        StringBuilder out = new StringBuilder();
        int kept = 0;
        for (String line : lines) {
            if (TELLING.matcher(line).find() && !NOISE.matcher(line).find()) {
                if (kept++ == MAX_LINES) {
                    out.append("\n          ...");
                    break;
                }
                String shortened = line.length() > 260 ? line.substring(0, 260) + "..." : line;
                out.append("\n          ").append(shortened.strip());
            }
        }
        return out.toString();
    }
}
