package dev.meridian.loadtest.scenario;

import static java.util.Objects.requireNonNull;

import dev.meridian.loadtest.DurationArgument;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * When the soak's failures happen. The measured time (after the warm-up) is cut into cycles of
 * {@code cycleEvery}; in each, after {@code faultFor} of quiet, four faults follow one another, each
 * lasting {@code faultFor} and followed by {@code faultFor} of quiet: the nearest region hard down,
 * black-holed, half down (brownout), its weight shifted to 25. The rest of the cycle is quiet, so
 * that pools can shed what the faults made them open before the cycle's end, where the soak checks
 * that descriptors and connections are back to their baseline.
 *
 * <pre>{@code
 * cycle:  |quiet|outage|quiet|black-hole|quiet|brownout|quiet|weight 25|quiet ........ |
 *         0     F      2F    3F         4F    5F       6F    7F        8F    cycleEvery
 * }</pre>
 *
 * @param warmup     load before the measured time (no faults)
 * @param duration   the measured time; it holds {@code duration / cycleEvery} whole cycles
 * @param cycleEvery one cycle; at least {@code 9 x faultFor} (a quiet tail at least as long as a fault)
 * @param faultFor   how long each fault lasts, and each quiet gap between them
 */
record SoakPlan(Duration warmup, Duration duration, Duration cycleEvery, Duration faultFor) {

    /** The faults of a cycle, in order. */
    enum Fault {
        OUTAGE("outage", "every gateway of us-east4 down (connections refused)"),
        BLACK_HOLE("black-hole", "every gateway of us-east4 hangs (connections accepted, nothing answered)"),
        BROWNOUT("brownout", "half of us-east4's gateways down"),
        WEIGHT_SHIFT("weight 25", "us-east4's weight set to 25 through the admin API (from 100; us-east1 keeps 100)");

        private final String label;
        private final String what;

        Fault(String label, String what) {
            this.label = label;
            this.what = what;
        }

        String label() {
            return label;
        }

        String what() {
            return what;
        }
    }

    /** One fault: when it starts and when it is undone, in milliseconds since the load started. */
    record Step(Fault fault, long faultMillis, long recoverMillis) {
    }

    /** One cycle (numbered from 1): its span since the load started and its faults. */
    record Cycle(int number, long startMillis, long endMillis, List<Step> steps) {

        /** When the first fault starts: where the cycle's "before" figures are read. */
        long firstFaultMillis() {
            return steps.get(0).faultMillis();
        }
    }

    SoakPlan {
        requireNonNull(warmup, "warmup");
        requireNonNull(duration, "duration");
        requireNonNull(cycleEvery, "cycleEvery");
        requireNonNull(faultFor, "faultFor");
        if (faultFor.isNegative() || faultFor.isZero()) {
            throw new IllegalArgumentException("fault-for: " + DurationArgument.format(faultFor) + " (expected: > 0)");
        }
        if (cycleEvery.compareTo(faultFor.multipliedBy(9)) < 0) {
            throw new IllegalArgumentException("cycle-every: " + DurationArgument.format(cycleEvery)
                    + " (expected: at least 9 x fault-for = " + DurationArgument.format(faultFor.multipliedBy(9)) + ")");
        }
        if (duration.compareTo(cycleEvery) < 0) {
            throw new IllegalArgumentException("duration: " + DurationArgument.format(duration)
                    + " (expected: at least one cycle, cycle-every = " + DurationArgument.format(cycleEvery) + ")");
        }
    }

    /** Every whole cycle that fits in the measured time. */
    List<Cycle> cycles() {
        long period = cycleEvery.toMillis();
        long fault = faultFor.toMillis();
        long count = duration.toMillis() / period;
        List<Cycle> cycles = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            long start = warmup.toMillis() + c * period;
            List<Step> steps = new ArrayList<>();
            Fault[] faults = Fault.values();
            for (int i = 0; i < faults.length; i++) {
                steps.add(new Step(faults[i], start + (2L * i + 1) * fault, start + (2L * i + 2) * fault));
            }
            cycles.add(new Cycle(c + 1, start, start + period, List.copyOf(steps)));
        }
        return cycles;
    }
}
