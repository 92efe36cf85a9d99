package io.mesh4j.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.CircuitOpenException;
import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.RejectedException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.api.internal.PowerOfTwoChoicesLoadBalancer;
import io.mesh4j.resilience.internal.DefaultResilientExecutor;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An async call does the same bookkeeping as a sync one: the balancer hears each attempt start
 * and end, the breaker is fed the verdict, the bulkhead slot is given back, the retry budget
 * counts the call and its retries.
 */
@Timeout(30)
class AsyncBookkeepingTest {
  private static final String SVC = "async";
  private final List<ServiceInstance> instances = Fixtures.instances(SVC, 3);
  private final FakeTicker ticker = new FakeTicker();

  /** Counts what the executor tells the balancer. */
  static final class CountingBalancer implements LoadBalancer {
    final LoadBalancer delegate = LoadBalancer.roundRobin();
    final AtomicInteger starts = new AtomicInteger();
    final AtomicInteger ends = new AtomicInteger();
    final AtomicInteger successes = new AtomicInteger();

    @Override
    public ServiceInstance choose(String serviceName, List<ServiceInstance> candidates, Set<ServiceInstance> excluded) {
      return delegate.choose(serviceName, candidates, excluded);
    }

    @Override
    public void onAttemptStart(ServiceInstance instance) {
      starts.incrementAndGet();
    }

    @Override
    public void onAttemptEnd(ServiceInstance instance, long durationNanos, boolean success) {
      ends.incrementAndGet();
      successes.addAndGet(success ? 1 : 0);
    }
  }

  private ResilientExecutor.Builder executor() {
    return ResilientExecutor.builder()
        .discovery(StaticServiceDiscovery.of(SVC, instances))
        .ticker(ticker)
        .random(new Random(5))
        .retry(RetryConfig.builder().maxAttempts(3).backoff(Duration.ZERO, Duration.ZERO).build())
        .retryBudget(RetryBudgetConfig.disabled())
        .circuitBreaker(CircuitBreakerConfig.disabled())
        .outlierEjection(OutlierEjectionConfig.disabled())
        .bulkhead(BulkheadConfig.disabled());
  }

  @Test
  void theBalancerHearsEveryAsyncAttemptStartAndEnd() throws Exception {
    CountingBalancer lb = new CountingBalancer();
    ResilientExecutor ex = executor().loadBalancer(lb).build();
    AtomicInteger attempts = new AtomicInteger();
    String r = Fixtures.result(ex.executeAsync(SVC, CallOptions.idempotent(), (instance, ctx) -> {
      attempts.incrementAndGet();
      return ctx.attempt() < 3 ? CompletableFuture.failedFuture(new IOException("reset"))
          : CompletableFuture.completedFuture("third");
    }));
    assertEquals("third", r);
    assertEquals(3, attempts.get());
    assertEquals(3, lb.starts.get());
    assertEquals(3, lb.ends.get());
    assertEquals(1, lb.successes.get());
  }

  @Test
  void aLeastOutstandingBalancerIsLeftWithNothingInFlight() throws Exception {
    PowerOfTwoChoicesLoadBalancer lb = (PowerOfTwoChoicesLoadBalancer) LoadBalancer.leastOutstanding();
    ResilientExecutor ex = executor().loadBalancer(lb).build();
    CompletableFuture<String> hanging = new CompletableFuture<>();
    CompletableFuture<String> call = ex.executeAsync(SVC, (i, c) -> hanging);
    int inFlight = 0;
    for (ServiceInstance i : instances) {
      inFlight += lb.outstanding(i);
    }
    assertEquals(1, inFlight, "the attempt started");
    hanging.complete("done");
    assertEquals("done", Fixtures.result(call));
    for (ServiceInstance i : instances) {
      assertEquals(0, lb.outstanding(i));
    }
  }

  @Test
  void asyncVerdictsFeedTheBreaker() throws Exception {
    ResilientExecutor ex = executor().retry(RetryConfig.disabled())
        .circuitBreaker(CircuitBreakerConfig.builder().failureRate(50, 4, Duration.ofSeconds(10))
            .openFor(Duration.ofSeconds(5)).openJitter(0).halfOpenTrials(1).build()).build();
    for (int i = 0; i < 4; i++) {
      assertInstanceOf(IOException.class,
          Fixtures.failure(ex.executeAsync(SVC, (inst, c) -> CompletableFuture.failedFuture(new IOException("down")))));
    }
    assertEquals(CircuitState.OPEN, ex.circuitState(SVC));
    AtomicInteger attempts = new AtomicInteger();
    CircuitOpenException open = assertInstanceOf(CircuitOpenException.class, Fixtures.failure(ex.executeAsync(SVC, (inst, c) -> {
      attempts.incrementAndGet();
      return CompletableFuture.completedFuture("x");
    })));
    assertEquals(Duration.ofSeconds(5), open.remaining());
    assertEquals(0, attempts.get());
    ticker.advance(Duration.ofSeconds(5));
    assertEquals("trial", Fixtures.result(ex.executeAsync(SVC, (inst, c) -> CompletableFuture.completedFuture("trial"))));
    assertEquals(CircuitState.CLOSED, ex.circuitState(SVC), "the successful trial closed it");
  }

  @Test
  void aFailedAsyncTrialReopensTheBreaker() throws Exception {
    ResilientExecutor ex = executor().retry(RetryConfig.disabled())
        .circuitBreaker(CircuitBreakerConfig.builder().failureRate(50, 2, Duration.ofSeconds(10))
            .openFor(Duration.ofSeconds(5)).openJitter(0).halfOpenTrials(1).build()).build();
    for (int i = 0; i < 2; i++) {
      Fixtures.failure(ex.executeAsync(SVC, (inst, c) -> CompletableFuture.failedFuture(new IOException("down"))));
    }
    ticker.advance(Duration.ofSeconds(5));
    Fixtures.failure(ex.executeAsync(SVC, (inst, c) -> CompletableFuture.failedFuture(new IOException("still down"))));
    assertEquals(CircuitState.OPEN, ex.circuitState(SVC));
  }

  @Test
  void everyWayAnAsyncCallEndsGivesItsBulkheadSlotBack() throws Exception {
    ResilientExecutor ex = executor().retry(RetryConfig.disabled())
        .bulkhead(BulkheadConfig.builder().maxConcurrentCalls(1).build()).build();
    for (int i = 0; i < 3; i++) {
      assertEquals("ok", Fixtures.result(ex.executeAsync(SVC, (inst, c) -> CompletableFuture.completedFuture("ok"))));
      Fixtures.failure(ex.executeAsync(SVC, (inst, c) -> CompletableFuture.failedFuture(new IOException("x"))));
      CompletableFuture<String> cancelled = ex.executeAsync(SVC, (inst, c) -> new CompletableFuture<>());
      assertTrue(cancelled.cancel(true));
    }
    // The slot is taken while a call runs, and refused to a second one meanwhile.
    CompletableFuture<String> hold = new CompletableFuture<>();
    CompletableFuture<String> holding = ex.executeAsync(SVC, (inst, c) -> hold);
    RejectedException full = assertInstanceOf(RejectedException.class,
        Fixtures.failure(ex.executeAsync(SVC, (inst, c) -> CompletableFuture.completedFuture("x"))));
    assertEquals(RejectedException.Reason.BULKHEAD, full.reason());
    hold.complete("held");
    assertEquals("held", Fixtures.result(holding));
    assertEquals("free again", Fixtures.result(ex.executeAsync(SVC, (inst, c) -> CompletableFuture.completedFuture("free again"))));
  }

  @Test
  void theRetryBudgetCountsAsyncCallsAndTheirRetries() throws Exception {
    DefaultResilientExecutor ex = (DefaultResilientExecutor) executor()
        .retryBudget(RetryBudgetConfig.builder().ratio(0.5).minRetriesPerSecond(0).build()).build();
    for (int i = 0; i < 4; i++) {
      assertEquals("ok", Fixtures.result(ex.executeAsync(SVC, (inst, c) -> CompletableFuture.completedFuture("ok"))));
    }
    assertEquals(4, ex.retryBudget(SVC).calls());
    assertEquals(0, ex.retryBudget(SVC).retries());
    AtomicInteger attempts = new AtomicInteger();
    Throwable e = Fixtures.failure(ex.executeAsync(SVC, CallOptions.idempotent(), (inst, c) -> {
      attempts.incrementAndGet();
      return CompletableFuture.failedFuture(new IOException("down"));
    }));
    // 5 calls allow 2.5 retries: both retries of this call fit, then its 3 attempts are spent.
    assertEquals(5, ex.retryBudget(SVC).calls());
    assertEquals(2, ex.retryBudget(SVC).retries());
    assertEquals(3, attempts.get());
    assertInstanceOf(IOException.class, e, "out of attempts, not refused: the last error as is");
  }

  @Test
  void anAsyncCallRefusedByTheBudgetSaysSo() throws Exception {
    DefaultResilientExecutor ex = (DefaultResilientExecutor) executor()
        .retryBudget(RetryBudgetConfig.builder().ratio(0).minRetriesPerSecond(0).build()).build();
    RejectedException e = assertInstanceOf(RejectedException.class, Fixtures.failure(ex.executeAsync(SVC, CallOptions.idempotent(),
        (inst, c) -> CompletableFuture.failedFuture(new IOException("down")))));
    assertEquals(RejectedException.Reason.RETRY_BUDGET, e.reason());
    assertInstanceOf(IOException.class, e.getCause());
    assertEquals(1, ex.retryBudget(SVC).calls());
  }

  @Test
  void anAsyncCallWithNoInstanceFailsThroughItsFuture() {
    ResilientExecutor ex = ResilientExecutor.builder().instances(s -> List.of()).build();
    assertInstanceOf(NoInstanceAvailableException.class,
        Fixtures.failure(ex.executeAsync(SVC, (inst, c) -> CompletableFuture.completedFuture("x"))));
  }

  @Test
  void anAsyncFallbackAnswersFailures() throws Exception {
    ResilientExecutor ex = executor().retry(RetryConfig.disabled()).build();
    CallOptions<String> withFallback = CallOptions.<String>builder().fallback(e -> "fallback: " + e.getMessage()).build();
    assertEquals("fallback: down", Fixtures.result(ex.executeAsync(SVC, withFallback,
        (inst, c) -> CompletableFuture.failedFuture(new IOException("down")))));
    assertEquals("fine", Fixtures.result(ex.executeAsync(SVC, withFallback, (inst, c) -> CompletableFuture.completedFuture("fine"))));
    CallOptions<String> throwingFallback = CallOptions.<String>builder().fallback(e -> {
      throw new IllegalStateException("fallback failed too");
    }).build();
    assertEquals("fallback failed too", Fixtures.failure(ex.executeAsync(SVC, throwingFallback,
        (inst, c) -> CompletableFuture.failedFuture(new IOException("down")))).getMessage());
  }

  @Test
  void aRejectedAsyncCallMakesNoAttemptAndIsNoTimeout() throws Exception {
    List<MeshEvent> events = new CopyOnWriteArrayList<>();
    ResilientExecutor ex = executor().retry(RetryConfig.disabled()).listener(Fixtures.collecting(events))
        .bulkhead(BulkheadConfig.builder().maxConcurrentCalls(1).build())
        .circuitBreaker(CircuitBreakerConfig.builder().failureRate(50, 2, Duration.ofSeconds(10))
            .openFor(Duration.ofSeconds(5)).openJitter(0).halfOpenTrials(1).build()).build();
    AtomicInteger attempts = new AtomicInteger();
    CompletableFuture<String> hold = new CompletableFuture<>();
    CompletableFuture<String> holding = ex.executeAsync(SVC, (inst, c) -> hold);
    assertInstanceOf(RejectedException.class, Fixtures.failure(ex.executeAsync(SVC, (inst, c) -> {
      attempts.incrementAndGet();
      return CompletableFuture.completedFuture("x");
    })), "bulkhead full");
    hold.complete("held");
    assertEquals("held", Fixtures.result(holding));
    for (int i = 0; i < 2; i++) {
      Fixtures.failure(ex.executeAsync(SVC, (inst, c) -> CompletableFuture.failedFuture(new IOException("down"))));
    }
    assertInstanceOf(CircuitOpenException.class, Fixtures.failure(ex.executeAsync(SVC, (inst, c) -> {
      attempts.incrementAndGet();
      return CompletableFuture.completedFuture("x");
    })), "breaker open");
    assertEquals(0, attempts.get());
    assertTrue(events.stream().filter(ResilienceEvent.CallRejected.class::isInstance).count() >= 2, "rejections");
    assertTrue(events.stream().noneMatch(ResilienceEvent.CallTimedOut.class::isInstance),
        "a rejected call is no call timeout: " + events);
  }

  @Test
  void theBalancerHearsTheEndOfACancelledAttemptAndOfEveryHedge() throws Exception {
    CountingBalancer lb = new CountingBalancer();
    ResilientExecutor ex = executor().loadBalancer(lb).build();
    CompletableFuture<String> call = ex.executeAsync(SVC, (inst, c) -> new CompletableFuture<String>());
    assertEquals(1, lb.starts.get());
    assertTrue(call.cancel(true));
    assertEquals(1, lb.ends.get(), "the cancelled attempt ended for the balancer");

    CountingBalancer hedgedLb = new CountingBalancer();
    ResilientExecutor hedged = executor().loadBalancer(hedgedLb).hedging(HedgingConfig.fixedDelay(Duration.ofMillis(5)))
        .build();
    List<CompletableFuture<String>> sent = new CopyOnWriteArrayList<>();
    CompletableFuture<String> h = hedged.executeAsync(SVC, CallOptions.idempotent(), (inst, c) -> {
      CompletableFuture<String> f = new CompletableFuture<>();
      sent.add(f);
      return f;
    });
    Fixtures.await(Fixtures.WAIT, () -> sent.size() == 2, "the hedge");
    assertEquals(2, hedgedLb.starts.get(), "the first attempt and the hedge started");
    sent.get(1).complete("hedge");
    assertEquals("hedge", Fixtures.result(h));
    Fixtures.await(Fixtures.WAIT, () -> hedgedLb.ends.get() == 2, "the end of both attempts");
    assertEquals(2, hedgedLb.starts.get(), "no start without its end");
  }
}
