package io.mesh4j.cache.internal;

import io.mesh4j.api.MeshEventListener;
import io.mesh4j.cache.CacheEvent;
import io.mesh4j.cache.CacheException;
import io.mesh4j.cache.DistributedCache;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

/**
 * What a Redis failure does in one cache: it is counted, logged at WARN at most once per interval,
 * reported as a {@link CacheEvent}, and then either thrown (strict mode) or answered with the
 * operation's fallback (a miss, {@code false}, nothing stored).
 *
 * <p>Thread safe.
 */
final class RedisFailures {
  private static final Logger LOG = LoggerFactory.getLogger(DistributedCache.class);

  private final String namespace;
  private final boolean strict;
  private final MeshEventListener listener;
  private final Clock clock;
  private final CacheCounters counters;
  private final RateLimitedLog warnLog = new RateLimitedLog(LOG);

  private final JedisClusterConnection connection;

  /** {@code listener} may be null (no listener). */
  RedisFailures(String namespace, boolean strict, MeshEventListener listener, Clock clock,
      CacheCounters counters, JedisClusterConnection connection) {
    this.connection = connection;
    this.namespace = namespace;
    this.strict = strict;
    this.listener = listener;
    this.clock = clock;
    this.counters = counters;
  }

  /** A Redis failure: counted, logged (rate limited), thrown in strict mode, else {@code fallback}. */
  <T> T failed(String operation, JedisException e, T fallback) {
    counters.recordRedisError();
    // The message is ours, in words: Jedis's own ("No more cluster attempts left") names no cause.
    String why = FailureCause.describe(e, connection);
    warnLog.warn(namespace, operation, why);
    emit(CacheEvent.Kind.REDIS_FAILURE, operation);
    if (strict) {
      throw new CacheException(namespace,
          "Redis " + operation + " failed in cache '" + namespace + "': " + why, e);
    }
    return fallback;
  }

  /**
   * A failure of housekeeping the caller must never see (a lock release, deleting a corrupt entry):
   * counted and logged at DEBUG only.
   */
  void ignored(String what, JedisException e) {
    counters.recordRedisError();
    LOG.debug("mesh-cache '{}': {} failed: {}", namespace, what, e.toString());
  }

  /** Delivers an event of {@code kind} to the cache's listener, if it has one. */
  void emit(CacheEvent.Kind kind, String detail) {
    if (listener != null) {
      deliver(listener, new CacheEvent(kind, namespace, detail, clock.millis()));
    }
  }

  /** Delivers {@code event}; a listener that throws is logged at DEBUG and otherwise ignored. */
  static void deliver(MeshEventListener listener, CacheEvent event) {
    try {
      listener.onEvent(event);
    } catch (RuntimeException e) {
      LOG.debug("mesh-cache '{}': event listener threw", event.namespace(), e);
    }
  }
}
