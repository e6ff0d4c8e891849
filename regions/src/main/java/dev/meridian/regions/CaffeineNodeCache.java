package dev.meridian.regions;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.maxmind.db.CacheKey;
import com.maxmind.db.DecodedValue;
import com.maxmind.db.NodeCache;
import java.io.IOException;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The GeoIP2 reader's cache of decoded records, bounded by Caffeine (the library's own
 * {@code CHMCache} stops caching when full instead of evicting).
 *
 * <p>{@link #get} looks up with {@code getIfPresent}, decodes on a miss and then {@code put}s: never
 * a loading {@code Cache.get(key, loader)}, which would run the decoder inside a map compute while
 * holding a bin lock (blocking other event loops on the same bin) and fails with "Recursive update"
 * when decoding one record needs another. Two loops missing the same key both decode it; records
 * are immutable, so the duplicate work is harmless.
 *
 * <p>One instance per reader: keys are offsets into one file, meaningless for another.
 */
final class CaffeineNodeCache implements NodeCache {

    private final @Nullable Cache<CacheKey<?>, DecodedValue> cache;
    private final LongAdder hits;
    private final LongAdder misses;

    /**
     * @param maximumSize entries kept; 0 caches nothing
     * @param hits counts lookups answered from the cache (shared across reloads)
     * @param misses counts records decoded from the file (shared across reloads)
     */
    CaffeineNodeCache(long maximumSize, LongAdder hits, LongAdder misses) {
        this.cache = maximumSize == 0 ? null : Caffeine.newBuilder().maximumSize(maximumSize).build();
        this.hits = hits;
        this.misses = misses;
    }

    @Override
    public DecodedValue get(CacheKey<?> key, Loader loader) throws IOException {
        Cache<CacheKey<?>, DecodedValue> c = cache;
        if (c != null) {
            DecodedValue value = c.getIfPresent(key);
            if (value != null) {
                hits.increment();
                return value;
            }
        }
        misses.increment();
        DecodedValue value = loader.load(key);
        if (c != null) {
            c.put(key, value);
        }
        return value;
    }
}
