package dev.meridian.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeakDetectionExtensionTest {

    @Test
    void aDroppedBufferIsReportedAsALeak() {
        dropBuffer();
        // The collector enqueues the dropped buffer's reference on its own time (later on a busy
        // machine), so poll: each round collects, triggers Netty's polling and keeps what it found.
        List<String> leaks = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            leaks.addAll(LeakDetectionExtension.collectLeaks());
            assertThat(leaks)
                    .as("a buffer that was never released must be reported, or leak checks prove nothing")
                    .anySatisfy(leak -> assertThat(leak).contains("LEAK"));
        });
    }

    private static void dropBuffer() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        leaked.writeLong(42);
    }
}
