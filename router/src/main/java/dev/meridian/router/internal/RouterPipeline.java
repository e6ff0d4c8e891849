package dev.meridian.router.internal;

/**
 * Names of the handlers in Meridian's pipelines, in order.
 *
 * <pre>
 * listener channel
 *   (ServerBootstrap)  ConnectionLimitHandler   refuses connections over server.max-connections(-per-ip) at accept
 *
 * client channel                              upstream channel (one per pooled connection)
 *   PROXY_PROTOCOL_DECODER  HAProxyMessageDecoder   (only with listen.proxy-protocol; both leave
 *   PROXY_PROTOCOL    ProxyProtocolHandler        the pipeline after the header)
 *   REQUEST_TIMEOUT   RequestTimeoutHandler      (bytes and read() calls: head and body deadlines)
 *   HTTP_CODEC        HttpServerCodec            UPSTREAM_CODEC    HttpClientCodec
 *   CLIENT_IDLE       IdleStateHandler           UPSTREAM_IDLE     IdleStateHandler (evicts idle pooled connections)
 *   REQUEST_PROGRESS  RequestTimeoutHandler's message side (request heads and ends, responses, idle)
 *   PROXY             ProxyHandler               UPSTREAM          UpstreamHandler
 * </pre>
 *
 * Both channels run with auto-read off: {@code ProxyHandler} and {@code Exchange} ask for more data
 * only while the other side can take it, which is the whole of the data path's backpressure (and
 * what lets {@code REQUEST_TIMEOUT} time a request body only while the router waits for the client).
 */
public final class RouterPipeline {

    public static final String PROXY_PROTOCOL_DECODER = "meridian.proxyProtocolDecoder";
    public static final String PROXY_PROTOCOL = "meridian.proxyProtocol";
    public static final String REQUEST_TIMEOUT = "meridian.requestTimeout";
    public static final String HTTP_CODEC = "meridian.httpCodec";
    public static final String CLIENT_IDLE = "meridian.clientIdle";
    public static final String REQUEST_PROGRESS = "meridian.requestProgress";
    public static final String PROXY = "meridian.proxy";

    public static final String UPSTREAM_CODEC = "meridian.upstreamCodec";
    public static final String UPSTREAM_IDLE = "meridian.upstreamIdle";
    public static final String UPSTREAM = "meridian.upstream";

    private RouterPipeline() {}
}
