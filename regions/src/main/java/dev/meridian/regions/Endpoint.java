package dev.meridian.regions;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream replica of a region, with its address resolved once, when the routing table is
 * built, so that the data path never resolves names on an event loop.
 *
 * <p>The only mutable state is the count of outstanding requests, which the endpoint pick reads
 * and the data path updates from any event loop.
 */
public final class Endpoint {

    private final String region;
    private final URI uri;
    private final InetSocketAddress address;
    private final String label;
    private final AtomicInteger outstanding = new AtomicInteger();
    private final PeakEwma timeToFirstByte;

    Endpoint(String region, URI uri, InetSocketAddress address, PeakEwma timeToFirstByte) {
        this.region = requireNonNull(region, "region");
        this.uri = requireNonNull(uri, "uri");
        this.address = requireNonNull(address, "address");
        this.label = uri.getHost() + ':' + address.getPort();
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

    /** {@code host:port} as configured, for logs and the admin API (never for client responses). */
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
