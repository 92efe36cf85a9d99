package io.mesh4j.cache;

import com.fasterxml.jackson.core.type.TypeReference;
import io.mesh4j.api.internal.Checks;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Typed values on a Redis Cluster, under a namespace.
 *
 * <p>Every key is stored as {@code <namespace>:<version>:<key>}; the version is the namespace
 * version that {@link #invalidateAll()} bumps. A hash tag in your key ({@code "{user42}:profile"})
 * keeps related keys in one slot, as in plain Redis.
 *
 * <p>Failures: unless built with {@code strict(true)}, no Redis failure reaches the caller. A read
 * is a miss, a write is dropped (and returns {@code false}), {@link #getOrLoad} calls the loader
 * directly; each failure is counted and logged at WARN at most every 10 seconds. A stored payload
 * that cannot be decoded is a miss, is deleted and is counted. Loader exceptions always propagate.
 *
 * <p>Thread safe. Close it when done; a cache built on a shared {@link RedisClusterConnection}
 * leaves that connection open.
 *
 * @param <V> the value type
 */
public interface DistributedCache<V> extends AutoCloseable {

  /** A builder for values of {@code type}, stored as Jackson JSON. */
  static <V> DistributedCacheBuilder<V> builder(Class<V> type) {
    return new DistributedCacheBuilder<>(CacheCodec.json(Checks.notNull(type, "type")));
  }

  /** A builder for values of the generic {@code type} (e.g. {@code List<User>}), as JSON. */
  static <V> DistributedCacheBuilder<V> builder(TypeReference<V> type) {
    return new DistributedCacheBuilder<>(CacheCodec.json(Checks.notNull(type, "type")));
  }

  /** A builder for values encoded by {@code codec}. */
  static <V> DistributedCacheBuilder<V> builder(CacheCodec<V> codec) {
    return new DistributedCacheBuilder<>(Checks.notNull(codec, "codec"));
  }

  /** A builder on a shared {@code connection}, for values of {@code type} as JSON. */
  static <V> DistributedCacheBuilder<V> builder(RedisClusterConnection connection, Class<V> type) {
    return builder(type).connection(connection);
  }

  /** The namespace (key prefix) of this cache. */
  String namespace();

  /** The TTL used when none is given. */
  Duration defaultTtl();

  /** The value of {@code key}, or null on a miss. */
  V get(String key);

  /**
   * The values of {@code keys} that are present (absent keys are left out), in the order of
   * {@code keys}. Keys are grouped by hash slot and sent per node in one pipeline: one round trip
   * per node, not per key.
   */
  Map<String, V> getMulti(Collection<String> keys);

  /** Stores {@code value} with the default TTL; true if Redis stored it. */
  boolean set(String key, V value);

  /** Stores {@code value} for {@code ttl}; true if Redis stored it. */
  boolean set(String key, V value, Duration ttl);

  /** Stores all {@code entries} for {@code ttl}, pipelined per node; the number stored. */
  int setMulti(Map<String, ? extends V> entries, Duration ttl);

  /** Stores {@code value} only if {@code key} is absent (SET NX); true if it was stored. */
  boolean setIfAbsent(String key, V value, Duration ttl);

  /** Stores {@code value} only if {@code key} is present (SET XX); true if it was stored. */
  boolean setIfPresent(String key, V value, Duration ttl);

  /** Deletes {@code key}; true if it existed. */
  boolean delete(String key);

  /** True if {@code key} exists. */
  boolean exists(String key);

  /** Sets the TTL of an existing {@code key}; true if the key existed. */
  boolean expire(String key, Duration ttl);

  /**
   * The value of {@code key}, loading and storing it for {@code ttl} on a miss. Stampede safe:
   * concurrent misses in this JVM share one load; across JVMs one holder of a Redis lock loads
   * while the others wait for the value (a waiter loads without the lock only after twice the lock
   * timeout); a loaded value never overwrites one written while the loader ran (the caller then
   * gets the written value); and a value is recomputed
   * early with the XFetch probability, so a hot key is refreshed by one caller before it expires.
   * A null from the loader is returned and not stored. The loader's exceptions propagate to every
   * caller that shared the load.
   */
  V getOrLoad(String key, Duration ttl, Supplier<? extends V> loader);

  /** {@link #getOrLoad(String, Duration, Supplier)} with the default TTL. */
  V getOrLoad(String key, Supplier<? extends V> loader);

  /**
   * Adds {@code delta} to the counter {@code key} (created at 0) and returns the new value; a new
   * counter expires after {@code ttlOnCreate}. Empty if Redis failed.
   */
  OptionalLong increment(String key, long delta, Duration ttlOnCreate);

  /** Subtracts {@code delta}; see {@link #increment}. */
  OptionalLong decrement(String key, long delta, Duration ttlOnCreate);

  /** The value of the counter {@code key}; empty if absent or Redis failed. */
  OptionalLong counter(String key);

  /** Adds {@code member} to the set {@code key} (a new set gets the default TTL); true if added. */
  boolean addToSet(String key, V member);

  /** Removes {@code member} from the set {@code key}; true if it was there. */
  boolean removeFromSet(String key, V member);

  /** The members of the set {@code key} (empty if absent). */
  Set<V> setMembers(String key);

  /** Appends {@code value} to the queue {@code key} (a new queue gets the default TTL). */
  boolean push(String key, V value);

  /** Takes the head of the queue {@code key}, or null if it is empty. */
  V pop(String key);

  /** Takes the head of the queue {@code key}, waiting up to {@code timeout}; null on timeout. */
  V pop(String key, Duration timeout);

  /**
   * Deletes every key of this namespace's current version whose key matches the glob
   * {@code pattern} ({@code *}, {@code ?}, {@code [abc]}, {@code [^a]}, {@code [a-z]}, {@code \x}),
   * by SCAN on every master node, deleting in slot-grouped batches. Matching is Redis's own, on the
   * UTF-8 bytes: {@code ?} is one byte, so {@code é} needs {@code ??}. Returns how many keys were
   * deleted.
   *
   * @throws IllegalArgumentException if {@code pattern} is empty or longer than 1024 bytes in
   *     UTF-8; checked before anything is deleted
   */
  long invalidate(String pattern);

  /**
   * Invalidates the whole namespace in O(1): bumps the namespace version (INCR), so every key
   * written before is unreachable and dies by its TTL. Other JVMs see the new version within
   * {@code namespaceVersionCheckInterval} (a {@link TwoLevelCache} at once). Returns the new
   * version, or -1 if Redis failed.
   */
  long invalidateAll();

  /**
   * Cache-aside: a function that returns the cached result for its argument, calling
   * {@code function} through {@link #getOrLoad} on a miss. {@code keyOf} maps an argument to its
   * cache key.
   */
  <A> Function<A, V> cacheAside(Function<? super A, ? extends V> function,
      Function<? super A, String> keyOf, Duration ttl);

  /**
   * Write-through: writes {@code value} to the source of truth first ({@code writer}; its exception
   * propagates and the cache is left untouched), then to the cache. If the cache write fails the key
   * is deleted (best effort), so a later read reloads rather than serving the old value.
   */
  V writeThrough(String key, V value, Duration ttl, Consumer<? super V> writer);

  /** A snapshot of the counters. */
  CacheStats stats();

  /** Stops the cache; closes the connection if the cache created it. Idempotent. */
  @Override
  void close();
}
