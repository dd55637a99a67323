package org.xrootd.hook.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.xrootd.hook.monitor.ReportParser;
import org.xrootd.hook.monitor.ReportStore;

/**
 * What the collector's receiver thread does with one datagram: {@link ReportStore#offer} parses it
 * ({@link ReportParser}) and keeps it as its daemon's latest report. One op is one datagram of a real
 * 5.5.3 sample with its host name rewritten as a pod's ({@link MonitorReports}); the last input is a
 * redirector cmsd of a 1000-worker cluster, whose {@code cmsm} section lists 64 nodes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m", "-Xms256m"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class MonitorBench {
    @Param({"worker-xrootd", "worker-cmsd", "manager-cmsd", "manager-cmsd-64"})
    public String input;

    private byte[] datagram;
    private ReportStore store;

    @Setup
    public void load() {
        String host = MonitorReports.host("worker", 7);
        datagram = switch (input) {
            case "worker-xrootd" -> MonitorReports.rewrite("steady-ds1-xrootd", host);
            case "worker-cmsd" -> MonitorReports.rewrite("steady-ds1-cmsd", host);
            case "manager-cmsd" -> MonitorReports.rewrite("steady-manager-cmsd", MonitorReports.host("redirector", 0));
            case "manager-cmsd-64" -> MonitorReports.cluster(2, 1000).get(0);
            default -> throw new IllegalArgumentException(input);
        };
        store = new ReportStore(System::currentTimeMillis, Duration.ofMinutes(60));
        if (!ReportParser.parse(datagram).ok()) {
            throw new IllegalStateException(input + ": " + ReportParser.parse(datagram).error());
        }
    }

    @Benchmark
    public ReportParser.Parsed offer() {
        return store.offer(datagram, datagram.length);
    }

    static int size(String input) {
        MonitorBench bench = new MonitorBench();
        bench.input = input;
        bench.load();
        return bench.datagram.length;
    }
}
