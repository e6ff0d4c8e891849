package dev.meridian.regions;

/**
 * Counters of a {@link GeoLocator} since it was created, for metrics and the admin API: whether
 * the caches are large enough (hit ratios), whether lookups fail, and which database version is
 * being served (a reload that keeps failing leaves an old build epoch in place).
 *
 * @param lookups calls to {@link GeoLocator#locate}
 * @param addressCacheHits lookups answered by the address cache (including cached "not found")
 * @param addressCacheMisses lookups that went to the database
 * @param nodeCacheHits database records found in the reader's node cache
 * @param nodeCacheMisses database records decoded from the file
 * @param failedLookups lookups that failed with an error and were answered "unknown" (a corrupt record)
 * @param reloads databases swapped in after the file changed
 * @param failedReloads changed files that were refused (the previous database stayed)
 * @param databaseBuildEpoch build time of the database being served, in seconds since the epoch; 0 when none
 */
public record GeoCacheStats(
        long lookups,
        long addressCacheHits,
        long addressCacheMisses,
        long nodeCacheHits,
        long nodeCacheMisses,
        long failedLookups,
        long reloads,
        long failedReloads,
        long databaseBuildEpoch) {

    /** All zero: a locator without a database. */
    public static final GeoCacheStats EMPTY = new GeoCacheStats(0, 0, 0, 0, 0, 0, 0, 0, 0);

    public GeoCacheStats {
        checkNotNegative(lookups, "lookups");
        checkNotNegative(addressCacheHits, "addressCacheHits");
        checkNotNegative(addressCacheMisses, "addressCacheMisses");
        checkNotNegative(nodeCacheHits, "nodeCacheHits");
        checkNotNegative(nodeCacheMisses, "nodeCacheMisses");
        checkNotNegative(failedLookups, "failedLookups");
        checkNotNegative(reloads, "reloads");
        checkNotNegative(failedReloads, "failedReloads");
        checkNotNegative(databaseBuildEpoch, "databaseBuildEpoch");
    }

    private static void checkNotNegative(long value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
        }
    }
}
