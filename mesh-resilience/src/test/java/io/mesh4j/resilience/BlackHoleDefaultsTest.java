package io.mesh4j.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.RejectedException;
import io.mesh4j.api.ServiceInstance;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The defaults that keep one black-holed instance from starving its service (issue 14, item 4). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BlackHoleDefaultsTest {
  private static final String SVC = "svc";
  private final List<ServiceInstance> three = Fixtures.instances(SVC, 3);
  private final List<MeshEvent> events = new CopyOnWriteArrayList<>();

  @Test
  void anInstanceThatNeverAnswersHoldsAtMostItsBoundAndTheOthersServeTheRest() throws Exception {
    ServiceInstance hole = three.get(0);
    ResilientExecutor ex = ResilientExecutor.builder().instances(s -> three)
        .bulkhead(BulkheadConfig.builder().maxConcurrentCalls(64).maxAttemptsPerInstance(4).build())
        .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofSeconds(20)).build())
        .build();
    AtomicInteger onHole = new AtomicInteger();
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      calls.add(ex.executeAsync(SVC, CallOptions.idempotent(), (instance, ctx) -> {
        if (instance.equals(hole)) {
          onHole.incrementAndGet();
          return new CompletableFuture<String>(); // accepts, never answers
        }
        return CompletableFuture.completedFuture(instance.id());
      }));
    }
    int answered = 0;
    for (CompletableFuture<String> c : calls) {
      if (c.isDone()) {
        assertTrue(!c.get().equals(hole.id()));
        answered++;
      }
    }
    // Without the bound, every third call would hang on the hole (20 of 60) until the bulkhead filled.
    assertEquals(4, onHole.get(), "attempts sent to the hole");
    assertEquals(56, answered, "calls answered by the healthy instances");
    calls.forEach(c -> c.cancel(true));
  }

  @Test
  void whenEveryInstanceIsAtItsBoundTheCallIsRejectedNamingTheSetting() throws Exception {
    List<ServiceInstance> one = Fixtures.instances(SVC, 1);
    ResilientExecutor ex = ResilientExecutor.builder().instances(s -> one)
        .bulkhead(BulkheadConfig.builder().maxAttemptsPerInstance(2).build()).build();
    List<CompletableFuture<String>> hanging = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      hanging.add(ex.executeAsync(SVC, CallOptions.idempotent(), (instance, ctx) -> new CompletableFuture<String>()));
    }
    RejectedException r = assertInstanceOf(RejectedException.class,
        Fixtures.failure(ex.executeAsync(SVC, CallOptions.idempotent(), (i, c) -> CompletableFuture.completedFuture("x"))));
    assertEquals(RejectedException.Reason.BULKHEAD, r.reason());
    assertTrue(r.getMessage().contains("maxAttemptsPerInstance"), r.getMessage());
    hanging.forEach(c -> c.cancel(true));
    // Cancelled attempts give their slots back.
    assertEquals("x", Fixtures.result(
        ex.executeAsync(SVC, CallOptions.idempotent(), (i, c) -> CompletableFuture.completedFuture("x"))));
  }

  @Test
  void theAdaptiveAttemptTimeoutFollowsTheServicesP99WithinItsBounds() {
    FakeTicker ticker = new FakeTicker();
    ResilientExecutor ex = ResilientExecutor.builder().instances(s -> three).ticker(ticker)
        .timeouts(TimeoutConfig.builder()
            .adaptiveAttemptTimeout(5, Duration.ofMillis(20), Duration.ofSeconds(10)).build())
        .build();
    AtomicLong seen = new AtomicLong();
    Attempt<String> tenMillis = (instance, ctx) -> {
      seen.set(ctx.timeout().toNanos());
      ticker.advance(Duration.ofMillis(10));
      return "ok";
    };
    ex.execute(SVC, CallOptions.idempotent(), tenMillis);
    assertEquals(Duration.ofSeconds(10).toNanos(), seen.get(), "the maximum until enough samples");
    for (int i = 0; i < 40; i++) {
      ex.execute(SVC, CallOptions.idempotent(), tenMillis);
    }
    // p99 10 ms (its bucket's upper bound, 10.5 ms), times 5.
    assertTrue(seen.get() >= Duration.ofMillis(50).toNanos() && seen.get() <= Duration.ofMillis(60).toNanos(),
        "attempt timeout " + seen.get() / 1e6 + " ms");
    // A call's own timeout still wins.
    ex.execute(SVC, CallOptions.<String>builder().idempotent(true).attemptTimeout(Duration.ofSeconds(3)).build(),
        tenMillis);
    assertEquals(Duration.ofSeconds(3).toNanos(), seen.get());
  }

  /**
   * Once learned, the adaptive timeout does not jump back to its maximum when the window runs dry:
   * traffic pauses, or only timeouts come in (a black-holed instance's timeouts are no samples).
   */
  @Test
  void aLearnedAdaptiveTimeoutOutlivesAnEmptyWindow() {
    FakeTicker ticker = new FakeTicker();
    ResilientExecutor ex = ResilientExecutor.builder().instances(s -> three).ticker(ticker).build();
    AtomicLong seen = new AtomicLong();
    Attempt<String> fast = (instance, ctx) -> {
      seen.set(ctx.timeout().toNanos());
      ticker.advance(Duration.ofMillis(3));
      return "ok";
    };
    for (int i = 0; i < 40; i++) {
      ex.execute(SVC, CallOptions.idempotent(), fast);
    }
    assertEquals(TimeoutConfig.DEFAULT_ATTEMPT_TIMEOUT_MIN.toNanos(), seen.get());
    ticker.advance(Duration.ofSeconds(30)); // every sample has left the 10 s window
    ex.execute(SVC, CallOptions.idempotent(), fast); // one new sample: the window now holds too few
    ticker.advance(Duration.ofMillis(200)); // past the percentiles' refresh
    ex.execute(SVC, CallOptions.idempotent(), fast);
    assertEquals(TimeoutConfig.DEFAULT_ATTEMPT_TIMEOUT_MIN.toNanos(), seen.get(),
        "the learned 1 s, not the 10 s maximum of a service never measured");
  }

  @Test
  void theAdaptiveAttemptTimeoutNeverGoesBelowItsFloor() {
    FakeTicker ticker = new FakeTicker();
    ResilientExecutor ex = ResilientExecutor.builder().instances(s -> three).ticker(ticker).build();
    AtomicLong seen = new AtomicLong();
    for (int i = 0; i < 60; i++) {
      ex.execute(SVC, CallOptions.idempotent(), (instance, ctx) -> {
        seen.set(ctx.timeout().toNanos());
        ticker.advance(Duration.ofMillis(3));
        return "ok";
      });
    }
    assertEquals(TimeoutConfig.DEFAULT_ATTEMPT_TIMEOUT_MIN.toNanos(), seen.get());
  }

  /**
   * A dripping instance answers, just far too late: its successes are suspect (over 10 x the
   * service's median and over 100 ms), ten in a row eject it. Before, only failures ejected, so with
   * an attempt timeout above the drip's answer time it was never ejected (and the p99 it raised lifted
   * the adaptive timeout further).
   */
  @Test
  void anInstanceThatAnswersFarSlowerThanTheOthersIsEjectedByDefault() {
    FakeTicker ticker = new FakeTicker();
    ResilientExecutor ex = ResilientExecutor.builder().instances(s -> three).ticker(ticker)
        .listener(Fixtures.collecting(events)).build();
    ServiceInstance drip = three.get(0);
    int dripCalls = 0;
    for (int i = 0; i < 120 && ex.outlierDetector().ejected(SVC).isEmpty(); i++) {
      String servedBy = ex.execute(SVC, CallOptions.idempotent(), (instance, ctx) -> {
        ticker.advance(instance.equals(drip) ? Duration.ofMillis(300) : Duration.ofMillis(2));
        return instance.id();
      });
      dripCalls += servedBy.equals(drip.id()) ? 1 : 0;
    }
    assertEquals(List.of(drip), ex.outlierDetector().ejected(SVC));
    assertTrue(dripCalls <= 20, "ejected after about 10 slow answers once the median was known: " + dripCalls);
    // The healthy ones, with a 50 ms tail now and then (under the 100 ms floor), stay in.
    for (int i = 0; i < 200; i++) {
      int k = i;
      ex.execute(SVC, CallOptions.idempotent(), (instance, ctx) -> {
        ticker.advance(k % 10 == 0 ? Duration.ofMillis(50) : Duration.ofMillis(2));
        return "ok";
      });
    }
    assertEquals(List.of(drip), ex.outlierDetector().ejected(SVC));
  }

  @Test
  void aConnectThatNeverReachedTheInstanceIsRetriedElsewhereAtOnce() {
    ResilientExecutor ex = ResilientExecutor.builder().instances(s -> three).listener(Fixtures.collecting(events))
        .build();
    CallOptions<String> options = CallOptions.<String>builder().idempotent(true)
        .classifier(new OutcomeClassifier<String>() {
          @Override
          public Outcome classifyResult(String result) {
            return Outcome.success();
          }

          @Override
          public Outcome classifyException(Throwable error) {
            return error instanceof SocketTimeoutException ? Outcome.retryableFailureAtOnce()
                : OutcomeClassifier.defaultExceptionOutcome(error);
          }
        }).build();
    AtomicInteger n = new AtomicInteger();
    String answer = ex.execute(SVC, options, (instance, ctx) -> {
      if (n.incrementAndGet() == 1) {
        throw new SocketTimeoutException("Connect timed out");
      }
      return instance.id();
    });
    assertEquals(2, n.get());
    ResilienceEvent.RetryScheduled retry = events.stream().filter(ResilienceEvent.RetryScheduled.class::isInstance)
        .map(ResilienceEvent.RetryScheduled.class::cast).findFirst().orElseThrow();
    assertEquals(Duration.ZERO, retry.delay());
    assertTrue(!answer.equals(retry.failedInstance().id()), "retried on another instance");
  }

  @Test
  void timeoutsEjectTheInstanceThatCausesThem() throws Exception {
    ServiceInstance hole = three.get(1);
    ResilientExecutor ex = ResilientExecutor.builder().instances(s -> three)
        .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofMillis(20)).build()).build();
    for (int i = 0; i < 30 && !ex.outlierDetector().isEjected(hole); i++) {
      String v = Fixtures.result(ex.executeAsync(SVC, CallOptions.idempotent(), (instance, ctx) -> instance.equals(hole)
          ? new CompletableFuture<String>() : CompletableFuture.completedFuture("ok")));
      assertEquals("ok", v);
    }
    assertTrue(ex.outlierDetector().isEjected(hole));
  }
}
