package dev.meridian.health.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

class LeakDetectionExtensionTest {

    @Test
    void aDroppedBufferIsReportedAsALeak() {
        dropBuffer();
        assertThat(LeakDetectionExtension.collectLeaks())
                .as("a buffer that was never released must be reported, or leak checks prove nothing")
                .anySatisfy(leak -> assertThat(leak).contains("LEAK"));
    }

    private static void dropBuffer() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        leaked.writeLong(42);
    }
}
