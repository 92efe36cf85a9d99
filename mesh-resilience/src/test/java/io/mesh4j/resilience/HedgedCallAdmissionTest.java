package io.mesh4j.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.CircuitOpenException;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.RejectedException;
import io.mesh4j.api.ServiceInstance;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * What lets a hedged call in and what it holds while it runs, with attempts the test completes by
 * hand: the rate limiter, the bulkhead slot, the circuit breaker's verdicts and half-open trials,
 * and the retry budget that pays for the hedge. The steps of the call itself are in
 * {@link HedgedCallStepsTest}. Every wait is bounded well below the class timeout.
 */
class HedgedCallAdmissionTest extends HedgedCallHarness {
  @Test
  /** Hung before the fix: start() ended a call the rate limiter refused without completing its promise. */
  void hedgedCallsAreRateLimited() throws Exception {
    ResilientExecutor ex = executor().rateLimiter(RateLimiterConfig.bursty(1, Duration.ofHours(1))
        .withMaxWait(Duration.ofMillis(100))).build();
    CompletableFuture<String> first = ex.executeAsync(SVC, CallOptions.idempotent(),
        (i, c) -> CompletableFuture.completedFuture("ok"));
    assertEquals("ok", Fixtures.result(first));
    RejectedException e = assertInstanceOf(RejectedException.class,
        Fixtures.failure(ex.executeAsync(SVC, CallOptions.idempotent(), this::pending)));
    assertEquals(RejectedException.Reason.RATE_LIMIT, e.reason());
    assertTrue(attempts.isEmpty(), "a rejected call makes no attempt");
    assertEquals(1, eventsOf(ResilienceEvent.CallRejected.class).size());
  }

  @Test
  void aHedgedCallWaitsForItsRatePermitWhenAllowedTo() throws Exception {
    ResilientExecutor ex = executor().rateLimiter(RateLimiterConfig.smooth(1, Duration.ofMillis(300))
        .withMaxWait(Duration.ofSeconds(2))).build();
    assertEquals("a", Fixtures.result(ex.executeAsync(SVC, CallOptions.idempotent(),
        (i, c) -> CompletableFuture.completedFuture("a"))));
    long start = System.nanoTime();
    CompletableFuture<String> second = ex.executeAsync(SVC, CallOptions.idempotent(),
        (i, c) -> CompletableFuture.completedFuture("b"));
    assertFalse(second.isDone(), "waits for the next permit");
    assertEquals("b", Fixtures.result(second, Duration.ofMillis(300)));
    assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(150), "admitted after the wait");
  }

  @Test
  void aHedgeTheRetryBudgetRefusesIsNotSentAndIsReported() throws Exception {
    ResilientExecutor ex = executor()
        .retryBudget(RetryBudgetConfig.builder().ratio(0).minRetriesPerSecond(0).build()).build();
    CompletableFuture<String> call = ex.executeAsync(SVC, CallOptions.idempotent(), this::pending);
    Fixtures.await(WAIT, () -> !eventsOf(ResilienceEvent.RetryBudgetExhausted.class).isEmpty(), "the refused hedge");
    assertEquals(1, eventsOf(ResilienceEvent.RetryBudgetExhausted.class).get(0).attempts());
    assertEquals(1, attempts.size(), "no hedge sent");
    assertTrue(eventsOf(ResilienceEvent.HedgeSent.class).isEmpty());
    attempts.get(0).future().complete("alone");
    assertEquals("alone", Fixtures.result(call));
  }

  @Test
  void aHedgedCallHoldsOneBulkheadSlotUntilItEnds() throws Exception {
    ResilientExecutor ex = executor().bulkhead(BulkheadConfig.builder().maxConcurrentCalls(1).build()).build();
    CompletableFuture<String> call = ex.executeAsync(SVC, CallOptions.idempotent(), this::pending);
    awaitAttempts(2);
    RejectedException e = assertInstanceOf(RejectedException.class,
        Fixtures.failure(ex.executeAsync(SVC, CallOptions.idempotent(), this::pending)));
    assertEquals(RejectedException.Reason.BULKHEAD, e.reason());
    attempts.get(0).future().complete("ok");
    assertEquals("ok", Fixtures.result(call));
    assertEquals("again", Fixtures.result(ex.executeAsync(SVC, CallOptions.idempotent(),
        (i, c) -> CompletableFuture.completedFuture("again"))), "the slot was given back");
  }

  private ResilientExecutor.Builder withBreaker(FakeTicker ticker) {
    return executor().ticker(ticker).circuitBreaker(CircuitBreakerConfig.builder()
        .failureRate(50, 2, Duration.ofSeconds(10)).openFor(Duration.ofSeconds(5)).openJitter(0)
        .halfOpenTrials(1).build());
  }

  @Test
  void theBreakerIsFedTheCallsVerdictAndRefusesHedgedCallsWhenOpen() {
    FakeTicker ticker = new FakeTicker();
    ResilientExecutor ex = withBreaker(ticker).build();
    for (int i = 0; i < 2; i++) {
      Fixtures.failure(ex.executeAsync(SVC, CallOptions.<String>idempotent(),
          (inst, c) -> CompletableFuture.failedFuture(new IllegalStateException("down"))));
    }
    assertEquals(CircuitState.OPEN, ex.circuitState(SVC));
    assertInstanceOf(CircuitOpenException.class, Fixtures.failure(ex.executeAsync(SVC, CallOptions.idempotent(),
        this::pending)));
    assertTrue(attempts.isEmpty());
  }

  @Test
  void successesKeepTheBreakerClosed() throws Exception {
    ResilientExecutor ex = withBreaker(new FakeTicker()).build();
    for (int i = 0; i < 4; i++) {
      assertEquals("ok", Fixtures.result(ex.executeAsync(SVC, CallOptions.idempotent(),
          (inst, c) -> CompletableFuture.completedFuture("ok"))));
    }
    assertEquals(CircuitState.CLOSED, ex.circuitState(SVC));
  }

  @Test
  void aHalfOpenTrialThatFoundNoInstanceIsHandedBack() throws Exception {
    FakeTicker ticker = new FakeTicker();
    AtomicReference<List<ServiceInstance>> listed = new AtomicReference<>(two);
    ResilientExecutor ex = withBreaker(ticker).instances(s -> listed.get()).build();
    for (int i = 0; i < 2; i++) {
      Fixtures.failure(ex.executeAsync(SVC, CallOptions.<String>idempotent(),
          (inst, c) -> CompletableFuture.failedFuture(new IllegalStateException("down"))));
    }
    ticker.advance(Duration.ofSeconds(6));
    listed.set(List.of());
    assertInstanceOf(NoInstanceAvailableException.class, Fixtures.failure(ex.executeAsync(SVC, CallOptions.idempotent(),
        this::pending)));
    listed.set(two);
    assertEquals("trial", Fixtures.result(ex.executeAsync(SVC, CallOptions.idempotent(),
        (inst, c) -> CompletableFuture.completedFuture("trial"))), "the unused trial is still there");
    assertEquals(CircuitState.CLOSED, ex.circuitState(SVC));
  }

  @Test
  void aCancelledCallCancelsItsAttemptsAndIsNoVerdictForTheBreaker() throws Exception {
    FakeTicker ticker = new FakeTicker();
    ResilientExecutor ex = withBreaker(ticker).build();
    for (int i = 0; i < 3; i++) {
      attempts.clear();
      CompletableFuture<String> call = ex.executeAsync(SVC, CallOptions.idempotent(), this::pending);
      awaitAttempts(2);
      assertTrue(call.cancel(true));
      assertTrue(attempts.get(0).future().isCancelled(), "the first attempt is cancelled");
      assertTrue(attempts.get(1).future().isCancelled(), "the hedge is cancelled");
    }
    assertEquals(CircuitState.CLOSED, ex.circuitState(SVC), "cancelled calls are not failures");
    assertTrue(eventsOf(ResilienceEvent.AttemptFinished.class).isEmpty(), "cancelled attempts are not judged");
  }

  @Test
  void aCancelledHalfOpenTrialIsAbandonedNotHandedBack() throws Exception {
    FakeTicker ticker = new FakeTicker();
    ResilientExecutor ex = withBreaker(ticker).build();
    for (int i = 0; i < 2; i++) {
      Fixtures.failure(ex.executeAsync(SVC, CallOptions.<String>idempotent(),
          (inst, c) -> CompletableFuture.failedFuture(new IllegalStateException("down"))));
    }
    ticker.advance(Duration.ofSeconds(6));
    CompletableFuture<String> trial = ex.executeAsync(SVC, CallOptions.idempotent(), this::pending);
    awaitAttempts(1);
    trial.cancel(true);
    // The trial's request went out: its slot is not handed back, so the breaker does not admit another now.
    assertInstanceOf(CircuitOpenException.class, Fixtures.failure(ex.executeAsync(SVC, CallOptions.idempotent(),
        (inst, c) -> CompletableFuture.completedFuture("x"))));
  }

}
