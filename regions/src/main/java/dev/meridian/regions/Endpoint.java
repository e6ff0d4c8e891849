package dev.meridian.regions;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream replica of a region: a configured endpoint given by IP address, or one address of
 * the answer for a configured endpoint given by host name ({@link #named()}). Its address is
 * resolved before the routing table that holds it is built, so that the data path never resolves
 * names on an event loop; when a DNS answer changes, the next table keeps the endpoints of the
 * addresses still in it (the same objects, with their requests in flight and latency) and adds
 * new ones for the others.
 *
 * <p>The only mutable state is the count of outstanding requests, which the endpoint pick reads
 * and the data path updates from any event loop.
 */
public final class Endpoint {

    private final String region;
    private final URI uri;
    private final InetSocketAddress address;
    private final boolean named;
    private final String authority;
    private final String label;
    private final AtomicInteger outstanding = new AtomicInteger();
    private final PeakEwma timeToFirstByte;

    Endpoint(String region, URI uri, InetSocketAddress address, boolean named, PeakEwma timeToFirstByte) {
        this.region = requireNonNull(region, "region");
        this.uri = requireNonNull(uri, "uri");
        this.address = requireNonNull(address, "address");
        this.named = named;
        int port = address.getPort();
        boolean defaultPort = port == ("https".equals(uri.getScheme()) ? 443 : 80);
        this.authority = defaultPort ? uri.getHost() : uri.getHost() + ':' + port;
        this.label = named && !address.isUnresolved()
                ? uri.getHost() + ':' + port + " (" + address.getAddress().getHostAddress() + ')'
                : uri.getHost() + ':' + port;
        this.timeToFirstByte = requireNonNull(timeToFirstByte, "timeToFirstByte");
    }

    /** The name of the region this endpoint belongs to. */
    public String region() {
        return region;
    }

    /** The endpoint as configured. */
    public URI uri() {
        return uri;
    }

    /** The resolved address to connect to. */
    public InetSocketAddress address() {
        return address;
    }

    /**
     * Whether the endpoint is configured by host name, this replica being one address of the
     * name's DNS answer (then {@link #authority()} is sent as {@code Host}); {@code false} for an
     * endpoint configured by IP address.
     */
    public boolean named() {
        return named;
    }

    /**
     * {@code host[:port]} as configured, without the scheme's default port: the {@code Host} (or
     * {@code :authority}) that a name-based virtual host such as Cloud Run routes on.
     */
    public String authority() {
        return authority;
    }

    /**
     * {@code host:port} as configured, and for a named endpoint the address after it,
     * {@code gw.example.com:443 (10.1.0.7)}: for logs and the admin API (never for client responses).
     */
    public String label() {
        return label;
    }

    /** Requests sent to this endpoint whose responses have not completed yet. */
    public int outstanding() {
        return outstanding.get();
    }

    /** Counts a request as started; pair with exactly one {@link #requestFinished()}. */
    public void requestStarted() {
        outstanding.incrementAndGet();
    }

    /** Counts a request as finished, whatever its outcome. */
    public void requestFinished() {
        outstanding.decrementAndGet();
    }

    /** Records a measured time to first byte; a slow answer raises the estimate at once. */
    public void recordTimeToFirstByte(long nanos) {
        timeToFirstByte.observe(nanos);
    }

    /** The peak-EWMA estimate of this endpoint's time to first byte, in nanoseconds. */
    public double timeToFirstByteNanos() {
        return timeToFirstByte.estimate();
    }

    /**
     * The endpoint pick's score, lower is better: expected time to first byte times the requests
     * that would be in flight with this one. A slow replica and a busy one both score worse.
     */
    public double loadScore() {
        return timeToFirstByte.estimate() * (outstanding.get() + 1);
    }

    @Override
    public String toString() {
        return region + '/' + label;
    }
}
