package io.mesh4j.cache.internal;

import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * The cluster client could not be created (no seed node answered), or the connection is closed. A
 * Jedis connection exception, so the caches treat it like any other Redis outage.
 */
final class RedisUnavailableException extends JedisConnectionException {
  private static final long serialVersionUID = 1L;

  private final String why;

  RedisUnavailableException(String message, String why, Throwable cause) {
    super(message, cause);
    this.why = why;
  }

  /** The cause in words, e.g. "connection refused at the last attempt". */
  String why() {
    return why;
  }
}
