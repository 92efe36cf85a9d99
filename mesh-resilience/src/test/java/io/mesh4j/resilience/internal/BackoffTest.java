package io.mesh4j.resilience.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final long MS = 1_000_000L;

  @Test
  void fullJitterWindowDoublesUpToMax() {
    // u close to 1 shows the window's top: 50, 100, 200, 400, 800, then capped at 1000 ms
    double top = 0.999999;
    assertEquals(50, Backoff.fullJitterNanos(1, 50 * MS, 1000 * MS, top) / MS, 1);
    assertEquals(100, Backoff.fullJitterNanos(2, 50 * MS, 1000 * MS, top) / MS, 1);
    assertEquals(800, Backoff.fullJitterNanos(5, 50 * MS, 1000 * MS, top) / MS, 1);
    assertEquals(1000, Backoff.fullJitterNanos(6, 50 * MS, 1000 * MS, top) / MS, 1);
    assertEquals(1000, Backoff.fullJitterNanos(200, 50 * MS, 1000 * MS, top) / MS, 1);
    assertEquals(0, Backoff.fullJitterNanos(3, 50 * MS, 1000 * MS, 0.0));
    assertEquals(100 * MS, Backoff.fullJitterNanos(3, 50 * MS, 1000 * MS, 0.5));
  }

  @Test
  void serverHintIsHonouredUpToItsCap() {
    assertEquals(20 * MS, Backoff.retryDelayNanos(20 * MS, -1, 5000 * MS));
    assertEquals(2000 * MS, Backoff.retryDelayNanos(20 * MS, 2000 * MS, 5000 * MS));
    assertEquals(5000 * MS, Backoff.retryDelayNanos(20 * MS, 60_000 * MS, 5000 * MS));
    assertEquals(20 * MS, Backoff.retryDelayNanos(20 * MS, 1 * MS, 5000 * MS));
  }

  @Test
  void jitterLengthens() {
    assertEquals(30_000 * MS, Backoff.lengthenNanos(30_000 * MS, 0.1, 0));
    assertEquals(31_500 * MS, Backoff.lengthenNanos(30_000 * MS, 0.1, 0.5));
  }
}
