package dev.meridian.loadtest.gateway;

import dev.meridian.router.json.JsonLineWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Builds complete JSON responses with {@code Content-Type} and {@code Content-Length} set, the one
 * shape every non-streaming answer of the simulator (data and control port) has.
 */
final class JsonResponse {

    private JsonResponse() {
    }

    /** A response with {@code json} (UTF-8 encoded into a buffer from {@code alloc}) as its body. */
    static FullHttpResponse of(ByteBufAllocator alloc, HttpResponseStatus status, CharSequence json) {
        ByteBuf body = ByteBufUtil.writeUtf8(alloc, json);
        return of(status, body);
    }

    /** A response owning {@code body} (released with the response). */
    static FullHttpResponse of(HttpResponseStatus status, ByteBuf body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return response;
    }

    /** The gateway's error shape, FastAPI's: {@code {"detail": "..."}}. */
    static FullHttpResponse detail(ByteBufAllocator alloc, HttpResponseStatus status, String detail) {
        StringBuilder json = new StringBuilder(detail.length() + 16).append("{\"detail\":");
        JsonLineWriter.appendQuoted(json, detail).append('}');
        return of(alloc, status, json);
    }

    /** The control port's error shape: {@code {"error": "...", "detail": "..."}}. */
    static FullHttpResponse error(ByteBufAllocator alloc, HttpResponseStatus status, String error, String detail) {
        StringBuilder json = new StringBuilder(detail.length() + error.length() + 24).append("{\"error\":");
        JsonLineWriter.appendQuoted(json, error).append(",\"detail\":");
        JsonLineWriter.appendQuoted(json, detail).append('}');
        return of(alloc, status, json);
    }
}
