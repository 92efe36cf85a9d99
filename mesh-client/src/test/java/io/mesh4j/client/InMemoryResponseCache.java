package io.mesh4j.client;

import io.mesh4j.cache.CacheException;
import io.mesh4j.cache.CacheStats;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.cache.TwoLevelCacheStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A response cache in a map, for tests that need no Redis: what the client stores (with the TTL
 * it asked for), gets, deletes and invalidates by glob, and a switch that makes every operation
 * fail as an unreachable Redis would. Expiry is not modelled: an entry stays until removed. Only
 * the operations the client uses are implemented; the others throw.
 */
final class InMemoryResponseCache implements DistributedCache<CachedResponse> {
  /** The TTL each key was last stored with. */
  final Map<String, Duration> ttls = new ConcurrentHashMap<>();
  final Map<String, CachedResponse> entries = new ConcurrentHashMap<>();
  /** Every glob passed to {@link #invalidate}, in order. */
  final List<String> invalidations = new ArrayList<>();
  private volatile boolean down;

  /** From now on every operation throws a {@link CacheException}, or none does again. */
  void down(boolean down) {
    this.down = down;
  }

  private void check() {
    if (down) {
      throw new CacheException("test", "the in-memory cache is switched off", null);
    }
  }

  @Override
  public String namespace() {
    return "test";
  }

  @Override
  public Duration defaultTtl() {
    return Duration.ofMinutes(1);
  }

  @Override
  public CachedResponse get(String key) {
    check();
    return entries.get(key);
  }

  @Override
  public boolean set(String key, CachedResponse value) {
    return set(key, value, defaultTtl());
  }

  @Override
  public boolean set(String key, CachedResponse value, Duration ttl) {
    check();
    entries.put(key, value);
    ttls.put(key, ttl);
    return true;
  }

  @Override
  public boolean delete(String key) {
    check();
    ttls.remove(key);
    return entries.remove(key) != null;
  }

  @Override
  public synchronized long invalidate(String pattern) {
    check();
    invalidations.add(pattern);
    Pattern p = globToRegex(pattern);
    long n = 0;
    for (String key : List.copyOf(entries.keySet())) {
      if (p.matcher(key).matches() && entries.remove(key) != null) {
        ttls.remove(key);
        n++;
      }
    }
    return n;
  }

  /** Redis's glob: {@code *}, {@code ?}, a backslash quoting the next character (no classes). */
  static Pattern globToRegex(String glob) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '\\' && i + 1 < glob.length()) {
        re.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
      } else if (c == '*') {
        re.append(".*");
      } else if (c == '?') {
        re.append('.');
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }

  @Override
  public long invalidateAll() {
    check();
    long n = entries.size();
    entries.clear();
    ttls.clear();
    return n;
  }

  @Override
  public void close() {}

  /** The same map seen as a two-level cache (no L1 of its own). */
  TwoLevelCache<CachedResponse> asTwoLevel() {
    InMemoryResponseCache self = this;
    return new TwoLevelCache<>() {
      @Override
      public String namespace() {
        return self.namespace();
      }

      @Override
      public CachedResponse get(String key) {
        return self.get(key);
      }

      @Override
      public CachedResponse getFresh(String key) {
        return self.get(key);
      }

      @Override
      public Map<String, CachedResponse> getMulti(Collection<String> keys) {
        throw unused();
      }

      @Override
      public CachedResponse getOrLoad(String key, Duration ttl, Supplier<? extends CachedResponse> loader) {
        throw unused();
      }

      @Override
      public CachedResponse getOrLoad(String key, Supplier<? extends CachedResponse> loader) {
        throw unused();
      }

      @Override
      public boolean set(String key, CachedResponse value) {
        return self.set(key, value);
      }

      @Override
      public boolean set(String key, CachedResponse value, Duration ttl) {
        return self.set(key, value, ttl);
      }

      @Override
      public boolean delete(String key) {
        return self.delete(key);
      }

      @Override
      public long invalidate(String pattern) {
        return self.invalidate(pattern);
      }

      @Override
      public long invalidateAll() {
        return self.invalidateAll();
      }

      @Override
      public boolean isL1Active() {
        return false;
      }

      @Override
      public DistributedCache<CachedResponse> l2() {
        return self;
      }

      @Override
      public TwoLevelCacheStats stats() {
        throw unused();
      }

      @Override
      public void close() {}
    };
  }

  private static UnsupportedOperationException unused() {
    return new UnsupportedOperationException("not used by the response cache");
  }

  // ---- not used by the client ----

  @Override
  public Map<String, CachedResponse> getMulti(Collection<String> keys) {
    throw unused();
  }

  @Override
  public int setMulti(Map<String, ? extends CachedResponse> entries, Duration ttl) {
    throw unused();
  }

  @Override
  public boolean setIfAbsent(String key, CachedResponse value, Duration ttl) {
    throw unused();
  }

  @Override
  public boolean setIfPresent(String key, CachedResponse value, Duration ttl) {
    throw unused();
  }

  @Override
  public boolean exists(String key) {
    throw unused();
  }

  @Override
  public boolean expire(String key, Duration ttl) {
    throw unused();
  }

  @Override
  public CachedResponse getOrLoad(String key, Duration ttl, Supplier<? extends CachedResponse> loader) {
    throw unused();
  }

  @Override
  public CachedResponse getOrLoad(String key, Supplier<? extends CachedResponse> loader) {
    throw unused();
  }

  @Override
  public OptionalLong increment(String key, long delta, Duration ttlOnCreate) {
    throw unused();
  }

  @Override
  public OptionalLong decrement(String key, long delta, Duration ttlOnCreate) {
    throw unused();
  }

  @Override
  public OptionalLong counter(String key) {
    throw unused();
  }

  @Override
  public boolean addToSet(String key, CachedResponse member) {
    throw unused();
  }

  @Override
  public boolean removeFromSet(String key, CachedResponse member) {
    throw unused();
  }

  @Override
  public Set<CachedResponse> setMembers(String key) {
    throw unused();
  }

  @Override
  public boolean push(String key, CachedResponse value) {
    throw unused();
  }

  @Override
  public CachedResponse pop(String key) {
    throw unused();
  }

  @Override
  public CachedResponse pop(String key, Duration timeout) {
    throw unused();
  }

  @Override
  public <A> Function<A, CachedResponse> cacheAside(Function<? super A, ? extends CachedResponse> function,
      Function<? super A, String> keyOf, Duration ttl) {
    throw unused();
  }

  @Override
  public CachedResponse writeThrough(String key, CachedResponse value, Duration ttl,
      Consumer<? super CachedResponse> writer) {
    throw unused();
  }

  @Override
  public CacheStats stats() {
    throw unused();
  }
}
