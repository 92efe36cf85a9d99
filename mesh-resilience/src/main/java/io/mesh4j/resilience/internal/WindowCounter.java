package io.mesh4j.resilience.internal;

/**
 * Two sums over a sliding time window of ring buckets, driven by ticker readings. Not thread
 * safe: its owner guards it.
 */
final class WindowCounter {
  private final long bucketNanos;
  private final int buckets;
  private final long[] first;
  private final long[] second;
  private long epoch;
  private long sumFirst;
  private long sumSecond;

  WindowCounter(long windowNanos, int buckets, long now) {
    this.buckets = buckets;
    this.bucketNanos = Math.max(1, windowNanos / buckets);
    this.first = new long[buckets];
    this.second = new long[buckets];
    this.epoch = Math.floorDiv(now, bucketNanos);
  }

  /** Drops the buckets that slid out of the window by {@code now}. */
  void roll(long now) {
    long e = Math.floorDiv(now, bucketNanos);
    if (e <= epoch) {
      return;
    }
    long steps = Math.min(e - epoch, buckets);
    for (long k = 1; k <= steps; k++) {
      int i = (int) Math.floorMod(epoch + k, (long) buckets);
      sumFirst -= first[i];
      sumSecond -= second[i];
      first[i] = 0;
      second[i] = 0;
    }
    epoch = e;
  }

  void add(long now, long a, long b) {
    roll(now);
    int i = (int) Math.floorMod(epoch, (long) buckets);
    first[i] += a;
    second[i] += b;
    sumFirst += a;
    sumSecond += b;
  }

  void reset(long now) {
    java.util.Arrays.fill(first, 0);
    java.util.Arrays.fill(second, 0);
    sumFirst = 0;
    sumSecond = 0;
    epoch = Math.floorDiv(now, bucketNanos);
  }

  long first() {
    return sumFirst;
  }

  long second() {
    return sumSecond;
  }
}
