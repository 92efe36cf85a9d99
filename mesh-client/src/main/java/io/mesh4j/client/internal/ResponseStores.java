package io.mesh4j.client.internal;

import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.client.CachedResponse;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/** Adapts the caches of mesh-cache to {@link ResponseStore}. */
public final class ResponseStores {
  private ResponseStores() {}

  /** The cache's set-with-TTL, which the two cache types share by shape only. */
  @FunctionalInterface
  private interface Put {
    void put(String key, CachedResponse value, Duration ttl);
  }

  /** A store over a Redis-only cache. */
  public static ResponseStore of(DistributedCache<CachedResponse> cache) {
    return of(cache::get, cache::set, cache::delete, cache::invalidate);
  }

  /** A store over a two-level cache: L1 hits need no network. */
  public static ResponseStore of(TwoLevelCache<CachedResponse> cache) {
    return of(cache::get, cache::set, cache::delete, cache::invalidate);
  }

  private static ResponseStore of(Function<String, CachedResponse> get, Put put,
      Function<String, Boolean> delete, ToLongFunction<String> invalidate) {
    return new ResponseStore() {
      @Override
      public CachedResponse get(String key) {
        return get.apply(key);
      }

      @Override
      public void put(String key, CachedResponse value, Duration ttl) {
        put.put(key, value, ttl);
      }

      @Override
      public boolean remove(String key) {
        return delete.apply(key);
      }

      @Override
      public long removeMatching(String pattern) {
        return invalidate.applyAsLong(pattern);
      }
    };
  }
}
