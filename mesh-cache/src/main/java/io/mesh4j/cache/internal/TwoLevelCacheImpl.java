package io.mesh4j.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.cache.CacheEvent;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.cache.TwoLevelCacheStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TwoLevelCache}: Caffeine over an {@link L2Store}, invalidated over sharded pub/sub by an
 * {@link InvalidationChannel}.
 *
 * <p>Coherence rules, in code order:
 * <ul>
 *   <li>Every invalidation applied to L1 first bumps {@link #generation}. A reader notes the
 *       generation before it reads L2 and, after putting the value in L1, removes it again if the
 *       generation moved: an invalidation that raced with the read can never leave the old value in
 *       L1.</li>
 *   <li>A write goes to L2, then to the channel (numbered messages; see {@link InvalidationChannel}
 *       for gaps, silent subscriptions and failed publishes), then out of this JVM's L1.</li>
 *   <li>L1 is off until the subscription is confirmed; on every (re)subscription L1 is cleared.</li>
 * </ul>
 */
public final class TwoLevelCacheImpl<V> implements TwoLevelCache<V> {
  private static final Logger LOG = LoggerFactory.getLogger(TwoLevelCache.class);

  private final L2Store<V> l2;
  /** The values themselves, with their expiry: see {@link L1Store}. */
  private final L1Store l1;
  /** L1's Caffeine cache itself, read directly on the hit path (one call level less to inline). */
  private final Cache<String, Object> l1Reads;
  private final MeshEventListener listener;
  private final AtomicLong generation = new AtomicLong();
  private final InvalidationChannel channel;

  private volatile boolean l1Active;
  private volatile boolean closed;

  /** Null unless the cache records statistics: counting costs a share of a hit's few nanoseconds. */
  private final StripedHitCounter l1Hits;
  private final LongAdder l1Misses = new LongAdder();
  private final LongAdder l1Bypassed = new LongAdder();

  /** Builds the cache and starts its subscription in the background. */
  public TwoLevelCacheImpl(L2Store<V> l2, long l1MaximumSize, Duration l1Ttl,
      Duration checkInterval, boolean recordStats, MeshEventListener listener) {
    this.l2 = l2;
    this.listener = listener;
    this.l1 = new L1Store(l1MaximumSize, l1Ttl, l2.runtime().ticker());
    this.l1Reads = l1.cache();
    this.l1Hits = recordStats ? new StripedHitCounter() : null;
    this.channel = new InvalidationChannel(l2, new Local(), checkInterval.toMillis(), this::emit);
    channel.start();
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  @Override
  public V get(String key) {
    if (key == null) {
      throw new NullPointerException("key must not be null");
    }
    // The hit path: one Caffeine read and a type check. L1 is empty while it is not active (it is
    // cleared when deactivated and refuses fills until active again), so no flag is read here.
    Object o = l1Reads.getIfPresent(key);
    if (o != null && !(o instanceof L1Store.ShortLived)) {
      if (l1Hits != null) {
        l1Hits.increment();
      }
      return cast(o);
    }
    V v = o == null ? null : cast(l1.shortLived(key, (L1Store.ShortLived) o));
    if (v != null) {
      countHit();
      return v;
    }
    return getFromL2(key);
  }

  @Override
  public V getFresh(String key) {
    if (key == null) {
      throw new NullPointerException("key must not be null");
    }
    return getFromL2(key);
  }

  private void countHit() {
    if (l1Hits != null) {
      l1Hits.increment();
    }
  }

  /** L1 entries hold only values of type V (put by {@link #fill}). */
  @SuppressWarnings("unchecked")
  private V cast(Object o) {
    return (V) o;
  }

  /** The value L1 holds for {@code key}, or null (always null while L1 is not active). */
  private V l1Value(String key) {
    return cast(l1.value(key));
  }

  private V getFromL2(String key) {
    KeySpace.checkKey(key, "key");
    boolean active = countL1Miss();
    long gen = generation.get();
    Hit<V> hit = l2.getEntry(key);
    if (hit == null) {
      return null;
    }
    if (active) {
      fill(key, hit, gen);
    }
    return hit.value();
  }

  private boolean countL1Miss() {
    boolean active = l1Active;
    (active ? l1Misses : l1Bypassed).increment();
    return active;
  }

  /**
   * Puts an L2 entry read under generation {@code gen} into L1, for no longer than its L2 TTL, and
   * takes it out again if an invalidation was applied meanwhile.
   */
  private void fill(String key, Hit<V> hit, long gen) {
    if (generation.get() != gen) {
      return;
    }
    long remaining = TimeUnit.MILLISECONDS.toNanos(hit.expiresAtMillis() - l2.runtime().clock().millis());
    Object stored = l1.entryFor(hit.value(), remaining);
    if (stored == null) {
      return;
    }
    // The check and the put are one atomic step for this key, as the eviction of one key is: an
    // invalidation applied before it stops the put, one applied after it removes what was put.
    // A put followed by a check left the old value visible to other readers in between, after its
    // invalidation had been applied (L1RaceStressTest caught it under load). A refused put hands
    // Caffeine the old entry back, which restarts its l1Ttl: that entry was filled by a read racing
    // this one, a Redis round trip ago at most.
    l1.asMap().compute(key, (k, old) -> generation.get() == gen && l1Active ? stored : old);
    // Clearing all of L1 (or a pattern) is not atomic per key: catch a put that raced with it.
    if (generation.get() != gen || !l1Active) {
      l1.asMap().remove(key, stored);
    }
  }

  @Override
  public Map<String, V> getMulti(Collection<String> keys) {
    if (keys == null) {
      throw new NullPointerException("keys must not be null");
    }
    Map<String, V> out = new LinkedHashMap<>();
    List<String> rest = new ArrayList<>();
    boolean active = l1Active;
    int i = 0;
    for (String key : keys) {
      KeySpace.checkKey(key, "keys[" + i++ + "]");
      V v = active ? l1Value(key) : null;
      if (v != null) {
        countHit();
        out.put(key, v);
      } else {
        (active ? l1Misses : l1Bypassed).increment();
        rest.add(key);
      }
    }
    if (!rest.isEmpty()) {
      long gen = generation.get();
      Map<String, Hit<V>> loaded = l2.getMultiEntries(rest);
      loaded.forEach((k, hit) -> {
        out.put(k, hit.value());
        if (active) {
          fill(k, hit, gen);
        }
      });
    }
    return out;
  }

  @Override
  public V getOrLoad(String key, Supplier<? extends V> loader) {
    return getOrLoad(key, l2.defaultTtl(), loader);
  }

  @Override
  public V getOrLoad(String key, Duration ttl, Supplier<? extends V> loader) {
    if (key == null) {
      throw new NullPointerException("key must not be null");
    }
    if (l1Active) {
      V v = l1Value(key);
      if (v != null) {
        countHit();
        return v;
      }
    }
    boolean active = countL1Miss();
    long gen = generation.get();
    Hit<V> hit = l2.getOrLoadEntry(key, ttl, loader);
    if (hit == null) {
      return null;
    }
    if (active) {
      fill(key, hit, gen);
    }
    return hit.value();
  }

  // ---------------------------------------------------------------------------------------------
  // Writes: L2, then publish, then this L1

  @Override
  public boolean set(String key, V value) {
    return set(key, value, l2.defaultTtl());
  }

  @Override
  public boolean set(String key, V value, Duration ttl) {
    boolean stored;
    try {
      stored = l2.set(key, value, ttl);
    } catch (RuntimeException | Error e) {
      // Strict mode (or a value that does not encode): a write that failed on the wire may still
      // land, so neither this L1 nor the others may keep the old value.
      afterFailedWrite(e, () -> channel.publish('K', key), () -> evict(key));
      throw e;
    }
    // Published even if L2 reported a failure: the write may have landed before the error.
    publishThenApply(() -> channel.publish('K', key), () -> evict(key));
    return stored;
  }

  @Override
  public boolean delete(String key) {
    boolean existed;
    try {
      existed = l2.delete(key);
    } catch (RuntimeException | Error e) {
      afterFailedWrite(e, () -> channel.publish('K', key), () -> evict(key));
      throw e;
    }
    publishThenApply(() -> channel.publish('K', key), () -> evict(key));
    return existed;
  }

  @Override
  public long invalidate(String pattern) {
    Glob glob = Glob.compile(pattern); // a bad pattern fails here: nothing deleted, nothing published
    long deleted;
    try {
      deleted = l2.invalidate(pattern);
    } catch (RuntimeException | Error e) {
      afterFailedWrite(e, () -> channel.publish('P', pattern), () -> evictMatching(glob));
      throw e;
    }
    publishThenApply(() -> channel.publish('P', pattern), () -> evictMatching(glob));
    return deleted;
  }

  @Override
  public long invalidateAll() {
    long version;
    try {
      version = l2.invalidateAll();
    } catch (RuntimeException | Error e) {
      // The version did not move (or we cannot tell): nothing to tell the others, but this L1 goes.
      clear();
      throw e;
    }
    publishThenApply(() -> channel.publish('A', Long.toString(version)), this::clear);
    return version;
  }

  /** Publishes, then applies the change to this L1 even if the publish threw (strict mode). */
  private static void publishThenApply(Runnable publish, Runnable local) {
    try {
      publish.run();
    } finally {
      local.run();
    }
  }

  /** After an L2 write that threw: this L1 and the others drop the key; the L2 failure is what the caller sees. */
  private static void afterFailedWrite(Throwable failure, Runnable publish, Runnable local) {
    try {
      publishThenApply(publish, local);
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // L1 as the invalidation channel drives it: every change bumps the generation first

  private void evict(String key) {
    generation.incrementAndGet();
    l1.invalidate(key);
  }

  private void evictMatching(Glob glob) {
    generation.incrementAndGet();
    l1.removeMatching(glob::matches);
  }

  private void clear() {
    generation.incrementAndGet();
    l1.invalidateAll();
  }

  /** This L1, as the invalidation channel's threads see it. */
  private final class Local implements InvalidationChannel.Local {
    @Override
    public void evict(String key) {
      TwoLevelCacheImpl.this.evict(key);
    }

    @Override
    public void evictMatching(String pattern) {
      Glob glob;
      try {
        glob = Glob.compile(pattern);
      } catch (IllegalArgumentException e) {
        // Another JVM (an older version) published a pattern this one refuses: drop all of L1
        // rather than keep entries that L2 may have deleted.
        LOG.debug("mesh-cache '{}': {}; clearing L1", l2.namespace(), e.getMessage());
        TwoLevelCacheImpl.this.clear();
        return;
      }
      TwoLevelCacheImpl.this.evictMatching(glob);
    }

    @Override
    public void clear() {
      TwoLevelCacheImpl.this.clear();
    }

    @Override
    public void activate() {
      l1Active = true;
    }

    @Override
    public boolean deactivate() {
      boolean wasActive = l1Active;
      l1Active = false;
      TwoLevelCacheImpl.this.clear();
      return wasActive;
    }

    @Override
    public boolean isActive() {
      return l1Active;
    }

    @Override
    public void afterCheck() {
      l1.sweepExpired();
    }
  }

  private void emit(CacheEvent.Kind kind, String detail) {
    if (listener == null) {
      l2.runtime().failures().emit(kind, detail);
      return;
    }
    try {
      listener.onEvent(new CacheEvent(kind, l2.namespace(), detail, l2.runtime().clock().millis()));
    } catch (RuntimeException e) {
      LOG.debug("mesh-cache '{}': event listener threw", l2.namespace(), e);
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Override
  public String namespace() {
    return l2.namespace();
  }

  @Override
  public boolean isL1Active() {
    return l1Active;
  }

  @Override
  public DistributedCache<V> l2() {
    return l2;
  }

  @Override
  public TwoLevelCacheStats stats() {
    return new TwoLevelCacheStats(l1Hits == null ? 0 : l1Hits.sum(), l1Hits != null, l1Misses.sum(), l1Bypassed.sum(), l1.estimatedSize(),
        l1Active, channel.published(), channel.received(), channel.gaps(), channel.subscriptions(),
        channel.publishFailures(), channel.queued(), l2.stats());
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    channel.close();
    l1Active = false;
    l1.invalidateAll();
    l2.close();
  }

  @Override
  public String toString() {
    return "TwoLevelCache{namespace=" + l2.namespace() + ", l1Active=" + l1Active + "}";
  }
}
