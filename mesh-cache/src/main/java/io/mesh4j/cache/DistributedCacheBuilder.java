package io.mesh4j.cache;

import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.Ticker;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.cache.internal.CacheSettings;
import io.mesh4j.cache.internal.DistributedCacheImpl;
import io.mesh4j.cache.internal.JacksonCodec;
import io.mesh4j.cache.internal.JedisClusterConnection;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Builds a {@link DistributedCache}. Settings are checked when set and again at {@link #build()};
 * messages name the setting. A builder can build several caches; each gets its own copy of the
 * settings.
 *
 * <p>Required: a namespace, and either seed nodes or a shared {@link RedisClusterConnection}.
 *
 * @param <V> the value type
 */
public final class DistributedCacheBuilder<V> {
  /** Longest namespace accepted; keys carry it, so it is kept short. */
  static final int MAX_NAMESPACE_LENGTH = 128;

  private final CacheCodec<V> codec;
  private final List<InetSocketAddress> seeds = new ArrayList<>();
  private RedisClusterConnection connection;
  private String namespace;
  private Duration defaultTtl = Duration.ofMinutes(10);
  private Duration lockTimeout = Duration.ofSeconds(10);
  private double earlyRefreshBeta = 1.0;
  private Duration namespaceVersionCheckInterval = Duration.ofSeconds(1);
  private boolean strict;
  private Duration operationTimeout;
  private Clock clock = Clock.systemUTC();
  private Ticker ticker = Ticker.system();
  private RandomGenerator random;
  private MeshEventListener listener;

  DistributedCacheBuilder(CacheCodec<V> codec) {
    this.codec = codec;
  }

  /**
   * Seed nodes as {@code host:port}; the cache creates its own connection and closes it with
   * itself. Use {@link #connection} to share one connection between caches.
   */
  public DistributedCacheBuilder<V> seedNodes(String... hostPorts) {
    Checks.notNull(hostPorts, "seedNodes");
    for (int i = 0; i < hostPorts.length; i++) {
      seeds.add(RedisClusterConnection.Builder.parse(hostPorts[i], "seedNodes[" + i + "]"));
    }
    return this;
  }

  /** Seed nodes as addresses; see {@link #seedNodes(String...)}. */
  public DistributedCacheBuilder<V> seedNodes(Collection<InetSocketAddress> addresses) {
    Checks.notNull(addresses, "seedNodes");
    int i = 0;
    for (InetSocketAddress a : addresses) {
      seeds.add(Checks.notNull(a, "seedNodes[" + i++ + "]"));
    }
    return this;
  }

  /** A shared connection; the cache does not close it. */
  public DistributedCacheBuilder<V> connection(RedisClusterConnection connection) {
    Checks.notNull(connection, "connection");
    Checks.argument(connection instanceof JedisClusterConnection,
        "connection must come from RedisClusterConnection.builder() or JedisClusterAdapter, was %s",
        connection.getClass().getName());
    this.connection = connection;
    return this;
  }

  /**
   * The key prefix: 1 to 128 characters, no white space, none of {@code : { } * ? [ ] \}. Caches
   * of one namespace in different JVMs share their entries.
   */
  public DistributedCacheBuilder<V> namespace(String namespace) {
    this.namespace = checkNamespace(namespace);
    return this;
  }

  /** The TTL of writes that give none (default 10 minutes). */
  public DistributedCacheBuilder<V> defaultTtl(Duration ttl) {
    this.defaultTtl = Checks.positive(ttl, "defaultTtl");
    return this;
  }

  /**
   * How long the cross-JVM load lock lives (default 10 s): longer than your slowest loader, since
   * when it expires another JVM takes over the load. A caller waits this long for a load in its JVM
   * before one waiter takes it over, and at most twice this long for other JVMs' lock holders
   * before loading without the lock.
   */
  public DistributedCacheBuilder<V> lockTimeout(Duration timeout) {
    this.lockTimeout = Checks.positive(timeout, "lockTimeout");
    return this;
  }

  /**
   * XFetch's β (default 1): above 1 refreshes earlier, below 1 later, 0 turns early refresh off.
   */
  public DistributedCacheBuilder<V> earlyRefreshBeta(double beta) {
    Checks.argument(beta >= 0 && Double.isFinite(beta),
        "earlyRefreshBeta must be a finite number >= 0, was %s", beta);
    this.earlyRefreshBeta = beta;
    return this;
  }

  /**
   * How often the namespace version is re-read from Redis (default 1 s; zero re-reads it before
   * every command, at the cost of a round trip).
   */
  public DistributedCacheBuilder<V> namespaceVersionCheckInterval(Duration interval) {
    this.namespaceVersionCheckInterval = Checks.notNegative(interval, "namespaceVersionCheckInterval");
    return this;
  }

  /**
   * The longest one operation waits for Redis, retries included (default
   * {@link RedisClusterConnection.Builder#DEFAULT_OPERATION_TIMEOUT 500 ms}): a failover or an outage
   * costs a caller about this much. Applies to the connection this cache creates from
   * {@link #seedNodes}; a shared {@link #connection} has its own
   * ({@link RedisClusterConnection.Builder#operationTimeout}).
   */
  public DistributedCacheBuilder<V> operationTimeout(Duration timeout) {
    Checks.positive(timeout, "operationTimeout");
    Checks.argument(timeout.toMillis() >= 1, "operationTimeout must be at least 1ms, was %s", timeout);
    this.operationTimeout = timeout;
    return this;
  }

  /** When true, Redis failures throw {@link CacheException} instead of being misses (default false). */
  public DistributedCacheBuilder<V> strict(boolean strict) {
    this.strict = strict;
    return this;
  }

  /** The wall clock that stamps expiry times for XFetch (default UTC system clock). */
  public DistributedCacheBuilder<V> clock(Clock clock) {
    this.clock = Checks.notNull(clock, "clock");
    return this;
  }

  /** The nanosecond source that times loads and waits (default {@link Ticker#system()}). */
  public DistributedCacheBuilder<V> ticker(Ticker ticker) {
    this.ticker = Checks.notNull(ticker, "ticker");
    return this;
  }

  /** The randomness of XFetch (default a thread-local random). */
  public DistributedCacheBuilder<V> random(RandomGenerator random) {
    this.random = Checks.notNull(random, "random");
    return this;
  }

  /** Receives {@link CacheEvent}s; a listener that throws is ignored. */
  public DistributedCacheBuilder<V> listener(MeshEventListener listener) {
    this.listener = Checks.notNull(listener, "listener");
    return this;
  }

  /**
   * The cache.
   *
   * @throws NullPointerException if no namespace was set
   * @throws IllegalStateException if neither or both of seed nodes and a connection were given
   * @throws IllegalArgumentException if the JSON codec's type can be written but never read back
   *     (no constructor Jackson can call, an interface or abstract class)
   */
  public DistributedCache<V> build() {
    Checks.notNull(namespace, "namespace");
    Checks.state(connection != null || !seeds.isEmpty(), "seedNodes or connection must be set");
    Checks.state(connection == null || seeds.isEmpty(),
        "seedNodes and connection are exclusive: give one of them");
    Checks.state(connection == null || operationTimeout == null,
        "operationTimeout applies to a connection built from seedNodes, was %s with a shared connection: "
            + "set it on RedisClusterConnection.builder().operationTimeout(...) instead", operationTimeout);
    Checks.argument(lockTimeout.toMillis() >= 1, "lockTimeout must be at least 1ms, was %s", lockTimeout);
    Checks.argument(defaultTtl.toMillis() >= 1, "defaultTtl must be at least 1ms, was %s", defaultTtl);
    if (codec instanceof JacksonCodec<?> json) {
      // Otherwise every set succeeds and every get is a miss, with nothing but a counter to say why.
      json.checkDecodable(namespace);
    }
    boolean owned = connection == null;
    JedisClusterConnection conn = owned
        ? (JedisClusterConnection) RedisClusterConnection.builder().seedNodes(seeds)
            .operationTimeout(operationTimeout != null ? operationTimeout
                : RedisClusterConnection.Builder.DEFAULT_OPERATION_TIMEOUT)
            .build()
        : (JedisClusterConnection) connection;
    // ThreadLocalRandom's methods draw from the calling thread's own seed, so one shared reference
    // is safe (and uncontended) from every thread.
    RandomGenerator rnd = random != null ? random : ThreadLocalRandom.current();
    CacheSettings<V> settings = new CacheSettings<>(conn, owned, namespace, codec, defaultTtl,
        lockTimeout, earlyRefreshBeta, namespaceVersionCheckInterval, strict, clock, ticker, rnd,
        listener);
    return new DistributedCacheImpl<>(settings);
  }

  static String checkNamespace(String namespace) {
    Checks.notNull(namespace, "namespace");
    Checks.argument(!namespace.isEmpty(), "namespace must not be empty");
    Checks.argument(namespace.length() <= MAX_NAMESPACE_LENGTH,
        "namespace must be at most %d characters, was %d", MAX_NAMESPACE_LENGTH, namespace.length());
    for (int i = 0; i < namespace.length(); i++) {
      char c = namespace.charAt(i);
      // ':' ends the namespace in every key: namespace "a" must never match "a:0"'s keys in a SCAN.
      Checks.argument(!Character.isWhitespace(c) && ":{}*?[]\\".indexOf(c) < 0,
          "namespace must not contain white space or any of : { } * ? [ ] \\, was '%s'", namespace);
    }
    return namespace;
  }
}
