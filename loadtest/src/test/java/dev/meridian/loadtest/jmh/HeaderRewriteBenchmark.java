package dev.meridian.loadtest.jmh;

import dev.meridian.router.http.ForwardingHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * Rewriting a typical completion request's and response's headers (hop-by-hop removal, X-Forwarded-*, ids).
 * {@code validating=false} builds the messages with header validation off, as an upper bound on
 * what validation costs: the difference covers the decoder's fields and Meridian's own {@code set}s.
 */
public class HeaderRewriteBenchmark extends HotPathBenchmark {

    /** true: headers as the decoders make them (names and values validated); false: none validated. */
    @Param({"true", "false"})
    public boolean validating;

    private String client;
    private HttpHeadersFactory headers;

    @Setup
    public void setUp() throws Exception {
        // The router writes the client address text once per connection (ClientContext).
        client = InetAddress.getByName("203.0.113.7").getHostAddress();
        headers = DefaultHttpHeadersFactory.headersFactory().withValidation(validating);
    }

    @Benchmark
    public HttpRequest rewriteRequest() {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v2/code/completions", headers);
        request.headers()
                .add("Host", "cloud.gitlab.com")
                .add("Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl")
                .add("Content-Type", "application/json")
                .add("Content-Length", "2048")
                .add("Connection", "keep-alive")
                .add("X-Gitlab-Instance-Id", "8b1f2c")
                .add("X-Gitlab-Realm", "saas")
                .add("X-Gitlab-Global-User-Id", "Df3mQ")
                .add("User-Agent", "gitlab-language-server/7.1");
        ForwardingHeaders.prepareRequest(request, client, "http", ForwardingHeaders.requestId(request.headers()));
        return request;
    }

    @Benchmark
    public HttpResponse rewriteResponse() {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, headers);
        response.headers()
                .add("Content-Type", "application/json")
                .add("Content-Length", "512")
                .add("Keep-Alive", "timeout=5")
                .add("X-Request-ID", "b9f47118007891224ad93fc82e9c9773");
        ForwardingHeaders.prepareResponse(response, "b9f47118007891224ad93fc82e9c9773", "us-east4", true, true, true);
        return response;
    }
}
