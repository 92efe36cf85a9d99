package io.mesh4j.cache.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.providers.ClusterConnectionProvider;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Jedis's cluster connection provider, except that the slot-map renewal Jedis starts after two
 * connection failures in one command runs on a background thread instead of the caller's. Jedis
 * renews by trying known nodes one by one, each with a connect and a handshake; with nodes that
 * have stopped answering that took seconds of the caller's operation timeout. A renewal already
 * running (or queued) absorbs the next requests. Renewals with an answering connection (after a
 * MOVED reply) stay synchronous: they cost one round trip.
 *
 * <p>Thread safe.
 */
final class BackgroundRenewalProvider extends ClusterConnectionProvider {
  private static final Logger LOG = LoggerFactory.getLogger(BackgroundRenewalProvider.class);

  private final AtomicBoolean pending = new AtomicBoolean();
  private volatile boolean closed;

  BackgroundRenewalProvider(Set<HostAndPort> nodes, JedisClientConfig config,
      GenericObjectPoolConfig<Connection> pool, Duration topologyRefreshPeriod) {
    super(nodes, config, null, pool, topologyRefreshPeriod);
  }

  /** Jedis's own calls: queued on a daemon thread, at most one at a time. */
  @Override
  public void renewSlotCache() {
    if (closed || !pending.compareAndSet(false, true)) {
      return;
    }
    Thread t = new Thread(() -> {
      try {
        renewNow();
      } finally {
        pending.set(false);
      }
    }, "mesh4j-cache-slot-renewal");
    t.setDaemon(true);
    t.start();
  }

  /** Renews the slot map on the calling thread (an explicit topology refresh). */
  void renewNow() {
    if (closed) {
      return;
    }
    try {
      super.renewSlotCache();
    } catch (JedisException e) {
      LOG.debug("slot map renewal failed: {}", e.toString());
    }
  }

  @Override
  public void close() {
    closed = true;
    super.close();
  }
}
