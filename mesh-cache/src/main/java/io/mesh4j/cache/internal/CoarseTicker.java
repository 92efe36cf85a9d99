package io.mesh4j.cache.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A nanosecond clock read as one volatile field, refreshed every millisecond by one daemon thread
 * per JVM (started on first use). For the L1's expiry: Caffeine reads its ticker on every hit of
 * a cache with {@code expireAfterWrite}, and {@link System#nanoTime()} on a virtual machine can
 * cost several times a plain Caffeine read; a TTL of seconds or minutes needs no more than
 * millisecond precision. Never behind {@code System.nanoTime()} by more than about a
 * millisecond plus a scheduling delay; never goes back.
 */
public final class CoarseTicker {
  private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static volatile long now = System.nanoTime();

  static {
    Thread t = new Thread(CoarseTicker::run, "mesh4j-coarse-clock");
    t.setDaemon(true);
    t.start();
  }

  private CoarseTicker() {}

  /** The last reading of {@link System#nanoTime()}, at most about a millisecond old. */
  public static long read() {
    return now;
  }

  private static void run() {
    while (true) {
      LockSupport.parkNanos(PERIOD_NANOS);
      long t = System.nanoTime();
      if (t - now > 0) {
        now = t;
      }
    }
  }
}
