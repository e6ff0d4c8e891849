package dev.meridian.health;

import java.util.Arrays;

/**
 * The ejection state of one region's endpoints, immutable. It is replaced whole with a
 * compare-and-set, so the check "fewer than max-ejected-percent are ejected" and the ejection
 * itself are one atomic step even when several event loops eject endpoints of the same region
 * at once. Ejections are rare; reads (one volatile load, an array index) are per request.
 */
final class Ejections {

    /** {@link #until} of an endpoint never ejected. */
    static final long NEVER = Long.MIN_VALUE;

    private final long[] until;
    private final long[] length;
    private final int[] times;
    /** Ejected, and its return not yet announced (logged, version bumped). */
    private final boolean[] pending;
    private final boolean anyPending;

    private Ejections(long[] until, long[] length, int[] times, boolean[] pending) {
        this.until = until;
        this.length = length;
        this.times = times;
        this.pending = pending;
        boolean any = false;
        for (boolean p : pending) {
            any |= p;
        }
        this.anyPending = any;
    }

    static Ejections none(int endpoints) {
        long[] until = new long[endpoints];
        Arrays.fill(until, NEVER);
        return new Ejections(until, new long[endpoints], new int[endpoints], new boolean[endpoints]);
    }

    /** How many endpoint slots this covers (a region's endpoints, and the slots of those that left, see {@code EndpointSlots}). */
    int size() {
        return until.length;
    }

    /** A copy covering {@code slots} slots, the new ones never ejected. */
    Ejections grown(int slots) {
        if (slots <= until.length) {
            return this;
        }
        long[] u = Arrays.copyOf(until, slots);
        Arrays.fill(u, until.length, slots, NEVER);
        return new Ejections(u, Arrays.copyOf(length, slots), Arrays.copyOf(times, slots), Arrays.copyOf(pending, slots));
    }

    /** A copy in which slot {@code i} is as never ejected: its endpoint left, or a new one takes the slot. */
    Ejections cleared(int i) {
        if (until[i] == NEVER && !pending[i]) {
            return this;
        }
        long[] u = until.clone();
        long[] l = length.clone();
        int[] t = this.times.clone();
        boolean[] p = pending.clone();
        u[i] = NEVER;
        l[i] = 0;
        t[i] = 0;
        p[i] = false;
        return new Ejections(u, l, t, p);
    }

    /** Whether any endpoint may be ejected; when not, no clock needs reading. */
    boolean anyPending() {
        return anyPending;
    }

    boolean isEjected(int i, long now) {
        return until[i] > now;
    }

    /** End of the latest ejection of endpoint {@code i}, or {@link #NEVER}. */
    long until(int i) {
        return until[i];
    }

    long length(int i) {
        return length[i];
    }

    int times(int i) {
        return times[i];
    }

    boolean pending(int i) {
        return pending[i];
    }

    /** How many endpoints are ejected at {@code now}. */
    int ejected(long now) {
        int n = 0;
        for (long u : until) {
            if (u > now) {
                n++;
            }
        }
        return n;
    }

    /** A copy with endpoint {@code i} ejected from {@code now} for {@code lengthNanos}, its {@code times}-th ejection in a row. */
    Ejections eject(int i, long now, long lengthNanos, int times) {
        long[] u = until.clone();
        long[] l = length.clone();
        int[] t = this.times.clone();
        boolean[] p = pending.clone();
        u[i] = now + lengthNanos;
        l[i] = lengthNanos;
        t[i] = times;
        p[i] = true;
        return new Ejections(u, l, t, p);
    }

    /**
     * A copy in which endpoint {@code i}'s ejection ended at {@code now} (a good probe brought it
     * back), its return announced. Its count of times ejected stays, so that an endpoint failing
     * again soon is ejected for longer.
     */
    Ejections returned(int i, long now) {
        long[] u = until.clone();
        boolean[] p = pending.clone();
        u[i] = now;
        p[i] = false;
        return new Ejections(u, length, times, p);
    }

    /** When endpoint {@code i}'s latest ejection began, or {@link #NEVER}. */
    long since(int i) {
        return until[i] == NEVER ? NEVER : until[i] - length[i];
    }

    /** A copy in which the returns of the endpoints marked in {@code returned} have been announced. */
    Ejections announced(boolean[] returned) {
        boolean[] p = pending.clone();
        for (int i = 0; i < p.length; i++) {
            if (returned[i]) {
                p[i] = false;
            }
        }
        return new Ejections(until, length, times, p);
    }
}
