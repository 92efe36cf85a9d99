package io.mesh4j.resilience.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.resilience.FakeTicker;
import io.mesh4j.resilience.RetryBudgetConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
  @Test
  void floorThenRatioOfRecentCalls() {
    FakeTicker ticker = new FakeTicker();
    RetryBudget budget = new RetryBudget(RetryBudgetConfig.builder().ratio(0.2).minRetriesPerSecond(1)
        .window(Duration.ofSeconds(10)).build(), ticker);
    // No calls yet: the floor (1/s over 10 s) allows 10 retries.
    for (int i = 0; i < 10; i++) {
      assertTrue(budget.tryAcquireRetry(), "retry " + i);
    }
    assertFalse(budget.tryAcquireRetry());
    for (int i = 0; i < 100; i++) {
      budget.recordCall();
    }
    // 20% of 100 calls more.
    int granted = 0;
    while (budget.tryAcquireRetry()) {
      granted++;
    }
    assertEquals(20, granted);
    assertEquals(100, budget.calls());
    assertEquals(30, budget.retries());
  }

  @Test
  void windowSlidesWithTheTicker() {
    FakeTicker ticker = new FakeTicker();
    RetryBudget budget = new RetryBudget(RetryBudgetConfig.builder().ratio(0.5).minRetriesPerSecond(0).build(), ticker);
    for (int i = 0; i < 10; i++) {
      budget.recordCall();
    }
    for (int i = 0; i < 5; i++) {
      assertTrue(budget.tryAcquireRetry());
    }
    assertFalse(budget.tryAcquireRetry());
    ticker.advance(Duration.ofSeconds(5));
    assertFalse(budget.tryAcquireRetry(), "still inside the 10 s window");
    ticker.advance(Duration.ofSeconds(6));
    assertEquals(0, budget.calls(), "calls slid out of the window");
    assertEquals(0, budget.retries());
    assertFalse(budget.tryAcquireRetry(), "no calls, no floor: no retry");
    budget.recordCall();
    budget.recordCall();
    assertTrue(budget.tryAcquireRetry());
  }

  @Test
  void concurrentCountersEqualWhatWasSubmitted() throws Exception {
    FakeTicker ticker = new FakeTicker();
    RetryBudget budget = new RetryBudget(RetryBudgetConfig.defaults(), ticker);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        results.add(pool.submit(() -> {
          int granted = 0;
          for (int i = 0; i < 20_000; i++) {
            budget.recordCall();
            if (budget.tryAcquireRetry()) {
              granted++;
            }
          }
          return granted;
        }));
      }
      long granted = 0;
      for (Future<Integer> f : results) {
        granted += f.get(30, TimeUnit.SECONDS);
      }
      assertEquals(160_000, budget.calls());
      assertEquals(granted, budget.retries());
      assertTrue(granted <= 0.2 * 160_000 + 100, "granted " + granted);
      assertTrue(granted >= 0.2 * 160_000, "granted " + granted);
    } finally {
      pool.shutdownNow();
    }
  }
}
