package io.mesh4j.cache.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.cache.CacheException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One load per key in this JVM, without Redis: threads stand for concurrent callers, latches hold a
 * load in flight, and a caller is known to be waiting once its thread parks.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SingleFlightTest {
  private static final long NO_TAKEOVER = TimeUnit.SECONDS.toNanos(60);
  private static final Duration AWAIT = Duration.ofSeconds(10);

  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final List<Thread> callers = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS), "caller threads ended");
  }

  /** Runs {@code flights.run(key, work)} on a new caller thread. */
  private Future<String> call(SingleFlight<String> flights, String key, Supplier<String> work) {
    CountDownLatch started = new CountDownLatch(1);
    Future<String> f = pool.submit(() -> {
      synchronized (callers) {
        callers.add(Thread.currentThread());
      }
      started.countDown();
      return flights.run(key, work);
    });
    try {
      assertTrue(started.await(10, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    return f;
  }

  private Thread lastCaller() {
    synchronized (callers) {
      return callers.get(callers.size() - 1);
    }
  }

  /** Waits until {@code t} is parked (waiting for a flight or blocked in a work's latch). */
  private static void awaitParked(Thread t) {
    await("caller parked").atMost(AWAIT).pollInterval(Duration.ofMillis(2))
        .until(() -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
  }

  private static Supplier<String> blockingUntil(CountDownLatch release, AtomicInteger runs, String result) {
    return () -> {
      runs.incrementAndGet();
      try {
        assertTrue(release.await(20, TimeUnit.SECONDS), "released");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return result;
    };
  }

  @Test
  void concurrentCallersOfOneKeyShareOneRunAndItsResult() throws Exception {
    SingleFlight<String> flights = new SingleFlight<>(NO_TAKEOVER, "ns");
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    Supplier<String> work = blockingUntil(release, runs, "loaded");
    Future<String> leader = call(flights, "k", work);
    await().atMost(AWAIT).until(() -> runs.get() == 1);
    List<Future<String>> waiters = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      waiters.add(call(flights, "k", work));
      awaitParked(lastCaller());
    }
    // Another key is not held up by this one.
    assertEquals("other", flights.run("k2", () -> "other"));
    release.countDown();
    assertEquals("loaded", leader.get(10, TimeUnit.SECONDS));
    for (Future<String> w : waiters) {
      assertEquals("loaded", w.get(10, TimeUnit.SECONDS));
    }
    assertEquals(1, runs.get(), "the work ran once for five callers");
    assertFalse(flights.isRunning("k"), "the flight ended with its run");
    assertEquals("again", flights.run("k", () -> "again"), "a later caller starts a new flight");
  }

  @Test
  void everyCallerThatWaitsForAnotherCallersRunIsCountedOnceAsAFollower() throws Exception {
    AtomicInteger followers = new AtomicInteger();
    SingleFlight<String> flights = new SingleFlight<>(NO_TAKEOVER, "ns", followers::incrementAndGet);
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    Supplier<String> work = blockingUntil(release, runs, "loaded");
    Future<String> leader = call(flights, "k", work);
    await().atMost(AWAIT).until(() -> runs.get() == 1);
    assertEquals(0, followers.get(), "the leader follows nobody");
    List<Future<String>> waiters = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waiters.add(call(flights, "k", work));
      awaitParked(lastCaller());
    }
    assertEquals(3, followers.get());
    assertEquals("other", flights.run("k2", () -> "other"));
    assertEquals(3, followers.get(), "a caller of another key leads its own flight");
    release.countDown();
    assertEquals("loaded", leader.get(10, TimeUnit.SECONDS));
    for (Future<String> w : waiters) {
      assertEquals("loaded", w.get(10, TimeUnit.SECONDS));
    }
    assertEquals("again", flights.run("k", () -> "again"));
    assertEquals(3, followers.get(), "a caller after the flight ended leads a new one");
  }

  @Test
  void theLeadersFailureReachesEveryWaiter() throws Exception {
    SingleFlight<String> flights = new SingleFlight<>(NO_TAKEOVER, "ns");
    CountDownLatch release = new CountDownLatch(1);
    IllegalStateException boom = new IllegalStateException("database down");
    AtomicInteger runs = new AtomicInteger();
    Supplier<String> work = () -> {
      blockingUntil(release, runs, null).get();
      throw boom;
    };
    Future<String> leader = call(flights, "k", work);
    await().atMost(AWAIT).until(() -> runs.get() == 1);
    Future<String> waiter = call(flights, "k", work);
    awaitParked(lastCaller());
    release.countDown();
    for (Future<String> f : List.of(leader, waiter)) {
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> f.get(10, TimeUnit.SECONDS));
      assertSame(boom, e.getCause(), "the loader's own exception, not a wrapper");
    }
    assertEquals(1, runs.get());
    assertFalse(flights.isRunning("k"));
  }

  @Test
  void aHungLeaderIsReplacedAfterTheWaitAndLaterCallersJoinTheFreshFlight() throws Exception {
    SingleFlight<String> flights = new SingleFlight<>(TimeUnit.SECONDS.toNanos(2), "ns");
    CountDownLatch hung = new CountDownLatch(1);
    CountDownLatch fresh = new CountDownLatch(1);
    AtomicInteger hungRuns = new AtomicInteger();
    AtomicInteger freshRuns = new AtomicInteger();
    Future<String> leader = call(flights, "k", blockingUntil(hung, hungRuns, "stale"));
    await().atMost(AWAIT).until(() -> hungRuns.get() == 1);

    Supplier<String> freshWork = blockingUntil(fresh, freshRuns, "fresh");
    Future<String> taker = call(flights, "k", freshWork);
    // After the wait (2 s) the taker gives up on the leader and runs the work itself.
    await().atMost(AWAIT).until(() -> freshRuns.get() == 1);
    Future<String> joiner = call(flights, "k", freshWork);
    awaitParked(lastCaller());
    fresh.countDown();
    assertEquals("fresh", taker.get(10, TimeUnit.SECONDS));
    assertEquals("fresh", joiner.get(10, TimeUnit.SECONDS), "joined the fresh flight, not the hung one");
    assertEquals(1, freshRuns.get());
    assertFalse(leader.isDone(), "the hung leader is still hung");

    hung.countDown();
    assertEquals("stale", leader.get(10, TimeUnit.SECONDS), "the hung leader returns its own result");
    assertFalse(flights.isRunning("k"));
  }

  @Test
  void tryLeadStartsAFlightOnlyIfNoneRunsAndItsCallersGetWhatItFinishesWith() throws Exception {
    SingleFlight<String> flights = new SingleFlight<>(NO_TAKEOVER, "ns");
    SingleFlight.Flight<String> flight = flights.tryLead("k");
    assertNotNull(flight);
    assertNull(flights.tryLead("k"), "one flight per key");
    AtomicInteger runs = new AtomicInteger();
    Future<String> waiter = call(flights, "k", () -> {
      runs.incrementAndGet();
      return "loaded";
    });
    awaitParked(lastCaller());
    flight.finish("refreshed");
    assertEquals("refreshed", waiter.get(10, TimeUnit.SECONDS));
    assertEquals(0, runs.get(), "the waiter did not run its own work");
    assertFalse(flights.isRunning("k"));
    assertNotNull(flights.tryLead("k"), "free again");
  }

  @Test
  void anInterruptedWaiterGetsACacheExceptionAndKeepsItsInterrupt() throws Exception {
    SingleFlight<String> flights = new SingleFlight<>(NO_TAKEOVER, "orders");
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    Future<String> leader = call(flights, "k", blockingUntil(release, runs, "v"));
    await().atMost(AWAIT).until(() -> runs.get() == 1);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> flagKept = new AtomicReference<>();
    Thread waiter = new Thread(() -> {
      try {
        flights.run("k", () -> "never");
      } catch (RuntimeException e) {
        thrown.set(e);
        flagKept.set(Thread.currentThread().isInterrupted());
      }
    });
    waiter.start();
    awaitParked(waiter);
    waiter.interrupt();
    waiter.join(10_000);
    CacheException e = (CacheException) thrown.get();
    assertEquals("interrupted while waiting for a load", e.getMessage());
    assertTrue(flagKept.get());
    release.countDown();
    assertEquals("v", leader.get(10, TimeUnit.SECONDS));
  }
}
