package io.mesh4j.resilience;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.api.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

/** Shared test helpers. */
public final class Fixtures {
  private Fixtures() {}

  /**
   * An executor for {@code service} over {@code instances} with every policy that could interfere
   * off (budget, breaker, ejection, bulkhead): retries up to {@code attempts}, backoff exactly
   * {@code backoff} (full jitter drawn at its top), time from {@code ticker}, events into {@code sink}.
   */
  public static ResilientExecutor.Builder quietExecutor(String service, List<ServiceInstance> instances, Ticker ticker,
      ScheduledExecutorService scheduler, List<MeshEvent> sink, int attempts, Duration backoff) {
    return ResilientExecutor.builder()
        .discovery(StaticServiceDiscovery.of(service, instances))
        .ticker(ticker)
        .random(fixedRandom(1.0))
        .scheduler(scheduler)
        .retry(RetryConfig.builder().maxAttempts(attempts).backoff(backoff, backoff).build())
        .retryBudget(RetryBudgetConfig.disabled())
        .circuitBreaker(CircuitBreakerConfig.disabled())
        .outlierEjection(OutlierEjectionConfig.disabled())
        .bulkhead(BulkheadConfig.disabled())
        .listener(collecting(sink));
  }

  /** A random source whose doubles are all {@code u}: full jitter then waits {@code u} of the window. */
  public static RandomGenerator fixedRandom(double u) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return 0;
      }

      @Override
      public double nextDouble() {
        return u;
      }
    };
  }

  /** Idempotent calls where "busy" is a retryable failure and anything else a success. */
  public static <T> CallOptions<T> retryOnBusy() {
    return CallOptions.<T>builder().idempotent(true)
        .classifier(v -> "busy".equals(String.valueOf(v)) ? Outcome.retryableFailure() : Outcome.success()).build();
  }

  /** {@code n} instances of {@code service} on ports 10001... */
  public static List<ServiceInstance> instances(String service, int n) {
    List<ServiceInstance> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(ServiceInstance.newBuilder().serviceName(service).host("127.0.0.1").port(10001 + i).build());
    }
    return List.copyOf(list);
  }

  /** An instance of {@code service} on a local port. */
  public static ServiceInstance at(String service, int port) {
    return ServiceInstance.newBuilder().serviceName(service).host("127.0.0.1").port(port).build();
  }

  /** A listener that adds every event to {@code sink}. */
  public static MeshEventListener collecting(List<MeshEvent> sink) {
    return new MeshEventListener() {
      @Override
      public void onEvent(MeshEvent event) {
        sink.add(event);
      }
    };
  }

  /**
   * How long a test waits for a call, an attempt or an event that needs milliseconds: far more than
   * that on a loaded 2-core machine, and less than PIT's per-test timeout (1.25 x the test's normal
   * time + 4 s), so a mutant whose call never ends fails the test (killed) instead of hanging it
   * (timed out). A step that really needs time waits {@code needed} plus this ({@link #result(Future,
   * Duration)}).
   */
  public static final Duration WAIT = Duration.ofSeconds(2);

  /** The value of {@code call}, failing the test if it has not ended within {@link #WAIT}. */
  public static <T> T result(Future<T> call) throws ExecutionException {
    return result(call, Duration.ZERO);
  }

  /**
   * The value of {@code call}, which needs about {@code needed} (a deadline, a backoff), failing the
   * test if it has not ended within {@code needed} + {@link #WAIT}.
   */
  public static <T> T result(Future<T> call, Duration needed) throws ExecutionException {
    Duration bound = needed.plus(WAIT);
    try {
      return call.get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the call did not end within " + bound.toMillis()
          + " ms (it needs milliseconds" + (needed.isZero() ? "" : " after " + needed.toMillis() + " ms")
          + "): its future was never completed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for the call", e);
    }
  }

  /** The cause of {@code call}'s failure, failing the test if it succeeded or has not ended within {@link #WAIT}. */
  public static Throwable failure(Future<?> call) {
    return failure(call, Duration.ZERO);
  }

  /** {@link #failure(Future)} for a call that needs about {@code needed} to fail. */
  public static Throwable failure(Future<?> call, Duration needed) {
    Object value;
    try {
      value = result(call, needed);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected the call to fail, it returned " + value);
  }

  /** One attempt of a hedged-call test that the test answers by hand. */
  public record Pending(ServiceInstance instance, AttemptContext ctx, CompletableFuture<String> future) {}

  /** An attempt the test answers by hand: records it in {@code sink} and returns its open future. */
  public static CompletableFuture<String> pending(List<Pending> sink, ServiceInstance instance, AttemptContext ctx) {
    CompletableFuture<String> f = new CompletableFuture<>();
    sink.add(new Pending(instance, ctx, f));
    return f;
  }

  /**
   * The executor of the hedged-call tests over {@code instances}: a hedge after 10 ms, 2 attempts
   * with no backoff, a 10 s attempt timeout, every other policy off, events into {@code sink}.
   */
  public static ResilientExecutor.Builder hedgedExecutor(List<ServiceInstance> instances, List<MeshEvent> sink) {
    return ResilientExecutor.builder().instances(s -> instances)
        .loadBalancer(io.mesh4j.api.LoadBalancer.roundRobin())
        .hedging(HedgingConfig.fixedDelay(Duration.ofMillis(10)))
        .retry(RetryConfig.builder().maxAttempts(2).backoff(Duration.ZERO, Duration.ZERO).build())
        .retryBudget(RetryBudgetConfig.disabled())
        .circuitBreaker(CircuitBreakerConfig.disabled())
        .outlierEjection(OutlierEjectionConfig.disabled())
        .bulkhead(BulkheadConfig.disabled())
        .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofSeconds(10)).build())
        .listener(collecting(sink));
  }

  /** The events of {@code type} in {@code events}, in order. */
  public static <E> List<E> eventsOf(List<MeshEvent> events, Class<E> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** Polls every 5 ms until {@code condition} holds, failing after {@code timeout}. */
  public static void await(Duration timeout, BooleanSupplier condition, String what) {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
