package io.mesh4j.cache;

import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.cache.internal.DistributedCacheImpl;
import io.mesh4j.cache.internal.TwoLevelCacheImpl;
import java.time.Duration;

/**
 * Builds a {@link TwoLevelCache} over a {@link DistributedCache}. Settings are checked when set and
 * at {@link #build()}, with messages naming them.
 *
 * @param <V> the value type
 */
public final class TwoLevelCacheBuilder<V> {
  private static final Duration DEFAULT_MAX_L1_TTL = Duration.ofMinutes(5);
  /** Keeps a read after a silently lost invalidation under 1 s: see {@link #sequenceCheckInterval}. */
  private static final Duration DEFAULT_SEQUENCE_CHECK_INTERVAL = Duration.ofMillis(400);

  private final DistributedCache<V> l2;
  private long l1MaximumSize = 10_000;
  private Duration l1Ttl;
  private Duration sequenceCheckInterval = DEFAULT_SEQUENCE_CHECK_INTERVAL;
  private MeshEventListener listener;
  private boolean recordStats;

  TwoLevelCacheBuilder(DistributedCache<V> l2) {
    Checks.argument(l2 instanceof DistributedCacheImpl,
        "l2 must be built by DistributedCache.builder(), was %s", l2.getClass().getName());
    this.l2 = l2;
  }

  /** The most entries L1 holds (default 10,000). */
  public TwoLevelCacheBuilder<V> l1MaximumSize(long size) {
    Checks.argument(size >= 1, "l1MaximumSize must be >= 1, was %d", size);
    this.l1MaximumSize = size;
    return this;
  }

  /**
   * How long an entry stays in L1 at most (default: the L2 default TTL, capped at 5 minutes). Must
   * not exceed the L2 default TTL; an entry also leaves L1 when its own L2 TTL runs out.
   */
  public TwoLevelCacheBuilder<V> l1Ttl(Duration ttl) {
    this.l1Ttl = Checks.positive(ttl, "l1Ttl");
    return this;
  }

  /**
   * How often the invalidation sequence number in Redis is compared with the last one received
   * (default 400 ms). A number issued but not received by
   * the next check means lost messages: L1 is cleared and bypassed and the channel resubscribed.
   * This bounds staleness when the connection looks alive but delivers nothing: a lost message is
   * seen at most two intervals after it was issued (one check notes the number, the next finds it
   * still missing), so the default keeps a stale L1 read under one second (benchmark
   * {@code cache-lost-message}); each check costs one GET on the channel's shard.
   */
  public TwoLevelCacheBuilder<V> sequenceCheckInterval(Duration interval) {
    Checks.positive(interval, "sequenceCheckInterval");
    Checks.argument(interval.toMillis() >= 10, "sequenceCheckInterval must be at least 10ms, was %s",
        interval);
    this.sequenceCheckInterval = interval;
    return this;
  }

  /**
   * Counts L1 hits in {@link TwoLevelCacheStats#l1Hits()} (off by default, as in Caffeine). An L1
   * hit costs about what a plain Caffeine read costs, a few nanoseconds, and counting it adds a
   * measurable share of that; turn it on where the hit ratio is watched (mesh-micrometer's cache
   * meters and the Spring Boot starter do). Misses, bypasses and every L2 counter are always
   * counted.
   */
  public TwoLevelCacheBuilder<V> recordStats() {
    this.recordStats = true;
    return this;
  }

  /** Receives {@link CacheEvent}s (L1 bypassed/resumed, gaps); a listener that throws is ignored. */
  public TwoLevelCacheBuilder<V> listener(MeshEventListener listener) {
    this.listener = Checks.notNull(listener, "listener");
    return this;
  }

  /**
   * The cache; its invalidation subscription starts in the background and L1 is used once it is
   * subscribed.
   *
   * @throws IllegalArgumentException if {@code l1Ttl} exceeds the L2 default TTL
   */
  public TwoLevelCache<V> build() {
    Duration l2Ttl = l2.defaultTtl();
    Duration ttl = l1Ttl != null ? l1Ttl
        : (l2Ttl.compareTo(DEFAULT_MAX_L1_TTL) < 0 ? l2Ttl : DEFAULT_MAX_L1_TTL);
    Checks.argument(ttl.compareTo(l2Ttl) <= 0,
        "l1Ttl must not exceed the L2 default TTL (%s), was %s", l2Ttl, ttl);
    return new TwoLevelCacheImpl<>((DistributedCacheImpl<V>) l2, l1MaximumSize, ttl,
        sequenceCheckInterval, recordStats, listener);
  }
}
