package io.mesh4j.resilience.internal;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.random.RandomGenerator;
import java.util.concurrent.ThreadLocalRandom;

/** Shared defaults: one daemon timer thread for backoff and timeouts, and a thread-safe random source. */
public final class Schedulers {
  private Schedulers() {}

  private static final class Holder {
    static final ScheduledExecutorService TIMER = create();

    private static ScheduledExecutorService create() {
      ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
        Thread thread = new Thread(r, "mesh4j-resilience-timer");
        thread.setDaemon(true);
        return thread;
      });
      // Timeouts are mostly cancelled; drop them from the queue at once.
      t.setRemoveOnCancelPolicy(true);
      return t;
    }
  }

  /** The shared timer (started on first use, daemon, never shut down). */
  public static ScheduledExecutorService sharedTimer() {
    return Holder.TIMER;
  }

  /** A random source safe for any thread: {@link ThreadLocalRandom} of the calling thread. */
  public static RandomGenerator threadLocalRandom() {
    return () -> ThreadLocalRandom.current().nextLong();
  }
}
