package io.mesh4j.cache.spi;

import io.mesh4j.api.internal.Checks;
import io.mesh4j.cache.RedisClusterConnection;
import io.mesh4j.cache.internal.JedisClusterConnection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClusterClient;

/**
 * Wraps a Jedis {@link RedisClusterClient} you already have as a {@link RedisClusterConnection}, so
 * mesh4j caches share its pools. The wrapper does not own the client: closing it (or a cache built
 * on it) leaves the client open.
 *
 * <p>The invalidation channel of a {@code TwoLevelCache} opens one dedicated connection of its own,
 * configured by the {@link JedisClientConfig} you pass (give the same credentials as the client's).
 */
public final class JedisClusterAdapter {
  private JedisClusterAdapter() {}

  /** Wraps {@code client}; dedicated connections use Jedis's default client configuration. */
  public static RedisClusterConnection wrap(RedisClusterClient client) {
    return wrap(client, DefaultJedisClientConfig.builder().build());
  }

  /** Wraps {@code client}; dedicated connections use {@code config}. */
  public static RedisClusterConnection wrap(RedisClusterClient client, JedisClientConfig config) {
    Checks.notNull(client, "client");
    Checks.notNull(config, "config");
    return JedisClusterConnection.wrap(client, config);
  }
}
