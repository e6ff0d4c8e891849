package dev.meridian.loadtest.load;

/**
 * Told about each second of a load run as it ends, for scenarios that act on what they see (wait
 * until errors stop, mark when a change took effect) and for progress output.
 *
 * <pre>{@code
 * CountDownLatch errorsSeen = new CountDownLatch(1);
 * LoadSpec spec = LoadSpec.openLoop(target, 500, Duration.ofSeconds(20))
 *         .withListener(second -> { if (second.errors() > 0) errorsSeen.countDown(); });
 * }</pre>
 *
 * <p>Called on the load generator's timeline thread (the last, partial second on the thread that
 * collects the result), one second at a time and in order, never on an event loop; an
 * implementation should return quickly. An exception it throws is printed to
 * standard error and does not stop the run.
 */
@FunctionalInterface
public interface TimelineListener {

    /** One second of the run has ended (warm-up seconds included, with {@link TimelineSecond#warmup()} set). */
    void onSecond(TimelineSecond second);
}
