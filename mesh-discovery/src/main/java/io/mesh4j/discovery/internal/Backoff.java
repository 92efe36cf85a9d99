package io.mesh4j.discovery.internal;

/**
 * Delay arithmetic for the watch loop, as pure functions of a random value in [0, 1) so tests
 * need no random generator and no clock.
 */
public final class Backoff {
  private Backoff() {}

  /**
   * Exponential backoff with "equal jitter": the n-th consecutive failure (n from 1) waits between
   * half and all of {@code min(maxNanos, baseNanos * 2^(n-1))}. Half is kept so that a run of
   * failures still backs off even with unlucky random values.
   */
  public static long errorDelayNanos(int failures, long baseNanos, long maxNanos, double random) {
    int shift = Math.max(0, Math.min(failures - 1, 30));
    long ceiling = baseNanos > (maxNanos >> shift) ? maxNanos : Math.min(maxNanos, baseNanos << shift);
    long half = ceiling / 2;
    return half + (long) (half * clamp(random));
  }

  /**
   * How long to wait before the next query so that queries start at least
   * {@code minIntervalNanos} apart: zero when the last query already took that long (it blocked
   * until something changed), otherwise the rest of the interval plus up to half of it again as
   * jitter, so that many watches woken by one burst of index churn spread out.
   */
  public static long minIntervalDelayNanos(long elapsedNanos, long minIntervalNanos, double random) {
    long rest = minIntervalNanos - elapsedNanos;
    if (rest <= 0) {
      return 0;
    }
    return rest + (long) ((minIntervalNanos / 2) * clamp(random));
  }

  /** A heartbeat delay between 80% and 100% of the interval: never later than configured. */
  public static long heartbeatDelayNanos(long intervalNanos, double random) {
    return intervalNanos - (long) (intervalNanos * 0.2 * clamp(random));
  }

  private static double clamp(double r) {
    return r < 0 ? 0 : (r >= 1 ? Math.nextDown(1.0) : r);
  }

  /**
   * The {@code wait} parameter of one blocking query: {@code queryWait} less up to an eighth of
   * it at random, in whole seconds (at least 1 s). Watches started together (a gateway warming
   * up hundreds of services) thus drift apart instead of renewing in one burst every wait.
   */
  public static String jitteredWait(java.time.Duration queryWait, double random) {
    long seconds = Math.max(1, (queryWait.toMillis() + 999) / 1000);
    long less = (long) (seconds / 8.0 * Math.max(0, Math.min(random, 1)));
    return Math.max(1, seconds - less) + "s";
  }
}
