package dev.meridian.loadtest.load;

import java.util.Locale;

/** How requests are paced: at a fixed arrival rate, or as fast as responses come back. */
public enum LoadMode {

    /**
     * Requests are due at fixed intended times ({@code t0 + i / rate}) whatever the target does,
     * and latency is measured from the intended time, so a slow target shows up as latency for
     * every request that had to wait (wrk2's correction for coordinated omission).
     */
    OPEN_LOOP,

    /**
     * Each connection sends its next request as soon as the previous response has ended; latency
     * is measured from the actual send, so a stalled target simply gets fewer requests.
     */
    CLOSED_LOOP;

    /** {@code open loop} or {@code closed loop}, for summaries and reports. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
