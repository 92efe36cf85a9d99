package io.mesh4j.resilience.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The breaker's own bookkeeping over Failsafe's statistics: every transition published, a
 * cancelled half-open trial counted, permits of an earlier period (closed or half-open) ignored.
 */
@Timeout(30)
class BreakerTransitionsTest {
  private final FakeTicker ticker = new FakeTicker();
  private final List<MeshEvent> events = new CopyOnWriteArrayList<>();

  private ServiceBreaker breaker(int trials, double jitter) {
    return new ServiceBreaker("svc", CircuitBreakerConfig.builder()
        .failureRate(50, 4, Duration.ofSeconds(10)).openFor(Duration.ofSeconds(30)).openJitter(jitter)
        .halfOpenTrials(trials).build(), ticker, Fixtures.fixedRandom(0.5),
        new Events(List.of(Fixtures.collecting(events))));
  }

  private static void trip(ServiceBreaker b) {
    for (int i = 0; i < 4; i++) {
      b.record(b.tryAcquire(), false);
    }
  }

  private List<String> transitions() {
    List<String> out = new ArrayList<>();
    for (MeshEvent e : events) {
      if (e instanceof ResilienceEvent.CircuitStateChanged) {
        ResilienceEvent.CircuitStateChanged c = (ResilienceEvent.CircuitStateChanged) e;
        assertEquals("svc", c.serviceName());
        out.add(c.from() + ">" + c.to());
      }
    }
    return out;
  }

  @Test
  void everyTransitionIsPublishedWithItsFromAndTo() {
    ServiceBreaker b = breaker(1, 0);
    trip(b);
    ticker.advance(Duration.ofSeconds(30));
    b.record(b.tryAcquire(), false); // failed trial: open again
    ticker.advance(Duration.ofSeconds(30));
    b.record(b.tryAcquire(), true); // successful trial: closed
    assertEquals(CircuitState.CLOSED, b.state());
    assertEquals(List.of("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED"),
        transitions());
  }

  @Test
  void aCancelledHalfOpenTrialCountsAsAFailure() {
    ServiceBreaker b = breaker(1, 0);
    trip(b);
    ticker.advance(Duration.ofSeconds(30));
    long trial = b.tryAcquire();
    assertEquals(CircuitState.HALF_OPEN, b.state());
    b.abandon(trial);
    assertEquals(CircuitState.OPEN, b.state(), "the half-open period ended: the trial failed");
    assertEquals(Duration.ofSeconds(30), b.remainingOpen());
  }

  @Test
  void anAbandonedClosedCallRecordsNothing() {
    ServiceBreaker b = breaker(1, 0);
    b.record(b.tryAcquire(), true);
    long p = b.tryAcquire();
    b.abandon(p);
    assertEquals(1, b.recordedCalls());
    assertEquals(CircuitState.CLOSED, b.state());
    b.abandon(ServiceBreaker.REFUSED);
    assertEquals(1, b.recordedCalls());
  }

  @Test
  void aPermitFromAnEarlierClosedPeriodIsIgnored() {
    ServiceBreaker b = breaker(1, 0);
    long stale = b.tryAcquire(); // closed, first period
    trip(b);
    ticker.advance(Duration.ofSeconds(30));
    b.record(b.tryAcquire(), true); // closed again: a new closed period
    assertEquals(CircuitState.CLOSED, b.state());
    assertNotEquals(stale, b.tryAcquire(), "a new period, a new stamp");
    for (int i = 0; i < 10; i++) {
      b.record(stale, false);
    }
    assertEquals(0, b.recordedCalls(), "late verdicts from before the trip are not counted");
    assertEquals(CircuitState.CLOSED, b.state());
  }

  @Test
  void aStaleHalfOpenPermitGivesNoTrialToALaterPeriod() {
    ServiceBreaker b = breaker(1, 0);
    trip(b);
    ticker.advance(Duration.ofSeconds(30));
    long first = b.tryAcquire();
    assertTrue(first >= 0);
    b.record(first, false); // reopened
    ticker.advance(Duration.ofSeconds(30));
    long second = b.tryAcquire(); // the one trial of the second half-open period
    assertTrue(second >= 0);
    b.releaseUnused(first); // from the first period: must not free a trial of this one
    assertEquals(ServiceBreaker.REFUSED, b.tryAcquire());
    b.releaseUnused(second); // this period's unused permit: freed
    assertTrue(b.tryAcquire() >= 0);
  }

  @Test
  void releasingAClosedPermitChangesNothing() {
    ServiceBreaker b = breaker(1, 0);
    long p = b.tryAcquire();
    b.releaseUnused(p);
    b.releaseUnused(ServiceBreaker.REFUSED);
    assertEquals(CircuitState.CLOSED, b.state());
    assertEquals(0, b.recordedCalls());
    b.record(ServiceBreaker.REFUSED, false);
    assertEquals(0, b.recordedCalls());
  }

  @Test
  void openTimeIsLengthenedByItsJitterAndCountsDown() {
    ServiceBreaker b = breaker(1, 0.2);
    assertEquals(Duration.ZERO, b.remainingOpen(), "closed");
    trip(b);
    assertEquals(Duration.ofSeconds(33), b.remainingOpen(), "30 s + 0.5 x 20% jitter");
    ticker.advance(Duration.ofSeconds(10));
    assertEquals(Duration.ofSeconds(23), b.remainingOpen());
    ticker.advance(Duration.ofSeconds(22));
    assertEquals(ServiceBreaker.REFUSED, b.tryAcquire());
    ticker.advance(Duration.ofSeconds(1));
    assertTrue(b.tryAcquire() >= 0);
    assertEquals(Duration.ZERO, b.remainingOpen(), "half-open");
    assertEquals("ServiceBreaker{svc HALF_OPEN}", b.toString());
  }
}
