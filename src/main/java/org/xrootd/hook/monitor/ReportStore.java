package org.xrootd.hook.monitor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The latest report of each source (a daemon: host, program, instance), with the time it arrived on this
 * collector's clock (never the daemon's, whose clock may differ). Thread-safe: the receiver writes, scrapes
 * and the insight writer read. A source silent for {@code forget} is dropped.
 */
public final class ReportStore {
    /** Bounds memory whatever arrives: a 1000-worker cluster has about 2000 sources. */
    public static final int MAX_SOURCES = 20_000;

    /**
     * One daemon. equals and hashCode written out: the record's generated ones go through method handles,
     * which the collector's C1-only JIT does not fold away, once per datagram.
     */
    public record Source(String host, String program, String instance) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Source s && Objects.equals(host, s.host) && Objects.equals(program, s.program)
                    && Objects.equals(instance, s.instance);
        }

        @Override
        public int hashCode() {
            return (Objects.hashCode(host) * 31 + Objects.hashCode(program)) * 31 + Objects.hashCode(instance);
        }
    }

    /** Its latest report and when it arrived (collector clock, milliseconds). */
    public record Entry(Source source, Report report, long receivedMillis) {}

    /** The latest progress line of a drain Job ({@link DrainProgress}) and when it arrived. */
    public record Drain(DrainProgress progress, long receivedMillis) {}

    /** Bounds the drains kept: one runs at a time per cluster, so a few are plenty. */
    static final int MAX_DRAINS = 16;

    private final Map<Source, Entry> latest = new ConcurrentHashMap<>();
    private final Map<String, Drain> drains = new ConcurrentHashMap<>();
    private final LongSupplier clock;
    private final Duration forget;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong drainLines = new AtomicLong();
    /** Bumped by every change that may change the {@link Insight} (other than time making a source stale). */
    private final AtomicLong viewVersion = new AtomicLong();
    private final long staleAfterMillis;

    public ReportStore(LongSupplier clock, Duration forget) {
        this(clock, forget, Duration.ZERO);
    }

    /**
     * {@code staleAfter}: when a source counts as stale in the insight; a report from a source silent
     * that long changes the view even when it says what the last one said.
     */
    public ReportStore(LongSupplier clock, Duration forget, Duration staleAfter) {
        this.clock = clock;
        this.forget = forget;
        this.staleAfterMillis = staleAfter.toMillis();
    }

    /**
     * Parses one datagram and keeps it if it is a report, or a drain's progress line ({@link DrainProgress});
     * counts it either way.
     */
    public ReportParser.Parsed offer(byte[] data, int length) {
        if (DrainProgress.claims(data, length)) {
            var progress = DrainProgress.parse(data, length);
            if (progress.isPresent()) {
                putDrain(progress.get());
                return new ReportParser.Parsed(null, null);
            }
            rejected.incrementAndGet();
            return new ReportParser.Parsed(null, "a malformed drain progress line");
        }
        ReportParser.Parsed parsed = ReportParser.parse(data, length);
        if (parsed.ok()) {
            put(parsed.report());
        } else {
            rejected.incrementAndGet();
        }
        return parsed;
    }

    public void put(Report report) {
        Source source = new Source(report.host(), report.program(), report.instance());
        if (latest.size() >= MAX_SOURCES && !latest.containsKey(source)) {
            dropped.incrementAndGet();
            return;
        }
        accepted.incrementAndGet();
        long now = clock.getAsLong();
        Entry old = latest.put(source, new Entry(source, report, now));
        if (old == null || now - old.receivedMillis() > staleAfterMillis || !Insight.sameView(old.report(), report)) {
            viewVersion.incrementAndGet();
        }
    }

    /** Keeps a drain's latest progress (by worker); a change of its figures changes the view. */
    public void putDrain(DrainProgress progress) {
        if (drains.size() >= MAX_DRAINS && !drains.containsKey(progress.worker())) {
            dropped.incrementAndGet();
            return;
        }
        drainLines.incrementAndGet();
        long now = clock.getAsLong();
        Drain old = drains.put(progress.worker(), new Drain(progress, now));
        if (old == null || now - old.receivedMillis() > staleAfterMillis || !old.progress().equals(progress)) {
            viewVersion.incrementAndGet();
        }
    }

    /** Every drain heard from within {@code forget}, sorted by worker. */
    public List<Drain> drains() {
        long now = clock.getAsLong();
        if (drains.values().removeIf(d -> now - d.receivedMillis() > forget.toMillis())) {
            viewVersion.incrementAndGet();
        }
        List<Drain> out = new ArrayList<>(drains.values());
        out.sort(Comparator.comparing((Drain d) -> d.progress().worker()));
        return out;
    }

    /**
     * Changes whenever a report may have changed the {@link Insight}: a new source, a forgotten one, one
     * back from silence, or a report whose part of the view differs from its predecessor's. Steady reports
     * (only counters moved) leave it as it is.
     */
    public long viewVersion() {
        return viewVersion.get();
    }

    /** Every source heard from within {@code forget}, sorted (host, program, instance). */
    public List<Entry> entries() {
        long now = clock.getAsLong();
        if (latest.values().removeIf(e -> now - e.receivedMillis() > forget.toMillis())) {
            viewVersion.incrementAndGet();
        }
        List<Entry> out = new ArrayList<>(latest.values());
        out.sort(Comparator.comparing((Entry e) -> e.source().host()).thenComparing(e -> e.source().program())
                .thenComparing(e -> e.source().instance()));
        return out;
    }

    public long now() {
        return clock.getAsLong();
    }

    /** Datagrams that were drain progress lines ({@link DrainProgress}). */
    public long drainLines() {
        return drainLines.get();
    }

    /** Datagrams that were reports. */
    public long accepted() {
        return accepted.get();
    }

    /** Datagrams that were not (garbage, truncated, malformed). */
    public long rejected() {
        return rejected.get();
    }

    /** Reports of new sources turned away at {@link #MAX_SOURCES}. */
    public long dropped() {
        return dropped.get();
    }
}
