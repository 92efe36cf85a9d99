package io.mesh4j.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.ServiceInstance;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hedged requests (issue 14, item 3), async and sync, with attempts that answer or hang on purpose. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HedgingTest {
  private static final String SVC = "svc";
  private final List<ServiceInstance> two = Fixtures.instances(SVC, 2);
  private final ServiceInstance slow = two.get(0);
  private final List<MeshEvent> events = new CopyOnWriteArrayList<>();
  private final List<CompletableFuture<String>> slowAttempts = new CopyOnWriteArrayList<>();

  private ResilientExecutor executor(HedgingConfig hedging, RetryBudgetConfig budget) {
    return ResilientExecutor.builder().instances(s -> two).loadBalancer(io.mesh4j.api.LoadBalancer.roundRobin())
        .hedging(hedging).retryBudget(budget).listener(Fixtures.collecting(events))
        .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofSeconds(5)).build())
        .build();
  }

  /** The slow instance hangs (until cancelled); the other answers at once. */
  private CompletableFuture<String> attempt(ServiceInstance instance) {
    if (instance.equals(slow)) {
      CompletableFuture<String> f = new CompletableFuture<>();
      slowAttempts.add(f);
      return f;
    }
    return CompletableFuture.completedFuture("fast");
  }

  private long count(Class<?> type) {
    return events.stream().filter(type::isInstance).count();
  }

  @Test
  void anAsyncCallStuckOnASlowInstanceIsAnsweredByItsHedgeAndTheLoserIsCancelled() throws Exception {
    ResilientExecutor ex = executor(HedgingConfig.fixedDelay(Duration.ofMillis(20)), RetryBudgetConfig.defaults());
    for (int i = 0; i < 4; i++) {
      long start = System.nanoTime();
      assertEquals("fast", Fixtures.result(ex.executeAsync(SVC, CallOptions.idempotent(), (inst, ctx) -> attempt(inst))));
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4), "answered by the hedge, not the timeout");
    }
    assertTrue(slowAttempts.size() >= 1);
    assertTrue(slowAttempts.stream().allMatch(CompletableFuture::isCancelled), "losers cancelled");
    assertEquals(slowAttempts.size(), count(ResilienceEvent.HedgeSent.class));
  }

  @Test
  void aSyncCallIsHedgedTooAndItsLosingThreadIsInterrupted() throws Exception {
    ResilientExecutor ex = executor(HedgingConfig.fixedDelay(Duration.ofMillis(20)), RetryBudgetConfig.defaults());
    CountDownLatch interrupted = new CountDownLatch(1);
    AtomicInteger slowCalls = new AtomicInteger();
    for (int i = 0; i < 2; i++) {
      String v = ex.execute(SVC, CallOptions.idempotent(), (inst, ctx) -> {
        if (inst.equals(slow)) {
          slowCalls.incrementAndGet();
          try {
            Thread.sleep(10_000);
          } catch (InterruptedException e) {
            interrupted.countDown();
            throw e;
          }
        }
        return "fast";
      });
      assertEquals("fast", v);
    }
    assertTrue(slowCalls.get() >= 1, "the slow instance was tried");
    assertTrue(interrupted.await(5, TimeUnit.SECONDS), "the losing attempt's thread was interrupted");
  }

  @Test
  void hedgesArePaidFromTheRetryBudget() throws Exception {
    RetryBudgetConfig none = RetryBudgetConfig.builder().ratio(0).minRetriesPerSecond(0).build();
    ResilientExecutor ex = ResilientExecutor.builder().instances(s -> two).hedging(HedgingConfig.fixedDelay(
        Duration.ofMillis(10))).retryBudget(none).listener(Fixtures.collecting(events))
        .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofMillis(300)).build()).build();
    for (int i = 0; i < 2; i++) {
      Fixtures.result(ex.executeAsync(SVC, CallOptions.idempotent(), (inst, ctx) -> attempt(inst)).handle((v, e) -> v),
          Duration.ofSeconds(1)); // up to three 300 ms attempts
    }
    assertEquals(0, count(ResilienceEvent.HedgeSent.class));
    assertTrue(count(ResilienceEvent.RetryBudgetExhausted.class) >= 1);
  }

  @Test
  void nonIdempotentCallsAreNeverHedged() throws Exception {
    ResilientExecutor ex = ResilientExecutor.builder().instances(s -> two)
        .hedging(HedgingConfig.fixedDelay(Duration.ofMillis(10))).listener(Fixtures.collecting(events))
        .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofMillis(200)).build()).build();
    for (int i = 0; i < 2; i++) {
      Fixtures.result(ex.executeAsync(SVC, CallOptions.defaults(), (inst, ctx) -> attempt(inst)).handle((v, e) -> v),
          Duration.ofMillis(200)); // one 200 ms attempt
    }
    assertEquals(0, count(ResilienceEvent.HedgeSent.class));
  }

  @Test
  void anInstanceThatIsAlwaysOvertakenIsEjected() throws Exception {
    List<ServiceInstance> three = Fixtures.instances(SVC, 3);
    ServiceInstance hole = three.get(0);
    ResilientExecutor ex = ResilientExecutor.builder().instances(s -> three)
        .hedging(HedgingConfig.fixedDelay(Duration.ofMillis(5)))
        .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofSeconds(5)).build()).build();
    // Ten overtaken in a row over at least a second (real time here): about 1 s of calls.
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    for (int i = 0; System.nanoTime() < deadline && !ex.outlierDetector().isEjected(hole); i++) {
      assertEquals("ok", Fixtures.result(ex.executeAsync(SVC, CallOptions.idempotent(), (inst, ctx) -> inst.equals(hole)
          ? new CompletableFuture<String>() : CompletableFuture.completedFuture("ok"))));
    }
    assertTrue(ex.outlierDetector().isEjected(hole), "ejected although no attempt on it ever timed out");
  }

  @Test
  void atMostMaxHedgesPerCall() throws Exception {
    List<ServiceInstance> four = Fixtures.instances(SVC, 4);
    AtomicInteger attempts = new AtomicInteger();
    ResilientExecutor ex = ResilientExecutor.builder().instances(s -> four)
        .retry(RetryConfig.builder().maxAttempts(4).build())
        .hedging(HedgingConfig.fixedDelay(Duration.ofMillis(5)).withMaxHedges(2))
        .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofMillis(300)).build()).build();
    Fixtures.result(ex.executeAsync(SVC, CallOptions.idempotent(), (inst, ctx) -> {
      attempts.incrementAndGet();
      return new CompletableFuture<String>();
    }).handle((v, e) -> v), Duration.ofMillis(600)); // two rounds of 300 ms attempts
    // First attempt, 2 hedges, then (all timed out) one retry: 4 = maxAttempts, never more.
    assertTrue(attempts.get() <= 4, "attempts " + attempts.get());
    assertTrue(attempts.get() >= 3, "attempts " + attempts.get());
  }

  @Test
  void aCallThatMayMakeOneAttemptOnlyIsNotHedged() {
    ResilientExecutor ex = executor(HedgingConfig.fixedDelay(Duration.ofMillis(20)), RetryBudgetConfig.defaults());
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    CallOptions<String> once = CallOptions.<String>builder().idempotent(true).maxAttempts(1).build();
    assertEquals("once", ex.execute(SVC, once, (inst, ctx) -> {
      ranOn.set(Thread.currentThread());
      return "once";
    }));
    assertSame(Thread.currentThread(), ranOn.get(), "not hedged: the attempt ran on the caller's thread");
    assertEquals(0, count(ResilienceEvent.HedgeSent.class));
  }

  @Test
  void aSyncHedgedCallKeepsTheWinnersValueOpenAndClosesTheLosersLateOne() {
    ResilientExecutor ex = executor(HedgingConfig.fixedDelay(Duration.ofMillis(20)), RetryBudgetConfig.defaults());
    DeadlineAndBackoffTest.Resource late = new DeadlineAndBackoffTest.Resource("late");
    DeadlineAndBackoffTest.Resource winner = new DeadlineAndBackoffTest.Resource("winner");
    CountDownLatch never = new CountDownLatch(1);
    DeadlineAndBackoffTest.Resource r = ex.execute(SVC, CallOptions.idempotent(), (inst, ctx) -> {
      if (ctx.attempt() == 1) {
        try {
          never.await(); // until the hedge wins and this thread is interrupted
        } catch (InterruptedException e) {
          return late; // answers anyway, too late
        }
      }
      return winner;
    });
    assertSame(winner, r);
    assertFalse(winner.closed, "the value returned to the caller is not closed");
    Fixtures.await(Fixtures.WAIT, () -> late.closed, "the loser's late value to be closed");
  }
}
