package dev.meridian.router.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.RegionConfig;
import dev.meridian.regions.Endpoint;
import dev.meridian.regions.RoutingTable;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Found in review: when not even a socket can be created (out of file descriptors), Netty fails the
 * connect on another thread and never closes a channel, so the pool must free the connection slot
 * and report the failure on its own loop itself.
 */
class UpstreamPoolSocketFailureTest {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aSocketThatCannotBeCreatedFreesItsSlotAndFailsTheLeaseOnTheLoop() throws Exception {
        EventLoop loop = group.next();
        Endpoint endpoint = RoutingTable.build(List.of(RegionConfig.of("east", URI.create("http://127.0.0.1:9"))))
                .regions().get(0).endpoints().get(0);
        Bootstrap noSockets = new Bootstrap().group(loop).channelFactory(() -> {
            throw new IllegalStateException("too many open files (simulated)");
        });
        AtomicInteger slots = new AtomicInteger();
        Http1UpstreamPool pool = new Http1UpstreamPool(endpoint, loop, null, slots,
                new UpstreamPool.Settings(noSockets, 1, 4, 60_000, new TlsFailureLog()));
        CompletableFuture<Boolean> failedOnLoop = new CompletableFuture<>();
        CompletableFuture<UpstreamPool.AcquireFailure> failure = new CompletableFuture<>();

        loop.execute(() -> pool.acquire(new FailingLease(failedOnLoop, failure, loop), 1_000));

        assertThat(failure.get(5, TimeUnit.SECONDS)).isEqualTo(UpstreamPool.AcquireFailure.CONNECT_FAILED);
        assertThat(failedOnLoop.get(5, TimeUnit.SECONDS)).as("the failure is reported on the pool's loop").isTrue();
        assertThat(slots.get()).as("the connection slot is free again").isZero();
    }

    private static final class FailingLease implements UpstreamPool.Lease {
        private final CompletableFuture<Boolean> onLoop;
        private final CompletableFuture<UpstreamPool.AcquireFailure> failure;
        private final EventLoop loop;

        FailingLease(CompletableFuture<Boolean> onLoop, CompletableFuture<UpstreamPool.AcquireFailure> failure, EventLoop loop) {
            this.onLoop = onLoop;
            this.failure = failure;
            this.loop = loop;
        }

        @Override
        public void onAcquired(UpstreamConnection connection) {
            failure.completeExceptionally(new AssertionError("a connection without a socket"));
        }

        @Override
        public void onAcquireFailed(UpstreamPool.AcquireFailure kind, Throwable cause) {
            onLoop.complete(loop.inEventLoop());
            failure.complete(kind);
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void onUpstreamMessage(Object msg) {}

        @Override
        public void onUpstreamReadComplete() {}

        @Override
        public void onUpstreamWritabilityChanged() {}

        @Override
        public void onUpstreamClosed() {}

        @Override
        public void onUpstreamError(Throwable cause) {}

        @Override
        public void onUpstreamRefused(Throwable cause) {}
    }
}
