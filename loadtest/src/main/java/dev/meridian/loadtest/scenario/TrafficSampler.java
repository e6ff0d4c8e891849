package dev.meridian.loadtest.scenario;

import dev.meridian.loadtest.gateway.SimulatedGateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads, every {@value #PERIOD_MILLIS} ms on its own thread, how much traffic each region gets, so
 * a scenario can tell when traffic stopped going to a region and when it came back, to a tenth of
 * a second. Two signals, per region:
 *
 * <ul>
 *   <li>{@link Signal#ROUTER_ATTEMPTS}: the router's {@code meridian_upstream_attempts_total}, every
 *       outcome. Counted when an attempt ends, so right for refused connections (they end at once),
 *       wrong for a hung gateway (its attempts end at the first-byte timeout, seconds later).
 *       Retries go preferably to another region than the failed attempt, so a failing region's
 *       attempts are, in practice, first attempts.
 *   <li>{@link Signal#GATEWAY_REQUESTS}: requests the region's simulated gateways received,
 *       counted when the request head arrives: right for a hung gateway, blind to refused ones.
 * </ul>
 */
final class TrafficSampler implements AutoCloseable {

    static final long PERIOD_MILLIS = 100;

    private final @Nullable Testbed bed;
    private final List<String> regions;
    private final long origin;
    private final PeriodicReadings<Sample> samples;

    /** Which count a question is about. */
    enum Signal {
        ROUTER_ATTEMPTS,
        GATEWAY_REQUESTS
    }

    /** One reading: when (ms since the origin) and each region's cumulative counts, in region order. */
    record Sample(long millis, long[] attempts, long[] received) {
        long[] of(Signal signal) {
            return signal == Signal.ROUTER_ATTEMPTS ? attempts : received;
        }
    }

    private volatile Signal signal = Signal.ROUTER_ATTEMPTS;

    /** Starts sampling now; times are counted from {@code originNanos} ({@link System#nanoTime()}). */
    TrafficSampler(Testbed bed, long originNanos) {
        this.bed = bed;
        this.regions = bed.regionNames();
        this.origin = originNanos;
        this.samples = PeriodicReadings.start("scenario-traffic", PERIOD_MILLIS, Duration.ofSeconds(2), this::sample);
    }

    /** A sampler over readings taken elsewhere (tests): nothing is sampled. */
    TrafficSampler(List<String> regions, List<Sample> recorded) {
        this.bed = null;
        this.regions = List.copyOf(regions);
        this.origin = 0;
        this.samples = PeriodicReadings.recorded(recorded);
    }

    private @Nullable Sample sample() {
        Testbed bed = this.bed;
        if (bed == null) {
            return null;
        }
        long[] attempts = new long[regions.size()];
        long[] received = new long[regions.size()];
        for (int i = 0; i < attempts.length; i++) {
            attempts[i] = bed.attempts(regions.get(i));
            for (SimulatedGateway gateway : bed.gateways(regions.get(i))) {
                received[i] += gateway.stats().requestsTo(Testbed.COMPLETIONS);
            }
        }
        long millis = (System.nanoTime() - origin) / 1_000_000;
        return new Sample(millis, attempts, received);
    }

    /** Which signal the questions below answer from (router attempts unless told otherwise). */
    TrafficSampler use(Signal which) {
        this.signal = which;
        return this;
    }

    Signal signal() {
        return signal;
    }

    List<String> regions() {
        return regions;
    }

    List<Sample> samples() {
        return samples.all();
    }

    /**
     * The time (ms since the origin) of the last sample in {@code [fromMillis, toMillis)} at which
     * {@code region} had received attempts since the previous sample; -1 when none did.
     */
    long lastAttemptBetween(String region, long fromMillis, long toMillis) {
        int r = regions.indexOf(region);
        List<Sample> all = samples();
        long last = -1;
        for (int i = 1; i < all.size(); i++) {
            Sample sample = all.get(i);
            if (sample.millis() > fromMillis && sample.millis() <= toMillis
                    && sample.of(signal)[r] > all.get(i - 1).of(signal)[r]) {
                last = sample.millis();
            }
        }
        return last;
    }

    /** The time of the first sample after {@code fromMillis} showing new attempts to {@code region}; -1 when none. */
    long firstAttemptAfter(String region, long fromMillis) {
        int r = regions.indexOf(region);
        List<Sample> all = samples();
        for (int i = 1; i < all.size(); i++) {
            if (all.get(i - 1).millis() >= fromMillis && all.get(i).of(signal)[r] > all.get(i - 1).of(signal)[r]) {
                return all.get(i).millis();
            }
        }
        return -1;
    }

    /** Attempts to {@code region} between two times (ms since the origin), by the samples nearest inside. */
    long attemptsBetween(String region, long fromMillis, long toMillis) {
        int r = regions.indexOf(region);
        Sample first = null;
        Sample last = null;
        for (Sample sample : samples()) {
            if (sample.millis() >= fromMillis && first == null) {
                first = sample;
            }
            if (sample.millis() <= toMillis) {
                last = sample;
            }
        }
        return first == null || last == null || last.millis() < first.millis() ? 0 : last.of(signal)[r] - first.of(signal)[r];
    }

    /**
     * {@code region}'s average share over the 1 s windows that lie wholly between {@code fromMillis}
     * and {@code toMillis}; NaN when there are none.
     */
    double averageShare(String region, long fromMillis, long toMillis) {
        double sum = 0;
        int n = 0;
        for (double[] point : shares(region, 1000)) {
            if (point[0] - 1000 >= fromMillis && point[0] <= toMillis) {
                sum += point[1];
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /**
     * {@code region}'s share of all attempts in windows of {@code windowMillis} ending at each sample
     * (sliding by one sample), as {@code [endMillis, share]} pairs; windows without attempts are skipped.
     */
    List<double[]> shares(String region, long windowMillis) {
        int r = regions.indexOf(region);
        List<Sample> all = samples();
        List<double[]> shares = new ArrayList<>();
        int start = 0;
        for (int end = 1; end < all.size(); end++) {
            while (all.get(end).millis() - all.get(start).millis() > windowMillis) {
                start++;
            }
            if (start == end) {
                continue;
            }
            long mine = all.get(end).of(signal)[r] - all.get(start).of(signal)[r];
            long total = 0;
            for (int i = 0; i < regions.size(); i++) {
                total += all.get(end).of(signal)[i] - all.get(start).of(signal)[i];
            }
            if (total > 0) {
                shares.add(new double[] {all.get(end).millis(), (double) mine / total});
            }
        }
        return shares;
    }

    /**
     * Time (ms since {@code fromMillis}) until {@code region}'s share, over sliding windows of
     * {@code windowMillis}, is within {@code tolerance} of {@code target} for {@code windowsInARow}
     * consecutive windows ending after {@code fromMillis} (the end of the first of them); -1 when it
     * never is before {@code toMillis}. A window may straddle {@code fromMillis}: the share is then
     * what a dashboard with that window would show.
     */
    long convergence(String region, double target, double tolerance, long windowMillis, int windowsInARow,
            long fromMillis, long toMillis) {
        int run = 0;
        long firstOfRun = -1;
        for (double[] point : shares(region, windowMillis)) {
            long end = (long) point[0];
            if (end <= fromMillis || end > toMillis) {
                continue;
            }
            if (Math.abs(point[1] - target) <= tolerance) {
                if (run == 0) {
                    firstOfRun = end;
                }
                run++;
                if (run >= windowsInARow) {
                    return firstOfRun - fromMillis;
                }
            } else {
                run = 0;
            }
        }
        return -1;
    }

    /** Attempts per second of each region in whole seconds since the origin: {@code [second][region]}. */
    double[][] perSecond(int seconds) {
        double[][] rates = new double[seconds][regions.size()];
        List<Sample> all = samples();
        for (int s = 0; s < seconds; s++) {
            long from = s * 1000L;
            long to = from + 1000;
            for (int r = 0; r < regions.size(); r++) {
                rates[s][r] = attemptsBetween(regions.get(r), from, to) * 1000.0 / Math.max(1, span(all, from, to));
            }
        }
        return rates;
    }

    private static long span(List<Sample> all, long from, long to) {
        long first = -1;
        long last = -1;
        for (Sample sample : all) {
            if (sample.millis() >= from && first < 0) {
                first = sample.millis();
            }
            if (sample.millis() <= to) {
                last = sample.millis();
            }
        }
        return first < 0 || last <= first ? 1000 : last - first;
    }

    @Override
    public void close() {
        samples.close();
    }
}
