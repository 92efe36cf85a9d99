package io.mesh4j.cache.internal;

import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * The cluster client could not be created (no seed node answered). A Jedis connection exception,
 * so the caches treat it like any other Redis outage.
 */
final class RedisUnavailableException extends JedisConnectionException {
  private static final long serialVersionUID = 1L;

  RedisUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
