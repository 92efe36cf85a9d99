package io.mesh4j.resilience.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.resilience.FakeTicker;
import io.mesh4j.resilience.Fixtures;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.ResilienceEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {
  private final FakeTicker ticker = new FakeTicker();
  private final List<MeshEvent> events = new CopyOnWriteArrayList<>();
  private final MeshEventListener listener = Fixtures.collecting(events);

  private DefaultOutlierDetector detector(OutlierEjectionConfig config) {
    return new DefaultOutlierDetector(config, ticker, new Random(42), new Events(List.of(listener)));
  }

  private static OutlierEjectionConfig.Builder noJitter() {
    return OutlierEjectionConfig.builder().returnJitter(0);
  }

  @Test
  void consecutiveFailuresEjectForTheBaseTimeThenATrialReturnsIt() {
    DefaultOutlierDetector d = detector(noJitter().build());
    List<ServiceInstance> all = Fixtures.instances("svc", 4);
    ServiceInstance bad = all.get(0);
    assertSame(all, d.selectable("svc", all), "nothing ejected: the same list, no copy");
    for (int i = 0; i < 4; i++) {
      d.record(bad, false);
    }
    assertFalse(d.isEjected(bad), "4 failures are not enough");
    d.record(bad, false);
    assertTrue(d.isEjected(bad));
    assertEquals(List.of(bad), d.ejected("svc"));
    assertEquals(3, d.selectable("svc", all).size());
    ResilienceEvent.InstanceEjected ejected = (ResilienceEvent.InstanceEjected) events.get(0);
    assertEquals(Duration.ofSeconds(30), ejected.ejectionTime());

    ticker.advance(Duration.ofSeconds(29));
    assertFalse(d.selectable("svc", all).contains(bad));
    ticker.advance(Duration.ofSeconds(1));
    assertTrue(d.selectable("svc", all).contains(bad), "back for its trial call");
    assertTrue(d.tryAdmit(bad));
    assertFalse(d.tryAdmit(bad), "one trial call only");
    assertFalse(d.selectable("svc", all).contains(bad), "trial taken: not selectable meanwhile");
    d.record(bad, true);
    assertFalse(d.isEjected(bad));
    assertSame(all, d.selectable("svc", all));
    assertTrue(events.get(events.size() - 1) instanceof ResilienceEvent.InstanceReturned);
  }

  @Test
  void failedTrialEjectsAgainForLongerUpToTheMax() {
    DefaultOutlierDetector d = detector(noJitter()
        .ejectionTime(Duration.ofSeconds(30), Duration.ofSeconds(70)).build());
    List<ServiceInstance> all = Fixtures.instances("svc", 2);
    ServiceInstance bad = all.get(0);
    d.selectable("svc", all);
    for (int i = 0; i < 5; i++) {
      d.record(bad, false);
    }
    List<Duration> times = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      ResilienceEvent.InstanceEjected e = (ResilienceEvent.InstanceEjected) events.get(events.size() - 1);
      times.add(e.ejectionTime());
      ticker.advance(e.ejectionTime());
      assertTrue(d.selectable("svc", all).contains(bad));
      assertTrue(d.tryAdmit(bad));
      d.record(bad, false);
    }
    assertEquals(List.of(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(70)), times);
  }

  @Test
  void jitterLengthensEjectionWithinItsShare() {
    DefaultOutlierDetector d = detector(OutlierEjectionConfig.builder().returnJitter(0.5).build());
    List<ServiceInstance> all = Fixtures.instances("svc", 4);
    d.selectable("svc", all);
    for (int i = 0; i < 5; i++) {
      d.record(all.get(0), false);
    }
    Duration t = ((ResilienceEvent.InstanceEjected) events.get(0)).ejectionTime();
    assertTrue(t.compareTo(Duration.ofSeconds(30)) >= 0 && t.compareTo(Duration.ofSeconds(45)) < 0, t.toString());
  }

  @Test
  void failureRateOverTheWindowEjects() {
    DefaultOutlierDetector d = detector(noJitter().consecutiveFailures(1000).build());
    List<ServiceInstance> all = Fixtures.instances("svc", 4);
    d.selectable("svc", all);
    ServiceInstance flaky = all.get(1);
    for (int i = 0; i < 9; i++) { // 9 failures, 9 successes: 18 calls, under the minimum of 20
      d.record(flaky, false);
      d.record(flaky, true);
    }
    assertFalse(d.isEjected(flaky));
    d.record(flaky, true);
    d.record(flaky, false); // 20 calls, 10 failed: 50%
    assertTrue(d.isEjected(flaky));
    assertTrue(((ResilienceEvent.InstanceEjected) events.get(0)).reason().startsWith("failure rate"));
  }

  @Test
  void oldFailuresSlideOutOfTheWindow() {
    DefaultOutlierDetector d = detector(noJitter().consecutiveFailures(1000).build());
    List<ServiceInstance> all = Fixtures.instances("svc", 4);
    d.selectable("svc", all);
    ServiceInstance flaky = all.get(1);
    for (int i = 0; i < 15; i++) {
      d.record(flaky, false);
    }
    ticker.advance(Duration.ofSeconds(11));
    for (int i = 0; i < 10; i++) {
      d.record(flaky, true);
    }
    for (int i = 0; i < 5; i++) {
      d.record(flaky, false);
    }
    assertFalse(d.isEjected(flaky), "15 calls in the window, 5 failed");
    assertEquals(15, d.recordedCalls(flaky));
  }

  @ParameterizedTest(name = "{0} instances: at most {1} ejected")
  @CsvSource({"1, 0", "2, 1", "10, 5"})
  void ejectionCapHolds(int n, int maxEjected) {
    DefaultOutlierDetector d = detector(noJitter().build());
    List<ServiceInstance> all = Fixtures.instances("svc", n);
    d.selectable("svc", all);
    for (int round = 0; round < 10; round++) {
      for (ServiceInstance i : all) {
        d.record(i, false);
      }
    }
    assertEquals(maxEjected, d.ejected("svc").size());
    assertEquals(maxEjected, d.ejectedCount("svc"));
    List<ServiceInstance> selectable = d.selectable("svc", all);
    assertEquals(n - maxEjected, selectable.size());
    assertFalse(selectable.isEmpty());
  }

  @Test
  void capAtHundredPercentStillLeavesOne() {
    DefaultOutlierDetector d = detector(noJitter().maxEjectionPercent(100).build());
    List<ServiceInstance> all = Fixtures.instances("svc", 3);
    d.selectable("svc", all);
    for (int round = 0; round < 10; round++) {
      for (ServiceInstance i : all) {
        d.record(i, false);
      }
    }
    assertEquals(2, d.ejectedCount("svc"));
    assertEquals(1, d.selectable("svc", all).size());
  }

  @Test
  void instancesLeavingDiscoveryFreeTheirEjectionSlot() {
    DefaultOutlierDetector d = detector(noJitter().build());
    List<ServiceInstance> all = Fixtures.instances("svc", 4);
    d.selectable("svc", all);
    for (int i = 0; i < 5; i++) {
      d.record(all.get(0), false);
      d.record(all.get(1), false);
    }
    assertEquals(2, d.ejectedCount("svc"));
    List<ServiceInstance> shrunk = List.of(all.get(1), all.get(2), all.get(3), Fixtures.at("svc", 20000));
    d.selectable("svc", shrunk);
    assertEquals(1, d.ejectedCount("svc"));
    assertFalse(d.isEjected(all.get(0)));
  }

  /** Ejects {@code bad} by consecutive failures and returns the ejection event. */
  private ResilienceEvent.InstanceEjected eject(DefaultOutlierDetector d, ServiceInstance bad) {
    for (int i = 0; i < 5; i++) {
      d.record(bad, false);
    }
    assertTrue(d.isEjected(bad));
    return (ResilienceEvent.InstanceEjected) events.get(events.size() - 1);
  }

  @Test
  void anEjectedInstanceThatDiscoveryDropsAndBringsBackReturnsThroughItsTrialsAtOnce() {
    DefaultOutlierDetector d = detector(noJitter().build());
    List<ServiceInstance> all = Fixtures.instances("svc", 3);
    ServiceInstance bad = all.get(0);
    d.selectable("svc", all);
    eject(d, bad);
    ticker.advance(Duration.ofSeconds(2));
    List<ServiceInstance> without = List.of(all.get(1), all.get(2)); // its health check went critical
    d.selectable("svc", without);
    assertFalse(d.isEjected(bad));
    ticker.advance(Duration.ofSeconds(2));
    List<ServiceInstance> back = new ArrayList<>(all); // restarted, passing again: 26 s before its ejection ends
    assertTrue(d.selectable("svc", back).contains(bad), "due for its trial at once");
    assertTrue(d.isEjected(bad), "through the trial calls, not straight to active");
    assertTrue(d.tryAdmit(bad));
    assertFalse(d.tryAdmit(bad), "one trial call, as after an ejection that ran out");
    d.record(bad, true);
    assertFalse(d.isEjected(bad));
    assertTrue(events.get(events.size() - 1) instanceof ResilienceEvent.InstanceReturned);
  }

  @Test
  void aFlappingInstanceCannotUseDiscoveryToSkipItsEjectionTwice() {
    DefaultOutlierDetector d = detector(noJitter().build());
    List<ServiceInstance> all = Fixtures.instances("svc", 3);
    List<ServiceInstance> without = List.of(all.get(1), all.get(2));
    ServiceInstance bad = all.get(0);
    d.selectable("svc", all);
    eject(d, bad);
    d.selectable("svc", without);
    d.selectable("svc", new ArrayList<>(all));
    assertTrue(d.tryAdmit(bad));
    d.record(bad, false); // the trial fails: ejected again, for twice the base time
    ResilienceEvent.InstanceEjected second = (ResilienceEvent.InstanceEjected) events.get(events.size() - 1);
    assertEquals(Duration.ofSeconds(60), second.ejectionTime(), "the ejection count survived the departure");
    ticker.advance(Duration.ofSeconds(5));
    d.selectable("svc", without);
    d.selectable("svc", new ArrayList<>(all)); // back again 5 s later: the skip was used 5 s ago
    assertTrue(d.isEjected(bad));
    assertFalse(d.selectable("svc", all).contains(bad), "keeps the ejection it had");
    ticker.advance(Duration.ofSeconds(55)); // its 60 s are up
    assertTrue(d.selectable("svc", all).contains(bad));
  }

  @Test
  void anInstanceAwayLongerThanTheMaxEjectionComesBackNewAndIsForgotten() {
    DefaultOutlierDetector d = detector(noJitter().build());
    List<ServiceInstance> all = Fixtures.instances("svc", 3);
    List<ServiceInstance> without = List.of(all.get(1), all.get(2));
    ServiceInstance bad = all.get(0);
    d.selectable("svc", all);
    eject(d, bad);
    d.selectable("svc", without);
    ticker.advance(OutlierEjectionConfig.builder().build().maxEjectionTime());
    d.selectable("svc", new ArrayList<>(without)); // a later change drops what is remembered of it
    d.selectable("svc", new ArrayList<>(all));
    assertFalse(d.isEjected(bad));
    assertSame(all, d.selectable("svc", all));
  }

  @Test
  void suspectAttemptsEjectOnlyTenInARowAndASuccessResetsTheCount() {
    DefaultOutlierDetector d = detector(noJitter().build());
    List<ServiceInstance> all = Fixtures.instances("svc", 3);
    ServiceInstance slowTail = all.get(1);
    ServiceInstance hole = all.get(0);
    d.selectable("svc", all);
    for (int round = 0; round < 50; round++) { // a healthy instance: a suspect now and then, successes between
      d.recordSuspect(slowTail);
      d.recordSuspect(slowTail);
      d.record(slowTail, true);
    }
    assertFalse(d.isEjected(slowTail), "a healthy slow tail is never ejected");
    assertEquals(0, d.recordedCalls(hole));
    for (int i = 0; i < 9; i++) {
      d.recordSuspect(hole);
      ticker.advance(Duration.ofMillis(200));
    }
    assertFalse(d.isEjected(hole), "9 are not enough");
    assertEquals(0, d.recordedCalls(hole), "suspects stay out of the failure rate");
    d.recordSuspect(hole);
    assertTrue(d.isEjected(hole));
    assertTrue(((ResilienceEvent.InstanceEjected) events.get(events.size() - 1)).reason().contains("10 suspect"));
  }

  @Test
  void aSuspectTrialEjectsAgainAndZeroTurnsSuspectEjectionOff() {
    DefaultOutlierDetector d = detector(noJitter().build());
    List<ServiceInstance> all = Fixtures.instances("svc", 3);
    ServiceInstance bad = all.get(0);
    d.selectable("svc", all);
    for (int i = 0; i < 50; i++) { // a burst within a pause of the client: 50 in a row, all within 0.5 s
      d.recordSuspect(bad);
      ticker.advance(Duration.ofMillis(10));
    }
    assertFalse(d.isEjected(bad), "a streak shorter than a second does not eject");
    ticker.advance(Duration.ofMillis(500));
    d.recordSuspect(bad);
    assertTrue(d.isEjected(bad), "the same streak, still going a second later, does");
    ticker.advance(Duration.ofSeconds(30));
    assertTrue(d.selectable("svc", all).contains(bad));
    assertTrue(d.tryAdmit(bad));
    d.recordSuspect(bad);
    assertTrue(d.isEjected(bad), "its trial was overtaken or far too slow");

    DefaultOutlierDetector off = detector(noJitter().consecutiveSuspectAttempts(0).build());
    off.selectable("svc", all);
    for (int i = 0; i < 100; i++) {
      off.recordSuspect(bad);
    }
    assertFalse(off.isEjected(bad));
  }

  @Test
  void concurrentRecordsLoseNothingAndRespectTheCap() throws Exception {
    DefaultOutlierDetector counting = detector(noJitter().consecutiveFailures(1_000_000)
        .failureRate(1.0, 1_000_000, Duration.ofSeconds(10)).build());
    // Ejects on the failure rate only (consecutive failures out of reach), above 70%: 80% failures
    // eject, 80% successes (failures and successes swapped anywhere) never would.
    DefaultOutlierDetector ejecting = detector(noJitter().consecutiveFailures(1_000_000)
        .failureRate(0.7, 200, Duration.ofSeconds(10)).build());
    List<ServiceInstance> all = Fixtures.instances("svc", 10);
    counting.selectable("svc", all);
    ejecting.selectable("svc", all);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int seed = t;
        fs.add(pool.submit(() -> {
          Random r = new Random(seed);
          for (int i = 0; i < 5_000; i++) {
            ServiceInstance inst = all.get(i % 10);
            counting.record(inst, r.nextBoolean());
            ejecting.record(inst, r.nextInt(10) >= 8); // success 20% of the time: 80% failures
            ejecting.selectable("svc", all);
          }
        }));
      }
      for (Future<?> f : fs) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    for (ServiceInstance i : all) {
      assertEquals(16 * 500, counting.recordedCalls(i), "calls recorded for " + i.id());
    }
    assertEquals(ejecting.ejectedCount("svc"), ejecting.ejected("svc").size());
    // Every instance fails 80% of its calls and the fake ticker never moves, so no ejection ends:
    // the cap of 50% of 10 is reached, and held.
    assertEquals(5, ejecting.ejectedCount("svc"), "80% failures eject up to the cap of 50% of 10");
  }
}
