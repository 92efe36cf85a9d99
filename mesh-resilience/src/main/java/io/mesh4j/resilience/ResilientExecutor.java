package io.mesh4j.resilience;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.Ticker;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.resilience.internal.DefaultResilientExecutor;
import io.mesh4j.resilience.internal.ExecutorSettings;
import io.mesh4j.resilience.internal.Schedulers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Runs calls to services through the resilience policies, choosing an instance per attempt.
 * One executor serves any number of services; each service gets its own rate limiter, bulkhead,
 * circuit breaker and retry budget, created on first use from the one configuration.
 *
 * <p>The policies apply in a fixed order, outermost first:
 * <pre>
 * fallback( rate limit → bulkhead → service breaker → retry and hedging (budget-checked)
 *           → instance pick (ejection-aware, per-instance bound) → per-attempt timeout → the call )
 * </pre>
 *
 * <p>How a call ends: the first successful attempt's value is returned. When no retry is left
 * (attempts, deadline, non-idempotent call), the last outcome is the call's: a value classified
 * as a failure is returned as is (the caller, e.g. an HTTP client, turns it into its error), an
 * exception is thrown as is (checked ones wrapped in {@link io.mesh4j.api.MeshException}). When
 * the <b>retry budget</b> refuses a retry, the same holds, except that an exception is thrown
 * wrapped in {@code RejectedException(RETRY_BUDGET)} with the last error as its cause, so callers
 * can tell the budget stopped the retries; a {@link ResilienceEvent.RetryBudgetExhausted} event is
 * published in both cases. Refusals before any attempt throw {@code RejectedException(RATE_LIMIT
 * or BULKHEAD)} or {@link io.mesh4j.api.CircuitOpenException}; no instance throws
 * {@link io.mesh4j.api.NoInstanceAvailableException}; a spent deadline throws
 * {@link io.mesh4j.api.MeshTimeoutException}.
 *
 * <pre>{@code
 * ResilientExecutor executor = ResilientExecutor.builder().discovery(discovery).build();
 * String body = executor.execute("user-service", CallOptions.idempotent(),
 *     (instance, ctx) -> http.get(instance.uri().resolve("/users/42"), ctx.timeout()));
 * }</pre>
 *
 * <p>Thread safe.
 */
public interface ResilientExecutor {
  /** Runs a non-idempotent call with default options (not retried unless configured). */
  default <T> T execute(String serviceName, Attempt<? extends T> attempt) {
    return execute(serviceName, CallOptions.defaults(), attempt);
  }

  /**
   * Runs a call synchronously on the calling thread; see the class description for how it ends.
   *
   * @throws io.mesh4j.api.MeshException as described above, or the attempt's own unchecked exception
   */
  <T> T execute(String serviceName, CallOptions<T> options, Attempt<? extends T> attempt);

  /** Runs a non-idempotent async call with default options. */
  default <T> CompletableFuture<T> executeAsync(String serviceName, AsyncAttempt<? extends T> attempt) {
    return executeAsync(serviceName, CallOptions.defaults(), attempt);
  }

  /**
   * Runs a call asynchronously. Cancelling the returned future stops further retries and
   * cancels the attempt in flight. Backoff waits run on a timer; the next attempt is started on
   * the async executor.
   */
  <T> CompletableFuture<T> executeAsync(String serviceName, CallOptions<T> options, AsyncAttempt<? extends T> attempt);

  /** The outlier detector that decides which instances may be chosen. */
  OutlierDetector outlierDetector();

  /** The state of {@code serviceName}'s circuit breaker. */
  CircuitState circuitState(String serviceName);

  /**
   * {@code serviceName}'s retry budget now: calls and retries in the window and the retries still
   * allowed ({@link RetryBudgetState#DISABLED} when budgets are off, and by default for
   * executors that keep none).
   */
  default RetryBudgetState retryBudgetState(String serviceName) {
    return RetryBudgetState.DISABLED;
  }

  /** A builder with every policy at its default (see docs/resilience.md). */
  static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link ResilientExecutor}. Not thread safe. */
  final class Builder {
    private Function<String, List<ServiceInstance>> instances;
    private Function<String, List<ServiceInstance>> fallbackInstances = service -> List.of();
    private LoadBalancer loadBalancer = LoadBalancer.roundRobin();
    private RetryConfig retry = RetryConfig.defaults();
    private RetryBudgetConfig retryBudget = RetryBudgetConfig.defaults();
    private OutlierEjectionConfig outlierEjection = OutlierEjectionConfig.defaults();
    private CircuitBreakerConfig circuitBreaker = CircuitBreakerConfig.defaults();
    private TimeoutConfig timeouts = TimeoutConfig.defaults();
    private BulkheadConfig bulkhead = BulkheadConfig.defaults();
    private RateLimiterConfig rateLimiter = RateLimiterConfig.disabled();
    private HedgingConfig hedging = HedgingConfig.disabled();
    private Ticker ticker = Ticker.system();
    private RandomGenerator random;
    private ScheduledExecutorService scheduler;
    private Executor asyncExecutor;
    private final List<MeshEventListener> listeners = new ArrayList<>();

    private Builder() {}

    /**
     * Where the candidate instances come from (asked on every attempt; must answer from memory),
     * and the {@linkplain ServiceDiscovery#failoverInstances failover instances}.
     */
    public Builder discovery(ServiceDiscovery discovery) {
      Checks.notNull(discovery, "discovery");
      this.instances = discovery::instances;
      this.fallbackInstances = discovery::failoverInstances;
      return this;
    }

    /**
     * Where an attempt goes when every instance of {@link #instances} has failed in this call or
     * is ejected (default none; {@link #discovery} sets {@link ServiceDiscovery#failoverInstances}).
     */
    public Builder fallbackInstances(Function<String, List<ServiceInstance>> fallbackInstances) {
      this.fallbackInstances = Checks.notNull(fallbackInstances, "fallbackInstances");
      return this;
    }

    /** Where the candidate instances come from, as a function of the service name. */
    public Builder instances(Function<String, List<ServiceInstance>> instances) {
      this.instances = Checks.notNull(instances, "instances");
      return this;
    }

    /** The load balancer (default round robin); it is told of every attempt's start and end. */
    public Builder loadBalancer(LoadBalancer loadBalancer) {
      this.loadBalancer = Checks.notNull(loadBalancer, "loadBalancer");
      return this;
    }

    /** Retry policy. */
    public Builder retry(RetryConfig retry) {
      this.retry = Checks.notNull(retry, "retry");
      return this;
    }

    /** Retry budget (on by default). */
    public Builder retryBudget(RetryBudgetConfig retryBudget) {
      this.retryBudget = Checks.notNull(retryBudget, "retryBudget");
      return this;
    }

    /** Outlier ejection (on by default). */
    public Builder outlierEjection(OutlierEjectionConfig outlierEjection) {
      this.outlierEjection = Checks.notNull(outlierEjection, "outlierEjection");
      return this;
    }

    /** Service circuit breaker (on by default). */
    public Builder circuitBreaker(CircuitBreakerConfig circuitBreaker) {
      this.circuitBreaker = Checks.notNull(circuitBreaker, "circuitBreaker");
      return this;
    }

    /** Attempt and call timeouts. */
    public Builder timeouts(TimeoutConfig timeouts) {
      this.timeouts = Checks.notNull(timeouts, "timeouts");
      return this;
    }

    /** Bulkhead (on by default). */
    public Builder bulkhead(BulkheadConfig bulkhead) {
      this.bulkhead = Checks.notNull(bulkhead, "bulkhead");
      return this;
    }

    /** Rate limiter (off by default). */
    public Builder rateLimiter(RateLimiterConfig rateLimiter) {
      this.rateLimiter = Checks.notNull(rateLimiter, "rateLimiter");
      return this;
    }

    /** Hedged requests for idempotent calls (off by default; see {@link HedgingConfig}). */
    public Builder hedging(HedgingConfig hedging) {
      this.hedging = Checks.notNull(hedging, "hedging");
      return this;
    }

    /**
     * The time source of deadlines, budget windows, ejection and open times. Exists for tests:
     * move a fake ticker instead of sleeping. Default {@link Ticker#system()}.
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Checks.notNull(ticker, "ticker");
      return this;
    }

    /**
     * The random source of backoff and jitter; must be thread safe (e.g. a seeded
     * {@link java.util.Random}). Default: the calling thread's {@link java.util.concurrent.ThreadLocalRandom}.
     */
    public Builder random(RandomGenerator random) {
      this.random = Checks.notNull(random, "random");
      return this;
    }

    /** The timer of async backoff and timeouts (and of sync interrupts). Default: one shared daemon thread. */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Checks.notNull(scheduler, "scheduler");
      return this;
    }

    /** Where async retries are started after their backoff. Default {@link ForkJoinPool#commonPool()}. */
    public Builder asyncExecutor(Executor asyncExecutor) {
      this.asyncExecutor = Checks.notNull(asyncExecutor, "asyncExecutor");
      return this;
    }

    /** Adds a listener of {@link ResilienceEvent}s. */
    public Builder listener(MeshEventListener listener) {
      listeners.add(Checks.notNull(listener, "listener"));
      return this;
    }

    /**
     * Builds.
     *
     * @throws IllegalStateException if no discovery or instances function was set
     */
    public ResilientExecutor build() {
      Checks.state(instances != null, "discovery (or instances) must be set");
      return new DefaultResilientExecutor(new ExecutorSettings(instances, fallbackInstances, loadBalancer, retry, retryBudget,
          outlierEjection, circuitBreaker, timeouts, bulkhead, rateLimiter, hedging, ticker,
          random != null ? random : Schedulers.threadLocalRandom(),
          scheduler != null ? scheduler : Schedulers.sharedTimer(),
          asyncExecutor != null ? asyncExecutor : ForkJoinPool.commonPool(), List.copyOf(listeners)));
    }
  }
}
