package dev.meridian.loadtest.load;

/**
 * The four latencies a load result records for every response, each in its own histogram.
 *
 * <p>"Corrected" latencies start at the request's intended send time, "service" latencies at the
 * moment it was actually written. In a closed loop the two are the same; in an open loop the
 * difference is the time a request waited for a free connection, which is exactly what a client
 * of a stalled server experiences and what a closed-loop tool leaves out (coordinated omission).
 */
public enum LatencyMeasure {

    /** Intended send time to response head (status line and headers) received. */
    TTFB("time to first byte"),

    /** Intended send time to the end of the response body. */
    TOTAL("time to last byte"),

    /** Actual send time to response head received: what the server took, without queueing. */
    SERVICE_TTFB("service time to first byte"),

    /** Actual send time to the end of the response body. */
    SERVICE_TOTAL("service time to last byte");

    private final String label;

    LatencyMeasure(String label) {
        this.label = label;
    }

    /** A human label for tables and plot legends. */
    public String label() {
        return label;
    }

    /** The JSON key: {@code ttfb}, {@code total}, {@code serviceTtfb}, {@code serviceTotal}. */
    String jsonKey() {
        return switch (this) {
            case TTFB -> "ttfb";
            case TOTAL -> "total";
            case SERVICE_TTFB -> "serviceTtfb";
            case SERVICE_TOTAL -> "serviceTotal";
        };
    }
}
