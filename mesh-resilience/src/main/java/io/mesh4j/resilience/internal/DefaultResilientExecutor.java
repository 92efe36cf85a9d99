package io.mesh4j.resilience.internal;

import dev.failsafe.Bulkhead;
import dev.failsafe.RateLimiter;
import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.MeshTimeoutException;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.RejectedException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.Ticker;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.resilience.AsyncAttempt;
import io.mesh4j.resilience.Attempt;
import io.mesh4j.resilience.CallOptions;
import io.mesh4j.resilience.CircuitState;
import io.mesh4j.resilience.HedgingConfig;
import io.mesh4j.resilience.Outcome;
import io.mesh4j.resilience.OutcomeClassifier;
import io.mesh4j.resilience.OutlierDetector;
import io.mesh4j.resilience.RateLimiterConfig;
import io.mesh4j.resilience.ResilienceEvent;
import io.mesh4j.resilience.ResilientExecutor;
import io.mesh4j.resilience.RetryBudgetState;
import io.mesh4j.resilience.TimeoutConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The {@link ResilientExecutor}: the per-service policy state and the rules every call follows
 * (choosing and admitting an instance, attempt timeouts, retry delays, judging an attempt). A call
 * on the caller's thread is {@link SyncCall}, an asynchronous one {@link AsyncCall}, a hedged one
 * {@link HedgedCall}. Failsafe supplies the rate limiter, the bulkhead and the breaker's
 * statistics; the retry loop is ours, because the instance must be chosen inside it (Failsafe's
 * OkHttp module retries by cloning the call, which goes to the same host).
 */
public final class DefaultResilientExecutor implements ResilientExecutor {
  final ExecutorSettings settings;
  final Ticker ticker;
  final LoadBalancer loadBalancer;
  final Events events;
  final DefaultOutlierDetector detector;
  final InstanceLimiter limiter;
  private final ConcurrentHashMap<String, ServiceState> services = new ConcurrentHashMap<>();
  final long attemptTimeoutNanos;
  private final boolean adaptiveTimeout;
  private final double timeoutMultiplier;
  private final long timeoutMinNanos;
  private final HedgingConfig hedging;
  final long callTimeoutNanos;
  final long backoffBaseNanos;
  final long backoffMaxNanos;
  final long retryAfterMaxNanos;

  /** An executor with {@code settings}. */
  public DefaultResilientExecutor(ExecutorSettings settings) {
    this.settings = settings;
    this.ticker = settings.ticker();
    this.loadBalancer = settings.loadBalancer();
    this.events = new Events(settings.listeners());
    this.detector = new DefaultOutlierDetector(settings.outlierEjection(), ticker, settings.random(), events);
    this.limiter = settings.bulkhead().enabled() ? new InstanceLimiter(settings.bulkhead().maxAttemptsPerInstance())
        : null;
    this.attemptTimeoutNanos = settings.timeouts().attemptTimeout().toNanos();
    this.adaptiveTimeout = settings.timeouts().adaptive();
    this.timeoutMultiplier = settings.timeouts().adaptiveMultiplier();
    this.timeoutMinNanos = settings.timeouts().adaptiveMin().toNanos();
    this.hedging = settings.hedging();
    this.callTimeoutNanos = settings.timeouts().callTimeout().toNanos();
    this.backoffBaseNanos = settings.retry().backoffBase().toNanos();
    this.backoffMaxNanos = settings.retry().backoffMax().toNanos();
    this.retryAfterMaxNanos = settings.retry().retryAfterMax().toNanos();
  }

  /** The per-service policies: created on first use. */
  final class ServiceState {
    final String name;
    final RateLimiter<Object> rateLimiter;
    final Duration rateLimitWait;
    final Bulkhead<Object> bulkhead;
    final Duration bulkheadWait;
    final ServiceBreaker breaker;
    final RetryBudget budget;
    /** Latencies of successful attempts (quantile 0: p99, 1: the hedging percentile); null when unused. */
    final LatencyTracker latency;

    ServiceState(String name) {
      this.name = name;
      RateLimiterConfig rl = settings.rateLimiter();
      this.rateLimiter = !rl.enabled() ? null
          : (rl.smooth() ? RateLimiter.smoothBuilder(rl.permits(), rl.period())
              : RateLimiter.burstyBuilder(rl.permits(), rl.period())).build();
      this.rateLimitWait = rl.maxWait();
      this.bulkhead = settings.bulkhead().enabled()
          ? Bulkhead.builder(settings.bulkhead().maxConcurrentCalls()).build() : null;
      this.bulkheadWait = settings.bulkhead().maxWait();
      this.breaker = settings.circuitBreaker().enabled()
          ? new ServiceBreaker(name, settings.circuitBreaker(), ticker, settings.random(), events) : null;
      this.budget = settings.retryBudget().enabled() ? new RetryBudget(settings.retryBudget(), ticker) : null;
      boolean tracked = adaptiveTimeout || (hedging.enabled() && hedging.delay() == null);
      this.latency = tracked ? new LatencyTracker(ticker, LATENCY_WINDOW_NANOS, TimeoutConfig.ADAPTIVE_MIN_SAMPLES,
          0.99, hedging.percentile() / 100, 0.5) : null;
    }

    /**
     * The last adaptive attempt timeout computed from enough samples, or -1: used while the
     * window holds too few (traffic paused, or only failures lately: a black-holed instance's
     * timeouts are no samples), so a learned timeout does not jump back to the maximum.
     */
    volatile long lastAdaptiveNanos = -1;
  }

  /** The window of the latency percentiles: 10 s (two halves of 5 s). */
  static final long LATENCY_WINDOW_NANOS = 10_000_000_000L;

  ServiceState state(String serviceName) {
    ServiceState s = services.get(serviceName);
    return s != null ? s : services.computeIfAbsent(serviceName, ServiceState::new);
  }

  /** The retry budget of {@code serviceName}, or null when budgets are disabled (for tests and benchmarks). */
  public RetryBudget retryBudget(String serviceName) {
    return state(serviceName).budget;
  }

  @Override
  public RetryBudgetState retryBudgetState(String serviceName) {
    RetryBudget b = state(serviceName).budget;
    if (b == null) {
      return RetryBudgetState.DISABLED;
    }
    synchronized (b) { // one consistent snapshot: the budget's own lock is reentrant
      return new RetryBudgetState(true, b.calls(), b.retries(), b.remaining());
    }
  }

  /** The breaker of {@code serviceName}, or null when disabled (for tests). */
  public ServiceBreaker breaker(String serviceName) {
    return state(serviceName).breaker;
  }

  @Override
  public OutlierDetector outlierDetector() {
    return detector;
  }

  /** The detector with its counters (for tests). */
  public DefaultOutlierDetector defaultOutlierDetector() {
    return detector;
  }

  @Override
  public CircuitState circuitState(String serviceName) {
    ServiceBreaker b = state(serviceName).breaker;
    return b == null ? CircuitState.DISABLED : b.state();
  }

  // ---- shared steps ----

  MeshException reject(String serviceName, MeshException e) {
    if (events.enabled) {
      events.emit(new ResilienceEvent.CallRejected(serviceName, e));
    }
    return e;
  }

  RejectedException rateLimited(String serviceName) {
    return new RejectedException(serviceName, RejectedException.Reason.RATE_LIMIT, null, null);
  }

  RejectedException bulkheadFull(String serviceName) {
    return new RejectedException(serviceName, RejectedException.Reason.BULKHEAD,
        "max " + settings.bulkhead().maxConcurrentCalls() + " concurrent calls", null);
  }

  /** Chooses and admits the instance of the next attempt. */
  ServiceInstance choose(String serviceName, Set<ServiceInstance> tried) {
    List<ServiceInstance> all = settings.instances().apply(serviceName);
    List<ServiceInstance> selectable = null;
    if (all == null || all.isEmpty() || detector.allGone(serviceName, all, tried)) {
      List<ServiceInstance> fallback = settings.fallbackInstances().apply(serviceName);
      if (fallback != null && !fallback.isEmpty() && (tried == null || !tried.containsAll(fallback))) {
        // Every listed instance failed in this call, is ejected or keeps failing: another
        // datacenter's, kept out of the detector (whose member list is the listed instances).
        selectable = all = fallback;
      } else if (all == null || all.isEmpty()) {
        throw new NoInstanceAvailableException(serviceName, 0, 0);
      }
    }
    if (selectable == null) {
      selectable = detector.selectable(serviceName, all);
    }
    Set<ServiceInstance> excluded = tried == null ? Set.of() : tried;
    ServiceInstance chosen = loadBalancer.choose(serviceName, selectable, excluded);
    int full = admit(chosen);
    if (full < 0) {
      return chosen;
    }
    // A returning instance whose trial calls were taken meanwhile, or one at its bound of attempts
    // in flight (it may hang): choose among the others.
    List<ServiceInstance> rest = new ArrayList<>(selectable);
    while (rest.remove(chosen) && !rest.isEmpty()) {
      chosen = loadBalancer.choose(serviceName, rest, excluded);
      int f = admit(chosen);
      if (f < 0) {
        return chosen;
      }
      full += f;
    }
    if (full > 0) {
      throw new RejectedException(serviceName, RejectedException.Reason.BULKHEAD, "every selectable instance has "
          + limiter.max() + " attempts in flight (bulkhead maxAttemptsPerInstance); they may be hanging", null);
    }
    throw new NoInstanceAvailableException(serviceName, all.size(), detector.ejectedCount(serviceName),
        "every selectable instance is returning from ejection and its trial calls are taken", null);
  }

  /** -1 when {@code instance} is admitted; 1 when it is at its in-flight bound; 0 when its trials are taken. */
  private int admit(ServiceInstance instance) {
    if (!detector.tryAdmit(instance)) {
      return 0;
    }
    if (limiter != null && !limiter.tryAcquire(instance)) {
      detector.releaseUnused(instance);
      return 1;
    }
    return -1;
  }

  /** Gives back what {@link #choose} took for an attempt that never ran. */
  void unused(ServiceInstance instance) {
    detector.releaseUnused(instance);
    if (limiter != null) {
      limiter.release(instance);
    }
  }

  /** An attempt that ran but is not judged (the call was cancelled, or it lost to a hedge): balancer and slots. */
  void abandoned(ServiceInstance instance, long took) {
    loadBalancer.onAttemptEnd(instance, took, false);
    unused(instance);
  }

  /** The attempt timeout of a call: the call's own, the fixed one, or the adaptive one of the service now. */
  long attemptTimeoutNanos(ServiceState s, CallOptions<?> options) {
    if (options.attemptTimeout() != null) {
      return options.attemptTimeout().toNanos();
    }
    if (!adaptiveTimeout) {
      return attemptTimeoutNanos;
    }
    long p99 = s.latency.quantile(0);
    if (p99 < 0) {
      long last = s.lastAdaptiveNanos;
      return last > 0 ? last : attemptTimeoutNanos;
    }
    long t = Math.max(timeoutMinNanos, Math.min(attemptTimeoutNanos, (long) (p99 * timeoutMultiplier)));
    if (t != s.lastAdaptiveNanos) {
      s.lastAdaptiveNanos = t;
    }
    return t;
  }

  /** The hedge delay of a call to {@code s} now, or -1 when no hedge may be sent. */
  long hedgeDelayNanos(ServiceState s) {
    if (hedging.delay() != null) {
      return hedging.delay().toNanos();
    }
    long q = s.latency.quantile(1);
    return q < 0 ? -1 : Math.max(hedging.minDelay().toNanos(), q);
  }

  /** Whether calls with {@code options} are hedged. */
  boolean hedged(CallOptions<?> options) {
    return hedging.enabled() && options.isIdempotent() && attemptLimit(options) > 1;
  }

  HedgingConfig hedging() {
    return hedging;
  }

  long retryDelayNanos(int attempt, Outcome outcome) {
    if (outcome.retryAtOnce()) {
      return 0;
    }
    long backoff = Backoff.fullJitterNanos(attempt, backoffBaseNanos, backoffMaxNanos, settings.random().nextDouble());
    Duration hint = outcome.retryAfter().orElse(null);
    return Backoff.retryDelayNanos(backoff, hint == null ? -1 : hint.toNanos(), retryAfterMaxNanos);
  }

  /** How many attempts this call may make: 1 for a call that may not be retried. */
  int attemptLimit(CallOptions<?> options) {
    if (!options.isIdempotent() && !settings.retry().retryNonIdempotent()) {
      return 1;
    }
    return options.maxAttempts().orElse(settings.retry().maxAttempts());
  }

  /**
   * After a failed attempt {@code n}: the backoff before the next one, or -1 when the call ends
   * here, or -2 when it ends because the budget refused.
   */
  long nextDelay(ServiceState s, int n, Outcome outcome, int attemptLimit, long deadline) {
    if (!outcome.isRetryable() || n >= attemptLimit) {
      return NO_RETRY;
    }
    long delay = retryDelayNanos(n, outcome);
    if (ticker.read() + delay - deadline >= 0) {
      return DEADLINE; // no time left for another attempt
    }
    if (s.budget != null && !s.budget.tryAcquireRetry()) {
      if (events.enabled) {
        events.emit(new ResilienceEvent.RetryBudgetExhausted(s.name, n));
      }
      return BUDGET_EXHAUSTED;
    }
    return delay;
  }

  /** {@link #nextDelay}: no retry (not retryable, or the attempts used up). */
  static final long NO_RETRY = -1;
  /** {@link #nextDelay}: the retry budget refused the retry. */
  static final long BUDGET_EXHAUSTED = -2;
  /** {@link #nextDelay}: the call's deadline leaves no time for another attempt. */
  static final long DEADLINE = -3;

  /**
   * The call ends because its deadline came: the next attempt had no time left (the caller gets the
   * last attempt's failure), or none at all (a call {@link MeshTimeoutException}).
   */
  void callTimedOut(String serviceName, long callTimeoutNanos, int attempts) {
    if (events.enabled) {
      events.emit(new ResilienceEvent.CallTimedOut(serviceName, Duration.ofNanos(callTimeoutNanos), attempts));
    }
  }

  void attemptEnded(ServiceState s, ServiceInstance instance, int n, long took, Outcome outcome, Throwable error) {
    loadBalancer.onAttemptEnd(instance, took, outcome.isSuccess());
    if (limiter != null) {
      limiter.release(instance);
    }
    if (outcome.isSuccess() && slow(s, took)) {
      detector.recordSuspect(instance); // a drip answers, just far too late
    } else if (outcome.countsAgainstInstance()) {
      detector.record(instance, outcome.isSuccess());
    } else {
      detector.releaseUnused(instance); // a returning instance's trial was not used up by it
    }
    if (s.latency != null && outcome.isSuccess()) {
      s.latency.record(took);
    }
    if (events.enabled) {
      events.emit(new ResilienceEvent.AttemptFinished(s.name, instance, n, took, outcome, error));
    }
  }

  /** Slower than {@value #SLOW_MULTIPLE} x the service's median and than {@link #SLOW_FLOOR_NANOS}. */
  static boolean slow(ServiceState s, long took) {
    if (s.latency == null || took < SLOW_FLOOR_NANOS) {
      return false;
    }
    long p50 = s.latency.quantile(2);
    return p50 > 0 && took > SLOW_MULTIPLE * p50;
  }

  /** How many times the service's median latency makes a successful attempt suspect. */
  static final long SLOW_MULTIPLE = 10;
  /** Successful attempts faster than this are never suspect: ordinary tails of fast services. */
  static final long SLOW_FLOOR_NANOS = 100_000_000L;

  static <T> Outcome classify(OutcomeClassifier<? super T> classifier, T value, Throwable error) {
    return error == null ? classifier.classifyResult(value) : classifier.classifyException(error);
  }

  static MeshException budgetExhausted(String serviceName, Throwable last) {
    return new RejectedException(serviceName, RejectedException.Reason.RETRY_BUDGET,
        "retries over the service's retry budget", last);
  }

  // ---- sync ----

  @Override
  public <T> T execute(String serviceName, CallOptions<T> options, Attempt<? extends T> attempt) {
    Checks.notNull(serviceName, "serviceName");
    Checks.notNull(options, "options");
    Checks.notNull(attempt, "attempt");
    Function<? super Throwable, ? extends T> fallback = options.fallback();
    if (fallback == null) {
      return executeSync(serviceName, options, attempt);
    }
    try {
      return executeSync(serviceName, options, attempt);
    } catch (RuntimeException e) {
      return fallback.apply(e);
    }
  }

  private <T> T executeSync(String serviceName, CallOptions<T> options, Attempt<? extends T> attempt) {
    ServiceState s = state(serviceName);
    if (hedged(options)) {
      return HedgedCall.runSync(this, s, options, attempt);
    }
    return SyncCall.run(this, s, options, attempt);
  }

  static void closeQuietly(Object value) {
    if (value instanceof AutoCloseable) {
      try {
        ((AutoCloseable) value).close();
      } catch (Exception ignored) {
        // Discarding it anyway.
      }
    }
  }

  static RuntimeException unchecked(String serviceName, Throwable error) {
    if (error instanceof RuntimeException) {
      return (RuntimeException) error;
    }
    if (error instanceof Error) {
      throw (Error) error;
    }
    return new MeshException(serviceName, "call to service '" + serviceName + "' failed: " + error, error);
  }

  // ---- async ----

  @Override
  public <T> CompletableFuture<T> executeAsync(String serviceName, CallOptions<T> options,
      AsyncAttempt<? extends T> attempt) {
    Checks.notNull(serviceName, "serviceName");
    Checks.notNull(options, "options");
    Checks.notNull(attempt, "attempt");
    ServiceState s = state(serviceName);
    if (hedged(options)) {
      HedgedCall<T> call = new HedgedCall<>(this, s, options, attempt);
      call.start();
      return call.promise;
    }
    AsyncCall<T> call = new AsyncCall<>(this, s, options, attempt);
    call.start();
    return call.promise;
  }

  @Override
  public String toString() {
    return "ResilientExecutor{" + settings.retry() + ", " + settings.retryBudget() + ", " + settings.outlierEjection()
        + ", " + settings.circuitBreaker() + ", " + settings.timeouts() + ", " + settings.bulkhead() + ", "
        + settings.rateLimiter() + ", " + hedging + "}";
  }
}
