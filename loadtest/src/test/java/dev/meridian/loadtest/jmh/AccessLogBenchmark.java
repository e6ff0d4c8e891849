package dev.meridian.loadtest.jmh;

import dev.meridian.router.json.JsonLineWriter;
import dev.meridian.router.metrics.AccessLog;
import dev.meridian.router.metrics.AccessLogFormat;
import java.net.InetAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One access log line as the writer thread makes it: from the entry to UTF-8 bytes in the batch
 * buffer (the writer's {@code AccessLogFormat} over its reused {@code JsonLineWriter}). Run with
 * {@code -prof gc}: the allocation per line ({@code gc.alloc.rate.norm}) is the figure that holds on
 * a busy machine.
 */
@State(Scope.Thread) // the writer's batch buffer is one thread's, as in the access log's writer thread
public class AccessLogBenchmark extends HotPathBenchmark {

    private final JsonLineWriter batch = new JsonLineWriter();
    private final AccessLogFormat format = new AccessLogFormat();
    private AccessLog.Entry entry;

    @Setup
    public void setUp() throws Exception {
        entry = new AccessLog.Entry(1_763_464_000_123L, "4bf92f3577b34da6a3ce929d0e0e4736", "0af7651916cd43dd8448eb211c80319c",
                InetAddress.getByName("203.0.113.9"), "POST", "/v2/code/completions?x=1", "completions", "us-east4",
                "10.1.0.5:5052", 200, 1834, 41_234_567, 43_912_345, 1, "geo");
    }

    @Benchmark
    public int formatLine() {
        batch.reset();
        format.append(entry, batch);
        return batch.size();
    }
}
