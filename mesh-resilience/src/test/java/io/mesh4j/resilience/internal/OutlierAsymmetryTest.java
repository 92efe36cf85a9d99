package io.mesh4j.resilience.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.resilience.FakeTicker;
import io.mesh4j.resilience.Fixtures;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.ResilienceEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Outlier detection tells successes from failures (rates that are not 50/50), and an instance
 * healthy for longer than the longest ejection starts again from the base ejection time.
 */
@Timeout(30)
class OutlierAsymmetryTest {
  private final FakeTicker ticker = new FakeTicker();
  private final List<MeshEvent> events = new CopyOnWriteArrayList<>();
  private final List<ServiceInstance> all = Fixtures.instances("svc", 4);
  private final ServiceInstance one = all.get(1);

  private DefaultOutlierDetector detector(OutlierEjectionConfig.Builder config) {
    DefaultOutlierDetector d = new DefaultOutlierDetector(config.returnJitter(0).build(), ticker, Fixtures.fixedRandom(0.5),
        new Events(List.of(Fixtures.collecting(events))));
    d.selectable("svc", all);
    return d;
  }

  private List<Duration> ejectionTimes() {
    List<Duration> out = new ArrayList<>();
    for (MeshEvent e : events) {
      if (e instanceof ResilienceEvent.InstanceEjected) {
        out.add(((ResilienceEvent.InstanceEjected) e).ejectionTime());
      }
    }
    return out;
  }

  private static void record(DefaultOutlierDetector d, ServiceInstance i, int successes, int failures) {
    for (int k = 0; k < successes; k++) {
      d.record(i, true);
    }
    for (int k = 0; k < failures; k++) {
      d.record(i, false);
    }
  }

  @Test
  void mostlySuccessfulInstancesStayMostlyFailingOnesGo() {
    DefaultOutlierDetector d = detector(OutlierEjectionConfig.builder().consecutiveFailures(1000)
        .failureRate(0.5, 20, Duration.ofSeconds(10)));
    record(d, one, 16, 4); // 20% failed
    assertFalse(d.isEjected(one));
    assertEquals(20, d.recordedCalls(one));
    ServiceInstance bad = all.get(2);
    record(d, bad, 4, 16); // 80% failed
    assertTrue(d.isEjected(bad));
    ResilienceEvent.InstanceEjected e = (ResilienceEvent.InstanceEjected) events.get(0);
    assertEquals("failure rate 80% of 20 calls", e.reason());
    assertEquals(bad, e.instance());
  }

  @Test
  void theRateIsCheckedOnlyFromTheMinimumNumberOfCalls() {
    DefaultOutlierDetector d = detector(OutlierEjectionConfig.builder().consecutiveFailures(1000)
        .failureRate(0.5, 20, Duration.ofSeconds(10)));
    record(d, one, 9, 10); // 19 calls, over half failed, but under the minimum
    assertFalse(d.isEjected(one));
    record(d, one, 0, 1); // the 20th call
    assertTrue(d.isEjected(one));
    assertEquals("failure rate 55% of 20 calls", ((ResilienceEvent.InstanceEjected) events.get(0)).reason());
  }

  @Test
  void aSuccessBreaksARunOfFailures() {
    DefaultOutlierDetector d = detector(OutlierEjectionConfig.builder().consecutiveFailures(5)
        .failureRate(0.5, 1000, Duration.ofSeconds(10))); // the rate never decides here
    for (int round = 0; round < 4; round++) {
      record(d, one, 0, 4);
      record(d, one, 1, 0);
    }
    assertFalse(d.isEjected(one), "never 5 failures in a row");
    record(d, one, 0, 5);
    assertTrue(d.isEjected(one));
    assertEquals("5 consecutive failures", ((ResilienceEvent.InstanceEjected) events.get(0)).reason());
  }

  /** Ejects {@code one} by consecutive failures, then lets it back in through a successful trial. */
  private void ejectAndReturn(DefaultOutlierDetector d) {
    record(d, one, 0, 5);
    assertTrue(d.isEjected(one));
    Duration time = ejectionTimes().get(ejectionTimes().size() - 1);
    ticker.advance(time);
    assertTrue(d.selectable("svc", all).contains(one));
    assertTrue(d.tryAdmit(one));
    d.record(one, true);
    assertFalse(d.isEjected(one));
  }

  @Test
  void aHealthySpellLongerThanTheMaxEjectionResetsToTheBaseTime() {
    DefaultOutlierDetector d = detector(OutlierEjectionConfig.builder()
        .ejectionTime(Duration.ofSeconds(30), Duration.ofSeconds(100)));
    ejectAndReturn(d);
    ticker.advance(Duration.ofSeconds(5)); // soon after: the next ejection is longer
    ejectAndReturn(d);
    ticker.advance(Duration.ofSeconds(100)); // exactly the max: not yet forgiven
    ejectAndReturn(d);
    ticker.advance(Duration.ofSeconds(100).plusNanos(1)); // longer than the max: back to the base
    record(d, one, 0, 5);
    assertEquals(List.of(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(90), Duration.ofSeconds(30)),
        ejectionTimes());
  }

  @Test
  void returningInstancesTakeTheirTrialsOneByOne() {
    DefaultOutlierDetector d = detector(OutlierEjectionConfig.builder().trialCalls(2));
    record(d, one, 0, 5);
    ticker.advance(Duration.ofSeconds(30));
    assertTrue(d.selectable("svc", all).contains(one));
    assertTrue(d.tryAdmit(one));
    d.releaseUnused(one); // that one was never sent
    assertTrue(d.tryAdmit(one));
    assertTrue(d.tryAdmit(one));
    assertFalse(d.tryAdmit(one), "two trials only");
    d.record(one, true);
    assertTrue(d.isEjected(one), "one trial of two succeeded: still returning");
    d.record(one, true);
    assertFalse(d.isEjected(one));
    assertEquals(0, d.ejectedCount("svc"));
  }
}
