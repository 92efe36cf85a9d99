package io.mesh4j.client;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.Ticker;
import io.mesh4j.resilience.BulkheadConfig;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.HedgingConfig;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.RateLimiterConfig;
import io.mesh4j.resilience.ResilientExecutor;
import io.mesh4j.resilience.RetryBudgetConfig;
import io.mesh4j.resilience.RetryConfig;
import io.mesh4j.resilience.TimeoutConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import okhttp3.OkHttpClient;

/**
 * The per-service settings of a {@link ServiceMeshClient}, resolved once at build time: each
 * service's resilient executor, OkHttp client, TLS requirement, hedging and body limit, with the
 * client-wide value (or the library default) for a service that set none. Immutable.
 */
final class ResolvedServices {
  private final ResilientExecutor defaultExecutor;
  private final Map<String, ResilientExecutor> serviceExecutors;
  private final OkHttpClient http;
  private final Map<String, OkHttpClient> serviceHttp;
  private final Map<String, Boolean> serviceRequireTls;
  private final Map<String, Boolean> serviceHedging;
  private final boolean defaultHedging;
  private final Map<String, Long> serviceMaxResponseBytes;
  private final long defaultMaxResponseBytes;

  /** What an executor is built from besides a service's settings: shared by every service. */
  record ExecutorInputs(
      Function<String, List<ServiceInstance>> instances,
      Function<String, List<ServiceInstance>> failoverInstances,
      LoadBalancer loadBalancer,
      Ticker ticker,
      List<MeshEventListener> listeners) {}

  ResolvedServices(ServiceSettings defaults, Map<String, ServiceSettings> services, ExecutorInputs inputs,
      OkHttpClient http, long libraryMaxResponseBytes) {
    this.http = http;
    this.defaultExecutor = executorFor(inputs, defaults, defaults);
    Map<String, ResilientExecutor> executors = new LinkedHashMap<>();
    Map<String, OkHttpClient> clients = new LinkedHashMap<>();
    Map<String, Boolean> requireTls = new LinkedHashMap<>();
    Map<String, Boolean> hedging = new LinkedHashMap<>();
    Map<String, Long> maxBytes = new LinkedHashMap<>();
    for (Map.Entry<String, ServiceSettings> e : services.entrySet()) {
      ServiceSettings s = e.getValue();
      if (s.overridesResilience()) {
        executors.put(e.getKey(), executorFor(inputs, defaults, s));
      }
      if (s.tls != null) {
        // Same pool and dispatcher; only the TLS material differs.
        clients.put(e.getKey(), http.newBuilder().sslSocketFactory(s.tls.socketFactory(), s.tls.trustManager()).build());
      }
      requireTls.put(e.getKey(), s.requireTls);
      hedging.put(e.getKey(), pick(s.hedging, defaults.hedging, HedgingConfig.disabled()).enabled());
      if (s.maxResponseBytes > 0) {
        maxBytes.put(e.getKey(), s.maxResponseBytes);
      }
    }
    this.serviceExecutors = Map.copyOf(executors);
    this.serviceHttp = Map.copyOf(clients);
    this.serviceRequireTls = Map.copyOf(requireTls);
    this.serviceHedging = Map.copyOf(hedging);
    this.serviceMaxResponseBytes = Map.copyOf(maxBytes);
    this.defaultMaxResponseBytes = defaults.maxResponseBytes > 0 ? defaults.maxResponseBytes : libraryMaxResponseBytes;
    this.defaultHedging = defaults.hedging != null && defaults.hedging.enabled();
  }

  private static ResilientExecutor executorFor(ExecutorInputs in, ServiceSettings d, ServiceSettings s) {
    ResilientExecutor.Builder e = ResilientExecutor.builder()
        .instances(in.instances())
        .fallbackInstances(in.failoverInstances())
        .loadBalancer(s.loadBalancer != null ? s.loadBalancer : in.loadBalancer())
        .ticker(in.ticker())
        .retry(pick(s.retry, d.retry, RetryConfig.defaults()))
        .retryBudget(pick(s.retryBudget, d.retryBudget, RetryBudgetConfig.defaults()))
        .outlierEjection(pick(s.outlierEjection, d.outlierEjection, OutlierEjectionConfig.defaults()))
        .circuitBreaker(pick(s.circuitBreaker, d.circuitBreaker, CircuitBreakerConfig.defaults()))
        .timeouts(pick(s.timeouts, d.timeouts, TimeoutConfig.defaults()))
        .bulkhead(pick(s.bulkhead, d.bulkhead, BulkheadConfig.defaults()))
        .rateLimiter(pick(s.rateLimiter, d.rateLimiter, RateLimiterConfig.disabled()))
        .hedging(pick(s.hedging, d.hedging, HedgingConfig.disabled()));
    for (MeshEventListener l : in.listeners()) {
      e.listener(l);
    }
    return e.build();
  }

  private static <T> T pick(T service, T defaults, T fallback) {
    return service != null ? service : defaults != null ? defaults : fallback;
  }

  ResilientExecutor executor(String serviceName) {
    ResilientExecutor e = serviceExecutors.get(serviceName);
    return e != null ? e : defaultExecutor;
  }

  OkHttpClient http(String serviceName) {
    OkHttpClient c = serviceHttp.get(serviceName);
    return c != null ? c : http;
  }

  boolean hedged(String serviceName) {
    Boolean h = serviceHedging.get(serviceName);
    return h != null ? h : defaultHedging;
  }

  long maxResponseBytes(String serviceName) {
    Long m = serviceMaxResponseBytes.get(serviceName);
    return m != null ? m : defaultMaxResponseBytes;
  }

  boolean requireTls(String serviceName) {
    return serviceRequireTls.getOrDefault(serviceName, false) || serviceHttp.containsKey(serviceName);
  }
}
