package io.mesh4j.resilience.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mesh4j.api.Ticker;
import io.mesh4j.resilience.FakeTicker;
import io.mesh4j.resilience.RetryBudgetConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sliding window of ring buckets: as time moves, exactly the buckets that slid out are
 * cleared, across several windows and from any origin (nanoTime may be negative).
 */
@Timeout(30)
class WindowCounterTest {
  private static final long S = 1_000_000_000L;

  @Test
  void eachBucketLeavesTheWindowWhenItsSecondHasPassed() {
    long t0 = 7 * S + S / 2; // not aligned on a bucket
    WindowCounter w = new WindowCounter(10 * S, 10, t0);
    w.add(t0, 1, 10);
    w.add(t0 + 3 * S, 2, 20);
    w.add(t0 + 9 * S, 4, 40);
    assertEquals(7, w.first());
    assertEquals(70, w.second());
    // t0 (7.5 s) is in the bucket [7 s, 8 s), which leaves the window when the bucket [17 s, 18 s) begins.
    w.roll(t0 + 9 * S + S / 2 - 1);
    assertEquals(7, w.first());
    w.roll(t0 + 9 * S + S / 2);
    assertEquals(6, w.first());
    assertEquals(60, w.second());
    w.roll(t0 + 12 * S);
    assertEquals(6, w.first(), "t0 + 3 s (10.5 s) leaves at 20 s");
    w.roll(t0 + 12 * S + S / 2);
    assertEquals(4, w.first());
    assertEquals(40, w.second());
    w.add(t0 + 14 * S, 8, 80); // a later bucket, the ring wrapped
    assertEquals(12, w.first());
    w.roll(t0 + 18 * S + S / 2);
    assertEquals(8, w.first(), "t0 + 9 s (16.5 s) left at 26 s");
    w.roll(t0 + 100 * S); // far ahead: everything is gone
    assertEquals(0, w.first());
    assertEquals(0, w.second());
    w.add(t0 + 100 * S, 1, 1);
    assertEquals(1, w.first());
  }

  @Test
  void timeGoingBackIsIgnoredAndNegativeOriginsWork() {
    long t0 = -25 * S - S / 4;
    WindowCounter w = new WindowCounter(10 * S, 10, t0);
    w.add(t0, 1, 0);
    w.add(t0 - 5 * S, 1, 0); // an earlier reading counts in the current bucket
    assertEquals(2, w.first());
    w.roll(t0 + 9 * S);
    assertEquals(2, w.first());
    w.roll(t0 + 10 * S);
    assertEquals(0, w.first());
  }

  @Test
  void resetEmptiesEveryBucket() {
    WindowCounter w = new WindowCounter(10 * S, 10, 0);
    for (int k = 0; k < 10; k++) {
      w.add(k * S, 1, 1);
    }
    assertEquals(10, w.first());
    w.reset(10 * S);
    assertEquals(0, w.first());
    assertEquals(0, w.second());
    w.roll(15 * S);
    assertEquals(0, w.first(), "nothing left to subtract");
    w.add(15 * S, 3, 0);
    assertEquals(3, w.first());
  }

  @Test
  void theBudgetRollsTheWindowBeforeItChecks() {
    FakeTicker ticker = new FakeTicker();
    RetryBudget budget = new RetryBudget(RetryBudgetConfig.builder().ratio(0.5).minRetriesPerSecond(0)
        .window(Duration.ofSeconds(10)).build(), ticker);
    for (int i = 0; i < 10; i++) {
      budget.recordCall();
    }
    ticker.advance(Duration.ofSeconds(11));
    // The 10 calls slid out: with nothing in the window, no retry may be taken.
    assertEquals(false, budget.tryAcquireRetry());
    assertEquals(0, budget.retries());
  }

  @Test
  void theBudgetFloorIsPerSecondOfTheWindow() {
    Ticker frozen = () -> 0L;
    RetryBudget budget = new RetryBudget(RetryBudgetConfig.builder().ratio(0).minRetriesPerSecond(2)
        .window(Duration.ofSeconds(5)).build(), frozen);
    int granted = 0;
    while (budget.tryAcquireRetry()) {
      granted++;
    }
    assertEquals(10, granted);
    assertEquals(10, budget.retries());
    assertEquals(0, budget.calls());
  }
}
