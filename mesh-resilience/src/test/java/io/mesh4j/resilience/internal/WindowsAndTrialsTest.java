package io.mesh4j.resilience.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.resilience.FakeTicker;
import io.mesh4j.resilience.Fixtures;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.ResilienceEvent;
import io.mesh4j.resilience.RetryBudgetConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the counters report once their window has passed, and the edges of the outlier
 * detector's trial calls, suspect streaks and departed instances (mutation survivors).
 */
@Timeout(10)
class WindowsAndTrialsTest {
  private static final long S = 1_000_000_000L;
  private final FakeTicker ticker = new FakeTicker();
  private final List<MeshEvent> events = new CopyOnWriteArrayList<>();
  private final List<ServiceInstance> all = Fixtures.instances("svc", 3);
  private final ServiceInstance bad = all.get(0);

  private DefaultOutlierDetector detector(OutlierEjectionConfig config) {
    return new DefaultOutlierDetector(config, ticker, new Random(42), new Events(List.of(Fixtures.collecting(events))));
  }

  private static OutlierEjectionConfig.Builder noJitter() {
    return OutlierEjectionConfig.builder().returnJitter(0);
  }

  private MeshEvent lastEvent() {
    return events.get(events.size() - 1);
  }

  @Test
  void aResetCounterForgetsItsBucketsNotOnlyItsSums() {
    WindowCounter w = new WindowCounter(10 * S, 10, 0);
    w.add(0, 5, 7);
    w.reset(0);
    w.add(0, 1, 2);
    assertEquals(1, w.first());
    assertEquals(2, w.second());
    w.roll(20 * S); // the bucket leaves the window: only what was added after the reset goes with it
    assertEquals(0, w.first());
    assertEquals(0, w.second());
  }

  @Test
  void budgetAndDetectorCountsAreOfTheWindowAtTheTimeTheyAreRead() {
    RetryBudget budget = new RetryBudget(RetryBudgetConfig.builder().ratio(1).minRetriesPerSecond(0).build(), ticker);
    budget.recordCall();
    assertTrue(budget.tryAcquireRetry());
    assertEquals(1, budget.calls());
    assertEquals(1, budget.retries());
    ticker.advance(Duration.ofSeconds(11));
    assertEquals(0, budget.retries(), "the retry left the 10 s window");
    assertEquals(0, budget.calls());

    DefaultOutlierDetector d = detector(noJitter().build());
    d.selectable("svc", all);
    d.record(bad, true);
    d.record(bad, false);
    assertEquals(2, d.recordedCalls(bad));
    ticker.advance(Duration.ofSeconds(11));
    assertEquals(0, d.recordedCalls(bad), "the calls left the 10 s window");
  }

  @Test
  void anUnusedTrialIsGivenBackButNeverBeyondTheTrialCount() {
    DefaultOutlierDetector d = detector(noJitter().trialCalls(1).build());
    d.selectable("svc", all);
    for (int i = 0; i < 5; i++) {
      d.record(bad, false);
    }
    ticker.advance(Duration.ofSeconds(30));
    assertTrue(d.selectable("svc", all).contains(bad), "returning");
    d.releaseUnused(bad); // no trial was taken: nothing to give back
    assertTrue(d.tryAdmit(bad));
    assertFalse(d.tryAdmit(bad), "still one trial call, not two");
    d.releaseUnused(bad); // the trial made no attempt
    assertTrue(d.tryAdmit(bad));
  }

  @Test
  void aFailureDoesNotBreakAStreakOfSuspectAttempts() {
    DefaultOutlierDetector d = detector(noJitter().build());
    d.selectable("svc", all);
    for (int i = 0; i < 9; i++) {
      d.recordSuspect(bad);
      ticker.advance(Duration.ofMillis(200));
    }
    d.record(bad, false); // one failure of five needed
    assertFalse(d.isEjected(bad));
    d.recordSuspect(bad);
    assertTrue(d.isEjected(bad), "the tenth suspect in a row, a failure between");
  }

  @Test
  void aSuspectTrialCallIsReportedAsAnEjection() {
    DefaultOutlierDetector d = detector(noJitter().build());
    d.selectable("svc", all);
    for (int i = 0; i < 5; i++) {
      d.record(bad, false);
    }
    ticker.advance(Duration.ofSeconds(30));
    assertTrue(d.selectable("svc", all).contains(bad));
    assertTrue(d.tryAdmit(bad));
    d.recordSuspect(bad);
    assertTrue(d.isEjected(bad));
    ResilienceEvent.InstanceEjected e = (ResilienceEvent.InstanceEjected) lastEvent();
    assertTrue(e.reason().contains("suspect trial call"), e.reason());
    assertEquals(2, e.ejectionCount());
  }

  @Test
  void aDepartedInstanceIsRememberedLateInTheTickersLifeToo() {
    ticker.advance(Duration.ofSeconds(1_000)); // readings far from zero: age is now minus then
    DefaultOutlierDetector d = detector(noJitter().build());
    d.selectable("svc", all);
    for (int i = 0; i < 5; i++) {
      d.record(bad, false);
    }
    ticker.advance(Duration.ofSeconds(2));
    d.selectable("svc", List.of(all.get(1), all.get(2)));
    ticker.advance(Duration.ofSeconds(2));
    assertTrue(d.selectable("svc", new ArrayList<>(all)).contains(bad));
    assertTrue(d.isEjected(bad), "back through its trial calls, not as a new instance");
  }

  @Test
  void aDisabledDetectorLetsEverythingThrough() {
    DefaultOutlierDetector d = detector(OutlierEjectionConfig.disabled());
    for (int i = 0; i < 10; i++) {
      d.record(bad, false);
    }
    assertSame(all, d.selectable("svc", all));
    assertTrue(d.tryAdmit(bad));
    assertFalse(d.isEjected(bad));
    assertEquals("OutlierDetector{OutlierEjectionConfig{disabled}}", d.toString());
    DefaultOutlierDetector on = detector(noJitter().build());
    assertTrue(on.selectable("svc", List.of()).isEmpty());
    assertTrue(on.tryAdmit(bad), "an instance it never saw");
  }

  @Test
  void anAttemptContextReportsWhatItWasGiven() {
    Context c = new Context("svc", bad, 2, true, 5_000, 7_000);
    assertEquals("svc", c.serviceName());
    assertSame(bad, c.instance());
    assertEquals(2, c.attempt());
    assertTrue(c.isRetry());
    assertTrue(c.idempotent());
    assertFalse(new Context("svc", bad, 1, false, 1, 1).idempotent());
    assertEquals(Duration.ofNanos(5_000), c.timeout());
    assertEquals(Duration.ofNanos(7_000), c.remaining());
    assertEquals("Attempt{svc #2 on " + bad.id() + "}", c.toString());
  }
}
