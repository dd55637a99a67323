package org.xrootd.hook.bench;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The load of a cluster's daemons on its collector, for tests/bench/run.sh: every daemon
 * ({@link MonitorReports#cluster}) sends its report once per interval, the daemons spread evenly over the
 * interval in a shuffled order (real daemons start at different times, so their reports do not come in
 * bursts). Meanwhile, as in production, {@code /insight} is read once a second (what the insight writer's
 * tick computes; the collector started without Kubernetes credentials has no writer) and {@code /metrics}
 * every 15 s (a Prometheus scrape).
 *
 * <pre>MonitorLoad HOST REPORT_PORT HTTP_PORT SECONDS WORKERS REDIRECTORS INTERVAL_SECONDS</pre>
 *
 * Prints {@code key=value} lines for the script's results.
 */
public final class MonitorLoad {
    private MonitorLoad() {}

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int reportPort = Integer.parseInt(args[1]);
        int httpPort = Integer.parseInt(args[2]);
        long seconds = Long.parseLong(args[3]);
        int workers = Integer.parseInt(args[4]);
        int redirectors = Integer.parseInt(args[5]);
        long intervalNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[6]));

        List<byte[]> datagrams = new ArrayList<>(MonitorReports.cluster(redirectors, workers));
        Collections.shuffle(datagrams, new Random(16));
        long bytes = 0;
        int largest = 0;
        for (byte[] d : datagrams) {
            bytes += d.length;
            largest = Math.max(largest, d.length);
        }

        HttpClient http = HttpClient.newHttpClient();
        AtomicLong insightReads = new AtomicLong();
        AtomicLong scrapes = new AtomicLong();
        AtomicLong httpErrors = new AtomicLong();
        ScheduledExecutorService readers = Executors.newScheduledThreadPool(2);
        readers.scheduleAtFixedRate(() -> get(http, host, httpPort, "/insight", insightReads, httpErrors), 1, 1, TimeUnit.SECONDS);
        readers.scheduleAtFixedRate(() -> get(http, host, httpPort, "/metrics", scrapes, httpErrors), 15, 15, TimeUnit.SECONDS);

        long sent = 0;
        long late = 0;
        try (DatagramSocket socket = new DatagramSocket()) {
            InetSocketAddress target = new InetSocketAddress(host, reportPort);
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            long step = intervalNanos / datagrams.size();
            for (long k = 0; ; k++) {
                long due = start + k * step;
                if (due >= end) {
                    break;
                }
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                } else if (wait < -TimeUnit.MILLISECONDS.toNanos(100)) {
                    late++;
                }
                byte[] d = datagrams.get((int) (k % datagrams.size()));
                socket.send(new DatagramPacket(d, d.length, target));
                sent++;
            }
        }
        readers.shutdown();
        readers.awaitTermination(10, TimeUnit.SECONDS);

        System.out.println("monitor.daemons=" + datagrams.size());
        System.out.println("monitor.workers=" + workers);
        System.out.println("monitor.redirectors=" + redirectors);
        System.out.println("monitor.supervisors=" + org.xrootd.hook.model.Supervisors.required(workers));
        System.out.println("monitor.interval.seconds=" + args[6]);
        System.out.println("monitor.datagram.mean.bytes=" + bytes / datagrams.size());
        System.out.println("monitor.datagram.max.bytes=" + largest);
        System.out.println("monitor.sent=" + sent);
        System.out.println("monitor.sent.late=" + late);
        System.out.println("monitor.send.seconds=" + seconds);
        System.out.println("monitor.insight.reads=" + insightReads.get());
        System.out.println("monitor.scrapes=" + scrapes.get());
        System.out.println("monitor.http.errors=" + httpErrors.get());
    }

    private static void get(HttpClient http, String host, int port, String path, AtomicLong ok, AtomicLong errors) {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            (response.statusCode() == 200 ? ok : errors).incrementAndGet();
        } catch (Exception e) {
            errors.incrementAndGet();
        }
    }
}
