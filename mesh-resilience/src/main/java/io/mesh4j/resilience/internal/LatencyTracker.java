package io.mesh4j.resilience.internal;

import io.mesh4j.api.Ticker;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Recent latencies of one service's successful attempts, as a log-linear histogram (4 buckets per
 * power of two from about 1 µs to about 137 s, so a percentile is off by at most 25%), over two
 * halves of a window that take turns. Recording is one array increment; percentiles are
 * worked out at most every {@value #REFRESH_MILLIS} ms by whichever recording thread finds them
 * due, and read from volatile fields. Answers -1 until the window holds {@link #minSamples}
 * samples; until then every record works them out again, so the sample that reaches the minimum
 * publishes them at once (a burst of fast calls within 100 ms must not leave the answer at -1,
 * which would keep an adaptive timeout at its maximum). Thread safe; losing a sample to a race
 * while a half is cleared is acceptable.
 */
public final class LatencyTracker {
  /** How often the cached percentiles are worked out again. */
  public static final long REFRESH_MILLIS = 100;
  private static final int SUB_BITS = 2;
  private static final int SUB = 1 << SUB_BITS;
  private static final int MIN_SHIFT = 10;
  private static final int MAX_SHIFT = 37;
  static final int BUCKETS = (MAX_SHIFT - MIN_SHIFT) * SUB + 1;

  private final Ticker ticker;
  private final long halfNanos;
  private final int minSamples;
  private final double[] quantiles;
  private final AtomicLongArray[] halves = {new AtomicLongArray(BUCKETS), new AtomicLongArray(BUCKETS)};
  private volatile int current;
  private volatile long rotateAt;
  private volatile long refreshAt;
  private final java.util.concurrent.atomic.AtomicBoolean refreshing = new java.util.concurrent.atomic.AtomicBoolean();
  private final long[] cached;
  private volatile long[] published;
  /** Whether the last refresh found at least {@link #minSamples} samples. */
  private volatile boolean enough;

  /**
   * A tracker over {@code windowNanos} (two halves) of the {@code quantiles} (0 to 1), valid once
   * {@code minSamples} samples are in the window.
   */
  public LatencyTracker(Ticker ticker, long windowNanos, int minSamples, double... quantiles) {
    this.ticker = ticker;
    this.halfNanos = Math.max(1, windowNanos / 2);
    this.minSamples = minSamples;
    this.quantiles = quantiles.clone();
    this.cached = new long[quantiles.length];
    java.util.Arrays.fill(cached, -1);
    this.published = cached.clone();
    long now = ticker.read();
    this.rotateAt = now + halfNanos;
    this.refreshAt = now;
  }

  /** Records one latency. */
  public void record(long nanos) {
    halves[current].incrementAndGet(bucket(nanos));
    long now = ticker.read();
    if ((!enough || now - refreshAt >= 0) && refreshing.compareAndSet(false, true)) {
      try {
        refresh(now);
      } finally {
        refreshing.set(false);
      }
    }
  }

  /** The {@code i}th quantile given at construction, in nanos (an upper bound), or -1 while too few samples. */
  public long quantile(int i) {
    return published[i];
  }

  private void refresh(long now) {
    refreshAt = now + REFRESH_MILLIS * 1_000_000L;
    if (now - rotateAt >= 0) {
      int next = 1 - current;
      AtomicLongArray old = halves[next];
      for (int b = 0; b < BUCKETS; b++) {
        old.set(b, 0);
      }
      current = next;
      // Two windows late (an idle service): the other half is stale too.
      if (now - rotateAt >= halfNanos) {
        AtomicLongArray other = halves[1 - next];
        for (int b = 0; b < BUCKETS; b++) {
          other.set(b, 0);
        }
      }
      rotateAt = now + halfNanos;
    }
    long total = 0;
    long[] counts = new long[BUCKETS];
    for (int b = 0; b < BUCKETS; b++) {
      counts[b] = halves[0].get(b) + halves[1].get(b);
      total += counts[b];
    }
    long[] out = new long[quantiles.length];
    for (int q = 0; q < quantiles.length; q++) {
      out[q] = total < minSamples ? -1 : upperBound(indexOf(counts, total, quantiles[q]));
    }
    published = out;
    enough = total >= minSamples;
  }

  private static int indexOf(long[] counts, long total, double quantile) {
    long rank = (long) Math.ceil(quantile * total);
    long seen = 0;
    for (int b = 0; b < BUCKETS; b++) {
      seen += counts[b];
      if (seen >= rank && counts[b] > 0) {
        return b;
      }
    }
    return BUCKETS - 1;
  }

  /** The bucket of {@code nanos}. */
  static int bucket(long nanos) {
    if (nanos < (1L << MIN_SHIFT)) {
      return 0;
    }
    int e = 63 - Long.numberOfLeadingZeros(nanos);
    if (e >= MAX_SHIFT) {
      return BUCKETS - 1;
    }
    int sub = (int) (nanos >>> (e - SUB_BITS)) & (SUB - 1);
    return 1 + (e - MIN_SHIFT) * SUB + sub;
  }

  /** The largest value of bucket {@code b} (its exclusive upper bound). */
  static long upperBound(int b) {
    if (b == 0) {
      return 1L << MIN_SHIFT;
    }
    int e = (b - 1) / SUB + MIN_SHIFT;
    int sub = (b - 1) % SUB;
    return (long) (SUB + sub + 1) << (e - SUB_BITS);
  }
}
