package io.mesh4j.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.mesh4j.api.Ticker;
import java.time.Duration;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The L1 of a {@link TwoLevelCacheImpl}: a Caffeine cache that holds the values themselves, so that a
 * hit costs what a plain Caffeine read costs (no wrapper to load, no clock of our own to read), with
 * its clock and its expiry.
 *
 * <p>{@code expireAfterWrite(l1Ttl)} runs on the L1 clock: with the default ticker, the
 * {@link CoarseTicker} (one volatile field; a {@code System.nanoTime()} per read made a Caffeine cache
 * with expiry run at a fraction of a plain one's speed in {@code cache-l1-hit}, issue 18), else the
 * injected ticker, so that a test still moves L1 expiry. The rare entry whose L2 TTL runs out before
 * {@code l1Ttl} is held as a {@link ShortLived} and checked against its own deadline when read.
 *
 * <p>Knows nothing of coherence: which entries may go in and when they must go out is decided by
 * {@link TwoLevelCacheImpl}. Thread safe, except {@link #sweepExpired()}, which one thread calls.
 */
final class L1Store {
  private static final long MIN_SWEEP_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Cache<String, Object> cache;
  private final long ttlNanos;
  /** The default ticker: L1 deadlines read the coarse clock instead of {@code ticker}. */
  private final boolean coarseClock;
  private final Ticker ticker;
  /** How often expired entries are swept out: the L1 TTL, at least a second. */
  private final long sweepIntervalNanos;
  /** The last sweep, on the L1 clock. */
  private long lastSweepNanos;

  L1Store(long maximumSize, Duration ttl, Ticker ticker) {
    this.ttlNanos = ttl.toNanos();
    this.ticker = ticker;
    // With the default ticker, deadlines are read on a coarse clock (one volatile read, refreshed
    // every millisecond) instead of a System.nanoTime() call per hit. A test's injected ticker
    // still moves L1 expiry.
    this.coarseClock = ticker == Ticker.system();
    this.cache = Caffeine.newBuilder()
        .maximumSize(maximumSize)
        .expireAfterWrite(ttl)
        .ticker(coarseClock ? CoarseTicker::read : ticker::read)
        .build();
    this.sweepIntervalNanos = Math.max(ttlNanos, MIN_SWEEP_INTERVAL_NANOS);
    this.lastSweepNanos = now();
  }

  /**
   * An L1 value whose L2 TTL runs out before the L1 TTL would, and the L1 clock reading from which
   * it is no longer served. Never a value of the cache's type: only this class makes one.
   */
  static final class ShortLived {
    final Object value;
    final long deadlineNanos;

    ShortLived(Object value, long deadlineNanos) {
      this.value = value;
      this.deadlineNanos = deadlineNanos;
    }
  }

  /**
   * The Caffeine cache: what it holds for a key is a value, a {@link ShortLived}, or nothing. The
   * hit path reads it directly, one call level less for the JIT to inline.
   */
  Cache<String, Object> cache() {
    return cache;
  }

  /** The value L1 holds for {@code key}, a short-lived one only before its deadline, or null. */
  Object value(String key) {
    Object o = cache.getIfPresent(key);
    return o instanceof ShortLived ? shortLived(key, (ShortLived) o) : o;
  }

  /** The value of a short-lived entry before its deadline; past it, drops the entry and returns null. */
  Object shortLived(String key, ShortLived e) {
    if (now() - e.deadlineNanos < 0) {
      return e.value;
    }
    cache.asMap().remove(key, e); // expired: not served, and not kept
    return null;
  }

  /**
   * What to store for {@code value} whose L2 entry has {@code remainingNanos} left: the value itself,
   * a {@link ShortLived} if L2 expires it before the L1 TTL would, or null if it has expired already.
   */
  Object entryFor(Object value, long remainingNanos) {
    long ttl = Math.min(ttlNanos, remainingNanos);
    if (ttl <= 0) {
      return null;
    }
    return remainingNanos < ttlNanos ? new ShortLived(value, now() + ttl) : value;
  }

  /** The map view, for the atomic per-key steps of a fill. */
  ConcurrentMap<String, Object> asMap() {
    return cache.asMap();
  }

  void invalidate(String key) {
    cache.invalidate(key);
  }

  void removeMatching(Predicate<String> keys) {
    cache.asMap().keySet().removeIf(keys);
  }

  void invalidateAll() {
    cache.invalidateAll();
  }

  long estimatedSize() {
    return cache.estimatedSize();
  }

  /**
   * Drops the short-lived entries past their deadline and lets Caffeine drop those past
   * {@code l1Ttl}, at most once per {@link #sweepIntervalNanos}. Reads never serve them anyway; the
   * sweep only frees what nobody reads again before the size bound would evict it. Called from one
   * thread only (the invalidation channel's checker).
   */
  void sweepExpired() {
    long now = now();
    if (now - lastSweepNanos < sweepIntervalNanos) {
      return;
    }
    lastSweepNanos = now;
    cache.asMap().values().removeIf(o -> o instanceof ShortLived && now - ((ShortLived) o).deadlineNanos >= 0);
    cache.cleanUp();
  }

  /** The clock of L1 deadlines: the coarse clock with the default ticker, else the ticker. */
  private long now() {
    return coarseClock ? CoarseTicker.read() : ticker.read();
  }
}
