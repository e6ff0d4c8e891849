package dev.meridian.router.exchange;

import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import org.jspecify.annotations.Nullable;

/**
 * An upstream attempt as {@link WaitingAttempts} sees it while it waits for its first response
 * byte: a node of its loop's list, marked late and overdue as time passes, and rescued when its
 * endpoint or region is declared down. Only touched on its event loop.
 */
abstract class WaitingAttempt {

    @Nullable WaitingAttempt previous;
    @Nullable WaitingAttempt next;
    /** In a list now. */
    boolean listed;
    boolean late;
    boolean overdue;
    /** A tick already tried to rescue it as overdue out of rotation (it is not tried every tick). */
    boolean strandedRescueTried;
    /** When the request was written upstream. */
    long waitingSince;
    @Nullable RegionStall stall;

    abstract Endpoint endpoint();

    abstract Region region();

    /** Whether its endpoint or region is out of rotation now (an overdue attempt there is rescued). */
    abstract boolean outOfRotation();

    /**
     * Its endpoint or region was declared down ({@code why}, for the log): resend the request
     * elsewhere or leave it, by the exchange's rules. Called on the attempt's loop, never on the
     * stack of the exchange's own callbacks.
     */
    abstract void rescue(String why);
}
