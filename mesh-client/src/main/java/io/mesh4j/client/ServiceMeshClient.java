package io.mesh4j.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.Ticker;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.client.internal.AddressRanges;
import io.mesh4j.client.internal.ResponseStore;
import io.mesh4j.client.internal.ResponseStores;
import io.mesh4j.client.internal.RoutePattern;
import io.mesh4j.resilience.BulkheadConfig;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.CircuitState;
import io.mesh4j.resilience.HedgingConfig;
import io.mesh4j.resilience.OutlierDetector;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.RateLimiterConfig;
import io.mesh4j.resilience.ResilientExecutor;
import io.mesh4j.resilience.RetryBudgetConfig;
import io.mesh4j.resilience.RetryBudgetState;
import io.mesh4j.resilience.RetryConfig;
import io.mesh4j.resilience.TimeoutConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;

/**
 * The client side of the mesh: calls services by name over HTTP with discovery, load
 * balancing, retries on other instances under a retry budget, outlier ejection, a circuit
 * breaker, timeouts, bulkhead, rate limit, credentials and an opt-in GET response cache.
 *
 * <pre>{@code
 * try (ServiceMeshClient mesh = ServiceMeshClient.builder()
 *         .discovery(ConsulDiscovery.builder().url("http://127.0.0.1:8500").build())
 *         .retry(r -> r.maxAttempts(3).backoff(ofMillis(50), ofSeconds(1)))
 *         .build()) {
 *   User u = mesh.service("user-service").get("/users/{id}", 42).as(User.class);
 * }
 * }</pre>
 *
 * <p>Thread safe; build one per application and share it. {@link #close()} releases what the
 * client created (its OkHttp client's threads and connections), never what it was given.
 */
public final class ServiceMeshClient implements AutoCloseable {
  final ServiceDiscovery discovery;
  /** The instances calls may go to: discovery's, within allowedInstanceAddresses if set. */
  final Function<String, List<ServiceInstance>> instances;
  final LoadBalancer loadBalancer;
  final ObjectMapper mapper;
  final Headers defaultHeaders;
  final ServiceCredentials credentials;
  final ResponseStore responseStore;
  final List<CacheRoute> cacheRoutes;
  final ResponseCacheConfig responseCacheConfig;
  final io.mesh4j.client.internal.ResponseCacheCounters responseCacheCounters =
      new io.mesh4j.client.internal.ResponseCacheCounters();
  final CallObserver observer;
  private final OkHttpClient http;
  private final boolean ownsHttp;
  private final ResolvedServices perService;
  private final ConcurrentHashMap<String, ServiceClient> services = new ConcurrentHashMap<>();
  private final FaultRegistry faults;
  private volatile boolean closed;
  private final BaseUrls baseUrls = new BaseUrls();

  HttpUrl baseUrl(ServiceInstance instance, boolean https) {
    return baseUrls.of(instance, https);
  }

  private ServiceMeshClient(Builder b, OkHttpClient http, boolean ownsHttp) {
    this.discovery = b.discovery;
    this.loadBalancer = b.loadBalancer;
    this.mapper = b.mapper;
    this.defaultHeaders = b.defaultHeaders.build();
    this.credentials = new ServiceCredentials(b.credentials, b.services);
    this.responseStore = b.responseStore;
    this.cacheRoutes = List.copyOf(b.cacheRoutes);
    this.responseCacheConfig = b.responseCacheConfig;
    this.observer = b.observer;
    this.http = http;
    this.ownsHttp = ownsHttp;
    InstanceFilter filter = b.allowedInstanceAddresses == null ? null
        : new InstanceFilter(b.discovery, b.allowedInstanceAddresses, b.listeners);
    this.instances = filter == null ? b.discovery::instances : filter::instances;
    Function<String, List<ServiceInstance>> failoverInstances =
        filter == null ? b.discovery::failoverInstances : filter::failoverInstances;
    this.perService = new ResolvedServices(b.defaults, b.services,
        new ResolvedServices.ExecutorInputs(instances, failoverInstances, b.loadBalancer, b.ticker, b.listeners),
        http, Builder.DEFAULT_MAX_RESPONSE_BYTES);
    this.faults = new FaultRegistry(b.listeners);
    credentials.useHttpClientIfNone(http);
  }

  /** A builder; {@link Builder#discovery} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The client of service {@code serviceName}: cheap, cached, thread safe.
   *
   * @throws IllegalArgumentException if the name is blank
   * @throws IllegalStateException if this client is closed
   */
  public ServiceClient service(String serviceName) {
    Checks.notBlank(serviceName, "serviceName");
    Checks.state(!closed, "ServiceMeshClient is closed");
    ServiceClient c = services.get(serviceName);
    return c != null ? c : services.computeIfAbsent(serviceName, n -> new ServiceClient(this, n));
  }

  ResilientExecutor executor(String serviceName) {
    return perService.executor(serviceName);
  }

  OkHttpClient http(String serviceName) {
    return perService.http(serviceName);
  }

  /** Whether {@code serviceName}'s idempotent calls are hedged (sync calls then take the async HTTP path). */
  boolean hedged(String serviceName) {
    return perService.hedged(serviceName);
  }

  long maxResponseBytes(String serviceName) {
    return perService.maxResponseBytes(serviceName);
  }

  boolean requireTls(String serviceName) {
    return perService.requireTls(serviceName);
  }

  /**
   * The fault injection of {@code serviceName} (created off on first use), to change at run time:
   * {@code mesh.faults("payments").abort(5, 503)}. While no service has a fault set, attempts pay
   * one volatile read for it.
   *
   * @throws IllegalArgumentException if the name is blank
   */
  public FaultInjection faults(String serviceName) {
    Checks.notBlank(serviceName, "serviceName");
    return faults.of(serviceName);
  }

  /** The fault decided for one attempt (an event is published), or null: the hot path's one check. */
  FaultInjection.Fault fault(String serviceName, ServiceInstance instance, Headers requestHeaders) {
    return faults.decide(serviceName, instance, requestHeaders);
  }

  /** The outlier detector of {@code serviceName}'s executor: which instances are ejected now. */
  public OutlierDetector outlierDetector(String serviceName) {
    return executor(serviceName).outlierDetector();
  }

  /** The state of {@code serviceName}'s circuit breaker. */
  public CircuitState circuitState(String serviceName) {
    return executor(serviceName).circuitState(serviceName);
  }

  /** What the response cache did so far (all services): hits, misses, stores and why answers were not stored. */
  public ResponseCacheStats responseCacheStats() {
    return responseStore == null ? ResponseCacheStats.NONE : responseCacheCounters.snapshot();
  }

  /** {@code serviceName}'s retry budget now: calls, retries and the retries still allowed. */
  public RetryBudgetState retryBudget(String serviceName) {
    return executor(serviceName).retryBudgetState(serviceName);
  }

  /** The OkHttp client calls go through (shared pool and dispatcher). */
  public OkHttpClient httpClient() {
    return http;
  }

  /**
   * Releases the OkHttp client's threads and connections if this client created it. The
   * discovery, caches and credentials given to the builder are left open. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (ownsHttp) {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  @Override
  public String toString() {
    return "ServiceMeshClient{discovery=" + discovery + ", loadBalancer=" + loadBalancer + "}";
  }


  /**
   * Builds a {@link ServiceMeshClient}. Every setting is validated when set or at
   * {@link #build()}, with a message naming it. Not thread safe.
   */
  public static final class Builder {
    /**
     * Default connect timeout of the created OkHttp client: 500 ms. A LAN connect takes well under
     * a millisecond; a host that drops packets should cost half a second, not the attempt timeout,
     * and a connect that timed out is retried on another instance at once.
     */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofMillis(500);
    /**
     * Default concurrent requests of the created OkHttp client, in all and per host name: 256.
     * OkHttp's per-host limit counts by host <em>name</em>, so instances that share one (several
     * ports of one machine, a name in front of many addresses) would queue behind each other's
     * stuck requests; the per-host limit is therefore as large as the global one, and the bound
     * per instance (host and port) is the executor's {@code BulkheadConfig.maxAttemptsPerInstance}.
     */
    public static final int DEFAULT_MAX_REQUESTS = 256;
    /**
     * Default largest response body read into memory: {@value} bytes (16 MiB), far above a JSON
     * answer and far below a heap. Larger downloads belong in {@code asStream()}.
     */
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 16L * 1024 * 1024;

    private ServiceDiscovery discovery;
    private LoadBalancer loadBalancer = LoadBalancer.roundRobin();
    private final ServiceSettings defaults = new ServiceSettings();
    private final Map<String, ServiceSettings> services = new LinkedHashMap<>();
    private final HttpClientSettings http = new HttpClientSettings();
    private ObjectMapper mapper;
    private final Headers.Builder defaultHeaders = new Headers.Builder();
    private CredentialsProvider credentials;
    private AddressRanges allowedInstanceAddresses;
    private ResponseStore responseStore;
    private ResponseCacheConfig responseCacheConfig;
    private final List<CacheRoute> cacheRoutes = new ArrayList<>();
    private final List<MeshEventListener> listeners = new ArrayList<>();
    private Ticker ticker = Ticker.system();
    private CallObserver observer = CallObserver.none();

    private Builder() {}

    /** Where instances come from (required): Consul, a static map, any {@link ServiceDiscovery}. */
    public Builder discovery(ServiceDiscovery discovery) {
      this.discovery = Checks.notNull(discovery, "discovery");
      return this;
    }

    /** How an instance is picked; default {@link LoadBalancer#roundRobin()}. */
    public Builder loadBalancer(LoadBalancer loadBalancer) {
      this.loadBalancer = Checks.notNull(loadBalancer, "loadBalancer");
      return this;
    }

    /** The retry policy of every service (default {@link RetryConfig#defaults()}). */
    public Builder retry(RetryConfig retry) {
      defaults.retry(retry);
      return this;
    }

    /** The retry policy, configured from its defaults: {@code r -> r.maxAttempts(3)}. */
    public Builder retry(UnaryOperator<RetryConfig.Builder> retry) {
      defaults.retry(retry);
      return this;
    }

    /** The retry budget of every service (default 20% of calls over 10 s, floor 10/s). */
    public Builder retryBudget(RetryBudgetConfig retryBudget) {
      defaults.retryBudget(retryBudget);
      return this;
    }

    /** Outlier ejection of instances (default 5 consecutive failures or 50% over 20 calls). */
    public Builder outlierEjection(OutlierEjectionConfig outlierEjection) {
      defaults.outlierEjection(outlierEjection);
      return this;
    }

    /** The circuit breaker of every service. */
    public Builder circuitBreaker(CircuitBreakerConfig circuitBreaker) {
      defaults.circuitBreaker(circuitBreaker);
      return this;
    }

    /** The circuit breaker, configured from its defaults. */
    public Builder circuitBreaker(UnaryOperator<CircuitBreakerConfig.Builder> circuitBreaker) {
      defaults.circuitBreaker(circuitBreaker);
      return this;
    }

    /** Per-attempt and per-call timeouts of every service. */
    public Builder timeouts(TimeoutConfig timeouts) {
      defaults.timeouts(timeouts);
      return this;
    }

    /** The bulkhead of every service. */
    public Builder bulkhead(BulkheadConfig bulkhead) {
      defaults.bulkhead(bulkhead);
      return this;
    }

    /** The rate limiter of every service (default none). */
    public Builder rateLimiter(RateLimiterConfig rateLimiter) {
      defaults.rateLimiter(rateLimiter);
      return this;
    }

    /** Hedged requests for every service's idempotent calls (default off; usually set per service). */
    public Builder hedging(HedgingConfig hedging) {
      defaults.hedging(hedging);
      return this;
    }

    /** The largest response body of every service (default {@value #DEFAULT_MAX_RESPONSE_BYTES}); see {@link ServiceSettings#maxResponseBytes}. */
    public Builder maxResponseBytes(long maxResponseBytes) {
      defaults.maxResponseBytes(maxResponseBytes);
      return this;
    }

    /** Overrides for one service: {@code .service("payments", s -> s.retry(RetryConfig.disabled()))}. */
    public Builder service(String serviceName, Consumer<ServiceSettings> settings) {
      Checks.notBlank(serviceName, "serviceName");
      Checks.notNull(settings, "settings");
      settings.accept(services.computeIfAbsent(serviceName, n -> new ServiceSettings()));
      return this;
    }

    /**
     * The OkHttp client to call through; the mesh derives per-service clients from it (same pool
     * and dispatcher) and does not close it. By default the mesh creates one and closes it.
     */
    public Builder httpClient(OkHttpClient httpClient) {
      http.given(httpClient);
      return this;
    }

    /**
     * Concurrent async requests per host name of the created OkHttp client; default
     * {@value #DEFAULT_MAX_REQUESTS}, the same as {@link #maxRequests} (see
     * {@link #DEFAULT_MAX_REQUESTS} for why; OkHttp's own is 5).
     */
    public Builder maxRequestsPerHost(int maxRequestsPerHost) {
      http.maxRequestsPerHost(maxRequestsPerHost);
      return this;
    }

    /** Concurrent async requests in all of the created OkHttp client; default {@value #DEFAULT_MAX_REQUESTS}. */
    public Builder maxRequests(int maxRequests) {
      http.maxRequests(maxRequests);
      return this;
    }

    /** Connect timeout of the created OkHttp client; default {@link #DEFAULT_CONNECT_TIMEOUT} (500 ms). */
    public Builder connectTimeout(Duration connectTimeout) {
      http.connectTimeout(connectTimeout);
      return this;
    }

    /** The Jackson mapper for JSON bodies; default a plain {@code new ObjectMapper()}. */
    public Builder objectMapper(ObjectMapper mapper) {
      this.mapper = Checks.notNull(mapper, "objectMapper");
      return this;
    }

    /** A header every request carries (hop-by-hop headers are refused). */
    public Builder defaultHeader(String name, String value) {
      Checks.notBlank(name, "header name");
      Checks.notNull(value, "header value");
      Checks.argument(!io.mesh4j.client.internal.HttpHeaders.isHopByHop(name),
          "defaultHeader %s is hop-by-hop and would be removed", name);
      defaultHeaders.add(name, value);
      return this;
    }

    /** An OkHttp application interceptor, run on every attempt. */
    public Builder interceptor(Interceptor interceptor) {
      http.interceptor(interceptor);
      return this;
    }

    /**
     * Credentials sent to <em>every</em> service that has none of its own, read again on each
     * attempt. Prefer one service's: {@code service("orders", s -> s.credentials(...))}. Either
     * way they go only over https unless the service allows cleartext
     * ({@link ServiceSettings#allowCleartextCredentials}).
     */
    public Builder credentialsForAllServices(CredentialsProvider credentials) {
      this.credentials = Checks.notNull(credentials, "credentials");
      return this;
    }

    /**
     * The same as {@link #credentialsForAllServices}: every service gets them.
     *
     * @deprecated the name hides that every service receives them; use
     *     {@link ServiceSettings#credentials} per service or {@link #credentialsForAllServices}
     */
    @Deprecated
    public Builder credentials(CredentialsProvider credentials) {
      return credentialsForAllServices(credentials);
    }

    /**
     * Only instances whose address is inside one of these ranges (CIDR, IPv4 or IPv6:
     * {@code "10.0.0.0/8", "fd00::/8"}) are called; the others are dropped with a WARN and an
     * {@link InstanceDroppedEvent}. A host name is never resolved, so it is outside. Default:
     * every instance discovery lists.
     *
     * @throws IllegalArgumentException naming an entry that is not an address range
     */
    public Builder allowedInstanceAddresses(String... cidrs) {
      Checks.argument(Checks.notNull(cidrs, "allowedInstanceAddresses").length > 0,
          "allowedInstanceAddresses needs at least one range, e.g. 10.0.0.0/8");
      this.allowedInstanceAddresses = AddressRanges.parse(java.util.Arrays.asList(cidrs)); // a null entry: a named error
      return this;
    }

    /**
     * Turns on the GET response cache over a shared {@link DistributedCache}. Only routes opted
     * in by {@link #cacheRoute} (or requests by {@link MeshRequest#cacheFor}) are cached;
     * {@code defaultTtl} is the TTL of routes that name none; the rest of
     * {@link ResponseCacheConfig} at its defaults.
     */
    public Builder responseCache(DistributedCache<CachedResponse> cache, Duration defaultTtl) {
      return responseCache(cache, ResponseCacheConfig.withDefaultTtl(defaultTtl));
    }

    /** As above, with the key headers and the largest stored body set in {@code config}. */
    public Builder responseCache(DistributedCache<CachedResponse> cache, ResponseCacheConfig config) {
      this.responseStore = ResponseStores.of(Checks.notNull(cache, "responseCache"));
      this.responseCacheConfig = Checks.notNull(config, "responseCache config");
      return this;
    }

    /** As above, over a {@link TwoLevelCache} (in-process L1 before Redis). */
    public Builder responseCache(TwoLevelCache<CachedResponse> cache, Duration defaultTtl) {
      return responseCache(cache, ResponseCacheConfig.withDefaultTtl(defaultTtl));
    }

    /** As above, over a {@link TwoLevelCache}, with {@code config}. */
    public Builder responseCache(TwoLevelCache<CachedResponse> cache, ResponseCacheConfig config) {
      this.responseStore = ResponseStores.of(Checks.notNull(cache, "responseCache"));
      this.responseCacheConfig = Checks.notNull(config, "responseCache config");
      return this;
    }

    /** Caches GETs of {@code serviceName} whose path matches {@code pathPattern} ({@code *}, {@code {x}}, trailing {@code **}) for {@code ttl}. */
    public Builder cacheRoute(String serviceName, String pathPattern, Duration ttl) {
      Checks.notBlank(serviceName, "serviceName");
      cacheRoutes.add(new CacheRoute(serviceName, RoutePattern.parse(pathPattern), Checks.positive(ttl, "cacheRoute ttl")));
      return this;
    }

    /** As above with the response cache's default TTL. */
    public Builder cacheRoute(String serviceName, String pathPattern) {
      Checks.notBlank(serviceName, "serviceName");
      cacheRoutes.add(new CacheRoute(serviceName, RoutePattern.parse(pathPattern), null));
      return this;
    }

    /** Receives events: attempts, retries, ejections, breaker changes, rejections. */
    public Builder listener(MeshEventListener listener) {
      listeners.add(Checks.notNull(listener, "listener"));
      return this;
    }

    /**
     * Observes every call and attempt (metrics, traces, logs): mesh-micrometer's
     * {@code MeshObservations}. Default {@link CallObserver#none()}, which costs nothing.
     */
    public Builder observer(CallObserver observer) {
      this.observer = Checks.notNull(observer, "observer");
      return this;
    }

    /** The time source of the resilience policies; for tests. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Checks.notNull(ticker, "ticker");
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalStateException naming the setting that is missing or contradicts another
     */
    public ServiceMeshClient build() {
      Checks.state(discovery != null, "discovery must be set (a ConsulDiscovery, a StaticServiceDiscovery, ...)");
      Checks.state(cacheRoutes.isEmpty() || responseStore != null,
          "cacheRoute needs responseCache(...) to be set");
      http.checkConsistent();
      if (mapper == null) {
        mapper = new ObjectMapper();
      }
      return new ServiceMeshClient(this, http.build(observer), http.owns());
    }
  }
}
