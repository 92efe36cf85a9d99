package io.mesh4j.cache.internal;

import io.mesh4j.cache.RedisClusterConnection;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The one place that holds a Jedis {@link RedisClusterClient}. Created lazily: while no seed node
 * answers, {@link #client()} throws a {@link RedisUnavailableException} at once and tries again at
 * most once per second, so an outage at start-up costs nobody a connect timeout per call.
 */
public final class JedisClusterConnection implements RedisClusterConnection {
  private static final Logger LOG = LoggerFactory.getLogger(JedisClusterConnection.class);
  private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Jedis renews its slot map on MOVED and on errors; a period also catches quiet failovers. */
  private static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(5);
  private static final long ANSWER_RESOLUTION_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final List<InetSocketAddress> seeds;
  private final JedisClientConfig config;
  private final int maxAttempts;
  private final Duration maxTotalRetriesDuration;
  private final int maxConnectionsPerNode;
  /** The longest wait for a pooled connection; null for a wrapped client. */
  private final Duration operationTimeout;
  private final boolean owned;
  private final Object lock = new Object();
  private volatile RedisClusterClient client;
  /** The provider of a client this connection created; null for a wrapped one. */
  private volatile BackgroundRenewalProvider provider;
  private long nextAttemptNanos;
  /** Why the last attempt to create the client failed, in words; null once it succeeded. */
  private String lastCreateFailure;
  /** When a node last answered (System.nanoTime), 0 if none ever did; refreshed at most every 100 ms. */
  private volatile long lastAnsweredNanos;
  private volatile boolean closed;

  private JedisClusterConnection(List<InetSocketAddress> seeds, JedisClientConfig config,
      int maxAttempts, Duration maxTotalRetriesDuration, int maxConnectionsPerNode,
      Duration operationTimeout, RedisClusterClient existing) {
    this.seeds = seeds;
    this.config = config;
    this.maxAttempts = maxAttempts;
    this.maxTotalRetriesDuration = maxTotalRetriesDuration;
    this.maxConnectionsPerNode = maxConnectionsPerNode;
    this.operationTimeout = operationTimeout;
    this.owned = existing == null;
    this.client = existing;
    if (existing != null) {
      answered();
    }
  }

  /** A connection that creates and owns its client; {@code tls} null for plain text. */
  // Jedis 8 deprecates ssl(true)/sslSocketFactory/sslParameters for SslOptions, which reads the stores
  // again for every new connection and takes no SSLContext: the factory made (and checked) once is kept.
  @SuppressWarnings("deprecation")
  public static JedisClusterConnection create(List<InetSocketAddress> seeds, Duration operationTimeout,
      Duration connectTimeout, Duration socketTimeout, int maxAttempts, Duration maxTotalRetriesDuration,
      int maxConnectionsPerNode, String user, String password, String clientName, RedisTlsSettings tls) {
    DefaultJedisClientConfig.Builder cfg = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
        .socketTimeoutMillis((int) Math.min(Integer.MAX_VALUE, socketTimeout.toMillis()))
        .clientName(clientName);
    if (password != null) {
      cfg.user(user).password(password);
    }
    if (tls != null) {
      cfg.ssl(true).sslSocketFactory(tls.socketFactory()).sslParameters(tls.parameters());
    }
    return new JedisClusterConnection(seeds, cfg.build(), maxAttempts, maxTotalRetriesDuration,
        maxConnectionsPerNode, operationTimeout, null);
  }

  /** A connection over a client the caller owns (and closes). */
  public static JedisClusterConnection wrap(RedisClusterClient existing, JedisClientConfig config) {
    List<InetSocketAddress> seeds = new ArrayList<>();
    for (String node : existing.getClusterNodes().keySet()) {
      HostAndPort hp = HostAndPort.from(node);
      seeds.add(InetSocketAddress.createUnresolved(hp.getHost(), hp.getPort()));
    }
    return new JedisClusterConnection(List.copyOf(seeds), config, 0, null, 0, null, existing);
  }

  @Override
  public List<InetSocketAddress> seedNodes() {
    return seeds;
  }

  /** The client, created on first use. */
  public RedisClusterClient client() {
    RedisClusterClient c = client;
    if (c != null) {
      return c;
    }
    synchronized (lock) {
      if (closed) {
        throw new RedisUnavailableException("the Redis cluster connection is closed",
            "the connection is closed", null);
      }
      if (client != null) {
        return client;
      }
      long now = System.nanoTime();
      if (now - nextAttemptNanos < 0) {
        String why = lastCreateFailure + " at the last attempt (retried at most once a second)";
        throw new RedisUnavailableException("no Redis cluster node answered (" + reachability() + "): " + why,
            why, null);
      }
      Set<HostAndPort> nodes = new LinkedHashSet<>();
      for (InetSocketAddress a : seeds) {
        nodes.add(new HostAndPort(a.getHostString(), a.getPort()));
      }
      ConnectionPoolConfig pool = new ConnectionPoolConfig();
      pool.setMaxTotal(maxConnectionsPerNode);
      pool.setMaxIdle(maxConnectionsPerNode);
      pool.setMinIdle(0);
      // With every connection stuck on a hung node, a caller waits at most the operation timeout for
      // one instead of queueing behind the others without bound.
      pool.setMaxWait(operationTimeout);
      BackgroundRenewalProvider p = null;
      try {
        p = new BackgroundRenewalProvider(nodes, config, pool, TOPOLOGY_REFRESH);
        provider = p;
        client = RedisClusterClient.builder()
            .nodes(nodes)
            .clientConfig(config)
            .poolConfig(pool)
            .connectionProvider(p)
            .maxAttempts(maxAttempts)
            .maxTotalRetriesDuration(maxTotalRetriesDuration)
            .topologyRefreshPeriod(TOPOLOGY_REFRESH)
            .build();
        lastCreateFailure = null;
        answered();
        return client;
      } catch (JedisException e) {
        if (p != null) {
          provider = null;
          p.close(); // its pools, if the client around it could not be built
        }
        nextAttemptNanos = now + RETRY_NANOS;
        lastCreateFailure = FailureCause.cause(e, usesTls(), neverAnswered());
        throw new RedisUnavailableException("no Redis cluster node answered (" + reachability() + "): "
            + lastCreateFailure, lastCreateFailure, e);
      }
    }
  }

  /**
   * Notes that a node answered a command. Cheap enough for every command: one volatile read, and a
   * write at most every 100 ms.
   */
  public void answered() {
    long now = System.nanoTime();
    long last = lastAnsweredNanos;
    if (last == 0 || now - last > ANSWER_RESOLUTION_NANOS) {
      lastAnsweredNanos = now == 0 ? 1 : now;
    }
  }

  /** "seed nodes a:1, b:2; never connected" or "...; last answered 3.2 s ago", for messages. */
  public String reachability() {
    StringBuilder b = new StringBuilder(seeds.size() == 1 ? "seed node " : "seed nodes ");
    for (int i = 0; i < seeds.size(); i++) {
      InetSocketAddress a = seeds.get(i);
      b.append(i == 0 ? "" : ", ").append(a.getHostString()).append(':').append(a.getPort());
    }
    long last = lastAnsweredNanos;
    if (last == 0) {
      return b.append("; never connected").toString();
    }
    double seconds = (System.nanoTime() - last) / 1e9;
    return b.append(String.format(java.util.Locale.ROOT, "; last answered %.1f s ago", seconds)).toString();
  }

  /** True while no node has ever answered this connection. */
  public boolean neverAnswered() {
    return lastAnsweredNanos == 0;
  }

  /** Whether the connections to the nodes are TLS. */
  public boolean usesTls() {
    return config.isSsl();
  }

  /** The client configuration, for the dedicated subscription connections. */
  public JedisClientConfig clientConfig() {
    return config;
  }

  /** A pooled connection to the master of {@code slot}; close it to give it back. */
  public Connection connectionForSlot(int slot) {
    return client().getConnectionFromSlot(slot);
  }

  /** The master that serves {@code slot} now. */
  public HostAndPort nodeForSlot(int slot) {
    try (Connection c = connectionForSlot(slot)) {
      return c.getHostAndPort();
    }
  }

  /** Every known node (masters and replicas, possibly dead ones), by {@code host:port}. */
  public Map<String, ConnectionPool> nodes() {
    return client().getClusterNodes();
  }

  /** Asks Jedis to rebuild its slot map now (after MOVED replies or a failover). */
  public void refreshTopology() {
    try {
      RedisClusterClient c = client();
      BackgroundRenewalProvider p = provider;
      if (p != null) {
        p.renewNow();
        return;
      }
      c.refreshClusterTopology();
    } catch (JedisException e) {
      LOG.debug("topology refresh failed: {}", e.toString());
    }
  }

  @Override
  public void close() {
    RedisClusterClient c;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      c = client;
    }
    if (owned && c != null) {
      try {
        c.close();
      } catch (RuntimeException e) {
        LOG.debug("closing the Redis cluster client failed: {}", e.toString());
      }
    }
  }

  /** True once {@link #close()} ran. */
  public boolean isClosed() {
    return closed;
  }

  @Override
  public String toString() {
    return "RedisClusterConnection" + seeds;
  }
}
