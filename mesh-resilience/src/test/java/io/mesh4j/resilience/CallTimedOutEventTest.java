package io.mesh4j.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.ServiceInstance;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ResilienceEvent.CallTimedOut}: emitted once when a call's deadline ends it (no time left for
 * the next attempt, or none at all), sync, async and hedged; never for a call that ended for another
 * reason (attempts used up, budget refused, success). Time is a {@link FakeTicker} moved by the
 * attempts.
 */
@Timeout(30)
class CallTimedOutEventTest {
  private static final String SVC = "deadline-events";

  private final List<ServiceInstance> instances = Fixtures.instances(SVC, 3);
  private final FakeTicker ticker = new FakeTicker();
  private final List<MeshEvent> events = new CopyOnWriteArrayList<>();
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  /** {@link Fixtures#quietExecutor} with a 1 s call timeout (attempts 10 s, not interrupted). */
  private ResilientExecutor.Builder executor(int attempts, Duration backoff) {
    return Fixtures.quietExecutor(SVC, instances, ticker, timer, events, attempts, backoff)
        .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofSeconds(10)).callTimeout(Duration.ofSeconds(1))
            .interruptSyncAttempts(false).build());
  }

  private List<ResilienceEvent.CallTimedOut> timedOut() {
    return events.stream().filter(ResilienceEvent.CallTimedOut.class::isInstance)
        .map(ResilienceEvent.CallTimedOut.class::cast).toList();
  }

  private void assertOneTimeout(int attempts) {
    List<ResilienceEvent.CallTimedOut> t = timedOut();
    assertEquals(1, t.size(), "one event per call ended by its deadline: " + events);
    assertEquals(SVC, t.get(0).serviceName());
    assertEquals(Duration.ofSeconds(1), t.get(0).timeout());
    assertEquals(attempts, t.get(0).attempts());
    assertTrue(t.get(0).toString().contains("1000 ms, " + attempts + " attempts"), t.get(0).toString());
  }

  @Test
  void aSyncCallWithNoTimeLeftForItsRetryTimesOut() {
    ResilientExecutor ex = executor(3, Duration.ofMillis(400)).build();
    String r = ex.execute(SVC, Fixtures.retryOnBusy(), (instance, ctx) -> {
      ticker.advance(Duration.ofMillis(600)); // 600 ms + 400 ms backoff reaches the 1 s deadline
      return "busy";
    });
    assertEquals("busy", r);
    assertOneTimeout(1);
  }

  @Test
  void anAsyncCallWithNoTimeLeftForItsRetryTimesOut() throws Exception {
    asyncCallWithNoTimeLeftForItsRetryTimesOut(executor(3, Duration.ofMillis(400)).build());
  }

  @Test
  void aHedgedCallWithNoTimeLeftForItsRetryTimesOut() throws Exception {
    asyncCallWithNoTimeLeftForItsRetryTimesOut(executor(3, Duration.ofMillis(400))
        .hedging(HedgingConfig.fixedDelay(Duration.ofSeconds(5))).build());
  }

  private void asyncCallWithNoTimeLeftForItsRetryTimesOut(ResilientExecutor ex) throws Exception {
    String r = Fixtures.result(ex.executeAsync(SVC, Fixtures.retryOnBusy(), (instance, ctx) -> {
      ticker.advance(Duration.ofMillis(600)); // 600 ms + 400 ms backoff reaches the 1 s deadline
      return CompletableFuture.completedFuture("busy");
    }));
    assertEquals("busy", r);
    assertOneTimeout(1);
  }

  @Test
  void aDeadlineSpentDuringTheBackoffTimesOutSyncAndAsync() throws Exception {
    ResilientExecutor ex = executor(3, Duration.ZERO).listener(new io.mesh4j.api.MeshEventListener() {
      @Override
      public void onEvent(MeshEvent event) {
        if (event instanceof ResilienceEvent.RetryScheduled) {
          ticker.advance(Duration.ofMillis(50)); // the wait before the retry used up the rest
        }
      }
    }).build();
    assertThrows(io.mesh4j.api.MeshTimeoutException.class, () -> ex.execute(SVC, Fixtures.retryOnBusy(), (instance, ctx) -> {
      ticker.advance(Duration.ofMillis(990));
      return "busy";
    }));
    assertOneTimeout(1);
    events.clear();
    CompletableFuture<String> async = ex.executeAsync(SVC, Fixtures.retryOnBusy(), (instance, ctx) -> {
      ticker.advance(Duration.ofMillis(990));
      return CompletableFuture.completedFuture("busy");
    });
    assertInstanceOf(io.mesh4j.api.MeshTimeoutException.class, Fixtures.failure(async));
    assertOneTimeout(1);
  }

  @Test
  void callsEndedForOtherReasonsAreNotTimeouts() throws Exception {
    ResilientExecutor ex = executor(2, Duration.ZERO).build();
    assertEquals("busy", ex.execute(SVC, Fixtures.retryOnBusy(), (instance, ctx) -> "busy"), "attempts used up");
    assertEquals("ok", ex.execute(SVC, Fixtures.retryOnBusy(), (instance, ctx) -> "ok"));
    assertEquals("busy", Fixtures.result(ex.executeAsync(SVC, Fixtures.retryOnBusy(),
        (instance, ctx) -> CompletableFuture.completedFuture("busy"))));
    ResilientExecutor budgeted = executor(3, Duration.ZERO)
        .retryBudget(RetryBudgetConfig.builder().ratio(0.0).minRetriesPerSecond(0).build()).build();
    assertThrows(RuntimeException.class, () -> budgeted.execute(SVC, Fixtures.retryOnBusy(), (instance, ctx) -> {
      throw new IllegalStateException("down");
    }));
    assertTrue(timedOut().isEmpty(), "no call ended by its deadline: " + events);
  }
}
