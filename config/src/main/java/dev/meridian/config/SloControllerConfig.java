package dev.meridian.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The SLO-driven controller: it judges each region's SLIs (upstream attempt error ratio, Apdex of
 * time to first byte) over a short and a long window against the objectives, and turns a region's
 * traffic dial down by {@code step} when both windows burn the error budget faster than
 * {@code burnThreshold}, back up when the burn stayed below 1 for {@code coolDown}. Percentages are
 * fractions here ({@code 0.999} for {@code 99.9%}).
 *
 * @param mode off, advise (judge and show) or act (turn dials)
 * @param shortWindow the short window (at least {@code interval})
 * @param longWindow the long window (longer than {@code shortWindow}, at most {@link #MAX_WINDOW})
 * @param availability the availability objective, in (0, 1)
 * @param apdex the Apdex objective, in (0, 1)
 * @param burnThreshold both windows burning faster than this turn a region down, 1..1000
 * @param step the fraction one step takes off a dial (down: × (1 − step); up: ÷ (1 − step)), in (0, 1)
 * @param floor the lowest dial the controller sets, in [0, 1)
 * @param coolDown how long the burn must stay below 1 before a step up; also the least time between two steps
 * @param interval how often the SLIs are sampled and judged (at least {@link #MIN_INTERVAL})
 * @param minAttempts attempts a region needs in the short window to be judged, 1..1000000
 */
public record SloControllerConfig(
        ControllerMode mode,
        Duration shortWindow,
        Duration longWindow,
        double availability,
        double apdex,
        double burnThreshold,
        double step,
        double floor,
        Duration coolDown,
        Duration interval,
        int minAttempts) {

    /** Shortest evaluation period: the sampling is cheap, but not free. */
    public static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    /** Longest window: a day of samples is kept in memory. */
    public static final Duration MAX_WINDOW = Duration.ofHours(24);
    /** Largest burn threshold; far above any sensible value, it catches typos. */
    public static final double MAX_BURN_THRESHOLD = 1000;
    /** Most attempts required; far above any sensible value, it catches typos. */
    public static final int MAX_MIN_ATTEMPTS = 1_000_000;

    public SloControllerConfig {
        requireNonNull(mode, "mode");
        requireNonNull(interval, "interval");
        requireNonNull(shortWindow, "shortWindow");
        requireNonNull(longWindow, "longWindow");
        requireNonNull(coolDown, "coolDown");
        if (interval.compareTo(MIN_INTERVAL) < 0) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: at least " + MIN_INTERVAL + ")");
        }
        if (shortWindow.compareTo(interval) < 0) {
            throw new IllegalArgumentException("shortWindow: " + shortWindow + " (expected: at least interval, " + interval + ")");
        }
        if (longWindow.compareTo(shortWindow) <= 0 || longWindow.compareTo(MAX_WINDOW) > 0) {
            throw new IllegalArgumentException("longWindow: " + longWindow + " (expected: longer than shortWindow, "
                    + shortWindow + ", at most " + MAX_WINDOW + ")");
        }
        checkFraction(availability, "availability", false);
        checkFraction(apdex, "apdex", false);
        checkFraction(step, "step", false);
        checkFraction(floor, "floor", true);
        if (!(burnThreshold >= 1 && burnThreshold <= MAX_BURN_THRESHOLD)) { // also refuses NaN
            throw new IllegalArgumentException("burnThreshold: " + burnThreshold + " (expected: 1..1000)");
        }
        TimeoutConfig.checkPositive(coolDown, "coolDown");
        if (minAttempts < 1 || minAttempts > MAX_MIN_ATTEMPTS) {
            throw new IllegalArgumentException("minAttempts: " + minAttempts + " (expected: 1.." + MAX_MIN_ATTEMPTS + ")");
        }
    }

    /** Every value from {@link ConfigDefaults}: advise, 5 m and 1 h, 99.9 % and 99.5 %, burn 14.4, halve, floor 10 %. */
    public static SloControllerConfig ofDefaults() {
        return new SloControllerConfig(ConfigDefaults.CONTROLLER_MODE, ConfigDefaults.CONTROLLER_SHORT_WINDOW,
                ConfigDefaults.CONTROLLER_LONG_WINDOW, ConfigDefaults.CONTROLLER_AVAILABILITY, ConfigDefaults.CONTROLLER_APDEX,
                ConfigDefaults.CONTROLLER_BURN_THRESHOLD, ConfigDefaults.CONTROLLER_STEP, ConfigDefaults.CONTROLLER_FLOOR,
                ConfigDefaults.CONTROLLER_COOL_DOWN, ConfigDefaults.CONTROLLER_INTERVAL, ConfigDefaults.CONTROLLER_MIN_ATTEMPTS);
    }

    /** This configuration in another mode. */
    public SloControllerConfig withMode(ControllerMode mode) {
        return new SloControllerConfig(mode, shortWindow, longWindow, availability, apdex, burnThreshold, step, floor, coolDown,
                interval, minAttempts);
    }

    /** This configuration with other windows, cool-down and interval (tests run them in seconds). */
    public SloControllerConfig withTiming(Duration shortWindow, Duration longWindow, Duration coolDown, Duration interval) {
        return new SloControllerConfig(mode, shortWindow, longWindow, availability, apdex, burnThreshold, step, floor, coolDown,
                interval, minAttempts);
    }

    /** This configuration needing {@code minAttempts} attempts in the short window. */
    public SloControllerConfig withMinAttempts(int minAttempts) {
        return new SloControllerConfig(mode, shortWindow, longWindow, availability, apdex, burnThreshold, step, floor, coolDown,
                interval, minAttempts);
    }

    private static void checkFraction(double value, String name, boolean zeroAllowed) {
        if (!((zeroAllowed ? value >= 0 : value > 0) && value < 1)) { // also refuses NaN
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + (zeroAllowed ? "0" : "more than 0")
                    + " and less than 1)");
        }
    }
}
