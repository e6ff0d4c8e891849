package dev.meridian.loadtest.load;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Map;

/**
 * A {@link RequestTemplate} turned into what an event loop writes: the method, the headers
 * (validated once, with {@code Host}, {@code Content-Length} and {@code User-Agent} filled in) and
 * the body bytes. One instance per event loop, so the headers object is only ever read by one
 * thread; each {@link #newRequest()} wraps the shared body without copying it.
 */
final class PreparedRequest {

    static final String USER_AGENT = "meridian-loadgen";

    private final HttpMethod method;
    private final String path;
    private final HttpHeaders headers;
    private final byte[] body;

    PreparedRequest(RequestTemplate template, String hostHeader) {
        this.method = HttpMethod.valueOf(template.method());
        this.path = template.path();
        this.body = template.bodyBytes();
        HttpHeaders built = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        for (Map.Entry<String, String> header : template.headers().entrySet()) {
            built.add(header.getKey(), header.getValue());
        }
        if (!built.contains(HttpHeaderNames.HOST)) {
            built.set(HttpHeaderNames.HOST, hostHeader);
        }
        if (!built.contains(HttpHeaderNames.USER_AGENT)) {
            built.set(HttpHeaderNames.USER_AGENT, USER_AGENT);
        }
        boolean mayHaveBody = !method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD);
        if (!built.contains(HttpHeaderNames.TRANSFER_ENCODING) && (body.length > 0 || mayHaveBody)) {
            built.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        }
        this.headers = built;
    }

    /**
     * A request to write. The headers are shared, not copied: the HTTP encoder only reads them,
     * and nothing else on this event loop's pipeline touches requests.
     */
    FullHttpRequest newRequest() {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path,
                body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body), headers, EmptyHttpHeaders.INSTANCE);
    }
}
