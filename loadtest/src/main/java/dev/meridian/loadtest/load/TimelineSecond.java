package dev.meridian.loadtest.load;

/**
 * What happened during one second of a load run, counted by when things happened (a request sent
 * in second 3 and answered in second 4 is {@code sent} in 3 and {@code completed} in 4).
 *
 * @param second        seconds since the load started, warm-up included: 1 is the first second
 * @param warmup        whether the second ended within the warm-up
 * @param sent          requests written in this second
 * @param completed     responses that ended in this second (any status)
 * @param errors        errors in this second, of every {@link ErrorKind}
 * @param ttfbP50Millis median time to first byte (from the intended send time) of the responses
 *                      whose head arrived in this second; 0 when there were none
 * @param ttfbP99Millis their 99th percentile; 0 when there were none
 * @param serviceTtfbP50Millis median service time to first byte (from the moment the request was
 *                      actually written) of the same responses: it leaves out a late load generator's
 *                      own delay, which the time from the intended send time charges to the target
 */
public record TimelineSecond(
        int second, boolean warmup, long sent, long completed, long errors, double ttfbP50Millis, double ttfbP99Millis,
        double serviceTtfbP50Millis) {
}
