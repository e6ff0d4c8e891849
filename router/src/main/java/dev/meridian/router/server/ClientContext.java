package dev.meridian.router.server;

import dev.meridian.config.RouteConfig;
import dev.meridian.regions.ClientAddressResolver;
import dev.meridian.regions.ClientLocation;
import dev.meridian.regions.RoutingRequest;
import dev.meridian.router.exchange.RouterSnapshot;
import dev.meridian.router.http.ForwardingHeaders;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AsciiString;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * Who is at the other end of a client connection: the socket peer, or the source a PROXY protocol
 * header gave, and its text as it goes into {@code X-Forwarded-For}. Worked out once per connection,
 * at its first request (after any PROXY header), and kept on the connection's channel; the streams
 * of an HTTP/2 connection share their connection's.
 *
 * <p>What can change from one request to the next (forwarding headers from a trusted proxy, a
 * location header, the tenant) is read per request by {@link #routingRequest}.
 *
 * <pre>{@code
 * ClientContext client = ClientContext.of(ctx.channel());
 * RoutingRequest routing = client.routingRequest(snapshot, request.headers(), route);
 * }</pre>
 */
final class ClientContext {

    private static final AttributeKey<ClientContext> KEY = AttributeKey.valueOf("meridian.clientContext");
    private static final AsciiString FORWARDED = AsciiString.cached("forwarded");

    private final InetAddress peer;
    private final String peerText;

    ClientContext(InetAddress peer) {
        this.peer = peer;
        this.peerText = ForwardingHeaders.addressText(peer);
    }

    /** The context of the connection {@code channel} belongs to (itself, or an HTTP/2 stream's parent). */
    static ClientContext of(Channel channel) {
        Channel connection = channel instanceof Http2StreamChannel ? channel.parent() : channel;
        Attribute<ClientContext> attribute = connection.attr(KEY);
        ClientContext context = attribute.get();
        if (context == null) {
            context = new ClientContext(peerAddress(connection));
            attribute.set(context);
        }
        return context;
    }

    /** The socket peer, or the source a PROXY protocol header gave. */
    InetAddress peer() {
        return peer;
    }

    /** {@link #peer()} as it appears in {@code X-Forwarded-For}: IPv6 without brackets or zone. */
    String peerText() {
        return peerText;
    }

    /**
     * What the routing policy needs to know about one request: the client's address (believing
     * forwarding headers only from trusted proxies), its location (a trusted location header, else
     * GeoIP, else unknown) and, on sticky routes, the tenant.
     */
    RoutingRequest routingRequest(RouterSnapshot snapshot, HttpHeaders headers, RouteConfig route) {
        ClientAddressResolver clients = snapshot.clients();
        InetAddress client = peer;
        ClientLocation location = null;
        if (clients.isTrusted(peer)) {
            client = clients.resolve(peer, headers.getAll(FORWARDED), headers.getAll(ForwardingHeaders.X_FORWARDED_FOR));
            for (String name : snapshot.config().geo().locationHeaders()) {
                String value = headers.get(name);
                if (value != null && (location = ClientLocation.parseHeader(value)) != null) {
                    break;
                }
            }
        }
        if (location == null) {
            location = snapshot.geo().locate(client);
        }
        String stickyHeader = route.stickyHeader();
        String tenant = stickyHeader == null ? null : headers.get(stickyHeader);
        return new RoutingRequest(client, location, route, tenant);
    }

    private static InetAddress peerAddress(Channel connection) {
        InetAddress proxied = ProxyProtocolHandler.source(connection);
        if (proxied != null) {
            return proxied;
        }
        @Nullable InetAddress address = connection.remoteAddress() instanceof InetSocketAddress
                ? ((InetSocketAddress) connection.remoteAddress()).getAddress() : null;
        return address != null ? address : InetAddress.getLoopbackAddress();
    }
}
