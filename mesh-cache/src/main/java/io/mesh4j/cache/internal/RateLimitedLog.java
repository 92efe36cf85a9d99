package io.mesh4j.cache.internal;

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
  private final AtomicLong lastNanos = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);
  private final AtomicLong suppressed = new AtomicLong();

  RateLimitedLog(Logger log) {
    this.log = log;
  }

  void warn(String namespace, String operation, Throwable failure) {
    long now = System.nanoTime();
    long last = lastNanos.get();
    if (now - last >= INTERVAL_NANOS && lastNanos.compareAndSet(last, now)) {
      long held = suppressed.getAndSet(0);
      log.warn("mesh-cache '{}': Redis {} failed ({}); served as a miss / dropped{}", namespace,
          operation, failure.toString(), held == 0 ? "" : " (" + held + " similar failures not logged)");
    } else {
      suppressed.incrementAndGet();
      log.debug("mesh-cache '{}': Redis {} failed: {}", namespace, operation, failure.toString());
    }
  }
}
