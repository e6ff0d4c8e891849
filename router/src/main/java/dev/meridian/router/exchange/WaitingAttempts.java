package dev.meridian.router.exchange;

import dev.meridian.regions.Endpoint;
import dev.meridian.regions.Region;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The attempts of one event loop that wait for their first response byte, in an intrusive list
 * (adding and removing cost no allocation and no lookup). Only touched on its loop, without locks.
 *
 * <p>Two things read the list: {@link #rescue} when an endpoint or region is declared down, and
 * {@link #tick} every {@value AttemptRescuer#TICK_MILLIS} ms, which marks attempts late and
 * overdue ({@link StallRule}), suspects the regions whose attempts stalled (the health registry
 * then declares them down, which comes back here as a rescue), and rescues overdue attempts whose
 * endpoint or region went out of rotation meanwhile.
 */
final class WaitingAttempts {

    private @Nullable WaitingAttempt head;
    private @Nullable WaitingAttempt tail;
    private int size;

    /** {@code attempt} wrote its request at {@code now} and waits for an answer from {@code stall}'s region. */
    void add(WaitingAttempt attempt, RegionStall stall, long now) {
        if (attempt.listed) {
            return;
        }
        attempt.listed = true;
        attempt.late = false;
        attempt.overdue = false;
        attempt.strandedRescueTried = false;
        attempt.waitingSince = now;
        attempt.stall = stall;
        attempt.previous = tail;
        attempt.next = null;
        if (tail == null) {
            head = attempt;
        } else {
            tail.next = attempt;
        }
        tail = attempt;
        size++;
    }

    /** {@code attempt} got its first byte, or ended. Idempotent. */
    void remove(WaitingAttempt attempt) {
        if (!attempt.listed) {
            return;
        }
        attempt.listed = false;
        WaitingAttempt previous = attempt.previous;
        WaitingAttempt next = attempt.next;
        if (previous == null) {
            head = next;
        } else {
            previous.next = next;
        }
        if (next == null) {
            tail = previous;
        } else {
            next.previous = previous;
        }
        attempt.previous = null;
        attempt.next = null;
        size--;
        RegionStall stall = attempt.stall;
        if (stall != null) {
            if (attempt.late) {
                stall.late.decrementAndGet();
            }
            if (attempt.overdue) {
                stall.overdue.decrementAndGet();
            }
        }
    }

    int size() {
        return size;
    }

    /** Rescues the attempts waiting on {@code endpoint}. */
    void rescue(Endpoint endpoint, String why) {
        rescue(attempt -> attempt.endpoint() == endpoint, why);
    }

    /** Rescues the attempts waiting on {@code region}. */
    void rescue(Region region, String why) {
        rescue(attempt -> attempt.region() == region, why);
    }

    private void rescue(Predicate<WaitingAttempt> which, String why) {
        // Collected first: a rescue removes its attempt and may add the one that replaces it.
        List<WaitingAttempt> chosen = null;
        for (WaitingAttempt a = head; a != null; a = a.next) {
            if (which.test(a)) {
                if (chosen == null) {
                    chosen = new ArrayList<>();
                }
                chosen.add(a);
            }
        }
        if (chosen != null) {
            for (WaitingAttempt attempt : chosen) {
                if (attempt.listed) {
                    attempt.rescue(why);
                }
            }
        }
    }

    /** Marks attempts late and overdue, suspects stalled regions, rescues overdue attempts out of rotation. */
    void tick(long now) {
        if (head == null) {
            return;
        }
        List<RegionStall> withOverdue = null;
        List<WaitingAttempt> stranded = null;
        for (WaitingAttempt a = head; a != null; a = a.next) {
            RegionStall stall = a.stall;
            if (stall == null) {
                continue;
            }
            stall.refresh(now);
            long waited = now - a.waitingSince;
            if (!a.late && stall.rule.late(waited, stall.p99Nanos())) {
                a.late = true;
                stall.late.incrementAndGet();
            }
            if (!a.overdue && stall.rule.overdue(waited, stall.thresholdNanos())) {
                a.overdue = true;
                stall.overdue.incrementAndGet();
            }
            if (a.overdue) {
                if (withOverdue == null) {
                    withOverdue = new ArrayList<>(2);
                }
                if (!containsSame(withOverdue, stall)) {
                    withOverdue.add(stall);
                }
                if (!a.strandedRescueTried && a.outOfRotation()) {
                    a.strandedRescueTried = true;
                    if (stranded == null) {
                        stranded = new ArrayList<>();
                    }
                    stranded.add(a);
                }
            }
        }
        if (withOverdue != null) {
            for (RegionStall stall : withOverdue) {
                if (stall.stalled(now)) {
                    stall.health.suspect(stall.region, String.format(Locale.ROOT,
                            "%d attempts waited over %d ms for a first byte and none was answered for %d ms",
                            stall.overdue.get(), stall.thresholdNanos() / 1_000_000, stall.silentNanos(now) / 1_000_000));
                }
            }
        }
        if (stranded != null) {
            for (WaitingAttempt attempt : stranded) {
                if (attempt.listed) {
                    attempt.rescue("overdue on an endpoint or region out of rotation");
                }
            }
        }
    }

    private static boolean containsSame(List<RegionStall> list, RegionStall stall) {
        for (RegionStall s : list) {
            if (s == stall) {
                return true;
            }
        }
        return false;
    }
}
