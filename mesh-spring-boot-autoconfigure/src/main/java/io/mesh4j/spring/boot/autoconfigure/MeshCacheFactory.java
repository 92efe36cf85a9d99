package io.mesh4j.spring.boot.autoconfigure;

import io.mesh4j.api.MeshEventListener;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.DistributedCacheBuilder;
import io.mesh4j.cache.RedisClusterConnection;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.cache.TwoLevelCacheBuilder;
import io.mesh4j.spring.boot.autoconfigure.internal.PropertyChecks;
import java.time.Duration;

/**
 * Makes caches on the context's {@link RedisClusterConnection} with the settings of
 * {@code mesh4j.cache.namespaces.<namespace>.*} (falling back to {@code mesh4j.cache.*}). The
 * caller owns (and closes) what it gets; the connection stays the context's.
 */
public final class MeshCacheFactory {
  private final RedisClusterConnection connection;
  private final Mesh4jProperties.Cache settings;
  private final MeshEventListener listener;

  MeshCacheFactory(RedisClusterConnection connection, Mesh4jProperties.Cache settings, MeshEventListener listener) {
    this.connection = connection;
    this.settings = settings;
    this.listener = listener;
  }

  /** A Redis-only cache of {@code type} values under {@code namespace}, stored as JSON. */
  public <V> DistributedCache<V> distributed(String namespace, Class<V> type) {
    Mesh4jProperties.Namespace ns = namespaceSettings(namespace);
    String prefix = prefix(namespace);
    DistributedCacheBuilder<V> builder = DistributedCache.builder(connection, type);
    PropertyChecks.apply(prefix + "namespace", namespace, "1 to 128 characters without '*', '?', '[' or ']'",
        () -> builder.namespace(namespace));
    Duration ttl = ttl(namespace);
    PropertyChecks.apply(ttlProperty(namespace, ns), ttl, "a positive duration (e.g. 10m)",
        () -> builder.defaultTtl(ttl));
    if (listener != null) {
      builder.listener(listener);
    }
    return PropertyChecks.get(prefix + "*", namespace, "valid cache settings", builder::build);
  }

  /**
   * A {@link TwoLevelCache} (Caffeine L1 in front of Redis, invalidated across JVMs) of
   * {@code type} values under {@code namespace}.
   */
  public <V> TwoLevelCache<V> twoLevel(String namespace, Class<V> type) {
    Mesh4jProperties.Namespace ns = namespaceSettings(namespace);
    DistributedCache<V> l2 = distributed(namespace, type);
    try {
      TwoLevelCacheBuilder<V> builder = TwoLevelCache.builder(l2);
      long size = ns.getL1Size() != null ? ns.getL1Size() : settings.getL1Size();
      String sizeProperty = ns.getL1Size() != null ? prefix(namespace) + "l1-size" : "mesh4j.cache.l1-size";
      PropertyChecks.apply(sizeProperty, size, "an integer >= 1", () -> builder.l1MaximumSize(size));
      Duration l1Ttl = ns.getL1Ttl() != null ? ns.getL1Ttl() : settings.getL1Ttl();
      if (l1Ttl != null) {
        String l1TtlProperty = ns.getL1Ttl() != null ? prefix(namespace) + "l1-ttl" : "mesh4j.cache.l1-ttl";
        PropertyChecks.apply(l1TtlProperty, l1Ttl, "a positive duration not above the namespace's ttl",
            () -> builder.l1Ttl(l1Ttl));
      }
      if (listener != null) {
        builder.listener(listener);
      }
      if (settings.isRecordStats()) {
        builder.recordStats();
      }
      return PropertyChecks.get(prefix(namespace) + "l1-ttl", l1Ttl, "a positive duration not above the namespace's ttl",
          builder::build);
    } catch (RuntimeException e) {
      l2.close();
      throw e;
    }
  }

  /** Whether {@code namespace} keeps an L1 (its own setting, else {@code mesh4j.cache.l1-enabled}). */
  public boolean l1Enabled(String namespace) {
    Boolean own = namespaceSettings(namespace).getL1Enabled();
    return own != null ? own : settings.isL1Enabled();
  }

  /** The L2 TTL of {@code namespace}. */
  public Duration ttl(String namespace) {
    Duration own = namespaceSettings(namespace).getTtl();
    return own != null ? own : settings.getTtl();
  }

  Mesh4jProperties.Cache settings() {
    return settings;
  }

  private Mesh4jProperties.Namespace namespaceSettings(String namespace) {
    Mesh4jProperties.Namespace ns = settings.getNamespaces().get(namespace);
    return ns != null ? ns : new Mesh4jProperties.Namespace();
  }

  private static String prefix(String namespace) {
    return "mesh4j.cache.namespaces." + namespace + ".";
  }

  private static String ttlProperty(String namespace, Mesh4jProperties.Namespace ns) {
    return ns.getTtl() != null ? prefix(namespace) + "ttl" : "mesh4j.cache.ttl";
  }
}
