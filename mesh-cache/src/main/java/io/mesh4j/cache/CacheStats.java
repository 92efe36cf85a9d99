package io.mesh4j.cache;

/**
 * A snapshot of a {@link DistributedCache}'s counters since it was built.
 *
 * @param hits reads that found a value
 * @param misses reads that found nothing (including reads that failed on Redis)
 * @param loads loader calls that returned (with or without a value)
 * @param loadFailures loader calls that threw
 * @param totalLoadTimeNanos time spent in loaders that returned
 * @param lockWaits {@code getOrLoad} misses that waited for another holder of the load lock
 * @param earlyRefreshes XFetch recomputations done before expiry
 * @param decodeFailures stored payloads that could not be decoded (deleted, counted as misses)
 * @param redisErrors Redis commands that failed
 * @param singleFlightFollowers {@code getOrLoad} misses that found another caller in this JVM
 *     loading the same key and waited for its result instead of loading (single flight); not
 *     counted on the hit path
 */
public record CacheStats(
    long hits,
    long misses,
    long loads,
    long loadFailures,
    long totalLoadTimeNanos,
    long lockWaits,
    long earlyRefreshes,
    long decodeFailures,
    long redisErrors,
    long singleFlightFollowers) {

  /** {@code hits / (hits + misses)}, or 1 when there was no read. */
  public double hitRate() {
    long total = hits + misses;
    return total == 0 ? 1.0 : (double) hits / total;
  }

  /** Mean time of a successful load in nanoseconds, or 0 when there was none. */
  public double averageLoadPenaltyNanos() {
    return loads == 0 ? 0.0 : (double) totalLoadTimeNanos / loads;
  }
}
