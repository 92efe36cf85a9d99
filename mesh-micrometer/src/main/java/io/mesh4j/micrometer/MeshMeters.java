package io.mesh4j.micrometer;

import io.mesh4j.api.CircuitOpenException;
import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.MeshTimeoutException;
import io.mesh4j.api.RejectedException;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.cache.CacheEvent;
import io.mesh4j.client.ResponseCacheStats;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.discovery.DatacenterSwitchedEvent;
import io.mesh4j.discovery.HeartbeatFailedEvent;
import io.mesh4j.discovery.ServiceReregisteredEvent;
import io.mesh4j.discovery.WatchFailedEvent;
import io.mesh4j.discovery.WatchSyncedEvent;
import io.mesh4j.micrometer.internal.DiscoveryGauges;
import io.mesh4j.micrometer.internal.ResilienceGauges;
import io.mesh4j.resilience.Outcome;
import io.mesh4j.resilience.ResilienceEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns the events mesh4j emits into Micrometer meters: register it as a listener wherever events
 * come from (the {@link io.mesh4j.client.ServiceMeshClient} or {@code ResilientExecutor} builder,
 * the discovery and registry builders, the cache builders). One instance can serve all of them.
 *
 * <p>Resilience: {@code mesh.client.attempts}, {@code mesh.client.retries} (by reason),
 * {@code mesh.client.hedges},
 * {@code mesh.client.retry.budget.refusals}, gauge {@code mesh.client.retry.budget.remaining}
 * (once {@link #bind bound} to the client), {@code mesh.client.timeouts},
 * {@code mesh.client.response.cache.lookups} and {@code mesh.client.response.cache.stores} (once
 * bound, for a client with a response cache),
 * {@code mesh.client.rejections} (bulkhead, rate limit, open breaker),
 * {@code mesh.outlier.ejections}, {@code mesh.outlier.returns}, gauge {@code mesh.outlier.ejected},
 * gauge {@code mesh.circuit.state} and counter {@code mesh.circuit.transitions}. Discovery: gauge
 * {@code mesh.discovery.instances}, gauge {@code mesh.discovery.watch.staleness} (seconds since the
 * last good Consul answer), {@code mesh.discovery.watch.syncs}, {@code mesh.discovery.watch.failures},
 * {@code mesh.discovery.changes}, {@code mesh.discovery.datacenter.switches},
 * {@code mesh.registry.heartbeat.failures},
 * {@code mesh.registry.reregistrations}. Cache: {@code mesh.cache.events} (by kind) and
 * {@code mesh.cache.invalidations.failed}; the cache counters themselves come from
 * {@link MeshCacheMetrics}. Every name, type and tag is in {@code docs/observability.md}.
 *
 * <p>Events are only built when a listener is registered, so without this nothing is paid.
 * Called on the thread of the event; thread safe.
 */
public final class MeshMeters implements MeshEventListener {
  private final MeterRegistry registry;
  private final ResilienceGauges resilience;
  private final DiscoveryGauges discovery;
  /**
   * The attempt counters met so far, by service, outcome and error type (each bounded): an attempt
   * costs one map lookup instead of sorting tags and looking the meter up in the registry.
   */
  private final ConcurrentHashMap<AttemptKey, Counter> attemptCounters = new ConcurrentHashMap<>();
  /** The client {@link #bind bound} for the gauges events cannot give; null until then. */
  private volatile ServiceMeshClient client;
  /** Services whose retry budget gauge is registered. */
  private final Set<String> budgetGauges = ConcurrentHashMap.newKeySet();
  /** The reason of the last retryable attempt seen on this thread, for the retry that follows it. */
  private final ThreadLocal<String> lastRetryReason = new ThreadLocal<>();

  private MeshMeters(MeterRegistry registry) {
    this.registry = registry;
    this.resilience = new ResilienceGauges(registry);
    this.discovery = new DiscoveryGauges(registry);
  }

  /** Meters on {@code registry}. */
  public static MeshMeters create(MeterRegistry registry) {
    return new MeshMeters(Checks.notNull(registry, "meterRegistry"));
  }

  /**
   * Also reads {@code client}'s own state for what events cannot tell: gauge {@code
   * mesh.client.retry.budget.remaining} (retries the service's budget still allows in its window;
   * 0 means the next retry is refused), registered for each service with a budget at the first
   * attempt seen for it (and now for those already seen). Call it once the client built with this
   * listener exists.
   *
   * @return this
   */
  public MeshMeters bind(ServiceMeshClient client) {
    this.client = Checks.notNull(client, "client");
    attemptCounters.keySet().forEach(k -> budgetGauge(k.service));
    responseCacheCounters(client);
    return this;
  }

  /**
   * For a client with a response cache ({@code responseCacheStats()} is then not the shared
   * {@code NONE}): counters {@code mesh.client.response.cache.lookups} ({@code result} {@code hit},
   * {@code miss}, {@code vary_mismatch}) and {@code mesh.client.response.cache.stores}
   * ({@code result} {@code stored}, {@code refused_status}, {@code refused_size},
   * {@code refused_private}, {@code refused_cache_control}), read from the client when scraped.
   */
  private void responseCacheCounters(ServiceMeshClient c) {
    if (c.responseCacheStats() == ResponseCacheStats.NONE) {
      return;
    }
    lookupCounter(c, "hit", s -> s.hits());
    lookupCounter(c, "miss", s -> s.misses());
    lookupCounter(c, "vary_mismatch", s -> s.varyMismatches());
    storeCounter(c, "stored", s -> s.stores());
    storeCounter(c, "refused_status", s -> s.refusedStatus());
    storeCounter(c, "refused_size", s -> s.refusedSize());
    storeCounter(c, "refused_private", s -> s.refusedPrivate());
    storeCounter(c, "refused_cache_control", s -> s.refusedCacheControl());
  }

  private void lookupCounter(ServiceMeshClient c, String result, java.util.function.ToLongFunction<ResponseCacheStats> f) {
    FunctionCounter.builder("mesh.client.response.cache.lookups", c, x -> f.applyAsLong(x.responseCacheStats()))
        .tag("result", result)
        .description("response cache lookups: hit (answered from the cache), miss, vary_mismatch (an entry stored for "
            + "another value of a Vary header)")
        .register(registry);
  }

  private void storeCounter(ServiceMeshClient c, String result, java.util.function.ToLongFunction<ResponseCacheStats> f) {
    FunctionCounter.builder("mesh.client.response.cache.stores", c, x -> f.applyAsLong(x.responseCacheStats()))
        .tag("result", result)
        .description("answers stored in the response cache, or kept out of it and why")
        .register(registry);
  }

  private void budgetGauge(String service) {
    ServiceMeshClient c = client;
    if (c == null || budgetGauges.contains(service) || !c.retryBudget(service).enabled() || !budgetGauges.add(service)) {
      return;
    }
    Gauge.builder("mesh.client.retry.budget.remaining", c, x -> x.retryBudget(service).remaining())
        .tag("mesh.service", service)
        .description("retries the service's retry budget still allows in its window (0: the next is refused)")
        .register(registry);
  }

  @Override
  public void onEvent(MeshEvent event) {
    if (event instanceof ResilienceEvent) {
      onResilience((ResilienceEvent) event);
    } else if (event instanceof WatchSyncedEvent) {
      WatchSyncedEvent e = (WatchSyncedEvent) event;
      discovery.synced(e.serviceName(), e.instanceCount());
      registry.counter("mesh.discovery.watch.syncs", "mesh.service", e.serviceName()).increment();
      if (e.changed()) {
        registry.counter("mesh.discovery.changes", "mesh.service", e.serviceName()).increment();
      }
    } else if (event instanceof WatchFailedEvent) {
      WatchFailedEvent e = (WatchFailedEvent) event;
      discovery.failed(e.serviceName());
      registry.counter("mesh.discovery.watch.failures", "mesh.service", e.serviceName(),
          "reason", lower(e.reason().name())).increment();
    } else if (event instanceof DatacenterSwitchedEvent) {
      DatacenterSwitchedEvent e = (DatacenterSwitchedEvent) event;
      registry.counter("mesh.discovery.datacenter.switches", "mesh.service", e.serviceName(),
          "from", e.from(), "to", e.to()).increment();
    } else if (event instanceof HeartbeatFailedEvent) {
      registry.counter("mesh.registry.heartbeat.failures", "mesh.service", event.serviceName()).increment();
    } else if (event instanceof ServiceReregisteredEvent) {
      registry.counter("mesh.registry.reregistrations", "mesh.service", event.serviceName()).increment();
    } else if (event instanceof CacheEvent) {
      onCache((CacheEvent) event);
    }
  }

  private void onResilience(ResilienceEvent event) {
    String service = event.serviceName();
    if (event instanceof ResilienceEvent.AttemptFinished) {
      ResilienceEvent.AttemptFinished e = (ResilienceEvent.AttemptFinished) event;
      Throwable error = e.error();
      String errorType = DefaultMeshCallObservationConvention.errorType(error);
      AttemptKey key = new AttemptKey(service, e.outcome().kind(), errorType);
      Counter attempts = attemptCounters.get(key);
      if (attempts == null) {
        attempts = attemptCounters.computeIfAbsent(key, k -> registry.counter("mesh.client.attempts",
            "mesh.service", k.service, "outcome", lower(k.kind.name()), "error.type", k.errorType));
        budgetGauge(service);
      }
      attempts.increment();
      if (isTimeout(error)) {
        registry.counter("mesh.client.timeouts", "mesh.service", service, "kind", "attempt").increment();
      }
      if (e.outcome().isRetryable()) {
        lastRetryReason.set(retryReason(error));
      }
    } else if (event instanceof ResilienceEvent.RetryScheduled) {
      String reason = lastRetryReason.get();
      lastRetryReason.remove();
      registry.counter("mesh.client.retries", "mesh.service", service,
          "reason", reason == null ? "unknown" : reason).increment();
    } else if (event instanceof ResilienceEvent.CallTimedOut) {
      registry.counter("mesh.client.timeouts", "mesh.service", service, "kind", "call").increment();
    } else if (event instanceof ResilienceEvent.HedgeSent) {
      registry.counter("mesh.client.hedges", "mesh.service", service).increment();
    } else if (event instanceof ResilienceEvent.RetryBudgetExhausted) {
      lastRetryReason.remove();
      registry.counter("mesh.client.retry.budget.refusals", "mesh.service", service).increment();
    } else if (event instanceof ResilienceEvent.CallRejected) {
      registry.counter("mesh.client.rejections", "mesh.service", service,
          "reason", rejection(((ResilienceEvent.CallRejected) event).exception())).increment();
    } else if (event instanceof ResilienceEvent.InstanceEjected) {
      ResilienceEvent.InstanceEjected e = (ResilienceEvent.InstanceEjected) event;
      resilience.ejected(service, e.instance().id());
      registry.counter("mesh.outlier.ejections", "mesh.service", service,
          "reason", ejectionReason(e.reason())).increment();
    } else if (event instanceof ResilienceEvent.InstanceReturned) {
      ResilienceEvent.InstanceReturned e = (ResilienceEvent.InstanceReturned) event;
      resilience.returned(service, e.instance().id());
      registry.counter("mesh.outlier.returns", "mesh.service", service).increment();
    } else if (event instanceof ResilienceEvent.CircuitStateChanged) {
      ResilienceEvent.CircuitStateChanged e = (ResilienceEvent.CircuitStateChanged) event;
      resilience.circuit(service, e.to());
      registry.counter("mesh.circuit.transitions", "mesh.service", service,
          "from", lower(e.from().name()), "to", lower(e.to().name())).increment();
    }
  }

  private void onCache(CacheEvent e) {
    String cache = e.namespace() == null ? "unknown" : e.namespace();
    registry.counter("mesh.cache.events", "cache", cache, "kind", lower(e.kind().name())).increment();
    if (e.kind() == CacheEvent.Kind.REDIS_FAILURE && "publish invalidation".equals(e.detail())) {
      registry.counter("mesh.cache.invalidations.failed", "cache", cache).increment();
    }
  }

  /** The tags of one attempt counter. */
  private record AttemptKey(String service, Outcome.Kind kind, String errorType) {}

  static boolean isTimeout(Throwable error) {
    return error instanceof MeshTimeoutException || error instanceof InterruptedIOException;
  }

  /** A bounded reason: timeout, connect, io, status (a retryable HTTP answer), other. */
  static String retryReason(Throwable error) {
    if (error == null) {
      return "status";
    }
    if (isTimeout(error)) {
      return "timeout";
    }
    if (error instanceof ConnectException) {
      return "connect";
    }
    return error instanceof IOException ? "io" : "other";
  }

  private static String rejection(Exception e) {
    if (e instanceof CircuitOpenException) {
      return "circuit_open";
    }
    if (e instanceof RejectedException) {
      return lower(((RejectedException) e).reason().name());
    }
    return "other";
  }

  /** The outlier detector's free-text reason, reduced to a bounded tag. */
  private static String ejectionReason(String reason) {
    if (reason == null) {
      return "unknown";
    }
    if (reason.contains("consecutive")) {
      return "consecutive_failures";
    }
    return reason.contains("rate") ? "failure_rate" : "failed_trial";
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
