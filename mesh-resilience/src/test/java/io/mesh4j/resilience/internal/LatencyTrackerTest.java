package io.mesh4j.resilience.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.resilience.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The latency histogram behind the adaptive attempt timeout and the hedge delay: its buckets, its
 * percentiles, when it works them out again, and how its two half-windows forget old samples.
 */
@Timeout(10)
class LatencyTrackerTest {
  private static final long MS = 1_000_000L;
  private final FakeTicker ticker = new FakeTicker();

  private void tick(long nanos) {
    ticker.advance(Duration.ofNanos(nanos));
  }

  @Test
  void bucketsAreFourPerPowerOfTwoFromAbout1MicrosecondTo137Seconds() {
    assertEquals(0, LatencyTracker.bucket(0));
    assertEquals(0, LatencyTracker.bucket(1023));
    assertEquals(1, LatencyTracker.bucket(1024));
    assertEquals(1, LatencyTracker.bucket(1279));
    assertEquals(2, LatencyTracker.bucket(1280));
    assertEquals(4, LatencyTracker.bucket(2047));
    assertEquals(5, LatencyTracker.bucket(2048));
    assertEquals(LatencyTracker.BUCKETS - 1, LatencyTracker.bucket((1L << 37) - 1));
    assertEquals(LatencyTracker.BUCKETS - 1, LatencyTracker.bucket(1L << 37));
    assertEquals(LatencyTracker.BUCKETS - 1, LatencyTracker.bucket(Long.MAX_VALUE));
    assertEquals(109, LatencyTracker.BUCKETS);

    assertEquals(1024, LatencyTracker.upperBound(0));
    assertEquals(1280, LatencyTracker.upperBound(1));
    assertEquals(1536, LatencyTracker.upperBound(2));
    assertEquals(2048, LatencyTracker.upperBound(4));
    assertEquals(2560, LatencyTracker.upperBound(5));
    assertEquals(7L << 34, LatencyTracker.upperBound(LatencyTracker.BUCKETS - 2));
    assertEquals(1L << 37, LatencyTracker.upperBound(LatencyTracker.BUCKETS - 1));
  }

  @Test
  void everyValueLiesBelowItsBucketsUpperBoundAndAtOrAboveTheOneBefore() {
    for (long v = 1; v < (1L << 37); v = v * 3 / 2 + 7) {
      for (long n : new long[] {v - 1, v, v + 1}) {
        if (n >= (1L << 37)) {
          continue; // the last bucket holds everything from 2^37 up
        }
        int b = LatencyTracker.bucket(n);
        assertTrue(n < LatencyTracker.upperBound(b), n + " in bucket " + b);
        if (b > 0) {
          assertTrue(n >= LatencyTracker.upperBound(b - 1), n + " above bucket " + (b - 1));
          // A percentile is off by at most 25%.
          assertTrue(LatencyTracker.upperBound(b) <= LatencyTracker.upperBound(b - 1) * 5 / 4, "bucket " + b);
        }
      }
    }
  }

  @Test
  void percentilesAreMinusOneUntilTheWindowHoldsEnoughSamples() {
    LatencyTracker t = new LatencyTracker(ticker, 10_000 * MS, 3, 0.5);
    assertEquals(-1, t.quantile(0));
    t.record(MS);
    tick(100 * MS);
    t.record(MS);
    assertEquals(-1, t.quantile(0), "two samples of three");
    tick(100 * MS);
    t.record(MS);
    assertEquals(LatencyTracker.upperBound(LatencyTracker.bucket(MS)), t.quantile(0), "exactly the minimum");
  }

  @Test
  void theSampleThatReachesTheMinimumPublishesThePercentilesAtOnce() {
    // 40 fast calls within one refresh interval: the adaptive timeout must not wait 100 ms for them.
    LatencyTracker t = new LatencyTracker(ticker, 10_000 * MS, 20, 0.99);
    for (int i = 0; i < 19; i++) {
      t.record(MS);
      tick(MS);
    }
    assertEquals(-1, t.quantile(0), "19 samples of 20");
    t.record(MS);
    assertEquals(LatencyTracker.upperBound(LatencyTracker.bucket(MS)), t.quantile(0), "the 20th sample, 19 ms in");
  }

  @Test
  void percentilesAreWorkedOutAgainEvery100Milliseconds() {
    LatencyTracker t = new LatencyTracker(ticker, 10_000 * MS, 1, 0.5);
    t.record(MS); // the first record works them out at once
    long oneMs = LatencyTracker.upperBound(LatencyTracker.bucket(MS));
    assertEquals(oneMs, t.quantile(0));
    tick(100 * MS - 1);
    t.record(50 * MS);
    t.record(50 * MS);
    assertEquals(oneMs, t.quantile(0), "not yet due");
    tick(1);
    t.record(50 * MS);
    assertEquals(LatencyTracker.upperBound(LatencyTracker.bucket(50 * MS)), t.quantile(0), "due at 100 ms");
  }

  @Test
  void aPercentileIsTheBucketWhereTheRankIsReached() {
    LatencyTracker t = new LatencyTracker(ticker, 10_000 * MS, 10, 0.0, 0.5, 0.9, 0.91, 1.0);
    for (int i = 0; i < 9; i++) {
      t.record(MS);
    }
    tick(100 * MS);
    t.record(200 * MS);
    long low = LatencyTracker.upperBound(LatencyTracker.bucket(MS));
    long high = LatencyTracker.upperBound(LatencyTracker.bucket(200 * MS));
    assertEquals(low, t.quantile(0), "p0: the smallest recorded value's bucket, not an empty one below it");
    assertEquals(low, t.quantile(1));
    assertEquals(low, t.quantile(2), "rank 9 of 10 is reached in the first bucket");
    assertEquals(high, t.quantile(3), "rank 10 (ceil of 9.1)");
    assertEquals(high, t.quantile(4));
  }

  @Test
  void aRankReachedExactlyAtTheEndOfABucketIsThatBucket() {
    LatencyTracker t = new LatencyTracker(ticker, 10_000 * MS, 8, 0.5);
    for (int i = 0; i < 4; i++) {
      t.record(MS);
    }
    for (int i = 0; i < 3; i++) {
      t.record(200 * MS);
    }
    tick(100 * MS);
    t.record(200 * MS);
    assertEquals(LatencyTracker.upperBound(LatencyTracker.bucket(MS)), t.quantile(0), "rank 4 of 8 is the 4th 1 ms");
  }

  @Test
  void withNoMinimumAnEmptyWindowAnswersTheLargestBound() {
    LatencyTracker t = new LatencyTracker(ticker, 10_000 * MS, 0, 0.5);
    t.record(MS);
    tick(10_000 * MS); // a half late: the sample just recorded is cleared with both halves
    t.record(MS);
    assertEquals(1L << 37, t.quantile(0));
  }

  @Test
  void samplesLeaveAfterOneToTwoHalvesOfTheWindow() {
    LatencyTracker t = new LatencyTracker(ticker, 10_000 * MS, 1, 1.0);
    t.record(300 * MS);
    long slow = LatencyTracker.upperBound(LatencyTracker.bucket(300 * MS));
    long fast = LatencyTracker.upperBound(LatencyTracker.bucket(MS));
    assertEquals(slow, t.quantile(0));
    tick(5_000 * MS); // the first half ends: the other half (empty) is cleared and becomes current
    t.record(MS);
    assertEquals(slow, t.quantile(0), "the slow sample is half a window old: still in");
    tick(4_000 * MS);
    t.record(MS);
    assertEquals(slow, t.quantile(0), "9 s old, the half holding it is still the previous one");
    tick(1_000 * MS); // second rotation: the half holding the slow sample is cleared
    t.record(MS);
    assertEquals(fast, t.quantile(0), "10 s old: gone");
  }

  @Test
  void aTrackerIdleForAWholeWindowForgetsBothHalves() {
    LatencyTracker t = new LatencyTracker(ticker, 10_000 * MS, 2, 0.5);
    t.record(MS);
    tick(4_000 * MS);
    t.record(MS);
    assertEquals(LatencyTracker.upperBound(LatencyTracker.bucket(MS)), t.quantile(0));
    tick(1_000 * MS + 5_000 * MS); // rotation due at 5 s, reached at 10 s: a half late
    t.record(MS);
    assertEquals(-1, t.quantile(0), "a half late: both halves cleared, the sample just recorded with them");
  }

  @Test
  void aRotationJustUnderAHalfLateKeepsTheCurrentHalf() {
    LatencyTracker t = new LatencyTracker(ticker, 10_000 * MS, 2, 0.5);
    tick(4_000 * MS);
    t.record(MS);
    tick(1_000 * MS + 5_000 * MS - 1); // rotation due at 5 s, reached 1 ns short of a half late
    t.record(MS);
    assertEquals(LatencyTracker.upperBound(LatencyTracker.bucket(MS)), t.quantile(0), "the 4 s sample is kept");
  }
}
