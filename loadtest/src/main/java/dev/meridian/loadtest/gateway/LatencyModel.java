package dev.meridian.loadtest.gateway;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * How long a simulated gateway "thinks" before it answers: a lognormal distribution given by its
 * median and its 99th percentile.
 *
 * <p>Why lognormal: inference latency is a product of many positive factors (queueing, prompt
 * length, tokens generated), which makes its logarithm roughly normal; a median and a p99 are the
 * two numbers dashboards show, so they are the natural way to describe one. The distribution is
 * {@code exp(mu + sigma * Z)} with {@code mu = ln(median)} and
 * {@code sigma = ln(p99 / median) / 2.326} (2.326 being the standard normal's 99th percentile).
 * Samples are capped at ten times the p99 so one freak draw cannot stall a benchmark.
 *
 * <p>{@code median == p99} is a fixed delay; {@link #none()} is no delay at all. Samples come from
 * {@link ThreadLocalRandom}, so sampling on an event loop neither locks nor allocates.
 */
public record LatencyModel(Duration median, Duration p99) {

    /** The standard normal distribution's 99th percentile. */
    private static final double Z_99 = 2.3263478740408408;

    private static final long CAP_FACTOR = 10;

    /** Validates: both non-negative, {@code p99 >= median}, and a spread only around a positive median. */
    public LatencyModel {
        requireNonNull(median, "median");
        requireNonNull(p99, "p99");
        if (median.isNegative()) {
            throw new IllegalArgumentException("median: " + DurationText.format(median) + " (expected: >= 0)");
        }
        if (p99.compareTo(median) < 0) {
            throw new IllegalArgumentException("p99: " + DurationText.format(p99)
                    + " (expected: >= median " + DurationText.format(median) + ")");
        }
        if (median.isZero() && !p99.isZero()) {
            throw new IllegalArgumentException("p99: " + DurationText.format(p99)
                    + " (expected: 0 when the median is 0; a lognormal needs a positive median)");
        }
        if (p99.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("p99: " + DurationText.format(p99) + " (expected: <= 1h)");
        }
    }

    /** No simulated latency: the gateway answers as fast as it can. */
    public static LatencyModel none() {
        return new LatencyModel(Duration.ZERO, Duration.ZERO);
    }

    /** The same delay for every request. */
    public static LatencyModel fixed(Duration delay) {
        return new LatencyModel(delay, delay);
    }

    /** A lognormal with this median and 99th percentile. */
    public static LatencyModel of(Duration median, Duration p99) {
        return new LatencyModel(median, p99);
    }

    /** Whether this model never delays. */
    public boolean isNone() {
        return median.isZero();
    }

    /** Draws one delay. */
    public Duration sample() {
        return Duration.ofNanos(sampleNanos(ThreadLocalRandom.current()));
    }

    /** Draws one delay in nanoseconds from {@code random} (tests pass a seeded generator). */
    long sampleNanos(RandomGenerator random) {
        long medianNanos = median.toNanos();
        long p99Nanos = p99.toNanos();
        if (medianNanos == 0 || medianNanos == p99Nanos) {
            return medianNanos;
        }
        double sigma = Math.log((double) p99Nanos / medianNanos) / Z_99;
        double sample = medianNanos * Math.exp(sigma * random.nextGaussian());
        return (long) Math.min(sample, (double) p99Nanos * CAP_FACTOR);
    }
}
