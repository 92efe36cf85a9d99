package io.mesh4j.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.MeshTimeoutException;
import io.mesh4j.api.RejectedException;
import io.mesh4j.api.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The call deadline across attempts and backoff, the backoff wait itself, a sync value that
 * arrives after its attempt's timeout (discarded and closed), and the rate limiter's wait, sync
 * and async. Time that decides is a {@link FakeTicker} moved by the attempts themselves; the only
 * real waits are the backoff sleep and the rate limiter's, which are what is under test.
 */
@Timeout(30)
class DeadlineAndBackoffTest {
  private static final String SVC = "deadline";
  private static final Duration MS = Duration.ofMillis(1);

  private final List<ServiceInstance> instances = Fixtures.instances(SVC, 3);
  private final FakeTicker ticker = new FakeTicker();
  private final List<MeshEvent> events = new CopyOnWriteArrayList<>();
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  /** Every policy that could interfere is off; retries up to {@code attempts}, backoff exactly {@code backoff}. */
  private ResilientExecutor.Builder executor(int attempts, Duration backoff) {
    return Fixtures.quietExecutor(SVC, instances, ticker, timer, events, attempts, backoff);
  }

  private static TimeoutConfig timeouts(Duration attempt, Duration call) {
    return TimeoutConfig.builder().attemptTimeout(attempt).callTimeout(call).interruptSyncAttempts(false).build();
  }


  private <E extends MeshEvent> List<E> eventsOf(Class<E> type) {
    List<E> out = new ArrayList<>();
    for (MeshEvent e : events) {
      if (type.isInstance(e)) {
        out.add(type.cast(e));
      }
    }
    return out;
  }

  /** A value holding a resource, as an open HTTP response would. */
  static final class Resource implements AutoCloseable {
    final String name;
    volatile boolean closed;

    Resource(String name) {
      this.name = name;
    }

    @Override
    public void close() {
      closed = true;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  @Test
  void theBackoffIsWaitedBeforeTheRetry() {
    ResilientExecutor ex = executor(2, Duration.ofMillis(80)).ticker(io.mesh4j.api.Ticker.system()).build();
    List<Long> starts = new CopyOnWriteArrayList<>();
    String r = ex.execute(SVC, Fixtures.retryOnBusy(), (instance, ctx) -> {
      starts.add(System.nanoTime());
      return ctx.attempt() == 1 ? "busy" : "ok";
    });
    assertEquals("ok", r);
    assertEquals(2, starts.size());
    assertEquals(Duration.ofMillis(80), eventsOf(ResilienceEvent.RetryScheduled.class).get(0).delay());
    long gap = starts.get(1) - starts.get(0);
    assertTrue(gap >= Duration.ofMillis(75).toNanos(), "the retry started " + gap / 1_000_000 + " ms after the first attempt");
  }

  @Test
  void theCallDeadlineSpansEveryAttemptAndShortensTheLast() {
    ResilientExecutor ex = executor(5, Duration.ZERO)
        .timeouts(timeouts(Duration.ofSeconds(10), Duration.ofSeconds(1))).build();
    List<Duration> remaining = new ArrayList<>();
    List<Duration> attemptTimeouts = new ArrayList<>();
    MeshTimeoutException e = assertThrows(MeshTimeoutException.class, () -> ex.execute(SVC, Fixtures.retryOnBusy(),
        (instance, ctx) -> {
          remaining.add(ctx.remaining());
          attemptTimeouts.add(ctx.timeout());
          ticker.advance(Duration.ofMillis(400));
          return "busy";
        }));
    assertEquals(List.of(Duration.ofMillis(1000), Duration.ofMillis(600), Duration.ofMillis(200)), remaining);
    assertEquals(remaining, attemptTimeouts, "each attempt gets at most what is left of the call");
    assertEquals(Duration.ofMillis(200), e.timeout(), "the third attempt ran past the 200 ms left");
    assertTrue(e.getMessage().startsWith("attempt to service 'deadline'"), e.getMessage());
  }

  @Test
  void aRetryWhoseBackoffReachesTheDeadlineIsNotMade() {
    ResilientExecutor ex = executor(3, Duration.ofMillis(400))
        .timeouts(timeouts(Duration.ofSeconds(10), Duration.ofSeconds(1))).build();
    AtomicInteger attempts = new AtomicInteger();
    // 600 ms spent + 400 ms backoff = exactly the 1 s deadline: no time left for the retry.
    String r = ex.execute(SVC, Fixtures.retryOnBusy(), (instance, ctx) -> {
      attempts.incrementAndGet();
      ticker.advance(Duration.ofMillis(600));
      return "busy";
    });
    assertEquals("busy", r, "the last outcome is the call's");
    assertEquals(1, attempts.get());
    assertTrue(eventsOf(ResilienceEvent.RetryScheduled.class).isEmpty());
  }

  @Test
  void aRetryWhoseBackoffEndsJustBeforeTheDeadlineIsMade() {
    ResilientExecutor ex = executor(2, Duration.ofMillis(40))
        .timeouts(timeouts(Duration.ofSeconds(10), Duration.ofSeconds(1))).build();
    AtomicInteger attempts = new AtomicInteger();
    String r = ex.execute(SVC, Fixtures.retryOnBusy(), (instance, ctx) -> {
      if (attempts.incrementAndGet() == 1) {
        ticker.advance(Duration.ofMillis(959)); // 959 + 40 = 999 ms < 1 s
        return "busy";
      }
      assertEquals(Duration.ofMillis(41), ctx.remaining());
      return "ok";
    });
    assertEquals("ok", r);
    assertEquals(2, attempts.get());
  }

  @Test
  void aDeadlineSpentDuringTheBackoffEndsTheCallWithACallTimeout() {
    ResilientExecutor ex = executor(3, Duration.ZERO)
        .timeouts(timeouts(Duration.ofSeconds(10), Duration.ofSeconds(1)))
        .listener(new MeshEventListener() {
          @Override
          public void onEvent(MeshEvent event) {
            if (event instanceof ResilienceEvent.RetryScheduled) {
              ticker.advance(Duration.ofMillis(50)); // the wait before the retry used up the rest
            }
          }
        }).build();
    AtomicInteger attempts = new AtomicInteger();
    MeshTimeoutException e = assertThrows(MeshTimeoutException.class, () -> ex.execute(SVC, Fixtures.retryOnBusy(),
        (instance, ctx) -> {
          attempts.incrementAndGet();
          ticker.advance(Duration.ofMillis(990));
          return "busy";
        }));
    assertEquals(1, attempts.get());
    assertEquals(Duration.ofSeconds(1), e.timeout());
    assertTrue(e.getMessage().startsWith("call to service 'deadline'"), e.getMessage());

    CompletableFuture<String> async = ex.executeAsync(SVC, Fixtures.retryOnBusy(), (instance, ctx) -> {
      attempts.incrementAndGet();
      ticker.advance(Duration.ofMillis(990));
      return CompletableFuture.completedFuture("busy");
    });
    MeshTimeoutException callTimeout = assertInstanceOf(MeshTimeoutException.class, Fixtures.failure(async));
    assertTrue(callTimeout.getMessage().startsWith("call to service 'deadline'"), callTimeout.getMessage());
    assertEquals(2, attempts.get());
  }

  @Test
  void aLateSyncValueIsDiscardedAndClosedAndTheNextAttemptAnswers() {
    ResilientExecutor ex = executor(2, Duration.ZERO)
        .timeouts(timeouts(Duration.ofMillis(100), Duration.ofSeconds(10))).build();
    Resource late = new Resource("late");
    Resource fresh = new Resource("fresh");
    Resource r = ex.execute(SVC, CallOptions.<Resource>builder().idempotent(true).build(), (instance, ctx) -> {
      if (ctx.attempt() == 1) {
        ticker.advance(Duration.ofMillis(101));
        return late;
      }
      return fresh;
    });
    assertSame(fresh, r);
    assertTrue(late.closed, "the value that came after its timeout was closed");
    assertFalse(fresh.closed);
    ResilienceEvent.AttemptFinished first = eventsOf(ResilienceEvent.AttemptFinished.class).get(0);
    MeshTimeoutException timeout = assertInstanceOf(MeshTimeoutException.class, first.error());
    assertEquals(Duration.ofMillis(100), timeout.timeout());
    assertFalse(first.outcome().isSuccess());
  }

  @Test
  void aLateSyncValueWithNoRetryLeftFailsTheCall() {
    ResilientExecutor ex = executor(1, Duration.ZERO)
        .timeouts(timeouts(Duration.ofMillis(100), Duration.ofSeconds(10))).build();
    Resource late = new Resource("late");
    MeshTimeoutException e = assertThrows(MeshTimeoutException.class,
        () -> ex.execute(SVC, CallOptions.<Resource>builder().idempotent(true).build(), (instance, ctx) -> {
          ticker.advance(Duration.ofMillis(250));
          return late;
        }));
    assertTrue(late.closed);
    assertNull(e.getCause());
    assertEquals(Duration.ofMillis(100), e.timeout());
  }

  @Test
  void aValueExactlyAtItsTimeoutIsKept() {
    ResilientExecutor ex = executor(1, Duration.ZERO)
        .timeouts(timeouts(Duration.ofMillis(100), Duration.ofSeconds(10))).build();
    Resource onTime = new Resource("on time");
    Resource r = ex.execute(SVC, CallOptions.<Resource>builder().idempotent(true).build(), (instance, ctx) -> {
      ticker.advance(Duration.ofMillis(100));
      return onTime;
    });
    assertSame(onTime, r);
    assertFalse(onTime.closed);
  }

  @Test
  void anAsyncCallWaitsForTheRateLimiterThenRuns() throws Exception {
    ResilientExecutor ex = executor(1, Duration.ZERO)
        .rateLimiter(RateLimiterConfig.bursty(1, Duration.ofMillis(300)).withMaxWait(Duration.ofSeconds(5))).build();
    AtomicInteger attempts = new AtomicInteger();
    assertEquals("first", Fixtures.result(ex.executeAsync(SVC, (i, c) -> {
      attempts.incrementAndGet();
      return CompletableFuture.completedFuture("first");
    })));
    CompletableFuture<String> second = ex.executeAsync(SVC, (i, c) -> {
      attempts.incrementAndGet();
      return CompletableFuture.completedFuture("second");
    });
    // The permit of the next period is reserved: the attempt waits on the timer, not rejected.
    assertEquals(1, attempts.get(), "the second call has not started yet");
    assertFalse(second.isDone());
    assertEquals(1, timer.getQueue().size(), "its start is scheduled");
    assertEquals("second", Fixtures.result(second, Duration.ofMillis(300)));
    assertEquals(2, attempts.get());
    assertTrue(eventsOf(ResilienceEvent.CallRejected.class).isEmpty());
  }

  @Test
  void anAsyncCallOverTheRateLimitsWaitIsRejected() throws Exception {
    ResilientExecutor ex = executor(1, Duration.ZERO)
        .rateLimiter(RateLimiterConfig.bursty(1, Duration.ofHours(1)).withMaxWait(Duration.ofMillis(100))).build();
    assertEquals("ok", Fixtures.result(ex.executeAsync(SVC, (i, c) -> CompletableFuture.completedFuture("ok"))));
    AtomicInteger attempts = new AtomicInteger();
    CompletableFuture<String> over = ex.executeAsync(SVC, (i, c) -> {
      attempts.incrementAndGet();
      return CompletableFuture.completedFuture("never");
    });
    RejectedException rejected = assertInstanceOf(RejectedException.class, Fixtures.failure(over, Duration.ofMillis(100)));
    assertEquals(RejectedException.Reason.RATE_LIMIT, rejected.reason());
    assertEquals(0, attempts.get());
    assertSame(rejected, eventsOf(ResilienceEvent.CallRejected.class).get(0).exception());
  }

  @Test
  void aSyncCallWaitsForTheRateLimiterUpToItsMaxWait() {
    ResilientExecutor ex = executor(1, Duration.ZERO)
        .rateLimiter(RateLimiterConfig.bursty(1, Duration.ofMillis(200)).withMaxWait(Duration.ofSeconds(5))).build();
    assertEquals("a", ex.execute(SVC, (i, c) -> "a"));
    assertEquals("b", ex.execute(SVC, (i, c) -> "b"), "waited for the next period instead of failing");
    ResilientExecutor strict = executor(1, Duration.ZERO)
        .rateLimiter(RateLimiterConfig.bursty(1, Duration.ofHours(1))).build();
    assertEquals("a", strict.execute(SVC, (i, c) -> "a"));
    assertEquals(RejectedException.Reason.RATE_LIMIT,
        assertThrows(RejectedException.class, () -> strict.execute(SVC, (i, c) -> "b")).reason());
  }

  @Test
  void aSyncCallWhosePermitIsFurtherThanItsMaxWaitIsRejected() {
    ResilientExecutor ex = executor(1, Duration.ZERO)
        .rateLimiter(RateLimiterConfig.bursty(1, Duration.ofHours(1)).withMaxWait(Duration.ofMillis(100))).build();
    assertEquals("a", ex.execute(SVC, (i, c) -> "a"));
    rejectedWithoutAttempt(ex, RejectedException.Reason.RATE_LIMIT);
  }

  @Test
  void aSyncCallWhoseBulkheadWaitRunsOutIsRejected() throws Exception {
    ResilientExecutor ex = executor(1, Duration.ZERO)
        .bulkhead(BulkheadConfig.builder().maxConcurrentCalls(1).maxWait(Duration.ofMillis(100)).build()).build();
    whileTheSlotIsHeld(ex, () -> rejectedWithoutAttempt(ex, RejectedException.Reason.BULKHEAD));
  }

  @Test
  void eachAttemptReportsItsNumberAndDurationSyncAndAsync() throws Exception {
    ResilientExecutor ex = executor(2, Duration.ZERO).build();
    assertEquals("ok", ex.execute(SVC, Fixtures.retryOnBusy(), (i, c) -> {
      ticker.advance(Duration.ofMillis(30));
      return c.attempt() == 1 ? "busy" : "ok";
    }));
    assertEquals("ok", Fixtures.result(ex.executeAsync(SVC, Fixtures.retryOnBusy(), (i, c) -> {
      ticker.advance(Duration.ofMillis(30));
      return CompletableFuture.completedFuture(c.attempt() == 1 ? "busy" : "ok");
    })));
    List<ResilienceEvent.RetryScheduled> retries = eventsOf(ResilienceEvent.RetryScheduled.class);
    assertEquals(2, retries.size());
    for (ResilienceEvent.RetryScheduled r : retries) {
      assertEquals(2, r.nextAttempt());
    }
    List<ResilienceEvent.AttemptFinished> finished = eventsOf(ResilienceEvent.AttemptFinished.class);
    assertEquals(4, finished.size());
    for (int k = 0; k < 4; k++) {
      assertEquals(k % 2 + 1, finished.get(k).attempt());
      assertEquals(Duration.ofMillis(30).toNanos(), finished.get(k).durationNanos(), "attempt " + k + " took 30 ms");
    }
  }

  @Test
  void aSyncCallInterruptedWhileWaitingForARatePermitIsRejectedAndKeepsItsInterrupt() {
    ResilientExecutor ex = executor(1, Duration.ZERO)
        .rateLimiter(RateLimiterConfig.smooth(1, Duration.ofMillis(500)).withMaxWait(Duration.ofSeconds(5))).build();
    assertEquals("a", ex.execute(SVC, (i, c) -> "a"));
    rejectedWhenInterrupted(ex, RejectedException.Reason.RATE_LIMIT); // the wait for the next permit
  }

  @Test
  void aSyncCallInterruptedWhileWaitingForABulkheadSlotIsRejectedAndKeepsItsInterrupt() throws Exception {
    ResilientExecutor ex = executor(1, Duration.ZERO)
        .bulkhead(BulkheadConfig.builder().maxConcurrentCalls(1).maxWait(Duration.ofSeconds(10)).build()).build();
    whileTheSlotIsHeld(ex, () -> rejectedWhenInterrupted(ex, RejectedException.Reason.BULKHEAD));
  }

  @Test
  void aSyncCallWaitsForABulkheadSlotUpToItsMaxWait() throws Exception {
    ResilientExecutor ex = executor(1, Duration.ZERO)
        .bulkhead(BulkheadConfig.builder().maxConcurrentCalls(1).maxWait(Duration.ofSeconds(10)).build()).build();
    CompletableFuture<String> waiter = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        waiter.complete(ex.execute(SVC, (i, c) -> "waited"));
      } catch (RuntimeException e) {
        waiter.completeExceptionally(e);
      }
    }, "bulkhead-waiter");
    whileTheSlotIsHeld(ex, () -> {
      t.start();
      // Released only once the second caller is parked waiting for the slot (or already failed).
      Fixtures.await(Fixtures.WAIT,
          () -> waiter.isDone() || t.getState() == Thread.State.TIMED_WAITING, "the second caller to wait");
    });
    assertEquals("waited", Fixtures.result(waiter));
    t.join(10_000);
  }

  /** A call made now is refused for {@code reason} before any attempt. */
  private static void rejectedWithoutAttempt(ResilientExecutor ex, RejectedException.Reason reason) {
    AtomicInteger attempts = new AtomicInteger();
    RejectedException e = assertThrows(RejectedException.class, () -> ex.execute(SVC, (i, c) -> {
      attempts.incrementAndGet();
      return "too late";
    }));
    assertEquals(reason, e.reason());
    assertEquals(0, attempts.get());
  }

  /** A call made by an interrupted caller is refused for {@code reason}, and the interrupt is kept. */
  private static void rejectedWhenInterrupted(ResilientExecutor ex, RejectedException.Reason reason) {
    Thread.currentThread().interrupt();
    try {
      rejectedWithoutAttempt(ex, reason);
      assertTrue(Thread.currentThread().isInterrupted(), "the caller's interrupt is kept");
    } finally {
      Thread.interrupted();
    }
  }

  /** Runs {@code body} while a call on another thread holds the service's only bulkhead slot. */
  private static void whileTheSlotIsHeld(ResilientExecutor ex, Runnable body) throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<String> holder = CompletableFuture.supplyAsync(() -> ex.execute(SVC, (i, c) -> {
      inside.countDown();
      assertTrue(release.await(20, TimeUnit.SECONDS));
      return "held";
    }));
    try {
      assertTrue(inside.await(Fixtures.WAIT.toMillis(), TimeUnit.MILLISECONDS), "the first call never ran its attempt");
      body.run();
    } finally {
      release.countDown();
    }
    assertEquals("held", Fixtures.result(holder));
  }
}
