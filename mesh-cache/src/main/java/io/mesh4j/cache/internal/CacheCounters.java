package io.mesh4j.cache.internal;

import io.mesh4j.cache.CacheStats;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link CacheStats}, shaped like Caffeine's {@code StatsCounter}: the cache
 * records, {@link #snapshot()} reads. Striped adders, so recording on the hot path does not contend.
 *
 * <p>Thread safe.
 */
final class CacheCounters {
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder loads = new LongAdder();
  private final LongAdder loadFailures = new LongAdder();
  private final LongAdder loadNanos = new LongAdder();
  private final LongAdder lockWaits = new LongAdder();
  private final LongAdder earlyRefreshes = new LongAdder();
  private final LongAdder decodeFailures = new LongAdder();
  private final LongAdder redisErrors = new LongAdder();
  private final LongAdder followers = new LongAdder();

  void recordHit() {
    hits.increment();
  }

  void recordMiss() {
    misses.increment();
  }

  void recordMisses(int count) {
    misses.add(count);
  }

  /** A loader returned (a null value too) after {@code nanos}. */
  void recordLoad(long nanos) {
    loads.increment();
    loadNanos.add(nanos);
  }

  /** A loader threw. */
  void recordLoadFailure() {
    loadFailures.increment();
  }

  /** A caller found another JVM's load under way and waited for it. */
  void recordLockWait() {
    lockWaits.increment();
  }

  /** A value was recomputed ahead of its expiry (XFetch). */
  void recordEarlyRefresh() {
    earlyRefreshes.increment();
  }

  void recordDecodeFailure() {
    decodeFailures.increment();
  }

  void recordRedisError() {
    redisErrors.increment();
  }

  /** A caller found another caller of this JVM loading its key and waited for that load. */
  void recordSingleFlightFollower() {
    followers.increment();
  }

  /** The counts so far. */
  CacheStats snapshot() {
    return new CacheStats(hits.sum(), misses.sum(), loads.sum(), loadFailures.sum(), loadNanos.sum(),
        lockWaits.sum(), earlyRefreshes.sum(), decodeFailures.sum(), redisErrors.sum(), followers.sum());
  }
}
