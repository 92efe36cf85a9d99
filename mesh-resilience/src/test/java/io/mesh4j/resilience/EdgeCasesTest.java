package io.mesh4j.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.CircuitOpenException;
import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.api.internal.PowerOfTwoChoicesLoadBalancer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Failure paths found in review: a throwing classifier, cancelled trials, the timer thread. */
@Timeout(30)
class EdgeCasesTest {
  private static final String SVC = "edge";
  private final List<ServiceInstance> instances = Fixtures.instances(SVC, 3);

  @Test
  void aThrowingClassifierLeaksNoInFlightCount() throws Exception {
    PowerOfTwoChoicesLoadBalancer lb = (PowerOfTwoChoicesLoadBalancer) LoadBalancer.leastOutstanding();
    ResilientExecutor ex = ResilientExecutor.builder().discovery(StaticServiceDiscovery.of(SVC, instances))
        .loadBalancer(lb).random(new Random(1)).build();
    CallOptions<String> options = CallOptions.<String>builder().idempotent(true)
        .classifier(r -> {
          throw new IllegalStateException("classifier bug");
        }).build();
    for (int i = 0; i < 3; i++) {
      assertThrows(IllegalStateException.class, () -> ex.execute(SVC, options, (instance, ctx) -> "x"));
      Throwable async = Fixtures.failure(ex.executeAsync(SVC, options, (instance, ctx) -> CompletableFuture.completedFuture("x")));
      assertTrue(async instanceof IllegalStateException, async.toString());
    }
    for (ServiceInstance i : instances) {
      assertEquals(0, lb.outstanding(i), "no attempt left counted as in flight on " + i);
    }
  }

  @Test
  void cancellingAHalfOpenTrialOnTheWireAdmitsNoExtraTrial() throws Exception {
    FakeTicker ticker = new FakeTicker();
    ResilientExecutor ex = ResilientExecutor.builder().discovery(StaticServiceDiscovery.of(SVC, instances))
        .ticker(ticker).random(new Random(2))
        .retry(RetryConfig.disabled())
        .outlierEjection(OutlierEjectionConfig.disabled())
        .circuitBreaker(CircuitBreakerConfig.builder().failureRate(50, 4, Duration.ofSeconds(10))
            .openFor(Duration.ofSeconds(5)).openJitter(0).halfOpenTrials(1).build())
        .build();
    for (int i = 0; i < 4; i++) {
      assertThrows(RuntimeException.class, () -> ex.execute(SVC, (instance, ctx) -> {
        throw new IOException("down");
      }));
    }
    assertEquals(CircuitState.OPEN, ex.circuitState(SVC));
    ticker.advance(Duration.ofSeconds(6));
    AtomicInteger trialsSent = new AtomicInteger();
    CompletableFuture<String> hanging = new CompletableFuture<>();
    CompletableFuture<String> trial = ex.executeAsync(SVC, (instance, ctx) -> {
      trialsSent.incrementAndGet();
      return hanging;
    });
    Fixtures.await(Fixtures.WAIT, () -> trialsSent.get() == 1, "the trial went out");
    trial.cancel(true);
    // It cannot be handed back, nor left unrecorded: it counts as a failed trial, which reopens the breaker.
    assertEquals(CircuitState.OPEN, ex.circuitState(SVC), "the cancelled trial on the wire counts as a failure");
    // The one trial permit was used by a request that went out: no second trial may be admitted.
    assertThrows(CircuitOpenException.class, () -> ex.execute(SVC, (instance, ctx) -> {
      trialsSent.incrementAndGet();
      return "ok";
    }));
    assertEquals(1, trialsSent.get());
    assertFalse(ex.circuitState(SVC) == CircuitState.CLOSED);
  }

  @Test
  void anAsyncAttemptTimeoutContinuesOffTheTimerThread() throws Exception {
    ResilientExecutor ex = ResilientExecutor.builder().discovery(StaticServiceDiscovery.of(SVC, instances))
        .retry(RetryConfig.disabled())
        .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofMillis(50)).build())
        .build();
    AtomicReference<String> thread = new AtomicReference<>();
    CompletableFuture<String> f = ex.executeAsync(SVC, (instance, ctx) -> new CompletableFuture<String>());
    CompletableFuture<Void> seen = f.handle((v, e) -> {
      thread.set(Thread.currentThread().getName());
      return null;
    });
    Fixtures.result(seen, Duration.ofMillis(50));
    assertFalse(thread.get().contains("timer"), "dependent stage ran on " + thread.get());
  }
}
