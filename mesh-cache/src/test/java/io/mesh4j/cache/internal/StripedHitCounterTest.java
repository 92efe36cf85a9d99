package io.mesh4j.cache.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StripedHitCounterTest {
  /**
   * Threads of one pool (consecutive ids) each get a stripe of their own: the count is exact, with
   * no atomic instruction. Sharing one stripe (the guard this test can break) loses increments.
   */
  @Test
  void countsExactlyForThreadsThatHaveTheirOwnStripe() throws Exception {
    StripedHitCounter counter = new StripedHitCounter();
    int threads = 8;
    int perThread = 500_000;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < perThread; i++) {
          counter.increment();
        }
      });
      thread.start();
      started.add(thread);
    }
    go.countDown();
    for (Thread thread : started) {
      thread.join();
    }
    assertEquals((long) threads * perThread, counter.sum());
  }

  @Test
  void startsAtZeroAndCountsOnOneThread() {
    StripedHitCounter counter = new StripedHitCounter();
    assertEquals(0, counter.sum());
    for (int i = 0; i < 1000; i++) {
      counter.increment();
    }
    assertEquals(1000, counter.sum());
  }
}
