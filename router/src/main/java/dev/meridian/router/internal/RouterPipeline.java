package dev.meridian.router.internal;

/**
 * Names of the handlers in Meridian's pipelines, in order.
 *
 * <pre>
 * client channel                              upstream channel (one per pooled connection)
 *   PROXY_PROTOCOL_DECODER  HAProxyMessageDecoder   (only with listen.proxy-protocol; both leave
 *   PROXY_PROTOCOL    ProxyProtocolHandler        the pipeline after the header)
 *                                                UPSTREAM_TLS      SslHandler (https:// endpoints only)
 *   HTTP_CODEC        HttpServerCodec            UPSTREAM_CODEC    HttpClientCodec
 *   CLIENT_IDLE       IdleStateHandler           UPSTREAM_IDLE     IdleStateHandler (evicts idle pooled connections)
 *   PROXY             ProxyHandler               UPSTREAM          UpstreamHandler
 *
 * upstream HTTP/2 connection (h2c, h2)          upstream HTTP/2 stream (one per exchange)
 *   UPSTREAM_TLS          SslHandler (h2 only)     UPSTREAM_CODEC      Http2StreamFrameToHttpObjectCodec
 *   UPSTREAM_IDLE         IdleStateHandler         UPSTREAM_H2_STREAM  Http2StreamHandler
 *   UPSTREAM_H2_CODEC     Http2FrameCodec          UPSTREAM            UpstreamHandler
 *   UPSTREAM_H2_MULTIPLEX Http2MultiplexHandler
 *   UPSTREAM_H2_CONNECTION  the pool's connection handler (SETTINGS, GOAWAY, idle)
 * </pre>
 *
 * Client, HTTP/1.1 upstream and HTTP/2 stream channels run with auto-read off (an HTTP/2
 * connection reads all the time; flow control paces each stream): {@code ProxyHandler} and {@code Exchange} ask for more data
 * only while the other side can take it, which is the whole of the data path's backpressure.
 */
public final class RouterPipeline {

    public static final String PROXY_PROTOCOL_DECODER = "meridian.proxyProtocolDecoder";
    public static final String PROXY_PROTOCOL = "meridian.proxyProtocol";
    public static final String HTTP_CODEC = "meridian.httpCodec";
    public static final String CLIENT_IDLE = "meridian.clientIdle";
    public static final String PROXY = "meridian.proxy";

    public static final String UPSTREAM_TLS = "meridian.upstreamTls";
    public static final String UPSTREAM_CODEC = "meridian.upstreamCodec";
    public static final String UPSTREAM_H2_CODEC = "meridian.upstreamH2Codec";
    public static final String UPSTREAM_H2_MULTIPLEX = "meridian.upstreamH2Multiplex";
    public static final String UPSTREAM_H2_CONNECTION = "meridian.upstreamH2Connection";
    public static final String UPSTREAM_H2_STREAM = "meridian.upstreamH2Stream";
    public static final String UPSTREAM_IDLE = "meridian.upstreamIdle";
    public static final String UPSTREAM = "meridian.upstream";

    private RouterPipeline() {}
}
