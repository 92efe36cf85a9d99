package io.mesh4j.cache;

/**
 * A snapshot of a {@link TwoLevelCache}'s counters, per level.
 *
 * @param l1Hits reads answered by L1, counted only when the cache was built with {@link
 *     TwoLevelCacheBuilder#recordStats()} (0 otherwise), as Caffeine counts only with its {@code
 *     recordStats()}: a hit costs a few nanoseconds and counting it would be a large share of
 *     that. Counted without an atomic instruction: exact while at most 64 threads hit the cache,
 *     beyond that it may fall slightly short, never over
 * @param l1HitsRecorded whether {@code l1Hits} is counted ({@link TwoLevelCacheBuilder#recordStats()})
 * @param l1Misses reads L1 could not answer while it was active
 * @param l1Bypassed reads that skipped L1 because the invalidation channel was down
 * @param l1Size the approximate number of L1 entries
 * @param l1Active whether L1 is in use right now
 * @param invalidationsPublished invalidation messages this cache sent
 * @param invalidationsReceived invalidation messages this cache received (its own included)
 * @param gapsDetected lost invalidation messages detected by sequence number
 * @param subscriptions times the invalidation channel was (re)subscribed
 * @param invalidationsFailed invalidation messages whose publish failed; each was queued to be
 *     published again (counted once, however many retries it takes)
 * @param invalidationsQueued invalidation messages waiting now to be published again after a
 *     failed publish (the publish-retry queue's length; past its bound of 1,024, one "clear L1"
 *     message stands for the dropped ones and counts as one)
 * @param l2 the counters of the underlying {@link DistributedCache}
 */
public record TwoLevelCacheStats(
    long l1Hits,
    boolean l1HitsRecorded,
    long l1Misses,
    long l1Bypassed,
    long l1Size,
    boolean l1Active,
    long invalidationsPublished,
    long invalidationsReceived,
    long gapsDetected,
    long subscriptions,
    long invalidationsFailed,
    long invalidationsQueued,
    CacheStats l2) {}
