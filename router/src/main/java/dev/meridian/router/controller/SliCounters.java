package dev.meridian.router.controller;

/**
 * One region's cumulative SLI counters: upstream attempts judged for availability and the bad
 * ones among them, and proxied responses by Apdex zone. Differences of two samples give a
 * window's SLIs; sums give a fleet's.
 *
 * @param attempts attempts that succeeded or failed at the gateway (429s, client errors and cancels are not judged)
 * @param failures gateway failures and timeouts among them
 * @param satisfied responses whose first byte came within the route's {@code apdex.satisfied}
 * @param tolerating responses within {@code apdex.tolerated}, and not within {@code satisfied}
 * @param frustrated slower responses
 */
record SliCounters(double attempts, double failures, double satisfied, double tolerating, double frustrated) {

    static final SliCounters ZERO = new SliCounters(0, 0, 0, 0, 0);

    SliCounters plus(SliCounters other) {
        return new SliCounters(attempts + other.attempts, failures + other.failures, satisfied + other.satisfied,
                tolerating + other.tolerating, frustrated + other.frustrated);
    }

    /** This minus {@code earlier}; a counter that went backwards (a restarted instance) counts from zero. */
    SliCounters since(SliCounters earlier) {
        return new SliCounters(delta(attempts, earlier.attempts), delta(failures, earlier.failures),
                delta(satisfied, earlier.satisfied), delta(tolerating, earlier.tolerating), delta(frustrated, earlier.frustrated));
    }

    /** Responses counted in an Apdex zone. */
    double responses() {
        return satisfied + tolerating + frustrated;
    }

    /** The fraction of attempts that failed; NaN without attempts. */
    double errorRatio() {
        return attempts > 0 ? failures / attempts : Double.NaN;
    }

    /** The Apdex score, (satisfied + tolerating / 2) / responses; NaN without responses. */
    double apdex() {
        double n = responses();
        return n > 0 ? (satisfied + tolerating / 2) / n : Double.NaN;
    }

    private static double delta(double now, double before) {
        return now >= before ? now - before : now;
    }
}
