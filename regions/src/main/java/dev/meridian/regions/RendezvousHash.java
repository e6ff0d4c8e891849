package dev.meridian.regions;

/**
 * Weighted rendezvous (highest random weight) hashing with a hash that is the same in every JVM,
 * so that every Meridian instance of a fleet sends a tenant to the same region.
 */
final class RendezvousHash {

    static final long SPILL_SEED = 0x5bd1e9955bd1e995L;

    private RendezvousHash() {}

    /** FNV-1a over the UTF-16 code units: stable across JVMs and releases, unlike {@code String.hashCode} seeds. */
    static long hash(String value) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < value.length(); i++) {
            h ^= value.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** The weighted score of a region for a tenant: {@code -weight / ln(u)} with u uniform in (0, 1). */
    static double score(long tenantHash, String region, int weight) {
        double u = unit(tenantHash, hash(region));
        return -weight / Math.log(u);
    }

    /** A value in (0, 1) that depends only on the two inputs. */
    static double unit(long a, long b) {
        long x = mix(a ^ Long.rotateLeft(b, 29) ^ 0x9e3779b97f4a7c15L);
        return ((x >>> 11) + 0.5) * 0x1.0p-53;
    }

    /** SplitMix64's finalizer. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
