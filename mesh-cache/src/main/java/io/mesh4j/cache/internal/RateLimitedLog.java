package io.mesh4j.cache.internal;

import io.mesh4j.api.Ticker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * WARN at most once per interval, with the number of lines held back since the last one, so an
 * outage seen by every call logs a line every 10 seconds rather than thousands per second.
 */
final class RateLimitedLog {
  private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Logger log;
  private final Ticker ticker;
  private final long intervalNanos;
  private final AtomicLong lastNanos;
  private final AtomicLong suppressed = new AtomicLong();

  RateLimitedLog(Logger log) {
    this(log, Ticker.system(), INTERVAL_NANOS);
  }

  RateLimitedLog(Logger log, Ticker ticker, long intervalNanos) {
    this.log = log;
    this.ticker = ticker;
    this.intervalNanos = intervalNanos;
    this.lastNanos = new AtomicLong(ticker.read() - intervalNanos);
  }

  void warn(String namespace, String operation, String failure) {
    if (permit()) {
      log.warn("mesh-cache '{}': Redis {} failed: {}; served as a miss (callers load from the source)"
          + " or a dropped write until Redis answers{}", namespace, operation, failure, heldBack());
    } else {
      log.debug("mesh-cache '{}': Redis {} failed: {}", namespace, operation, failure);
    }
  }

  /** True (once per interval) if a WARN may be logged now; otherwise counts one held back. */
  boolean permit() {
    long now = ticker.read();
    long last = lastNanos.get();
    if (now - last >= intervalNanos && lastNanos.compareAndSet(last, now)) {
      return true;
    }
    suppressed.incrementAndGet();
    return false;
  }

  /** " (N similar failures not logged)" since the last WARN, or "". */
  String heldBack() {
    long held = suppressed.getAndSet(0);
    return held == 0 ? "" : " (" + held + " similar failures not logged)";
  }
}
