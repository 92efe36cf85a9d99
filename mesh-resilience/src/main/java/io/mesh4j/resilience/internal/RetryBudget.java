package io.mesh4j.resilience.internal;

import io.mesh4j.api.Ticker;
import io.mesh4j.resilience.RetryBudgetConfig;

/**
 * The retry budget of one service (Finagle's model): over the window, retries may not exceed
 * {@code ratio * calls + minRetriesPerSecond * windowSeconds}. A retry takes its token when it
 * is decided, before its backoff, so retries waiting in backoff count (Envoy issue 30205).
 * Thread safe: one short lock, so the check and the take are one step.
 */
public final class RetryBudget {
  private final Ticker ticker;
  private final double ratio;
  private final long floor;
  private final WindowCounter window;

  /** A budget under {@code config}, timed by {@code ticker}. */
  public RetryBudget(RetryBudgetConfig config, Ticker ticker) {
    this.ticker = ticker;
    this.ratio = config.ratio();
    long windowNanos = config.window().toNanos();
    this.floor = (long) config.minRetriesPerSecond() * config.window().toSeconds();
    this.window = new WindowCounter(windowNanos, 10, ticker.read());
  }

  /** Counts one call (its first attempt). */
  public synchronized void recordCall() {
    window.add(ticker.read(), 1, 0);
  }

  /** Takes a retry token if the budget allows; false when it is spent. */
  public synchronized boolean tryAcquireRetry() {
    long now = ticker.read();
    window.roll(now);
    if (window.second() + 1 <= ratio * window.first() + floor) {
      window.add(now, 0, 1);
      return true;
    }
    return false;
  }

  /** Retries the budget would still allow in the current window, 0 when it is spent. */
  public synchronized long remaining() {
    window.roll(ticker.read());
    long allowed = (long) Math.floor(ratio * window.first() + floor);
    return Math.max(0, allowed - window.second());
  }

  /** Calls counted in the current window. */
  public synchronized long calls() {
    window.roll(ticker.read());
    return window.first();
  }

  /** Retries counted in the current window. */
  public synchronized long retries() {
    window.roll(ticker.read());
    return window.second();
  }
}
