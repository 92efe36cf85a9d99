package io.mesh4j.client.internal;

import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import okhttp3.Call;

/**
 * Ends HTTP attempts that run past their deadline, without OkHttp's per-call watchdog.
 *
 * <p>{@code call.timeout()} puts every call into Okio's watchdog queue under a lock and, whenever
 * the call's deadline is the earliest, wakes the watchdog thread: one futex wake-up and one
 * context switch per call, most of what the mesh cost over raw OkHttp in {@code client-overhead}
 * (issue 18). Here, a call in flight costs one entry added to a concurrent set and removed when it
 * ends. One daemon thread per JVM sleeps until the earliest deadline of the calls in flight,
 * cancels those past it and sleeps again until the next one; with nothing in flight it parks
 * until a call arrives. A call whose deadline comes before the thread's next wake-up (a shorter
 * timeout than those in flight, or the first call after a quiet spell) wakes it; calls with the
 * same timeout never do, since each new deadline comes after those already watched. So a busy
 * client with a 10 s attempt timeout wakes the thread about once in 10 s, not once per call or
 * per tick.
 *
 * <p>Precision: a call is cancelled at its deadline, plus the thread's scheduling delay. A
 * cancelled call fails with OkHttp's "Canceled" {@link java.io.IOException}; {@link
 * Watch#expired()} tells the caller it was this deadline, to report a timeout instead.
 */
public final class AttemptDeadlines {
  /**
   * The thread's next wake-up while it sweeps: any call watched then wakes it again (the sweep may
   * have passed it by), and while it is parked with nothing in flight: any call wakes it.
   */
  private static final long AWAKE_OR_IDLE = Long.MAX_VALUE / 4;

  private static final Set<Watch> IN_FLIGHT = ConcurrentHashMap.newKeySet();
  /** When the thread looks next, as a {@link System#nanoTime()} value, or offset by {@link #AWAKE_OR_IDLE}. */
  private static volatile long nextWakeNanos = System.nanoTime() + AWAKE_OR_IDLE;
  private static volatile boolean idle;
  private static volatile Thread reaper;
  /** Whether the last sweep left a call in flight (the reaper thread's own). */
  private static boolean sweptAny;

  private AttemptDeadlines() {}

  /** One call under watch. */
  public static final class Watch {
    private final Call call;
    private final long deadlineNanos;
    private final long timeoutNanos;
    private volatile boolean expired;

    Watch(Call call, long deadlineNanos, long timeoutNanos) {
      this.call = call;
      this.deadlineNanos = deadlineNanos;
      this.timeoutNanos = timeoutNanos;
    }

    /** The call ended (answered, failed or read): stop watching it. */
    public void done() {
      IN_FLIGHT.remove(this);
    }

    /** Whether the call was cancelled because it ran past its deadline. */
    public boolean expired() {
      return expired;
    }

    /** The timeout this watch enforces. */
    public long timeoutNanos() {
      return timeoutNanos;
    }

    @Override
    public int hashCode() {
      // Spares the identity hash (an object header update) on the hot path; equality stays identity.
      long h = deadlineNanos * 0x9E3779B97F4A7C15L;
      return (int) (h ^ (h >>> 32));
    }

    @Override
    public boolean equals(Object o) {
      return this == o;
    }
  }

  /**
   * Watches {@code call}, to be cancelled once {@code timeoutNanos} (positive) have passed unless
   * {@link Watch#done()} was called first. Call it just before executing or enqueueing the call.
   */
  public static Watch watch(Call call, long timeoutNanos) {
    // A timeout of decades is no limit; capping it keeps the deadline from overflowing.
    long deadline = System.nanoTime() + Math.min(timeoutNanos, AWAKE_OR_IDLE / 2);
    Watch w = new Watch(call, deadline, timeoutNanos);
    IN_FLIGHT.add(w);
    Thread t = reaper;
    if (t == null) {
      t = start();
    }
    // Added before the read: a thread that reads the set after it sees the call; one that read it
    // before and planned a later wake-up is woken here.
    if (deadline - nextWakeNanos < 0) {
      LockSupport.unpark(t);
    }
    return w;
  }

  /** Whether {@code watch} is still held by the watcher (for tests). */
  static boolean holds(Watch watch) {
    return IN_FLIGHT.contains(watch);
  }

  /** Whether the thread is parked until the next call, nothing being in flight (for tests). */
  static boolean parked() {
    return idle;
  }

  private static synchronized Thread start() {
    Thread t = reaper;
    if (t == null) {
      t = new Thread(AttemptDeadlines::run, "mesh4j-attempt-deadlines");
      t.setDaemon(true);
      t.start();
      reaper = t;
    }
    return t;
  }

  private static void run() {
    while (true) {
      // Awake: a call watched from here on wakes the thread again, as the sweep may miss it.
      nextWakeNanos = System.nanoTime() + AWAKE_OR_IDLE;
      long earliest = sweep();
      if (!sweptAny) {
        // Nothing in flight: park until watch() wakes this thread. Any call watched after the
        // sweep sees the far wake-up above and unparks (a permit given before park() counts).
        idle = true;
        if (IN_FLIGHT.isEmpty()) {
          LockSupport.park(AttemptDeadlines.class);
        }
        idle = false;
        continue;
      }
      nextWakeNanos = earliest;
      long wait = earliest - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(AttemptDeadlines.class, wait);
      }
    }
  }

  /**
   * Cancels the calls past their deadline: the earliest deadline of those still in flight
   * ({@link #sweptAny} tells whether there is one).
   */
  private static long sweep() {
    long now = System.nanoTime();
    long earliest = Long.MAX_VALUE;
    boolean any = false;
    for (Iterator<Watch> it = IN_FLIGHT.iterator(); it.hasNext(); ) {
      Watch w = it.next();
      if (now - w.deadlineNanos >= 0) {
        w.expired = true;
        it.remove();
        try {
          w.call.cancel();
        } catch (RuntimeException e) {
          // cancel() only closes sockets; nothing a failure here could change
        }
      } else if (!any || w.deadlineNanos - earliest < 0) {
        earliest = w.deadlineNanos;
        any = true;
      }
    }
    sweptAny = any;
    return earliest;
  }
}
