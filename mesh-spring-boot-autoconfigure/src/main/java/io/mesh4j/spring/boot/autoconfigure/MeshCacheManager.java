package io.mesh4j.spring.boot.autoconfigure;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * A Spring {@link CacheManager} whose caches are mesh4j caches on Redis Cluster: a
 * {@link io.mesh4j.cache.TwoLevelCache} per cache name (or a {@link io.mesh4j.cache.DistributedCache}
 * when the namespace's L1 is off). One cache per {@code mesh4j.cache.namespaces.<name>} entry,
 * made at start-up; values are JSON bound to the entry's {@code value-type}, never Java
 * serialization, so a name without an entry has no cache ({@link #getCache} returns null, and
 * Spring reports "Cannot find cache named ...").
 *
 * <p>{@code @Cacheable(sync = true)} goes through the cross-JVM stampede-safe {@code getOrLoad};
 * {@code @CacheEvict} deletes in Redis and invalidates every JVM's L1; {@code allEntries = true}
 * invalidates the namespace. Null values are not stored. Closing the manager closes its caches.
 */
public final class MeshCacheManager implements CacheManager, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MeshCacheManager.class);

  private final Map<String, Cache> caches;

  MeshCacheManager(Map<String, Cache> caches) {
    this.caches = Collections.unmodifiableMap(new LinkedHashMap<>(caches));
  }

  @Override
  public Cache getCache(String name) {
    Cache cache = caches.get(name);
    if (cache == null) {
      LOG.warn("No mesh4j cache named '{}': Spring fails the calls that use it (\"Cannot find cache named\");"
          + " set mesh4j.cache.namespaces.{}.value-type to the class of its values", name, name);
    }
    return cache;
  }

  @Override
  public Collection<String> getCacheNames() {
    return caches.keySet();
  }

  /** Closes every cache (the Redis connection stays open: it belongs to the context). */
  @Override
  public void close() {
    for (Cache cache : caches.values()) {
      if (cache.getNativeCache() instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          LOG.warn("Closing mesh4j cache '{}' failed: its threads and connections may stay open until the JVM exits;"
              + " the other caches are closed", cache.getName(), e);
        }
      }
    }
  }
}
