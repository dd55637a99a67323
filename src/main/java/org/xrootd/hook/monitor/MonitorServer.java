package org.xrootd.hook.monitor;

import io.javalin.Javalin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
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
    private final DatagramSocket socket;
    private final Thread receiver;
    private final Javalin app;
    private final ScheduledExecutorService ticker;
    private final InsightWriter writer;
    private volatile boolean stopping;

    private MonitorServer(Settings settings, InsightWriter writer) throws SocketException {
        this.settings = settings;
        this.writer = writer;
        this.store = new ReportStore(System::currentTimeMillis, settings.forget(),
                settings.interval().multipliedBy(MonitorMetrics.STALE_INTERVALS));
        this.metrics = new MonitorMetrics(store, settings.cluster(), settings.interval());
        this.socket = new DatagramSocket(new InetSocketAddress(settings.reportHost(), settings.reportPort()));
        this.receiver = new Thread(this::receive, "report-receiver");
        this.receiver.setDaemon(true);
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.get("/metrics", ctx -> ctx.status(200).contentType(metrics.contentType()).result(metrics.scrape()));
            config.routes.get("/insight", ctx -> ctx.status(200).contentType("application/json").result(view().json()));
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
        } catch (SocketException e) {
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
        byte[] buffer = new byte[ReportParser.MAX_DATAGRAM];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        while (!stopping) {
            try {
                packet.setLength(buffer.length);
                socket.receive(packet);
                ReportParser.Parsed parsed = store.offer(buffer, packet.getLength());
                if (!parsed.ok() && LOG.isDebugEnabled()) {
                    LOG.debug("not a report from {}: {}: {}", packet.getSocketAddress(), parsed.error(),
                            new String(buffer, 0, Math.min(80, packet.getLength()), StandardCharsets.ISO_8859_1));
                }
            } catch (IOException e) {
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
    private record View(long version, long validUntilMillis, Insight insight, String json) {}

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
        long staleAfter = MonitorMetrics.STALE_INTERVALS * settings.interval().toMillis();
        long validUntil = Long.MAX_VALUE;
        for (ReportStore.Entry e : entries) {
            long staleAt = e.receivedMillis() + staleAfter + 1;
            if (staleAt > now) {
                validUntil = Math.min(validUntil, staleAt);
            }
            validUntil = Math.min(validUntil, e.receivedMillis() + settings.forget().toMillis() + 1);
        }
        Insight insight = Insight.of(settings.cluster(), entries, now, settings.interval());
        view = new View(version, validUntil, insight, insight.toJson());
        return view;
    }

    public int port() {
        return app.port();
    }

    public int reportPort() {
        return socket.getLocalPort();
    }

    public ReportStore store() {
        return store;
    }

    @Override
    public void close() {
        stopping = true;
        ticker.shutdownNow();
        socket.close();
        app.stop();
        try {
            receiver.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
