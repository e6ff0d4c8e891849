package dev.meridian.loadtest.gateway;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Follows each request/response exchange on a connection: counts requests (per endpoint), request
 * body bytes and completed responses, and counts an exchange as {@code cancelled} when the client
 * closes the connection before its response is complete — the signal the router's tests use to
 * prove that the router cancels upstream exchanges it no longer needs.
 *
 * <p>An exchange runs from the request's headers until the last byte of its (final, non-1xx)
 * response has been written to the socket. The simulator answers one exchange at a time: a request
 * that arrives while one is still in progress is pipelining, which it does not support, so the
 * connection is closed without an answer to the new request. RFC 9112 §9.3.2 lets a server close
 * instead, and the client must then retry the unanswered requests on a new connection.
 */
final class ExchangeTrackingHandler extends ChannelDuplexHandler {

    private final GatewayCounters counters;
    private boolean exchangeInProgress;
    private boolean discarding;

    ExchangeTrackingHandler(GatewayCounters counters) {
        this.counters = counters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (discarding) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request) {
            if (exchangeInProgress) {
                discarding = true;
                ReferenceCountUtil.release(msg);
                ServerInitiatedClose.close(ctx.channel());
                return;
            }
            exchangeInProgress = true;
            counters.requestStarted(GatewayRoute.of(request.uri()));
        }
        if (msg instanceof HttpContent content) {
            counters.bodyBytesReceived(content.content().readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent && !isInformational(msg) && exchangeInProgress) {
            ChannelPromise completion = promise.unvoid();
            completion.addListener(future -> {
                if (future.isSuccess()) {
                    exchangeInProgress = false;
                    counters.responseCompleted();
                }
            });
            ctx.write(msg, completion);
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (exchangeInProgress && !ServerInitiatedClose.isMarked(ctx.channel())) {
            counters.exchangeCancelled();
        }
        exchangeInProgress = false;
        ctx.fireChannelInactive();
    }

    private static boolean isInformational(Object msg) {
        return msg instanceof HttpResponse response && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
    }
}
