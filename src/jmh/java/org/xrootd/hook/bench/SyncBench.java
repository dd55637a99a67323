package org.xrootd.hook.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.openjdk.jmh.infra.Blackhole;
import org.xrootd.hook.json.Json;
import org.xrootd.hook.metacontroller.HookRequest;
import org.xrootd.hook.reconcile.SyncHandler;

/**
 * The cost of one sync as the HTTP handler pays it (request bytes in, response bytes out), against the
 * floor any tree-based hook pays: Jackson reading the same request bytes and writing the same response.
 * Inputs are the files {@link BenchTool} writes (system property bench.inputs, default
 * target/bench/inputs); tests/bench/run.sh runs this twice, with the worker cap as shipped and raised.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m", "-Xms512m"})
// Ten seconds of warm-up: on a busy 2-core machine C2 needs that long to finish compiling the sync path.
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 2)
public class SyncBench {
    @Param({"sample", "workers-100", "workers-500"})
    public String input;

    private byte[] request;
    private JsonNode response;

    @Setup
    public void load() throws Exception {
        request = Files.readAllBytes(inputs().resolve(input + ".json"));
        response = Json.MAPPER.readTree(sync(request));
    }

    /** Parse, model, children, status, serialize: what POST /sync does between the socket and the log line. */
    @Benchmark
    public byte[] sync() throws Exception {
        return sync(request);
    }

    /** Jackson alone: read the request into a tree and write the response tree. */
    @Benchmark
    public byte[] floor(Blackhole blackhole) throws IOException {
        blackhole.consume(Json.MAPPER.readTree(request));
        return Json.MAPPER.writeValueAsBytes(response);
    }

    static byte[] sync(byte[] body) throws Exception {
        return Json.MAPPER.writeValueAsBytes(SyncHandler.handle(HookRequest.parse(body)).response().toJson());
    }

    static Path inputs() {
        return Path.of(System.getProperty("bench.inputs", "target/bench/inputs"));
    }
}
