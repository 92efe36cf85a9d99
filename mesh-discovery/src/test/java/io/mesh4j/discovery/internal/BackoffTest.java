package io.mesh4j.discovery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void errorDelay_doublesWithinEqualJitter_andCaps() {
    long base = 500 * MS;
    long max = 30_000 * MS;
    assertEquals(250 * MS, Backoff.errorDelayNanos(1, base, max, 0.0));
    assertEquals(500 * MS, Backoff.errorDelayNanos(1, base, max, Math.nextDown(1.0)), MS);
    assertEquals(500 * MS, Backoff.errorDelayNanos(2, base, max, 0.0));
    assertEquals(1000 * MS, Backoff.errorDelayNanos(3, base, max, 0.0));
    assertEquals(15_000 * MS, Backoff.errorDelayNanos(20, base, max, 0.0));
    assertEquals(15_000 * MS, Backoff.errorDelayNanos(Integer.MAX_VALUE, base, max, 0.0));
    assertTrue(Backoff.errorDelayNanos(40, base, max, 0.99) <= max);
  }

  @Test
  void minInterval_noDelayAfterALongPoll_restPlusJitterAfterAnEarlyAnswer() {
    long min = 50 * MS;
    assertEquals(0, Backoff.minIntervalDelayNanos(55_000 * MS, min, 0.7));
    assertEquals(0, Backoff.minIntervalDelayNanos(50 * MS, min, 0.7));
    assertEquals(40 * MS, Backoff.minIntervalDelayNanos(10 * MS, min, 0.0));
    assertEquals(40 * MS + 12_500_000, Backoff.minIntervalDelayNanos(10 * MS, min, 0.5));
  }

  @Test
  void heartbeat_neverLaterThanTheInterval() {
    long interval = 1000 * MS;
    assertEquals(interval, Backoff.heartbeatDelayNanos(interval, 0.0));
    assertEquals(800 * MS, Backoff.heartbeatDelayNanos(interval, Math.nextDown(1.0)), MS);
    assertEquals(900 * MS, Backoff.heartbeatDelayNanos(interval, 0.5));
  }
}
