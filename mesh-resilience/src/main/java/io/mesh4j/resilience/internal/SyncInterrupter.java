package io.mesh4j.resilience.internal;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Interrupts a sync attempt's thread at its timeout, without leaking the interrupt past it. */
final class SyncInterrupter implements Runnable {
  private static final int ARMED = 0;
  private static final int FIRING = 1;
  private static final int FIRED = 2;
  private static final int DISARMED = 3;

  private final Thread thread = Thread.currentThread();
  private final AtomicInteger state = new AtomicInteger(ARMED);
  private volatile ScheduledFuture<?> task;

  static SyncInterrupter arm(java.util.concurrent.ScheduledExecutorService scheduler, long timeoutNanos) {
    SyncInterrupter i = new SyncInterrupter();
    i.task = scheduler.schedule(i, timeoutNanos, TimeUnit.NANOSECONDS);
    return i;
  }

  @Override
  public void run() {
    if (state.compareAndSet(ARMED, FIRING)) {
      thread.interrupt();
      state.set(FIRED);
    }
  }

  /** True when the interrupt fired (its flag is cleared here). */
  boolean disarm() {
    if (state.compareAndSet(ARMED, DISARMED)) {
      ScheduledFuture<?> t = task;
      if (t != null) {
        t.cancel(false);
      }
      return false;
    }
    while (state.get() == FIRING) {
      Thread.onSpinWait();
    }
    Thread.interrupted();
    return true;
  }
}
