package dev.meridian.router.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** All-idle events after the timeout without reads or writes, and no promise made per write. */
class IdleTimeoutHandlerTest {

    private final List<Object> events = new ArrayList<>();
    private final List<ChannelPromise> promises = new ArrayList<>();

    private EmbeddedChannel channel(long timeoutMillis) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                promises.add(promise);
                ctx.write(msg, promise);
            }
        }, new IdleTimeoutHandler(timeoutMillis), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }
        });
        return channel;
    }

    private static void advance(EmbeddedChannel channel, long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void aConnectionWithoutReadsOrWritesIsReportedAllIdleAfterTheTimeout() {
        EmbeddedChannel channel = channel(1000);
        advance(channel, 999);
        assertThat(events).isEmpty();
        advance(channel, 1);
        assertThat(events).containsExactly(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT);
        advance(channel, 1000);
        assertThat(events).containsExactly(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT, IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aReadOrAWriteRestartsTheTimeout() {
        EmbeddedChannel channel = channel(1000);
        advance(channel, 600);
        channel.writeOutbound("response");
        advance(channel, 600);
        assertThat(events).as("600 ms after the write").isEmpty();
        channel.writeInbound("request");
        advance(channel, 600);
        assertThat(events).as("600 ms after the read").isEmpty();
        advance(channel, 400);
        assertThat(events).containsExactly(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT);
        assertThat(channel.finishAndReleaseAll()).isTrue();
    }

    @Test
    void aVoidPromiseStaysVoid() {
        EmbeddedChannel channel = channel(1000);
        channel.writeAndFlush("chunk", channel.voidPromise());
        assertThat(promises).hasSize(1);
        assertThat(promises.get(0).isVoid())
                .as("Netty's all-idle tracking would have made a real promise with a listener")
                .isTrue();
        assertThat(channel.finishAndReleaseAll()).isTrue();
    }
}
