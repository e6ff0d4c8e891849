package dev.meridian.health;

import dev.meridian.regions.Region;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data path's stall detection, confirmed by probes: a region suspected of a stall (its
 * attempts wait past their expected time to first byte and none is answered) admits nothing until
 * a probe of it that started after the suspicion succeeds, or {@code breaker.open-duration} passed.
 * Suspected again within {@code open-duration} of the last suspicion's end, its breaker opens:
 * the probes pass while requests hang.
 */
final class StallSuspicion {

    private static final Logger log = LoggerFactory.getLogger(StallSuspicion.class);

    private final HealthTimeline timeline;
    private final RegionBreakers breakers;

    /** A suspicion lasts as long as {@code breakers} stay open ({@code breaker.open-duration}). */
    StallSuspicion(HealthTimeline timeline, RegionBreakers breakers) {
        this.timeline = timeline;
        this.breakers = breakers;
    }

    /**
     * Suspects {@code rh}; {@code region} is what the listener hears (the caller's object, perhaps
     * of an earlier DNS answer), {@code why} is for the log. Whether this call made it suspected.
     */
    boolean suspect(RegionHealth rh, Region region, String why) {
        long now = timeline.now();
        if (!rh.suspectedSince.compareAndSet(RegionHealth.NOT_SUSPECTED, now)) {
            return false;
        }
        timeline.registerDeadline(now + breakers.openNanos());
        timeline.changed();
        long lastEnded = rh.suspicionEnded;
        boolean again = lastEnded != RegionHealth.NOT_SUSPECTED && now - lastEnded < breakers.openNanos();
        log.warn("region {} is suspected of a stall: {}; new requests avoid it until a probe confirms it answers", rh, why);
        timeline.listener().regionDown(region, HealthListener.Cause.STALLED);
        if (again) {
            breakers.openAfterRepeatedStall(rh, now - lastEnded);
        }
        return true;
    }

    /** False while suspected; a suspicion no probe cleared within {@code open-duration} ends here. */
    boolean admits(RegionHealth rh) {
        long suspected = rh.suspectedSince.get();
        if (suspected == RegionHealth.NOT_SUSPECTED) {
            return true;
        }
        if (timeline.now() - suspected < breakers.openNanos()) {
            return false;
        }
        endUncleared(rh, suspected);
        return true;
    }

    /** A good probe of {@code eh} that started at {@code probeStarted}: clears a suspicion that began before it. */
    void probeSucceeded(EndpointHealth eh, long probeStarted) {
        long suspected = eh.region.suspectedSince.get();
        if (suspected != RegionHealth.NOT_SUSPECTED && probeStarted - suspected > 0) {
            end(eh.region, suspected, "endpoint " + eh.endpoint.label() + " answered a probe started after it");
        }
    }

    /** A deadline passed: ends the suspicion if no probe cleared it in time, else registers its end again. */
    void passDeadline(RegionHealth rh, long now) {
        long suspected = rh.suspectedSince.get();
        if (suspected != RegionHealth.NOT_SUSPECTED && timeline.passed(suspected + breakers.openNanos(), now)) {
            endUncleared(rh, suspected);
        }
    }

    private void endUncleared(RegionHealth rh, long since) {
        end(rh, since, "no probe cleared it within " + DurationFormat.ofNanos(breakers.openNanos()) + ": it is tried again");
    }

    /** Ends the suspicion that began at {@code since}, unless another thread did. */
    private void end(RegionHealth rh, long since, String why) {
        if (rh.suspectedSince.compareAndSet(since, RegionHealth.NOT_SUSPECTED)) {
            rh.suspicionEnded = timeline.now();
            timeline.changed();
            log.info("region {} is no longer suspected: {}", rh, why);
        }
    }
}
