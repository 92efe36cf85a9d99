package io.mesh4j.discovery.internal;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.ConsulException;
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
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConsulHandle.class);
  /** Extra read time granted on top of a blocking query's wait (plus Consul's wait/16 jitter). */
  static final Duration BLOCKING_READ_MARGIN = Duration.ofSeconds(5);

  private final Consul consul;
  private final OkHttpClient http;
  private final HttpUrl baseUrl;
  private final ConnectionPool pool;
  private final ExecutorService dispatcherExecutor;
  private final String token;
  private final String builder;
  private final java.net.URI urlForLog;
  private final java.util.concurrent.atomic.AtomicBoolean limitWarned = new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * Logs once per client, at WARN, when {@code f} looks like the agent refusing one connection
   * too many: Consul answers 429 over its rate limits, and closes a new connection at once (read
   * here as an end of stream or a reset) from a client that already holds
   * {@code http_max_conns_per_client} connections. A stopping agent closes connections too,
   * hence the "if".
   */
  public void warnIfAgentLimit(ConsulFailure f) {
    if (!looksLikeAgentLimit(f) || !limitWarned.compareAndSet(false, true)) {
      return;
    }
    LOG.warn("Consul agent at {} {}; if it was not restarting, this client hit one of the agent's limits: "
        + "http_max_conns_per_client (default 200) connections per client address, each watch with a long poll "
        + "of its own holding one, or http_max_conns / rate limits (429). Lower {}.sharedViewAbove(...) so that "
        + "watches share a few connections (docs/scaling.md), or raise limits { http_max_conns_per_client } "
        + "on the agent. Failing requests retry with backoff; this is logged once.",
        Secrets.withoutUserInfo(urlForLog), f.status() == 429 ? "answered 429 Too Many "
        + "Requests" : "closed a connection without answering (" + f.message() + ")", builder.startsWith(
        "ConsulDiscovery") ? builder : "ConsulDiscovery.builder()");
  }

  /** 429, or a connection closed without an answer. */
  static boolean looksLikeAgentLimit(ConsulFailure f) {
    if (f.status() == 429) {
      return true;
    }
    String m = f.message();
    return f.status() == 0 && m != null && (m.startsWith("EOFException") || m.contains("unexpected end of stream")
        || m.contains("Connection reset"));
  }

  /** Whether Consul enforces ACLs on our token-less requests; null until a probe got an answer. */
  private volatile Boolean anonymousUnderAcl;

  private ConsulHandle(Consul consul, OkHttpClient http, ConnectionPool pool, ExecutorService dispatcherExecutor,
      String token, String builder, java.net.URI url) {
    this.urlForLog = url;
    this.consul = consul;
    this.http = http;
    this.baseUrl = HttpUrl.get(url.toString());
    this.pool = pool;
    this.dispatcherExecutor = dispatcherExecutor;
    this.token = token;
    this.builder = builder;
  }

  /**
   * Builds a client for {@code config}; makes no request.
   *
   * @param threadKind names the threads ({@code discovery}, {@code registry})
   * @param builder how the user configures this client, for advice in messages, e.g.
   *     {@code ConsulDiscovery.builder()}
   */
  public static ConsulHandle open(ConnectionConfig config, String threadKind, String builder) {
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
      return new ConsulHandle(b.build(), ownClient(config, pool, executor), pool, executor, config.token(), builder,
          config.url());
    } catch (RuntimeException e) {
      executor.shutdownNow();
      pool.evictAll();
      throw new IllegalArgumentException("cannot build a Consul client for "
          + Secrets.withoutUserInfo(config.url()) + ": " + Secrets.scrub(e.getMessage(), config.token()), null);
    }
  }

  /**
   * Our own OkHttp client for the requests we read ourselves ({@link HealthQuery}): the same
   * connection pool and executor as consul-client's, the same TLS settings and timeouts, and
   * consul-client's read-timeout margin for blocking queries ({@link BlockingRead}). It sends no
   * token by itself: each request adds the {@code X-Consul-Token} header.
   */
  private static OkHttpClient ownClient(ConnectionConfig config, ConnectionPool pool, ExecutorService executor) {
    OkHttpClient.Builder h = new OkHttpClient.Builder()
        .connectionPool(pool)
        .dispatcher(new Dispatcher(executor))
        .connectTimeout(config.connectTimeout())
        .readTimeout(config.requestTimeout())
        .writeTimeout(config.requestTimeout())
        .addInterceptor(BlockingRead::apply);
    if (config.sslContext() != null) {
      h.sslSocketFactory(config.sslContext().getSocketFactory(),
          config.trustManager() != null ? config.trustManager() : defaultTrustManager());
    }
    if (config.hostnameVerifier() != null) {
      h.hostnameVerifier(config.hostnameVerifier());
    }
    return h.build();
  }

  /** The JVM's default trust manager (as consul-client pairs with an SSL context given without one). */
  private static javax.net.ssl.X509TrustManager defaultTrustManager() {
    try {
      javax.net.ssl.TrustManagerFactory f = javax.net.ssl.TrustManagerFactory.getInstance(
          javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      f.init((java.security.KeyStore) null);
      for (javax.net.ssl.TrustManager t : f.getTrustManagers()) {
        if (t instanceof javax.net.ssl.X509TrustManager) {
          return (javax.net.ssl.X509TrustManager) t;
        }
      }
      throw new IllegalStateException("the JVM's default TrustManagerFactory has no X509TrustManager");
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot load the JVM's default trust manager: " + e.getMessage(), e);
    }
  }

  /** Our OkHttp client (see {@link #ownClient}); shares consul-client's pool and executor. */
  OkHttpClient http() {
    return http;
  }

  /** The agent's base URL, e.g. {@code http://127.0.0.1:8500/}. */
  HttpUrl baseUrl() {
    return baseUrl;
  }

  /** The consul-client facade. */
  public Consul consul() {
    return consul;
  }

  /** The token to scrub from messages, or null. */
  public String token() {
    return token;
  }

  /** How the user configures this client, e.g. {@code ConsulDiscovery.builder()}, for advice in messages. */
  public String builder() {
    return builder;
  }

  /** {@link ConsulFailure#of(Throwable, String, String)} with this client's token and builder. */
  public ConsulFailure failure(Throwable t) {
    return ConsulFailure.of(t, token, builder);
  }

  /**
   * True when no token is set and Consul enforces ACLs, so it answers as its anonymous token and
   * leaves out of every list what that token may not read (Consul 1.8 says nothing about it; newer
   * agents add {@code X-Consul-Results-Filtered-By-ACLs}). Asks {@code /v1/acl/token/self} once:
   * 403 means ACLs are on, 401 "ACL support disabled" that they are off. False with a token, and
   * false (asked again next time) when the probe got no answer.
   */
  public boolean anonymousUnderAcl() {
    if (token != null) {
      return false;
    }
    Boolean known = anonymousUnderAcl;
    if (known != null) {
      return known;
    }
    try {
      consul.aclClient().readSelfToken();
      known = true; // a token-less self read can only succeed with ACLs on
    } catch (ConsulException e) {
      if (!e.hasCode()) {
        return false;
      }
      known = e.getCode() == 403;
    } catch (RuntimeException e) {
      return false;
    }
    anonymousUnderAcl = known;
    return known;
  }

  /** Whether {@link #anonymousUnderAcl()} found so; never makes a request. */
  public boolean knownAnonymousUnderAcl() {
    return Boolean.TRUE.equals(anonymousUnderAcl);
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
    http.dispatcher().cancelAll();
    dispatcherExecutor.shutdownNow();
    pool.evictAll();
  }

  /** Evicts idle connections again: call after the threads that used them have stopped. */
  public void evictIdle() {
    pool.evictAll();
  }
}
