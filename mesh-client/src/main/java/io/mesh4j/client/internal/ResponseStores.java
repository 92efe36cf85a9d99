package io.mesh4j.client.internal;

import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.client.CachedResponse;
import java.time.Duration;

/** Adapts the caches of mesh-cache to {@link ResponseStore}. */
public final class ResponseStores {
  private ResponseStores() {}

  /** A store over a Redis-only cache. */
  public static ResponseStore of(DistributedCache<CachedResponse> cache) {
    return new ResponseStore() {
      @Override
      public CachedResponse get(String key) {
        return cache.get(key);
      }

      @Override
      public void put(String key, CachedResponse value, Duration ttl) {
        cache.set(key, value, ttl);
      }

      @Override
      public void remove(String key) {
        cache.delete(key);
      }

      @Override
      public long removeMatching(String pattern) {
        return cache.invalidate(pattern);
      }
    };
  }

  /** A store over a two-level cache: L1 hits need no network. */
  public static ResponseStore of(TwoLevelCache<CachedResponse> cache) {
    return new ResponseStore() {
      @Override
      public CachedResponse get(String key) {
        return cache.get(key);
      }

      @Override
      public void put(String key, CachedResponse value, Duration ttl) {
        cache.set(key, value, ttl);
      }

      @Override
      public void remove(String key) {
        cache.delete(key);
      }

      @Override
      public long removeMatching(String pattern) {
        return cache.invalidate(pattern);
      }
    };
  }
}
