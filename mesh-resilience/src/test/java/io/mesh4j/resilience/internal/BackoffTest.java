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
  void theWindowIsBaseTimesTwoToTheRetryUntilItPassesMax() {
    // base << shift equal to max >> shift, max odd: base << shift is kept, not rounded up to max
    long max = 100 * MS + 1;
    assertEquals(50 * MS, Backoff.fullJitterNanos(1, 50 * MS, max, 1.0));
    assertEquals(50 * MS, Backoff.fullJitterNanos(0, 50 * MS, max, 1.0), "no retry number below 1");
    assertEquals(100 * MS, Backoff.fullJitterNanos(2, 50 * MS, max, 1.0));
    assertEquals(max, Backoff.fullJitterNanos(3, 50 * MS, max, 1.0));
    // a huge retry number neither overflows nor goes negative
    assertEquals(1L << 62, Backoff.fullJitterNanos(64, 3, Long.MAX_VALUE, 0.5));
    assertEquals(1L << 61, Backoff.fullJitterNanos(63, 1, 1L << 62, 0.5));
    assertEquals(500 * MS, Backoff.fullJitterNanos(41, 50 * MS, 1000 * MS, 0.5), "base << 40 would overflow");
    assertEquals(Long.MAX_VALUE, Backoff.fullJitterNanos(63, 1, Long.MAX_VALUE, 1.0), "from a shift of 62: max");
    // base about 18 min, max 1 ms more: base << 24 wraps to 0 where comparing against max << 24 would not see it
    long base = 1L << 40;
    assertEquals(base + (1L << 20), Backoff.fullJitterNanos(25, base, base + (1L << 20), 1.0));
  }

  @Test
  void serverHintIsHonouredUpToItsCap() {
    assertEquals(20 * MS, Backoff.retryDelayNanos(20 * MS, -1, 5000 * MS));
    assertEquals(2000 * MS, Backoff.retryDelayNanos(20 * MS, 2000 * MS, 5000 * MS));
    assertEquals(5000 * MS, Backoff.retryDelayNanos(20 * MS, 60_000 * MS, 5000 * MS));
    assertEquals(20 * MS, Backoff.retryDelayNanos(20 * MS, 1 * MS, 5000 * MS));
    assertEquals(0, Backoff.retryDelayNanos(0, 0, 5000 * MS), "a hint of zero: at once");
    assertEquals(20 * MS, Backoff.retryDelayNanos(20 * MS, 60_000 * MS, 0), "a cap of zero ignores hints");
  }

  @Test
  void jitterLengthens() {
    assertEquals(30_000 * MS, Backoff.lengthenNanos(30_000 * MS, 0.1, 0));
    assertEquals(31_500 * MS, Backoff.lengthenNanos(30_000 * MS, 0.1, 0.5));
    assertEquals(33_000 * MS, Backoff.lengthenNanos(30_000 * MS, 0.1, 1));
    assertEquals(30_000 * MS, Backoff.lengthenNanos(30_000 * MS, 0, 1));
  }
}
