package io.mesh4j.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshTimeoutException;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.ServiceInstance;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A call that took a half-open trial permit and an instance's attempt slot but made no attempt
 * (no instance left, or its deadline spent before the first attempt) gives both back, sync,
 * async and hedged: the next call is the trial, on the same instance.
 */
@Timeout(30)
class UnusedPermitsTest {
  private static final String SVC = "unused";
  private final List<ServiceInstance> one = Fixtures.instances(SVC, 1);
  private final FakeTicker ticker = new FakeTicker();
  private final List<MeshEvent> events = new CopyOnWriteArrayList<>();
  /** When set, listing the instances finds none. */
  private final AtomicBoolean noInstance = new AtomicBoolean();
  /** When set, listing the instances (the first step of an attempt) uses up the call's 1 s deadline, exactly. */
  private final AtomicBoolean spendDeadline = new AtomicBoolean();
  private final AtomicInteger attempts = new AtomicInteger();

  private final ResilientExecutor ex = builder().build();
  /** The same with hedged calls (idempotent ones: a second attempt is allowed). */
  private final ResilientExecutor hedged = builder().hedging(HedgingConfig.fixedDelay(Duration.ofMillis(10)))
      .retry(RetryConfig.builder().maxAttempts(2).backoff(Duration.ZERO, Duration.ZERO).build()).build();

  private ResilientExecutor.Builder builder() {
    return ResilientExecutor.builder()
      .instances(s -> {
        if (spendDeadline.get()) {
          ticker.advance(Duration.ofSeconds(1));
        }
        return noInstance.get() ? List.of() : one;
      })
      .ticker(ticker)
      .retry(RetryConfig.disabled())
      .retryBudget(RetryBudgetConfig.disabled())
      .outlierEjection(OutlierEjectionConfig.disabled())
      .bulkhead(BulkheadConfig.builder().maxAttemptsPerInstance(1).build())
      .circuitBreaker(CircuitBreakerConfig.builder().failureRate(50, 2, Duration.ofSeconds(10))
          .openFor(Duration.ofSeconds(5)).openJitter(0).halfOpenTrials(1).build())
      .listener(Fixtures.collecting(events));
  }

  private final CallOptions<String> oneSecond = CallOptions.<String>builder().callTimeout(Duration.ofSeconds(1)).build();

  /** Opens the breaker, then lets its open time pass: the next call to ask is its one trial. */
  private void halfOpenNext() throws Exception {
    halfOpenNext(ex);
  }

  private void halfOpenNext(ResilientExecutor executor) throws Exception {
    for (int i = 0; i < 2; i++) {
      assertThrows(RuntimeException.class, () -> executor.execute(SVC, (instance, ctx) -> {
        throw new IOException("down");
      }));
    }
    assertEquals(CircuitState.OPEN, executor.circuitState(SVC));
    ticker.advance(Duration.ofSeconds(6));
  }

  /** The trial permit and the instance's one slot were given back: the next call is let through and closes the breaker. */
  private void theNextCallIsTheTrial() throws Exception {
    theNextCallIsTheTrial(ex);
  }

  private void theNextCallIsTheTrial(ResilientExecutor executor) throws Exception {
    noInstance.set(false);
    spendDeadline.set(false);
    int before = attempts.get();
    assertEquals("trial", Fixtures.result(executor.executeAsync(SVC, (instance, ctx) -> {
      attempts.incrementAndGet();
      return CompletableFuture.completedFuture("trial");
    })), "the trial permit and the attempt slot were given back");
    assertEquals(before + 1, attempts.get());
    assertEquals(CircuitState.CLOSED, executor.circuitState(SVC));
  }

  private ResilienceEvent.CallTimedOut onlyTimeout() {
    List<ResilienceEvent.CallTimedOut> t = events.stream().filter(ResilienceEvent.CallTimedOut.class::isInstance)
        .map(ResilienceEvent.CallTimedOut.class::cast).toList();
    assertEquals(1, t.size(), "call timeouts: " + t);
    return t.get(0);
  }

  @Test
  void aSyncTrialThatFoundNoInstanceIsGivenBack() throws Exception {
    halfOpenNext();
    noInstance.set(true);
    assertThrows(NoInstanceAvailableException.class, () -> ex.execute(SVC, (instance, ctx) -> "never"));
    theNextCallIsTheTrial();
  }

  @Test
  void anAsyncTrialThatFoundNoInstanceIsGivenBack() throws Exception {
    halfOpenNext();
    noInstance.set(true);
    assertInstanceOf(NoInstanceAvailableException.class,
        Fixtures.failure(ex.executeAsync(SVC, (instance, ctx) -> CompletableFuture.completedFuture("never"))));
    theNextCallIsTheTrial();
  }

  @Test
  void aSyncCallWhoseDeadlinePassedBeforeItsFirstAttemptGivesBackItsTrialAndItsSlot() throws Exception {
    halfOpenNext();
    spendDeadline.set(true);
    int before = attempts.get();
    MeshTimeoutException e = assertThrows(MeshTimeoutException.class, () -> ex.execute(SVC, oneSecond,
        (instance, ctx) -> "" + attempts.incrementAndGet()));
    assertTrue(e.getMessage().contains("call"), e.getMessage());
    assertEquals(before, attempts.get(), "no attempt once the deadline passed");
    assertEquals(0, onlyTimeout().attempts(), "the call timed out before its first attempt");
    theNextCallIsTheTrial();
  }

  @Test
  void anAsyncCallWhoseDeadlinePassedBeforeItsFirstAttemptGivesBackItsTrialAndItsSlot() throws Exception {
    halfOpenNext();
    spendDeadline.set(true);
    int before = attempts.get();
    MeshTimeoutException e = assertInstanceOf(MeshTimeoutException.class, Fixtures.failure(ex.executeAsync(SVC,
        oneSecond, (instance, ctx) -> CompletableFuture.completedFuture("" + attempts.incrementAndGet()))));
    assertTrue(e.getMessage().contains("call"), e.getMessage());
    assertEquals(before, attempts.get(), "no attempt once the deadline passed");
    assertEquals(0, onlyTimeout().attempts(), "the call timed out before its first attempt");
    theNextCallIsTheTrial();
  }

  @Test
  void withTheBreakerClosedAnUnusedSlotIsGivenBackToo() throws Exception {
    spendDeadline.set(true);
    assertThrows(MeshTimeoutException.class, () -> ex.execute(SVC, oneSecond, (instance, ctx) -> "never"));
    assertInstanceOf(MeshTimeoutException.class, Fixtures.failure(ex.executeAsync(SVC, oneSecond,
        (instance, ctx) -> CompletableFuture.completedFuture("never"))));
    spendDeadline.set(false);
    assertEquals("ok", ex.execute(SVC, (instance, ctx) -> "ok"), "the one slot of the only instance is free");
    assertEquals("ok", Fixtures.result(ex.executeAsync(SVC, (instance, ctx) -> CompletableFuture.completedFuture("ok"))));
  }

  @Test
  void aHedgedCallWhoseDeadlinePassedBeforeItsFirstAttemptGivesBackItsTrialAndItsSlot() throws Exception {
    halfOpenNext(hedged);
    spendDeadline.set(true);
    int before = attempts.get();
    CallOptions<String> idempotent = CallOptions.<String>builder().idempotent(true)
        .callTimeout(Duration.ofSeconds(1)).build();
    MeshTimeoutException e = assertInstanceOf(MeshTimeoutException.class, Fixtures.failure(hedged.executeAsync(SVC,
        idempotent, (instance, ctx) -> CompletableFuture.completedFuture("" + attempts.incrementAndGet()))));
    assertTrue(e.getMessage().contains("call"), e.getMessage());
    assertEquals(before, attempts.get(), "no attempt once the deadline passed");
    assertEquals(0, onlyTimeout().attempts(), "the call timed out before its first attempt");
    theNextCallIsTheTrial(hedged);
  }

  @Test
  void aCancelledHedgedTrialOnTheWireCountsAsAFailedTrial() throws Exception {
    halfOpenNext(hedged);
    CompletableFuture<String> trial = hedged.executeAsync(SVC, CallOptions.idempotent(), (instance, ctx) -> {
      attempts.incrementAndGet();
      return new CompletableFuture<String>();
    });
    assertEquals(1, attempts.get(), "the trial went out");
    assertTrue(trial.cancel(true));
    assertEquals(CircuitState.OPEN, hedged.circuitState(SVC), "neither handed back nor left unrecorded");
  }
}
