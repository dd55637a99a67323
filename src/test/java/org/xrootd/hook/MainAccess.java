package org.xrootd.hook;

import picocli.CommandLine;

/** The command line as Main builds it, for tests in other packages. */
public final class MainAccess {
    private MainAccess() {}

    public static CommandLine commandLine() {
        return Main.commandLine();
    }
}
