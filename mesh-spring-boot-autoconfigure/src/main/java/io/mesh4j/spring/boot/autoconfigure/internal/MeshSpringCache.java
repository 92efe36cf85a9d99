package io.mesh4j.spring.boot.autoconfigure.internal;

import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.TwoLevelCache;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.springframework.cache.support.AbstractValueAdaptingCache;

/**
 * One Spring cache over a {@link TwoLevelCache} or (L1 off) a {@link DistributedCache}. Keys are
 * the string form of Spring's keys; null values are not allowed (Spring rejects a null put).
 */
public final class MeshSpringCache extends AbstractValueAdaptingCache {
  private final String name;
  private final TwoLevelCache<Object> twoLevel;
  private final DistributedCache<Object> distributed;
  private final Duration ttl;

  private MeshSpringCache(String name, TwoLevelCache<Object> twoLevel, DistributedCache<Object> distributed, Duration ttl) {
    super(false);
    this.name = name;
    this.twoLevel = twoLevel;
    this.distributed = distributed;
    this.ttl = ttl;
  }

  /** A Spring cache over a two-level cache. */
  @SuppressWarnings("unchecked")
  public static MeshSpringCache of(String name, TwoLevelCache<?> cache, Duration ttl) {
    return new MeshSpringCache(name, (TwoLevelCache<Object>) cache, null, ttl);
  }

  /** A Spring cache over a Redis-only cache. */
  @SuppressWarnings("unchecked")
  public static MeshSpringCache of(String name, DistributedCache<?> cache, Duration ttl) {
    return new MeshSpringCache(name, null, (DistributedCache<Object>) cache, ttl);
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public Object getNativeCache() {
    return twoLevel != null ? twoLevel : distributed;
  }

  @Override
  protected Object lookup(Object key) {
    String k = key(key);
    return twoLevel != null ? twoLevel.get(k) : distributed.get(k);
  }

  /** {@code @Cacheable(sync = true)}: one load across every JVM sharing the namespace. */
  @Override
  @SuppressWarnings("unchecked")
  public <T> T get(Object key, Callable<T> valueLoader) {
    String k = key(key);
    Supplier<Object> loader = () -> {
      try {
        return valueLoader.call();
      } catch (Exception e) {
        throw new LoaderFailed(e);
      }
    };
    try {
      return (T) (twoLevel != null ? twoLevel.getOrLoad(k, ttl, loader) : distributed.getOrLoad(k, ttl, loader));
    } catch (LoaderFailed e) {
      throw new ValueRetrievalException(key, valueLoader, e.getCause());
    }
  }

  @Override
  public void put(Object key, Object value) {
    Object stored = toStoreValue(value);
    String k = key(key);
    if (twoLevel != null) {
      twoLevel.set(k, stored, ttl);
    } else {
      distributed.set(k, stored, ttl);
    }
  }

  @Override
  public void evict(Object key) {
    evictIfPresent(key);
  }

  @Override
  public boolean evictIfPresent(Object key) {
    String k = key(key);
    return twoLevel != null ? twoLevel.delete(k) : distributed.delete(k);
  }

  @Override
  public void clear() {
    invalidate();
  }

  @Override
  public boolean invalidate() {
    long removed = twoLevel != null ? twoLevel.invalidateAll() : distributed.invalidateAll();
    return removed > 0;
  }

  private static String key(Object key) {
    return String.valueOf(key);
  }

  /** Carries a checked loader exception through the Supplier the cache takes. */
  private static final class LoaderFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LoaderFailed(Exception cause) {
      super(cause);
    }
  }
}
