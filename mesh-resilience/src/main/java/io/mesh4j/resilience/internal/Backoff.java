package io.mesh4j.resilience.internal;

/** Delay arithmetic as pure functions of a uniform random number, so tests need no RNG. */
public final class Backoff {
  private Backoff() {}

  /**
   * Full-jitter exponential backoff before retry {@code retry} (1 = first retry): uniform in
   * {@code [0, min(max, base * 2^(retry-1))]}, {@code u} being uniform in [0, 1).
   */
  public static long fullJitterNanos(int retry, long baseNanos, long maxNanos, double u) {
    int shift = Math.max(0, retry - 1);
    long window = shift >= 62 || baseNanos > (maxNanos >> shift) ? maxNanos : baseNanos << shift;
    window = Math.min(window, maxNanos);
    return (long) (u * window);
  }

  /** The delay before a retry: the backoff, or the server's hint cut to {@code hintMaxNanos} if longer. */
  public static long retryDelayNanos(long backoffNanos, long hintNanos, long hintMaxNanos) {
    if (hintNanos < 0) {
      return backoffNanos;
    }
    return Math.max(backoffNanos, Math.min(hintNanos, hintMaxNanos));
  }

  /** {@code nanos} lengthened by {@code u * jitter} of itself ({@code u} uniform in [0, 1)). */
  public static long lengthenNanos(long nanos, double jitter, double u) {
    return nanos + (long) (nanos * jitter * u);
  }
}
