package io.mesh4j.examples.gateway;

import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.api.Ticker;
import io.mesh4j.examples.gateway.internal.Args;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.client.CachedResponse;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.examples.gateway.internal.GatewayServer;
import io.mesh4j.examples.gateway.internal.TrustedProxies;
import io.mesh4j.micrometer.MeshMeters;
import io.mesh4j.micrometer.MeshObservations;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An API gateway: an HTTP server (Jetty 12's core API, no servlets) whose route table
 * sends requests to backend services through a {@link ServiceMeshClient}, so every backend call
 * gets discovery, load balancing, outlier ejection, the circuit breaker, timeouts and retries.
 *
 * <pre>{@code
 * try (ApiGateway gateway = ApiGateway.builder()
 *         .config(GatewayConfig.load(Path.of("routes.json")))
 *         .discovery(consulDiscovery)
 *         .rateLimitCounters(counters)     // DistributedCache<Long>, shared by every instance
 *         .responseCache(responses)        // DistributedCache<CachedResponse>
 *         .build()
 *         .start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>With {@link Builder#metrics} it also serves its meters in Prometheus text format at
 * {@code /metrics} (requests per route and status, calls and attempts per service, retries, budget refusals, ejections,
 * breaker state, discovery staleness, response cache counters; see {@code docs/observability.md}).
 *
 * <p>Answers of its own: 404 no route, 405 wrong method (with {@code Allow}), 401 missing or
 * invalid credentials, 429 over the rate limit (with {@code Retry-After}), 503 circuit open or
 * no instance, 504 timeout, 502 a bad backend answer; see {@code docs/gateway.md}.
 *
 * <p>One mesh client serves every route; each request carries its route's attempt count
 * ({@code MeshRequest.maxAttempts}), so all routes to a service share its circuit breaker and
 * outlier ejection.
 *
 * <p>Slow or abusive clients are bounded: request headers must arrive within
 * {@link Builder#headerTimeout}, a silent connection is closed after {@link Builder#idleTimeout},
 * a body must arrive within {@link Builder#bodyTimeout}, headers and bodies have size limits, at
 * most {@link Builder#workerThreads} requests are handled at once (more wait briefly, then get
 * 503), and at most {@link Builder#maxConnections} connections are open. Jetty parses request
 * lines and headers without holding a thread, so slow clients do not stop the others.
 *
 * <p>Thread safe. {@link #close()} stops accepting, lets requests in flight finish for up to
 * {@link Builder#shutdownTimeout}, stops the server and closes the mesh client it created; the
 * discovery and caches it was given stay open.
 */
public final class ApiGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiGateway.class);
  /** The logger of the access log's default sink (one INFO line per request). */
  public static final String ACCESS_LOGGER = "io.mesh4j.examples.gateway.access";
  /**
   * The SHA-256 of the API key in the bundled {@code gateway/routes.json}, which is public: a
   * gateway whose config accepts it refuses to start unless {@link Builder#demo(boolean)} is set.
   */
  public static final String DEMO_KEY_SHA256 = "090d1548c9d65f413a1a2c828a0bee3a7ae02d2137caf51e6029e6c3cb1f1fa4";
  /** The environment variable that, set to {@code true}, lets {@link #main} run with the demo key. */
  public static final String DEMO_ENV = "GATEWAY_DEMO";
  /** Default of {@link Builder#ipRateLimitPerMinute}. */
  public static final int DEFAULT_IP_RATE_LIMIT_PER_MINUTE = 1200;
  /** Default of {@link Builder#idleTimeout}, in seconds. */
  public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 30;
  /** Default of {@link Builder#headerTimeout}, in seconds. */
  public static final int DEFAULT_HEADER_TIMEOUT_SECONDS = 10;
  /** Default of {@link Builder#bodyTimeout}, in seconds. */
  public static final int DEFAULT_BODY_TIMEOUT_SECONDS = 60;
  /** Default of {@link Builder#shutdownTimeout}, in seconds. */
  public static final int DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 10;
  /** Default of {@link Builder#maxHeaderBytes}. */
  public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
  /** Default of {@link Builder#maxConnections}. */
  public static final int DEFAULT_MAX_CONNECTIONS = 4096;
  /** Default of {@link Builder#maxQueuedRequests}: requests waiting for a worker. */
  public static final int DEFAULT_MAX_QUEUED_REQUESTS = 1024;
  /** Default of {@link Builder#maxQueuedRequests}: the longest wait for a worker, in seconds. */
  public static final int DEFAULT_MAX_QUEUE_WAIT_SECONDS = 5;
  private static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(DEFAULT_IDLE_TIMEOUT_SECONDS);
  private static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(DEFAULT_HEADER_TIMEOUT_SECONDS);
  private static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(DEFAULT_BODY_TIMEOUT_SECONDS);
  private static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(DEFAULT_SHUTDOWN_TIMEOUT_SECONDS);
  private static final Duration DEFAULT_MAX_QUEUE_WAIT = Duration.ofSeconds(DEFAULT_MAX_QUEUE_WAIT_SECONDS);

  private final GatewayConfig config;
  private final String bindHost;
  private final int port;
  private final int workerThreads;
  private final GatewayServer.Limits limits;
  private final Handler handler;
  private final ServiceMeshClient mesh;
  private GatewayServer server;
  private boolean closed;

  private ApiGateway(Builder b, ServiceMeshClient mesh, Handler handler) {
    this.limits = new GatewayServer.Limits(b.idleTimeout, b.headerTimeout, b.shutdownTimeout, b.maxHeaderBytes,
        b.maxConnections, b.maxQueuedRequests, b.maxQueueWait);
    this.config = b.config;
    this.bindHost = b.bindHost;
    this.port = b.port >= 0 ? b.port : b.config.port();
    this.workerThreads = b.workerThreads;
    this.mesh = mesh;
    this.handler = handler;
  }

  /** A builder; {@link Builder#config} and {@link Builder#discovery} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the port and starts serving.
   *
   * @throws UncheckedIOException if the port cannot be bound
   * @throws IllegalStateException if already started or closed
   */
  public synchronized ApiGateway start() {
    Args.state(!closed, "ApiGateway is closed");
    Args.state(server == null, "ApiGateway is already started");
    GatewayServer s;
    try {
      s = GatewayServer.start(handler, bindHost, port, workerThreads, limits);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + bindHost + ":" + port + ": " + e.getMessage(), e);
    }
    server = s;
    LOG.info("gateway listening on {} with {} routes", uri(), config.routes().size());
    return this;
  }

  /** The address it listens on (the bound port when 0 was asked for). */
  public synchronized InetSocketAddress address() {
    Args.state(server != null, "ApiGateway is not started");
    try {
      return new InetSocketAddress(InetAddress.getByName(bindHost), server.port());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot resolve bind address " + bindHost, e);
    }
  }

  /** The port it listens on. */
  public int port() {
    return address().getPort();
  }

  /** {@code http://host:port} to reach it (loopback when bound to every interface). */
  public URI uri() {
    InetSocketAddress a = address();
    String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + a.getPort());
  }

  /** The configuration it serves. */
  public GatewayConfig config() {
    return config;
  }

  /**
   * Stops accepting, lets requests in flight finish (up to {@link Builder#shutdownTimeout}; later
   * ones are cut), stops the server and closes the mesh client it created. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (server != null) {
      server.stop();
    }
    mesh.close();
  }

  @Override
  public String toString() {
    return "ApiGateway{" + config + (server == null ? ", not started" : ", " + bindHost + ":" + server.port())
        + "}";
  }

  /**
   * Runs the gateway against {@code CONSUL_HTTP_ADDR} (default {@code http://127.0.0.1:8500}) and
   * {@code REDIS_CLUSTER_NODES} ({@code host:port,...}; needed when a route is rate limited or
   * cached). The config file is {@code args[0]}, else {@code GATEWAY_CONFIG}, else the bundled
   * {@code gateway/routes.json}; {@code GATEWAY_PORT} overrides its port, {@code GATEWAY_BIND}
   * the address (default {@code 127.0.0.1}; {@code 0.0.0.0} for every interface);
   * {@code GATEWAY_DEMO=true} allows the bundled demo API key; {@code GATEWAY_TRUSTED_PROXIES} the proxies whose
   * {@code X-Forwarded-For} is kept; {@code GATEWAY_IP_RATE_LIMIT} the requests per minute per
   * client address (0: off). Exits 2 on an invalid config, 1 on another start
   * failure; stops cleanly on SIGTERM / Ctrl-C.
   */
  public static void main(String[] args) throws InterruptedException {
    GatewayMain.run(args);
  }

  /**
   * Builds an {@link ApiGateway}. Every setting is checked when set or at {@link #build()}, with a
   * message naming it. Not thread safe.
   */
  public static final class Builder {
    // Package-private: read by GatewayAssembly.
    GatewayConfig config;
    ServiceDiscovery discovery;
    DistributedCache<CachedResponse> responseCache;
    DistributedCache<Long> rateLimitCounters;
    String bindHost = "127.0.0.1";
    int port = -1;
    int workerThreads = 32;
    long maxRequestBytes = 8L * 1024 * 1024;
    int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
    int ipRateLimitPerMinute = DEFAULT_IP_RATE_LIMIT_PER_MINUTE;
    Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;
    Duration bodyTimeout = DEFAULT_BODY_TIMEOUT;
    Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    int maxConnections = DEFAULT_MAX_CONNECTIONS;
    int maxQueuedRequests = DEFAULT_MAX_QUEUED_REQUESTS;
    Duration maxQueueWait = DEFAULT_MAX_QUEUE_WAIT;
    Consumer<ServiceMeshClient.Builder> meshSettings = m -> { };
    Consumer<String> accessLog;
    Clock clock = Clock.systemUTC();
    Ticker ticker = Ticker.system();
    PrometheusMeterRegistry metricsRegistry;
    TrustedProxies trustedProxies = TrustedProxies.none();
    boolean demo;
    MeshMeters meters;

    private Builder() {}

    /**
     * Serves {@code registry} in Prometheus text format at {@code GET /metrics} and feeds it: the
     * mesh client's calls and attempts (timers per service and route template, through
     * {@link MeshObservations}), its resilience events (through {@code meters}) and the response
     * cache's counters. Give the same {@code meters} to your {@link ConsulDiscovery}'s
     * {@code eventListener} so discovery staleness and instance counts appear too (one
     * {@link MeshMeters} per registry: each holds the state of its gauges). The endpoint has no
     * authentication: bind the gateway to a private address, or leave metrics off (the default).
     * A route whose path matches {@code /metrics} is refused at {@link #build()}.
     */
    public Builder metrics(PrometheusMeterRegistry registry, MeshMeters meters) {
      this.metricsRegistry = Args.notNull(registry, "metrics registry");
      this.meters = Args.notNull(meters, "meters");
      return this;
    }

    /** The routes and auth settings (required). */
    public Builder config(GatewayConfig config) {
      this.config = Args.notNull(config, "config");
      return this;
    }

    /** Where backend instances come from (required): a {@link ConsulDiscovery} in production. */
    public Builder discovery(ServiceDiscovery discovery) {
      this.discovery = Args.notNull(discovery, "discovery");
      return this;
    }

    /** Where cached GET answers live; required when a route has a {@code cacheTtl}. */
    public Builder responseCache(DistributedCache<CachedResponse> responseCache) {
      this.responseCache = Args.notNull(responseCache, "responseCache");
      return this;
    }

    /**
     * Where rate limit counters live; required when a route has a {@code rateLimitPerMinute}.
     * Gateway instances whose counters share a namespace share their limits.
     */
    public Builder rateLimitCounters(DistributedCache<Long> rateLimitCounters) {
      this.rateLimitCounters = Args.notNull(rateLimitCounters, "rateLimitCounters");
      return this;
    }

    /** The address to listen on; default {@code 127.0.0.1} ({@code 0.0.0.0} for every interface). */
    public Builder bindHost(String bindHost) {
      this.bindHost = Args.notBlank(bindHost, "bindHost");
      return this;
    }

    /**
     * The proxies in front of the gateway whose {@code X-Forwarded-For} list is kept (the socket
     * peer is appended); IP addresses or CIDR ranges such as {@code 10.0.0.0/8}. Default none:
     * the backend's {@code X-Forwarded-For} is the socket peer only, since any client can write
     * any address in its own.
     *
     * @throws IllegalArgumentException naming an entry that is not an address or range
     */
    public Builder trustedProxies(List<String> addressesOrRanges) {
      this.trustedProxies = TrustedProxies.of(Args.notNull(addressesOrRanges, "trustedProxies"));
      return this;
    }

    /**
     * Allows the bundled demo API key ({@code demo-key-change-me}, whose hash is
     * {@link ApiGateway#DEMO_KEY_SHA256}); default false, and {@link #build()} refuses a config
     * that accepts it. For the quickstart and tests only: the key is printed in the docs.
     */
    public Builder demo(boolean demo) {
      this.demo = demo;
      return this;
    }

    /** The port, replacing the config's; 0 for any free port. */
    public Builder port(int port) {
      this.port = Args.inRange(port, 0, 65535, "port");
      return this;
    }

    /**
     * How many requests are handled at once (each holds a thread while it waits for its backend);
     * default 32. Further requests wait (see {@link #maxQueuedRequests}) without a thread.
     */
    public Builder workerThreads(int workerThreads) {
      this.workerThreads = Args.inRange(workerThreads, 1, 10_000, "workerThreads");
      return this;
    }

    /**
     * The longest a connection may stay silent (no byte either way) before it is closed; default
     * {@value #DEFAULT_IDLE_TIMEOUT_SECONDS} s.
     */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = positive(idleTimeout, "idleTimeout");
      return this;
    }

    /**
     * How long a request's headers may take to arrive, however steadily they trickle in (a
     * slowloris client sends one byte a second and is never idle); the connection is closed
     * between one and two of these after the headers started. Default
     * {@value #DEFAULT_HEADER_TIMEOUT_SECONDS} s.
     */
    public Builder headerTimeout(Duration headerTimeout) {
      this.headerTimeout = positive(headerTimeout, "headerTimeout");
      return this;
    }

    /** How long a request body may take to arrive (408 beyond); default {@value #DEFAULT_BODY_TIMEOUT_SECONDS} s. */
    public Builder bodyTimeout(Duration bodyTimeout) {
      this.bodyTimeout = positive(bodyTimeout, "bodyTimeout");
      return this;
    }

    /**
     * How long {@link ApiGateway#close()} lets requests in flight finish; default
     * {@value #DEFAULT_SHUTDOWN_TIMEOUT_SECONDS} s.
     */
    public Builder shutdownTimeout(Duration shutdownTimeout) {
      Args.notNull(shutdownTimeout, "shutdownTimeout");
      Args.argument(!shutdownTimeout.isNegative(), "shutdownTimeout must be >= 0, was %s", shutdownTimeout);
      this.shutdownTimeout = shutdownTimeout;
      return this;
    }

    /** The largest request line plus headers accepted (431 beyond); default {@value #DEFAULT_MAX_HEADER_BYTES}. */
    public Builder maxHeaderBytes(int maxHeaderBytes) {
      this.maxHeaderBytes = Args.inRange(maxHeaderBytes, 1024, 1024 * 1024, "maxHeaderBytes");
      return this;
    }

    /**
     * The most connections open at once; more wait in the accept backlog. Default
     * {@value #DEFAULT_MAX_CONNECTIONS}.
     */
    public Builder maxConnections(int maxConnections) {
      this.maxConnections = Args.inRange(maxConnections, 1, 1_000_000, "maxConnections");
      return this;
    }

    /**
     * How many requests may wait for one of the {@link #workerThreads} and for how long; beyond
     * either, the answer is 503. Defaults {@value #DEFAULT_MAX_QUEUED_REQUESTS} and
     * {@value #DEFAULT_MAX_QUEUE_WAIT_SECONDS} s.
     */
    public Builder maxQueuedRequests(int maxQueuedRequests, Duration maxQueueWait) {
      this.maxQueuedRequests = Args.inRange(maxQueuedRequests, 0, 1_000_000, "maxQueuedRequests");
      this.maxQueueWait = positive(maxQueueWait, "maxQueueWait");
      return this;
    }

    /**
     * The most requests per minute from one client address, counted before routing and
     * authentication (429 with {@code Retry-After} beyond), in this gateway instance; IPv6
     * addresses count by /64. The address is the socket peer, or behind a
     * {@link #trustedProxies trusted proxy} the right-most {@code X-Forwarded-For} entry that is
     * not a trusted proxy. 0 turns it off; default {@value #DEFAULT_IP_RATE_LIMIT_PER_MINUTE}.
     */
    public Builder ipRateLimitPerMinute(int ipRateLimitPerMinute) {
      this.ipRateLimitPerMinute = Args.inRange(ipRateLimitPerMinute, 0, 100_000_000, "ipRateLimitPerMinute");
      return this;
    }

    private static Duration positive(Duration d, String name) {
      Args.notNull(d, name);
      Args.argument(!d.isNegative() && !d.isZero(), "%s must be > 0, was %s", name, d);
      return d;
    }

    /** The largest request body accepted (413 beyond); default 8 MiB. */
    public Builder maxRequestBytes(long maxRequestBytes) {
      Args.argument(maxRequestBytes >= 0, "maxRequestBytes must be >= 0, was %d", maxRequestBytes);
      this.maxRequestBytes = maxRequestBytes;
      return this;
    }

    /**
     * Settings of the mesh clients (load balancer, outlier ejection, listeners...), applied before
     * the gateway's own: discovery, the response cache, each route's retries and the config's
     * circuit breaker.
     */
    public Builder meshSettings(Consumer<ServiceMeshClient.Builder> meshSettings) {
      this.meshSettings = Args.notNull(meshSettings, "meshSettings");
      return this;
    }

    /**
     * Receives the access log: one line per request with method, path (no query), status,
     * duration, request id, route, client and cache outcome; never a credential. Default: INFO
     * on the logger {@value ApiGateway#ACCESS_LOGGER}.
     */
    public Builder accessLog(Consumer<String> accessLog) {
      this.accessLog = Args.notNull(accessLog, "accessLog");
      return this;
    }

    /** The wall clock of rate limit windows and JWT expiry; for tests. */
    public Builder clock(Clock clock) {
      this.clock = Args.notNull(clock, "clock");
      return this;
    }

    /** The time source of durations (access log, policies); for tests. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Args.notNull(ticker, "ticker");
      return this;
    }

    /**
     * Validates and builds (not started: see {@link ApiGateway#start()}).
     *
     * @throws IllegalStateException naming the missing setting
     */
    public ApiGateway build() {
      Args.state(config != null, "config must be set (GatewayConfig.load(path))");
      Args.state(discovery != null, "discovery must be set (a ConsulDiscovery)");
      GatewayAssembly parts = new GatewayAssembly(this);
      return new ApiGateway(this, parts.mesh(), parts.handler());
    }
  }
}
