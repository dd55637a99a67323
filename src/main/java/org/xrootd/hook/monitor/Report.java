package org.xrootd.hook.monitor;

import java.util.List;

/**
 * One summary report ({@code xrd.report}) of one daemon, typed. Counters are cumulative since the daemon
 * started; a value the report lacks (or holds in a form that is not a number) is {@link #ABSENT}.
 *
 * @param host the {@code src} host (a pod's host name, or an address)
 * @param port the {@code src} port (a data server's cmsd reports 0)
 * @param program {@code xrootd} or {@code cmsd} ({@code pgm})
 * @param instance the instance name the daemon was started with ({@code ins}, {@code -n})
 * @param role what the report says the daemon is
 * @param startedAt daemon start, seconds since the epoch ({@code tos})
 * @param reportedAt when the report was made, seconds since the epoch ({@code tod})
 */
public record Report(
        String host,
        int port,
        String program,
        String instance,
        String site,
        String version,
        long pid,
        long startedAt,
        long reportedAt,
        Role role,
        Link link,
        Proc proc,
        Sched sched,
        Buff buff,
        Xrootd xrootd,
        Ofs ofs,
        List<OssPath> paths,
        Cms cms,
        Cache cache) {

    /** A value the report does not hold. */
    public static final long ABSENT = -1;

    public Report {
        paths = List.copyOf(paths);
    }

    /** What the daemon is, in the hook's words. */
    public enum Role {
        /** all.role manager: a manager cmsd ({@code cmsm} role M) or xrootd ({@code ofs} role manager). */
        REDIRECTOR("redirector"),
        /** all.role supervisor ({@code cmsm} role R, {@code ofs} role supervisor). */
        SUPERVISOR("supervisor"),
        /** all.role server ({@code cms} role S, {@code ofs} role server). */
        WORKER("worker"),
        /** A report that does not say. */
        UNKNOWN("unknown");

        private final String label;

        Role(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** {@code link}: connections and bytes. */
    public record Link(long connections, long maxConnections, long connectionsTotal, long inBytes, long outBytes,
                       long timeouts, long stalls, long partialSends) {}

    /** {@code proc}: CPU seconds of the process. */
    public record Proc(double userSeconds, double systemSeconds) {}

    /** {@code sched}: the scheduler's threads and queue; {@code threadLimitHits} is {@code tlimr}. */
    public record Sched(long jobs, long queued, long maxQueued, long threads, long idle, long threadsCreated,
                        long threadsDestroyed, long threadLimitHits) {}

    /** {@code buff}: the buffer pool. */
    public record Buff(long requests, long memoryBytes, long buffers) {}

    /** {@code xrootd}: the protocol's counters; logins and authentication failures under {@code lgn}. */
    public record Xrootd(long sessions, long errors, long redirects, long delays, long logins, long authFailures,
                         long authenticated, long unauthenticated, long opens, long reads, long writes) {}

    /** {@code ofs}: the file system layer, third-party copies under {@code tpc}. */
    public record Ofs(String role, long errors, long tpcGranted, long tpcDenied, long tpcErrors, long tpcExpired) {}

    /** One {@code oss} path: the export's local and real path, space in bytes (the report has KiB), inodes. */
    public record OssPath(String localPath, String realPath, long totalBytes, long freeBytes, long inodes, long freeInodes) {}

    /** A manager's or supervisor's {@code cmsm} section, or a server cmsd's {@code cms} role. */
    public record Cms(String role, long selections, List<Node> nodes) {
        public Cms {
            nodes = List.copyOf(nodes);
        }
    }

    /** A node subscribed to a manager or supervisor, as its cmsd sees it. */
    public record Node(int slot, String host, String role, NodeState state, boolean readWrite, boolean noStage) {}

    /** The first letter of a node's {@code run}. */
    public enum NodeState {
        ACTIVE("active"), SUSPENDED("suspended"), DISABLED("disabled"), OFFLINE("offline"), UNKNOWN("unknown");

        private final String label;

        NodeState(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        static NodeState of(String run) {
            if (run == null || run.isEmpty()) {
                return UNKNOWN;
            }
            return switch (run.charAt(0)) {
                case 'a' -> ACTIVE;
                case 's' -> SUSPENDED;
                case 'd' -> DISABLED;
                case 'o' -> OFFLINE;
                default -> UNKNOWN;
            };
        }
    }

    /** An XCache's {@code cache} section (pfc): the store; 5.5.3 leaves the other counters at 0. */
    public record Cache(long storeBytes, long usedBytes) {}
}
