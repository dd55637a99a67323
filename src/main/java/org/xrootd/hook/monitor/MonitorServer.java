package org.xrootd.hook.monitor;

import io.javalin.Javalin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-cluster collector: a UDP receiver thread keeps the latest summary report of each daemon
 * ({@link ReportStore}); an HTTP server serves {@code /metrics} ({@link MonitorMetrics}), {@code /insight}
 * (the {@link Insight} as JSON) and {@code /healthz}; once a second the insight is offered to the
 * {@link InsightWriter}, when there is one (with Kubernetes credentials).
 */
public final class MonitorServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MonitorServer.class);

    /** What the collector needs; {@code writer} may be null (a plain exporter). */
    public record Settings(String host, int port, String reportHost, int reportPort, String cluster, Duration interval,
                           Duration forget) {}

    private final Settings settings;
    private final ReportStore store;
    private final MonitorMetrics metrics;
    /**
     * After a wake-up the receiver reads every datagram waiting, then waits this long before it looks
     * again: at 200 datagrams a second it wakes 10 times instead of 200, and it never polls an empty socket.
     * Meanwhile about 20 datagrams (some 60 KB of kernel memory) wait in the socket's buffer, which the
     * kernel grants at 416 KiB even where net.core.rmem_max is its default.
     */
    static final long BATCH_MILLIS = 100;
    /** Asked of the kernel (it may give less: net.core.rmem_max): bursts, and the batching window, wait there. */
    static final int RECEIVE_BUFFER = 4 << 20;

    private final DatagramChannel channel;
    private final Selector selector;
    private final Thread receiver;
    private final Javalin app;
    private final ScheduledExecutorService ticker;
    private final InsightWriter writer;
    private volatile boolean stopping;

    private MonitorServer(Settings settings, InsightWriter writer) throws IOException {
        this.settings = settings;
        this.writer = writer;
        this.store = new ReportStore(System::currentTimeMillis, settings.forget(),
                settings.interval().multipliedBy(MonitorMetrics.STALE_INTERVALS));
        this.metrics = new MonitorMetrics(store, settings.cluster(), settings.interval());
        this.channel = DatagramChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER);
            channel.bind(new InetSocketAddress(settings.reportHost(), settings.reportPort()));
            channel.configureBlocking(false);
            this.selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        this.receiver = new Thread(this::receive, "report-receiver");
        this.receiver.setDaemon(true);
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.get("/metrics", ctx -> ctx.status(200).contentType(metrics.contentType()).result(metrics.scrapeStream()));
            config.routes.get("/insight", ctx -> ctx.status(200).contentType("application/json").result(view().bytes()));
            config.routes.get("/healthz", ctx -> ctx.status(200).contentType("text/plain").result("ok\n"));
        });
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "insight-writer");
            t.setDaemon(true);
            return t;
        });
    }

    public static MonitorServer start(Settings settings, InsightWriter writer) {
        MonitorServer server;
        try {
            server = new MonitorServer(settings, writer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for reports on udp " + settings.reportHost() + ":" + settings.reportPort(), e);
        }
        server.receiver.start();
        server.app.start(settings.host(), settings.port());
        if (writer != null) {
            server.ticker.scheduleWithFixedDelay(server::tick, 1, 1, TimeUnit.SECONDS);
        }
        LOG.info("xrootd monitor for cluster {}: reports on udp {}:{}, metrics on http {}:{}, insight writer {}", settings.cluster(),
                settings.reportHost(), server.reportPort(), settings.host(), server.port(), writer == null ? "off" : "on");
        return server;
    }

    private void receive() {
        ByteBuffer buffer = ByteBuffer.allocate(ReportParser.MAX_DATAGRAM);
        while (!stopping) {
            try {
                selector.select(1000);
                selector.selectedKeys().clear();
                int read = 0;
                SocketAddress from;
                // Bounded, so that a flood cannot keep the loop from seeing it should stop.
                while (read < 100_000 && !stopping && (from = channel.receive(buffer)) != null) {
                    read++;
                    ReportParser.Parsed parsed = store.offer(buffer.array(), buffer.position());
                    if (!parsed.ok() && parsed.error() != null && LOG.isDebugEnabled()) {
                        LOG.debug("not a report from {}: {}: {}", from, parsed.error(),
                                new String(buffer.array(), 0, Math.min(80, buffer.position()), StandardCharsets.ISO_8859_1));
                    }
                    buffer.clear();
                }
                if (read > 0 && !stopping) {
                    Thread.sleep(BATCH_MILLIS);
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | ClosedSelectorException e) {
                if (!stopping) {
                    LOG.warn("report receiver: {}", e.toString());
                }
            } catch (RuntimeException e) {
                LOG.error("report receiver: unexpected failure", e);
            }
        }
    }

    private void tick() {
        try {
            writer.offer(view().json());
        } catch (RuntimeException e) {
            LOG.error("insight writer: unexpected failure", e);
        }
    }

    public Insight insight() {
        return view().insight();
    }

    /**
     * The insight and its JSON, computed again only when the store says a report changed the view, or
     * when time makes a source stale or forgotten; with steady reports, a read (every second by the writer,
     * or on /insight) costs a comparison.
     */
    private record View(long version, long validUntilMillis, Insight insight, String json, byte[] bytes) {}

    private View view;

    private synchronized View view() {
        long now = store.now();
        View v = view;
        if (v != null && v.version() == store.viewVersion() && now < v.validUntilMillis()) {
            return v;
        }
        // The version before the entries: a report arriving meanwhile makes the next read compute again.
        long version = store.viewVersion();
        List<ReportStore.Entry> entries = store.entries();
        List<ReportStore.Drain> drains = store.drains();
        long staleAfter = MonitorMetrics.STALE_INTERVALS * settings.interval().toMillis();
        long validUntil = Long.MAX_VALUE;
        for (ReportStore.Entry e : entries) {
            long staleAt = e.receivedMillis() + staleAfter + 1;
            if (staleAt > now) {
                validUntil = Math.min(validUntil, staleAt);
            }
            validUntil = Math.min(validUntil, e.receivedMillis() + settings.forget().toMillis() + 1);
        }
        for (ReportStore.Drain d : drains) {
            long staleAt = d.receivedMillis() + staleAfter + 1;
            if (staleAt > now) {
                validUntil = Math.min(validUntil, staleAt);
            }
            validUntil = Math.min(validUntil, d.receivedMillis() + settings.forget().toMillis() + 1);
        }
        Insight insight = Insight.of(settings.cluster(), entries, drains, now, settings.interval());
        String json = insight.toJson();
        view = new View(version, validUntil, insight, json, json.getBytes(StandardCharsets.UTF_8));
        return view;
    }

    public int port() {
        return app.port();
    }

    public int reportPort() {
        return channel.socket().getLocalPort();
    }

    public ReportStore store() {
        return store;
    }

    @Override
    public void close() {
        stopping = true;
        ticker.shutdownNow();
        selector.wakeup();
        try {
            receiver.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            selector.close();
            channel.close();
        } catch (IOException e) {
            LOG.warn("closing the report socket: {}", e.toString());
        }
        app.stop();
    }
}
