package io.mesh4j.discovery.internal;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.config.CacheConfig;
import org.kiwiproject.consul.config.ClientConfig;

/**
 * One consul-client {@link Consul} with the OkHttp resources we own, so that {@link #close()} can
 * prove nothing is left: the dispatcher's executor (named threads), the connection pool (evicted),
 * every in-flight call (cancelled).
 *
 * <p>Settings that consul-client would otherwise take from its own defaults are set explicitly:
 * no ping at build time (a discovery must be creatable while Consul is down), header-only token
 * ({@code withTokenAuth}, never {@code withAclToken}, which appends {@code ?token=} to every URL
 * and so to every exception message consul-client writes), our timeouts, and a read-timeout
 * margin for blocking queries.
 */
public final class ConsulHandle implements AutoCloseable {
  /** Extra read time granted on top of a blocking query's wait (plus Consul's wait/16 jitter). */
  static final Duration BLOCKING_READ_MARGIN = Duration.ofSeconds(5);

  private final Consul consul;
  private final ConnectionPool pool;
  private final ExecutorService dispatcherExecutor;
  private final String token;

  private ConsulHandle(Consul consul, ConnectionPool pool, ExecutorService dispatcherExecutor, String token) {
    this.consul = consul;
    this.pool = pool;
    this.dispatcherExecutor = dispatcherExecutor;
    this.token = token;
  }

  /** Builds a client for {@code config}; makes no request. */
  public static ConsulHandle open(ConnectionConfig config, String threadKind) {
    // consul-client only uses this executor for asynchronous calls; we make none, but giving it
    // ours keeps its threads named and lets close() shut it down.
    ThreadPoolExecutor executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS,
        new SynchronousQueue<>(), new NamedThreadFactory(threadKind + "-http"));
    ConnectionPool pool = new ConnectionPool(5, 1, TimeUnit.MINUTES);
    CacheConfig cacheConfig = CacheConfig.builder()
        .withTimeoutAutoAdjustmentEnabled(true)
        .withTimeoutAutoAdjustmentMargin(BLOCKING_READ_MARGIN)
        .build();
    Consul.Builder b = Consul.builder()
        .withUrl(config.url().toString())
        .withPing(false)
        .withConnectTimeoutMillis(config.connectTimeout().toMillis())
        .withReadTimeoutMillis(config.requestTimeout().toMillis())
        .withWriteTimeoutMillis(config.requestTimeout().toMillis())
        .withExecutorService(executor)
        .withConnectionPool(pool)
        .withClientConfiguration(new ClientConfig(cacheConfig));
    if (config.token() != null) {
      b.withTokenAuth(config.token());
    }
    if (config.sslContext() != null) {
      b.withSslContext(config.sslContext());
      if (config.trustManager() != null) {
        b.withTrustManager(config.trustManager());
      }
    }
    if (config.hostnameVerifier() != null) {
      b.withHostnameVerifier(config.hostnameVerifier());
    }
    try {
      return new ConsulHandle(b.build(), pool, executor, config.token());
    } catch (RuntimeException e) {
      executor.shutdownNow();
      pool.evictAll();
      throw new IllegalArgumentException("cannot build a Consul client for "
          + Secrets.withoutUserInfo(config.url()) + ": " + Secrets.scrub(e.getMessage(), config.token()), null);
    }
  }

  /** The consul-client facade. */
  public Consul consul() {
    return consul;
  }

  /** The token to scrub from messages, or null. */
  public String token() {
    return token;
  }

  /** Connections currently pooled (idle or in use); zero after {@link #close()}. */
  public int connectionCount() {
    return pool.connectionCount();
  }

  /** Cancels every call in flight and stops the executor; pooled connections are closed. */
  @Override
  public void close() {
    if (!consul.isDestroyed()) {
      consul.destroy(); // cancelAll, executor.shutdownNow, pool.evictAll
    }
    dispatcherExecutor.shutdownNow();
    pool.evictAll();
  }

  /** Evicts idle connections again: call after the threads that used them have stopped. */
  public void evictIdle() {
    pool.evictAll();
  }
}
