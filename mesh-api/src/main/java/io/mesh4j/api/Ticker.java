package io.mesh4j.api;

/**
 * A source of nanoseconds since an arbitrary origin, injected wherever mesh4j measures time
 * (backoff, windows, ejection, expiry) so tests can move time by hand instead of sleeping.
 */
@FunctionalInterface
public interface Ticker {
  /** Nanoseconds since a fixed, arbitrary origin; only differences mean anything. */
  long read();

  /** {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
