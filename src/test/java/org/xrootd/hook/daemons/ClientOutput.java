package org.xrootd.hook.daemons;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a client's own output says about where the redirector sent it. */
final class ClientOutput {
    private static final Pattern ROOT_REDIRECT = Pattern.compile("Redirected from: \\S+ to: (\\S+)");
    private static final Pattern LOCATION = Pattern.compile("(?im)^<?\\s*Location:\\s*(\\S+)");

    private ClientOutput() {
    }

    /** The (first) redirect an XrdCl client logged at debug level. */
    static String rootRedirect(Procs.Result result) {
        Matcher m = ROOT_REDIRECT.matcher(result.output());
        assertTrue(m.find(), "no redirect in " + result);
        return m.group(1);
    }

    /** The Location header of the redirector's answer in a client's header trace (davix, curl -v). */
    static String location(Procs.Result result) {
        Matcher m = LOCATION.matcher(result.output());
        assertTrue(m.find(), "no Location header in " + result);
        return m.group(1);
    }
}
