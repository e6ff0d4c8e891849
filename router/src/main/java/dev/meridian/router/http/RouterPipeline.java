package dev.meridian.router.http;

import java.util.List;

/**
 * Names of the handlers in Meridian's pipelines, in order.
 *
 * <pre>
 * listener channel
 *   (ServerBootstrap)  ConnectionLimitHandler   refuses connections over server.max-connections(-per-ip) at accept
 *
 * client connection, HTTP/1.1                       upstream channel (one per pooled connection)
 *   PROXY_PROTOCOL_DECODER  HAProxyMessageDecoder      (only with listen.proxy-protocol; both leave
 *   PROXY_PROTOCOL    ProxyProtocolHandler           the pipeline after the header)
 *   TLS               SslHandler                     (only with listen.tls)
 *   ALPN              AlpnProtocolSelector           (only with listen.tls; leaves after the handshake)
 *   REQUEST_TIMEOUT   RequestTimeoutHandler          (bytes and read() calls: head and body deadlines)
 *   H2C_DETECT        h2c preface / upgrade check    (plaintext with HTTP/2 on; leaves at the first request)
 *   HTTP_CODEC        HttpServerCodec                UPSTREAM_CODEC    HttpClientCodec
 *   CLIENT_IDLE       IdleTimeoutHandler             UPSTREAM_IDLE     IdleTimeoutHandler (evicts idle pooled connections)
 *   REQUEST_PROGRESS  RequestTimeoutHandler's message side (request heads and ends, responses, idle)
 *   PIPELINING        PipeliningHandler              (one request at a time; holds what a client pipelines)
 *   REQUEST_VALIDATION RequestValidationHandler     (framing, limits, Expect: answers a bad request itself)
 *   PROXY             ProxyHandler                   UPSTREAM_HOST     UpstreamHostHandler (endpoints given by name)
 *                                                   UPSTREAM          UpstreamHandler
 *
 *                                                   UPSTREAM_TLS      SslHandler (https:// endpoints), before UPSTREAM_CODEC
 *
 * upstream HTTP/2 connection (h2c, h2)          upstream HTTP/2 stream (one per exchange)
 *   UPSTREAM_TLS          SslHandler (h2 only)     UPSTREAM_HOST       UpstreamHostHandler (endpoints given by name: :authority)
 *   UPSTREAM_IDLE         IdleTimeoutHandler       UPSTREAM_CODEC      Http2StreamFrameToHttpObjectCodec
 *   UPSTREAM_H2_CODEC     Http2FrameCodec          UPSTREAM_H2_STREAM  Http2StreamHandler
 *   UPSTREAM_H2_MULTIPLEX Http2MultiplexHandler    UPSTREAM            UpstreamHandler
 *   UPSTREAM_H2_CONNECTION  the pool's connection handler (SETTINGS, GOAWAY, idle)
 *
 * client connection, HTTP/2 (the HTTP/1.1 handlers above are gone)
 *   [PROXY_PROTOCOL, TLS]
 *   H2_CODEC          Http2FrameCodec (SETTINGS limits, rapid-reset guard)
 *   H2_MULTIPLEX      Http2MultiplexHandler: one child channel per stream, each with
 *                       H2_STREAM_CODEC  Http2StreamFrameToHttpObjectCodec
 *                       REQUEST_VALIDATION RequestValidationHandler
 *                       PROXY            ProxyHandler
 *   H2_IDLE           IdleTimeoutHandler
 *   H2_GUARD          closes idle connections, drains gracefully
 * </pre>
 *
 * Channels and streams run with auto-read off, except an HTTP/2 connection, which must always read
 * its control frames: {@code ProxyHandler} and {@code Exchange} ask for more data only while the
 * other side can take it, which is the whole of the data path's backpressure.
 */
public final class RouterPipeline {

    public static final String PROXY_PROTOCOL_DECODER = "meridian.proxyProtocolDecoder";
    public static final String PROXY_PROTOCOL = "meridian.proxyProtocol";
    public static final String TLS = "meridian.tls";
    public static final String ALPN = "meridian.alpn";
    public static final String H2C_DETECT = "meridian.h2cDetect";
    public static final String REQUEST_TIMEOUT = "meridian.requestTimeout";
    public static final String HTTP_CODEC = "meridian.httpCodec";
    public static final String CLIENT_IDLE = "meridian.clientIdle";
    public static final String REQUEST_PROGRESS = "meridian.requestProgress";
    public static final String PIPELINING = "meridian.pipelining";
    public static final String REQUEST_VALIDATION = "meridian.requestValidation";
    public static final String PROXY = "meridian.proxy";

    public static final String H2_CODEC = "meridian.h2Codec";
    public static final String H2_MULTIPLEX = "meridian.h2Multiplex";
    public static final String H2_IDLE = "meridian.h2Idle";
    public static final String H2_GUARD = "meridian.h2Guard";
    public static final String H2_STREAM_CODEC = "meridian.h2StreamCodec";

    /** The handlers an HTTP/1.1 connection has and an HTTP/2 one must not (removed when a connection switches). */
    public static final List<String> HTTP1_ONLY = List.of(REQUEST_TIMEOUT, CLIENT_IDLE, REQUEST_PROGRESS, PIPELINING, REQUEST_VALIDATION,
            PROXY);

    public static final String UPSTREAM_TLS = "meridian.upstreamTls";
    public static final String UPSTREAM_CODEC = "meridian.upstreamCodec";
    public static final String UPSTREAM_H2_CODEC = "meridian.upstreamH2Codec";
    public static final String UPSTREAM_H2_MULTIPLEX = "meridian.upstreamH2Multiplex";
    public static final String UPSTREAM_H2_CONNECTION = "meridian.upstreamH2Connection";
    public static final String UPSTREAM_H2_STREAM = "meridian.upstreamH2Stream";
    public static final String UPSTREAM_IDLE = "meridian.upstreamIdle";
    public static final String UPSTREAM_HOST = "meridian.upstreamHost";
    public static final String UPSTREAM = "meridian.upstream";

    private RouterPipeline() {}
}
