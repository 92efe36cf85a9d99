package io.mesh4j.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshTimeoutException;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.ServiceInstance;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The steps of a hedged call one by one, with attempts the test completes by hand: the hedge and
 * what it reports, waiting for an attempt still in flight, the retry and the deadline, cancellation
 * of an attempt, the fallback. Admission (rate limiter, bulkhead, breaker, retry budget) is in
 * {@link HedgedCallAdmissionTest}. Every wait is bounded well below the class timeout, so a step
 * that never happens fails the test rather than hanging it.
 */
class HedgedCallStepsTest extends HedgedCallHarness {
  @Test
  void theHedgeGoesToAnotherInstanceAndReportsTheSlowOneItsNumberAndItsDelay() throws Exception {
    ResilientExecutor ex = executor().build();
    CompletableFuture<String> call = ex.executeAsync(SVC, CallOptions.idempotent(), this::pending);
    awaitAttempts(2);
    Fixtures.Pending first = attempts.get(0);
    Fixtures.Pending hedge = attempts.get(1);
    assertEquals(1, first.ctx().attempt());
    assertEquals(2, hedge.ctx().attempt());
    assertTrue(hedge.ctx().idempotent());
    assertFalse(first.instance().equals(hedge.instance()), "the hedge goes to another instance");
    ResilienceEvent.HedgeSent sent = eventsOf(ResilienceEvent.HedgeSent.class).get(0);
    assertEquals(first.instance(), sent.slowInstance());
    assertEquals(2, sent.attempt());
    assertEquals(Duration.ofMillis(10), sent.delay());

    hedge.future().complete("second");
    assertEquals("second", Fixtures.result(call));
    assertTrue(first.future().isCancelled(), "the overtaken attempt is cancelled");
    List<ResilienceEvent.AttemptFinished> finished = eventsOf(ResilienceEvent.AttemptFinished.class);
    assertEquals(1, finished.size(), "the loser is not judged");
    assertEquals(2, finished.get(0).attempt());
    assertEquals(hedge.instance(), finished.get(0).instance());
    assertEquals(2, attempts.size(), "maxAttempts 2: no further hedge");
  }

  @Test
  void aFailureWithTheHedgeStillInFlightWaitsForItsAnswer() throws Exception {
    ResilientExecutor ex = executor().build();
    CompletableFuture<String> call = ex.executeAsync(SVC, CallOptions.idempotent(), this::pending);
    awaitAttempts(2);
    attempts.get(0).future().completeExceptionally(new IOException("reset"));
    assertFalse(call.isDone(), "the hedge in flight may still answer");
    attempts.get(1).future().complete("late but fine");
    assertEquals("late but fine", Fixtures.result(call));
  }

  @Test
  void aFailureNotRetriedWithTheHedgeStillInFlightWaitsForItsAnswerToo() throws Exception {
    ResilientExecutor ex = executor().retry(RetryConfig.builder().maxAttempts(3).backoff(Duration.ZERO,
        Duration.ZERO).build()).hedging(HedgingConfig.fixedDelay(Duration.ofMillis(10)).withMaxHedges(1)).build();
    CompletableFuture<String> call = ex.executeAsync(SVC, CallOptions.idempotent(), this::pending);
    awaitAttempts(2);
    attempts.get(0).future().completeExceptionally(new IllegalStateException("not retried"));
    assertFalse(call.isDone(), "the hedge in flight may still answer");
    assertEquals(2, attempts.size(), "no retry after a failure that is not retried");
    attempts.get(1).future().completeExceptionally(new IllegalStateException("second"));
    Throwable e = Fixtures.failure(call);
    assertEquals("second", e.getMessage(), "the last failure ends the call");
  }

  @Test
  void whenEveryAttemptFailedTheLastErrorEndsTheCall() throws Exception {
    ResilientExecutor ex = executor().build();
    CompletableFuture<String> call = ex.executeAsync(SVC, CallOptions.idempotent(), this::pending);
    awaitAttempts(2);
    attempts.get(1).future().completeExceptionally(new IOException("hedge failed"));
    assertFalse(call.isDone());
    IOException last = new IOException("first failed last");
    attempts.get(0).future().completeExceptionally(last);
    assertSame(last, Fixtures.failure(call));
    assertEquals(2, eventsOf(ResilienceEvent.AttemptFinished.class).size());
  }

  @Test
  void aRetryAfterAFailureWithNothingInFlightIsScheduledAndReported() throws Exception {
    ResilientExecutor ex = executor().hedging(HedgingConfig.fixedDelay(Duration.ofSeconds(30))).build();
    CompletableFuture<String> call = ex.executeAsync(SVC, CallOptions.idempotent(), this::pending);
    awaitAttempts(1);
    attempts.get(0).future().completeExceptionally(new IOException("reset"));
    awaitAttempts(2);
    ResilienceEvent.RetryScheduled retry = eventsOf(ResilienceEvent.RetryScheduled.class).get(0);
    assertEquals(attempts.get(0).instance(), retry.failedInstance());
    assertEquals(2, retry.nextAttempt());
    assertEquals(Duration.ZERO, retry.delay());
    assertFalse(attempts.get(0).instance().equals(attempts.get(1).instance()), "the retry avoids the failed one");
    attempts.get(1).future().complete("retried");
    assertEquals("retried", Fixtures.result(call));
    assertTrue(eventsOf(ResilienceEvent.HedgeSent.class).isEmpty());
  }

  @Test
  void aNullStageAndAThrowingAttemptAreFailuresOfTheAttempt() {
    ResilientExecutor ex = executor().retry(RetryConfig.builder().maxAttempts(2).build()).build();
    Throwable npe = Fixtures.failure(ex.executeAsync(SVC, CallOptions.idempotent(), (i, c) -> null));
    assertInstanceOf(NullPointerException.class, npe);
    assertEquals("attempt returned a null stage", npe.getMessage());
    IllegalArgumentException boom = new IllegalArgumentException("boom");
    assertSame(boom, Fixtures.failure(ex.executeAsync(SVC, CallOptions.<String>idempotent(), (i, c) -> {
      throw boom;
    })));
  }

  @Test
  void aClassifierThatThrowsFailsTheAttemptWithItsException() {
    ResilientExecutor ex = executor().build();
    IllegalStateException bad = new IllegalStateException("classifier broke");
    CallOptions<String> options = CallOptions.<String>builder().idempotent(true).classifier(v -> {
      throw bad;
    }).build();
    CompletableFuture<String> call = ex.executeAsync(SVC, options, (i, c) -> CompletableFuture.completedFuture("v"));
    assertSame(bad, Fixtures.failure(call));
  }

  @Test
  void anAttemptCancelledBySomeoneElseIsATimeoutOfThatAttempt() {
    ResilientExecutor ex = executor().retry(RetryConfig.builder().maxAttempts(1).build()).build();
    CompletableFuture<String> call = ex.executeAsync(SVC, CallOptions.<String>builder().idempotent(true)
        .maxAttempts(2).build(), (i, c) -> {
          CompletableFuture<String> f = new CompletableFuture<>();
          attempts.add(new Fixtures.Pending(i, c, f));
          if (attempts.size() == 1) {
            f.cancel(false);
          }
          return f;
        });
    awaitAttempts(2);
    ResilienceEvent.AttemptFinished first = eventsOf(ResilienceEvent.AttemptFinished.class).get(0);
    MeshTimeoutException e = assertInstanceOf(MeshTimeoutException.class, first.error());
    assertTrue(e.getMessage().contains("attempt (cancelled)"), e.getMessage());
    attempts.get(1).future().complete("ok");
    assertEquals("ok", assertDoesNotThrowGet(call));
  }

  private static String assertDoesNotThrowGet(CompletableFuture<String> f) {
    try {
      return Fixtures.result(f);
    } catch (Exception e) {
      throw new AssertionError("the call failed", e);
    }
  }

  @Test
  void anAttemptPastItsTimeoutIsCancelledAndTheRetryAnswers() throws Exception {
    ResilientExecutor ex = executor().hedging(HedgingConfig.fixedDelay(Duration.ofSeconds(30))).build();
    CallOptions<String> options = CallOptions.<String>builder().idempotent(true)
        .attemptTimeout(Duration.ofMillis(30)).build();
    CompletableFuture<String> call = ex.executeAsync(SVC, options, this::pending);
    awaitAttempts(2);
    assertTrue(attempts.get(0).future().isCancelled(), "the timed-out attempt is cancelled");
    ResilienceEvent.AttemptFinished first = eventsOf(ResilienceEvent.AttemptFinished.class).get(0);
    MeshTimeoutException e = assertInstanceOf(MeshTimeoutException.class, first.error());
    assertTrue(e.getMessage().contains("attempt"), e.getMessage());
    assertFalse(e.getMessage().contains("cancelled"), e.getMessage());
    assertEquals(Duration.ofMillis(30), attempts.get(1).ctx().timeout());
    attempts.get(1).future().complete("in time");
    assertEquals("in time", Fixtures.result(call));
  }

  @Test
  void theCallsOwnCallTimeoutBoundsTheAttemptTimeout() throws Exception {
    ResilientExecutor ex = executor().build();
    CallOptions<String> options = CallOptions.<String>builder().idempotent(true)
        .callTimeout(Duration.ofSeconds(3)).build();
    CompletableFuture<String> call = ex.executeAsync(SVC, options, this::pending);
    awaitAttempts(1);
    AttemptContext ctx = attempts.get(0).ctx();
    assertTrue(ctx.timeout().compareTo(Duration.ofSeconds(3)) <= 0, "attempt timeout " + ctx.timeout());
    assertTrue(ctx.timeout().compareTo(Duration.ofSeconds(2)) > 0, "attempt timeout " + ctx.timeout());
    attempts.get(0).future().complete("ok");
    assertEquals("ok", Fixtures.result(call));
  }

  @Test
  void noHedgeGoesOutAfterTheDeadlineAndTheAttemptInFlightStillEndsTheCall() throws Exception {
    FakeTicker ticker = new FakeTicker();
    ResilientExecutor ex = executor().ticker(ticker).hedging(HedgingConfig.fixedDelay(Duration.ofMillis(50)))
        .build();
    CallOptions<String> options = CallOptions.<String>builder().idempotent(true)
        .callTimeout(Duration.ofSeconds(1)).build();
    CompletableFuture<String> call = ex.executeAsync(SVC, options, this::pending);
    awaitAttempts(1);
    ticker.advance(Duration.ofSeconds(2)); // the deadline passes before the hedge timer fires
    Fixtures.await(WAIT, () -> !eventsOf(ResilienceEvent.HedgeSent.class).isEmpty(), "the hedge timer");
    assertEquals(1, attempts.size(), "no hedge after the deadline");
    assertFalse(call.isDone(), "the attempt in flight may still answer");
    attempts.get(0).future().complete("just in time");
    assertEquals("just in time", Fixtures.result(call));
  }

  @Test
  void aRetryWhoseDeadlinePassedDuringTheBackoffEndsTheCallWithACallTimeout() {
    FakeTicker ticker = new FakeTicker();
    ResilientExecutor ex = executor().ticker(ticker).hedging(HedgingConfig.fixedDelay(Duration.ofSeconds(30)))
        .retry(RetryConfig.builder().maxAttempts(2).backoff(Duration.ofMillis(300), Duration.ofMillis(300)).build())
        .random((java.util.random.RandomGenerator) () -> -1L) // the full backoff
        .build();
    CallOptions<String> options = CallOptions.<String>builder().idempotent(true)
        .callTimeout(Duration.ofSeconds(1)).build();
    CompletableFuture<String> call = ex.executeAsync(SVC, options, this::pending);
    awaitAttempts(1);
    attempts.get(0).future().completeExceptionally(new IOException("reset"));
    Fixtures.await(WAIT, () -> !eventsOf(ResilienceEvent.RetryScheduled.class).isEmpty(), "the retry scheduled");
    ticker.advance(Duration.ofSeconds(2));
    MeshTimeoutException e = assertInstanceOf(MeshTimeoutException.class, Fixtures.failure(call));
    assertTrue(e.getMessage().contains("call"), e.getMessage());
    assertEquals(1, attempts.size(), "no attempt after the deadline");
  }

  @Test
  void aCallThatRanOutOfInstancesEndsWithTheLastErrorOrNoInstance() {
    AtomicReference<List<ServiceInstance>> listed = new AtomicReference<>(List.of());
    ResilientExecutor ex = executor().instances(s -> listed.get())
        .hedging(HedgingConfig.fixedDelay(Duration.ofMillis(200))).build();
    assertInstanceOf(NoInstanceAvailableException.class,
        Fixtures.failure(ex.executeAsync(SVC, CallOptions.idempotent(), this::pending)));
    assertTrue(attempts.isEmpty());

    // The instances leave while the first attempt is in flight: no hedge can go out, the attempt goes on.
    listed.set(two);
    CompletableFuture<String> call = ex.executeAsync(SVC, CallOptions.idempotent(), this::pending);
    awaitAttempts(1);
    listed.set(List.of());
    Fixtures.await(WAIT, () -> !eventsOf(ResilienceEvent.HedgeSent.class).isEmpty(), "the hedge timer");
    assertFalse(call.isDone(), "the attempt in flight goes on");
    attempts.get(0).future().complete("still answered");
    assertEquals("still answered", assertDoesNotThrowGet(call));
    assertEquals(1, attempts.size());

    // A retry that finds no instance ends the call with the attempt's error, not with "no instance".
    listed.set(two);
    CompletableFuture<String> failed = ex.executeAsync(SVC, CallOptions.idempotent(), this::pending);
    awaitAttempts(2);
    listed.set(List.of());
    IOException last = new IOException("the attempt failed");
    attempts.get(1).future().completeExceptionally(last);
    assertSame(last, Fixtures.failure(failed), "the last error ends the call");
  }

  /** Fails if more than {@code n} attempts start within {@code d} (many hedge delays). */
  private void noMoreAttemptsThan(int n, Duration d) throws InterruptedException {
    long end = System.nanoTime() + d.toNanos();
    while (System.nanoTime() - end < 0) {
      assertEquals(n, attempts.size(), "attempts started");
      Thread.sleep(5);
    }
    assertEquals(n, attempts.size(), "attempts started");
  }

  @Test
  void atMostMaxHedgesAndNeverMoreAttemptsThanTheLimit() throws Exception {
    List<ServiceInstance> three = Fixtures.instances(SVC, 3);
    ResilientExecutor oneHedge = executor().instances(s -> three) // maxHedges 1 of 3 attempts
        .retry(RetryConfig.builder().maxAttempts(3).backoff(Duration.ZERO, Duration.ZERO).build()).build();
    CompletableFuture<String> call = oneHedge.executeAsync(SVC, CallOptions.idempotent(), this::pending);
    awaitAttempts(2);
    noMoreAttemptsThan(2, Duration.ofMillis(200));
    attempts.get(1).future().complete("hedge");
    assertEquals("hedge", Fixtures.result(call));

    // The first attempt fails before the hedge delay: its retry is the 2nd and last attempt, so the
    // hedge timer, when it fires, sends nothing.
    attempts.clear();
    ResilientExecutor limited = executor().instances(s -> three)
        .hedging(HedgingConfig.fixedDelay(Duration.ofMillis(50)).withMaxHedges(2)).build(); // 2 attempts
    CompletableFuture<String> retried = limited.executeAsync(SVC, CallOptions.idempotent(), this::pending);
    awaitAttempts(1);
    attempts.get(0).future().completeExceptionally(new IOException("reset"));
    awaitAttempts(2);
    noMoreAttemptsThan(2, Duration.ofMillis(250));
    attempts.get(1).future().complete("retry");
    assertEquals("retry", Fixtures.result(retried));
  }

  @Test
  void theFallbackAnswersAFailedHedgedCallAndAFallbackThatThrowsFailsIt() throws Exception {
    ResilientExecutor ex = executor().build();
    CallOptions<String> fallback = CallOptions.<String>builder().idempotent(true)
        .fallback(e -> "fallback for " + e.getMessage()).build();
    assertEquals("fallback for down", Fixtures.result(ex.executeAsync(SVC, fallback,
        (i, c) -> CompletableFuture.failedFuture(new IllegalStateException("down")))));
    IllegalArgumentException thrown = new IllegalArgumentException("fallback broke");
    CallOptions<String> broken = CallOptions.<String>builder().idempotent(true).fallback(e -> {
      throw thrown;
    }).build();
    assertSame(thrown, Fixtures.failure(ex.executeAsync(SVC, broken,
        (i, c) -> CompletableFuture.failedFuture(new IllegalStateException("down")))));
    assertEquals("fine", Fixtures.result(ex.executeAsync(SVC, fallback, (i, c) -> CompletableFuture.completedFuture("fine"))),
        "no fallback for a success");
  }

  @Test
  void aValueThatArrivesAfterTheCallEndedIsClosed() throws Exception {
    ResilientExecutor ex = executor().build();
    List<CompletableFuture<AutoCloseable>> futures = new CopyOnWriteArrayList<>();
    CompletableFuture<AutoCloseable> call = ex.executeAsync(SVC, CallOptions.idempotent(), (i, c) -> {
      CompletableFuture<AutoCloseable> f = new CompletableFuture<>() {
        @Override
        public boolean cancel(boolean mayInterrupt) {
          return false; // an attempt that cannot be cancelled: its value still arrives
        }
      };
      futures.add(f);
      return f;
    });
    Fixtures.await(WAIT, () -> futures.size() == 2, "the hedge");
    AutoCloseable winner = () -> { };
    futures.get(1).complete(winner);
    assertSame(winner, Fixtures.result(call));
    java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    futures.get(0).complete(() -> closed.set(true));
    assertTrue(closed.get(), "the loser's late value is closed");
  }
}
