package dev.meridian.regions;

import java.util.function.LongSupplier;

/**
 * A peak-sensitive moving average of a latency (Finagle's "peak EWMA"): a sample above the
 * estimate replaces it at once, so a replica that turns slow loses traffic immediately; samples
 * below it pull it down with time constant {@code tau}; and the estimate decays while no samples
 * arrive, so a replica that was slow once is tried again.
 *
 * <p>Updated from several event loops without locks: two racing updates may lose one sample,
 * which an estimator like this tolerates; it never blocks and never tears a value (each field is
 * volatile and read once).
 */
final class PeakEwma {

    private final LongSupplier nanoClock;
    private final double tauNanos;
    private volatile double value;
    private volatile long stampNanos;

    PeakEwma(double initialNanos, double tauNanos, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.tauNanos = tauNanos;
        this.value = initialNanos;
        this.stampNanos = nanoClock.getAsLong();
    }

    void observe(long sampleNanos) {
        long now = nanoClock.getAsLong();
        double w = Math.exp(-Math.max(0, now - stampNanos) / tauNanos);
        double sample = Math.max(0, sampleNanos);
        double v = value;
        // Compare with the estimate as a reader sees it now (decayed), then blend with the same weight.
        value = sample > v * w ? sample : v * w + sample * (1 - w);
        stampNanos = now;
    }

    double estimate() {
        return decayed(nanoClock.getAsLong());
    }

    private double decayed(long now) {
        long elapsed = now - stampNanos;
        double v = value;
        return elapsed <= 0 ? v : v * Math.exp(-elapsed / tauNanos);
    }
}
