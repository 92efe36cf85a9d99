package io.mesh4j.client.internal;

import io.mesh4j.client.CachedResponse;
import java.time.Duration;

/** Where the response cache keeps answers: a DistributedCache or a TwoLevelCache. */
public interface ResponseStore {
  /** The cached answer under {@code key}, or null (a miss, or the cache is unreachable). */
  CachedResponse get(String key);

  /** Keeps {@code value} under {@code key} for {@code ttl}; dropped if the cache is unreachable. */
  void put(String key, CachedResponse value, Duration ttl);

  /** Removes the answer under {@code key}; true if there was one. */
  boolean remove(String key);

  /** Removes every answer whose key matches the glob {@code pattern}; returns how many. */
  long removeMatching(String pattern);
}
