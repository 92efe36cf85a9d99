package io.mesh4j.cache.internal;

import io.mesh4j.cache.DistributedCache;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The L2 as {@link TwoLevelCacheImpl} sees it, like Caffeine's {@code LocalManualCache} over its
 * {@code LocalCache}: the public operations, plus reads that return whole entries (an L1 fill needs
 * the entry's expiry), the key space (an invalidation message may announce a new namespace version)
 * and the runtime the two levels share.
 */
interface L2Store<V> extends DistributedCache<V> {
  /** {@link #get} returning the whole entry, with hit/miss accounting. */
  Hit<V> getEntry(String key);

  /** {@link #getMulti} returning whole entries. */
  Map<String, Hit<V>> getMultiEntries(Collection<String> keys);

  /** {@link #getOrLoad(String, Duration, Supplier)} returning the entry (null if the loader returned null). */
  Hit<V> getOrLoadEntry(String key, Duration ttl, Supplier<? extends V> loader);

  /** The key layout and namespace version. */
  KeySpace keySpace();

  /** The connection, clocks and failure handling of this cache. */
  CacheRuntime runtime();
}
