package dev.meridian.loadtest.gateway;

/**
 * Names of the handlers in a data connection's pipeline, in order from the socket inwards. The
 * first handlers pick the protocol and then make way for its handlers:
 *
 * <pre>
 *  socket
 *    │
 *  connection-stats    ConnectionStatsHandler    counts accepted/open connections      (@Sharable)
 *  tls                 SslHandler                with a TLS data port only
 *  alpn                ApplicationProtocolNegotiationHandler  TLS: h2 or http/1.1, then removed
 *  h2c-preface         H2cPrefaceSniffer         plaintext: HTTP/2 preface or HTTP/1.1, then removed
 *    │
 *    ├── HTTP/1.1
 *    │   http-codec          HttpServerCodec           HTTP/1.1 framing with size limits
 *    │   keep-alive          HttpServerKeepAliveHandler  Connection: close / keep-alive (RFC 9112 §9.3)
 *    │   (gateway handlers, below)
 *    │
 *    └── HTTP/2
 *        http2-codec         Http2FrameCodec           HTTP/2 framing, flow control, settings
 *        http2-multiplex     Http2MultiplexHandler     one child channel per stream:
 *          http2-stream-dispatch  Http2StreamDispatcher   picks REST or gRPC from the headers, then removed
 *          ├── REST:  http2-to-http  Http2StreamFrameToHttpObjectCodec, then the gateway handlers
 *          └── gRPC:  grpc           GrpcStreamHandler     Chat/Converse and Health/Check
 *
 *  gateway handlers:
 *  gateway-headers     GatewayHeadersHandler     X-Sim-Gateway and X-Request-ID on every response
 *  malformed-request   MalformedRequestHandler   400/414/431 and close on undecodable input (@Sharable)
 *  expect-continue     HttpServerExpectContinueHandler  100 Continue (RFC 9110 §10.1.1)
 *  exchange-tracking   ExchangeTrackingHandler   request/response lifecycle: counts, cancellations, no pipelining
 *  fault-injection     FaultInjectionHandler     latency, hang, error answers, X-Sim-Delay / X-Sim-Status
 *  endpoints           EndpointHandler           the gateway's endpoints and their response streams
 * </pre>
 *
 * <p>Handlers that answer on their own (malformed-request, fault-injection, endpoints) sit inside
 * gateway-headers and exchange-tracking, so every answer is stamped and counted the same way.
 */
final class GatewayPipeline {

    static final String CONNECTION_STATS = "connection-stats";
    static final String TLS = "tls";
    static final String ALPN = "alpn";
    static final String H2C_PREFACE = "h2c-preface";
    static final String HTTP2_CODEC = "http2-codec";
    static final String HTTP2_MULTIPLEX = "http2-multiplex";
    static final String HTTP2_STREAM_DISPATCH = "http2-stream-dispatch";
    static final String HTTP2_TO_HTTP = "http2-to-http";
    static final String GRPC = "grpc";
    static final String HTTP_CODEC = "http-codec";
    static final String KEEP_ALIVE = "keep-alive";
    static final String GATEWAY_HEADERS = "gateway-headers";
    static final String MALFORMED_REQUEST = "malformed-request";
    static final String EXPECT_CONTINUE = "expect-continue";
    static final String EXCHANGE_TRACKING = "exchange-tracking";
    static final String FAULT_INJECTION = "fault-injection";
    static final String ENDPOINTS = "endpoints";

    /** The control port's pipeline: codec, keep-alive, a bounded aggregator, the control handler. */
    static final String CONTROL_CODEC = "control-codec";
    static final String CONTROL_KEEP_ALIVE = "control-keep-alive";
    static final String CONTROL_AGGREGATOR = "control-aggregator";
    static final String CONTROL = "control";

    private GatewayPipeline() {
    }
}
