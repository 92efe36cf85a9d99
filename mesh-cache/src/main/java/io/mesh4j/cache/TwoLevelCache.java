package io.mesh4j.cache;

import io.mesh4j.api.internal.Checks;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A Caffeine L1 in this JVM over a {@link DistributedCache} L2, kept coherent across JVMs.
 *
 * <p>Reads: L1, then L2 (filling L1), then the loader through the L2's stampede-safe
 * {@code getOrLoad}. L1 is bounded by size and an entry never outlives its L2 TTL nor the L1 TTL.
 *
 * <p>Writes ({@link #set}, {@link #delete}, {@link #invalidate}, {@link #invalidateAll}) go to L2,
 * then publish an invalidation on the namespace's sharded pub/sub channel ({@code SPUBLISH}); every
 * {@code TwoLevelCache} of the namespace evicts the key from its L1 when it arrives. Each message
 * carries a sequence number from Redis; a skipped number clears L1, and a number that Redis has
 * issued but this cache has not received within a check interval is treated as a dead channel.
 * While the channel is down, L1 is cleared and bypassed (reads go to L2); it is used again once the
 * channel is resubscribed. So L1 is never stale past an invalidation it could have seen.
 *
 * <p>Write through this cache, not its L2: a write straight to L2 publishes nothing. Values in L1
 * are shared instances: do not mutate what you get. Thread safe; {@link #close()} closes the L2 too.
 *
 * @param <V> the value type
 */
public interface TwoLevelCache<V> extends AutoCloseable {

  /** A builder over {@code l2}, which the built cache then owns. */
  static <V> TwoLevelCacheBuilder<V> builder(DistributedCache<V> l2) {
    return new TwoLevelCacheBuilder<>(Checks.notNull(l2, "l2"));
  }

  /** The namespace shared with the L2. */
  String namespace();

  /** The value of {@code key} from L1 or L2, or null. */
  V get(String key);

  /**
   * The value of {@code key} read from L2, skipping L1 (which it then refills), or null. Use it
   * where a caller must see a write that another JVM has completed: {@link #get} may serve this
   * JVM's L1 until that write's invalidation message arrives, which is not ordered with the return
   * of the other JVM's {@code set}. Costs an L2 round trip, like an L1 miss.
   */
  V getFresh(String key);

  /** The present values of {@code keys}: L1 first, the rest in one slot-grouped L2 pipeline. */
  Map<String, V> getMulti(Collection<String> keys);

  /** L1, then L2, then {@code loader} (stampede safe), storing for {@code ttl}. */
  V getOrLoad(String key, Duration ttl, Supplier<? extends V> loader);

  /** {@link #getOrLoad(String, Duration, Supplier)} with the L2's default TTL. */
  V getOrLoad(String key, Supplier<? extends V> loader);

  /** Stores in L2 with the default TTL, then invalidates every L1; true if L2 stored it. */
  boolean set(String key, V value);

  /** Stores in L2 for {@code ttl}, then invalidates every L1; true if L2 stored it. */
  boolean set(String key, V value, Duration ttl);

  /** Deletes from L2, then invalidates every L1; true if the key existed. */
  boolean delete(String key);

  /**
   * {@link DistributedCache#invalidate(String)}, then removes matching keys from every L1 (matched
   * as Redis matches them). A pattern refused by the former is refused before anything is deleted or
   * published.
   */
  long invalidate(String pattern);

  /** {@link DistributedCache#invalidateAll()}, then clears every L1 of the namespace. */
  long invalidateAll();

  /** True while L1 is in use (the invalidation channel is subscribed and has lost nothing). */
  boolean isL1Active();

  /** The L2 (for counters, sets, queues; its writes publish no invalidation). */
  DistributedCache<V> l2();

  /** A snapshot of the counters of both levels. */
  TwoLevelCacheStats stats();

  /** Stops the invalidation subscription, drops L1 and closes the L2. Idempotent. */
  @Override
  void close();
}
