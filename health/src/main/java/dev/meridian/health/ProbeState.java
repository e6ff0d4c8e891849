package dev.meridian.health;

/**
 * What the active probes concluded about an endpoint. Endpoints start {@link #UP}, so that a
 * freshly started router routes at once instead of waiting for a round of probes.
 */
public enum ProbeState {
    /** Probes are off, or the last {@code healthy-threshold} probes (or fewer, since the start) succeeded. */
    UP,
    /** The last {@code unhealthy-threshold} probes failed, and fewer than {@code healthy-threshold} succeeded since. */
    DOWN
}
