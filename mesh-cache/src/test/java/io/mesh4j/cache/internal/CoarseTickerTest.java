package io.mesh4j.cache.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CoarseTickerTest {
  @Test
  void followsNanoTimeWithinAFewMillisecondsAndNeverGoesBack() {
    long first = CoarseTicker.read();
    // It moves on its own (a refresh thread), and catches up with a nanoTime taken now.
    long target = System.nanoTime();
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
        .until(() -> CoarseTicker.read() - target >= 0);
    assertTrue(CoarseTicker.read() - first > 0);
    long last = CoarseTicker.read();
    for (int i = 0; i < 1_000_000; i++) {
      long t = CoarseTicker.read();
      assertTrue(t - last >= 0, "went back");
      assertTrue(System.nanoTime() - t >= 0, "ahead of nanoTime");
      last = t;
    }
  }
}
