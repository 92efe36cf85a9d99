package io.mesh4j.resilience.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.CircuitState;
import io.mesh4j.resilience.FakeTicker;
import io.mesh4j.resilience.Fixtures;
import io.mesh4j.resilience.ResilienceEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ServiceBreakerTest {
  private final FakeTicker ticker = new FakeTicker();
  private final List<MeshEvent> events = new CopyOnWriteArrayList<>();

  private ServiceBreaker breaker(int trials) {
    return new ServiceBreaker("svc", CircuitBreakerConfig.builder()
        .failureRate(50, 4, Duration.ofSeconds(10)).openFor(Duration.ofSeconds(30)).openJitter(0)
        .halfOpenTrials(trials).build(), ticker, new Random(1), new Events(List.of(Fixtures.collecting(events))));
  }

  private static void trip(ServiceBreaker b) {
    for (int i = 0; i < 4; i++) {
      b.record(b.tryAcquire(), false);
    }
  }

  @Test
  void opensOnFailureRateAndStaysOpenForItsTime() {
    ServiceBreaker b = breaker(3);
    b.record(b.tryAcquire(), true);
    b.record(b.tryAcquire(), false);
    b.record(b.tryAcquire(), true);
    assertEquals(CircuitState.CLOSED, b.state());
    b.record(b.tryAcquire(), false); // 2 of 4 = 50%
    assertEquals(CircuitState.OPEN, b.state());
    assertEquals(ServiceBreaker.REFUSED, b.tryAcquire());
    assertEquals(Duration.ofSeconds(30), b.remainingOpen());
    ticker.advance(Duration.ofSeconds(29));
    assertEquals(ServiceBreaker.REFUSED, b.tryAcquire());
    ticker.advance(Duration.ofSeconds(1));
    long trial = b.tryAcquire();
    assertTrue(trial >= 0);
    assertEquals(CircuitState.HALF_OPEN, b.state());
    assertEquals(CircuitState.OPEN, ((ResilienceEvent.CircuitStateChanged) events.get(0)).to());
  }

  @Test
  void trialsSucceedingCloseOneFailingReopens() {
    ServiceBreaker b = breaker(2);
    trip(b);
    ticker.advance(Duration.ofSeconds(30));
    long t1 = b.tryAcquire();
    long t2 = b.tryAcquire();
    assertEquals(ServiceBreaker.REFUSED, b.tryAcquire());
    b.record(t1, true);
    assertEquals(CircuitState.HALF_OPEN, b.state());
    b.record(t2, true);
    assertEquals(CircuitState.CLOSED, b.state());

    trip(b);
    ticker.advance(Duration.ofSeconds(30));
    long t3 = b.tryAcquire();
    b.record(t3, false);
    assertEquals(CircuitState.OPEN, b.state());
  }

  @Test
  void staleVerdictsFromBeforeATransitionAreIgnored() {
    ServiceBreaker b = breaker(1);
    long admittedWhileClosed = b.tryAcquire();
    trip(b);
    ticker.advance(Duration.ofSeconds(30));
    long trial = b.tryAcquire();
    b.record(admittedWhileClosed, true); // late: must not close the breaker
    assertEquals(CircuitState.HALF_OPEN, b.state());
    b.record(trial, true);
    assertEquals(CircuitState.CLOSED, b.state());
  }

  @Test
  void unusedPermitIsGivenBackButACompletedTrialIsNot() {
    ServiceBreaker b = breaker(2);
    trip(b);
    ticker.advance(Duration.ofSeconds(30));
    long t1 = b.tryAcquire();
    long t2 = b.tryAcquire();
    b.releaseUnused(t2); // no attempt made: not a trial
    long t3 = b.tryAcquire();
    assertTrue(t3 >= 0);
    b.record(t1, true); // Failsafe issue 391: completion must not free a permit
    assertEquals(ServiceBreaker.REFUSED, b.tryAcquire());
  }

  /** Half-open admits exactly the configured trial calls under 16 concurrent callers (Failsafe issue 391). */
  @Test
  void halfOpenAdmitsExactlyTheTrialsUnder16Callers() throws Exception {
    for (int round = 0; round < 20; round++) {
      ServiceBreaker b = breaker(3);
      trip(b);
      ticker.advance(Duration.ofSeconds(31));
      ExecutorService pool = Executors.newFixedThreadPool(16);
      CyclicBarrier start = new CyclicBarrier(16);
      CountDownLatch firstDone = new CountDownLatch(1);
      AtomicBoolean oneCompletes = new AtomicBoolean();
      try {
        List<Future<Boolean>> fs = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
          fs.add(pool.submit(() -> {
            start.await(30, TimeUnit.SECONDS);
            long p = b.tryAcquire();
            if (p >= 0) {
              // A trial that completes at once, while the others are in flight and more callers come.
              // Exactly one trial completes (two that both saw the latch unset would both record a
              // success, and three successes close the breaker to every later caller).
              if (oneCompletes.compareAndSet(false, true)) {
                b.record(p, true);
                firstDone.countDown();
              }
              return true;
            }
            // refused callers knock again after a trial completed
            firstDone.await(30, TimeUnit.SECONDS);
            return b.tryAcquire() >= 0;
          }));
        }
        int admitted = 0;
        for (Future<Boolean> f : fs) {
          admitted += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertEquals(3, admitted, "round " + round);
        assertEquals(CircuitState.HALF_OPEN, b.state());
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void concurrentVerdictsLoseNothing() throws Exception {
    ServiceBreaker b = new ServiceBreaker("svc", CircuitBreakerConfig.builder()
        .failureRate(100, 1_000_000, Duration.ofSeconds(60)).build(), ticker, new Random(1), new Events(List.of()));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        fs.add(pool.submit(() -> {
          for (int i = 0; i < 10_000; i++) {
            b.record(b.tryAcquire(), i % 3 != 0);
          }
        }));
      }
      for (Future<?> f : fs) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(80_000, b.recordedCalls());
    assertEquals(CircuitState.CLOSED, b.state());
  }
}
