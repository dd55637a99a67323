package org.xrootd.hook.monitor;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The progress line a drain Job's script (children/drain.sh) sends to the monitor after every file it
 * moves, one UDP datagram:
 * {@code xrootd-drain 1 cluster=C worker=W job=UID state=running|done|failed pass=N files_done=N bytes_done=N files_left=N bytes_left=N}.
 * The done counts are what the current run of the script moved; the left counts what its current pass's
 * listing of the draining worker still holds; {@code job} is the drain Job's uid (empty when the script runs
 * outside a Job).
 */
public record DrainProgress(String cluster, String worker, String job, String state, long pass, long filesDone, long bytesDone, long filesLeft,
                            long bytesLeft) {
    /** What every progress datagram starts with (an xrd.report datagram starts with {@code <}). */
    public static final String PREFIX = "xrootd-drain 1 ";
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Pattern UID = Pattern.compile("[0-9a-f-]{0,64}");
    private static final java.util.Set<String> STATES = java.util.Set.of("running", "done", "failed");
    private static final int MAX_LENGTH = 1024;

    /** Whether a datagram claims to be a progress line (and so is not a report). */
    public static boolean claims(byte[] data, int length) {
        if (length < PREFIX.length()) {
            return false;
        }
        for (int i = 0; i < PREFIX.length(); i++) {
            if (data[i] != PREFIX.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The progress of a well-formed line; empty for anything else (never throws). */
    public static Optional<DrainProgress> parse(byte[] data, int length) {
        if (!claims(data, length) || length > MAX_LENGTH) {
            return Optional.empty();
        }
        String line = new String(data, 0, length, StandardCharsets.US_ASCII).strip();
        Map<String, String> fields = new HashMap<>();
        for (String word : line.substring(PREFIX.length()).split(" +")) {
            int eq = word.indexOf('=');
            if (eq <= 0 || fields.put(word.substring(0, eq), word.substring(eq + 1)) != null) {
                return Optional.empty();
            }
        }
        String cluster = fields.get("cluster");
        String worker = fields.get("worker");
        String state = fields.get("state");
        String job = fields.get("job");
        if (job == null || !UID.matcher(job).matches() || cluster == null || worker == null || !NAME.matcher(cluster).matches() || !NAME.matcher(worker).matches()
                || state == null || !STATES.contains(state)) {
            return Optional.empty();
        }
        long[] numbers = new long[5];
        String[] keys = {"pass", "files_done", "bytes_done", "files_left", "bytes_left"};
        for (int i = 0; i < keys.length; i++) {
            String value = fields.get(keys[i]);
            if (value == null || !value.matches("[0-9]{1,18}")) {
                return Optional.empty();
            }
            numbers[i] = Long.parseLong(value);
        }
        return Optional.of(new DrainProgress(cluster, worker, job, state, numbers[0], numbers[1], numbers[2], numbers[3], numbers[4]));
    }
}
