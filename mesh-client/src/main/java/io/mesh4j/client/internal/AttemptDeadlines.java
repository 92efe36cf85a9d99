package io.mesh4j.client.internal;

import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import okhttp3.Call;

/**
 * Ends HTTP attempts that run past their deadline, without OkHttp's per-call watchdog.
 *
 * <p>{@code call.timeout()} puts every call into Okio's watchdog queue under a lock and, whenever
 * the call's deadline is the earliest, wakes the watchdog thread: one futex wake-up and one
 * context switch per call, most of what the mesh cost over raw OkHttp in {@code client-overhead}
 * (issue 18). Here, a call in flight costs one lock-free enqueue and, when it ends, one volatile
 * write. One daemon thread per JVM looks at the calls still in flight every {@link #TICK_NANOS}
 * and cancels those past their deadline; it drops the finished ones as it goes, so the queue holds
 * the calls in flight plus at most one tick's worth of finished ones. With nothing in flight for
 * 100 ms it parks until the next call arrives (that call pays one wake-up), so a quiet client
 * costs no CPU.
 *
 * <p>Precision: a call ends between its deadline and one tick (plus scheduling delay) after it.
 * A cancelled call fails with OkHttp's "Canceled" {@link java.io.IOException}; {@link
 * Watch#expired()} tells the caller it was this deadline, to report a timeout instead.
 */
public final class AttemptDeadlines {
  /** How often the calls in flight are looked at: deadlines are kept to within this. */
  static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  /** Idle ticks before the thread parks until the next call. */
  private static final int IDLE_TICKS_BEFORE_PARKING = 50;

  private static final ConcurrentLinkedQueue<Watch> IN_FLIGHT = new ConcurrentLinkedQueue<>();
  private static final AtomicBoolean PARKED = new AtomicBoolean();
  private static volatile Thread reaper;

  private AttemptDeadlines() {}

  /** One call under watch. */
  public static final class Watch {
    private final Call call;
    private final long deadlineNanos;
    private final long timeoutNanos;
    private volatile boolean done;
    private volatile boolean expired;

    Watch(Call call, long deadlineNanos, long timeoutNanos) {
      this.call = call;
      this.deadlineNanos = deadlineNanos;
      this.timeoutNanos = timeoutNanos;
    }

    /** The call ended (answered, failed or read): stop watching it. */
    public void done() {
      done = true;
    }

    /** Whether the call was cancelled because it ran past its deadline. */
    public boolean expired() {
      return expired;
    }

    /** The timeout this watch enforces. */
    public long timeoutNanos() {
      return timeoutNanos;
    }
  }

  /**
   * Watches {@code call}, to be cancelled once {@code timeoutNanos} (positive) have passed unless
   * {@link Watch#done()} was called first. Call it just before executing or enqueueing the call.
   */
  public static Watch watch(Call call, long timeoutNanos) {
    Watch w = new Watch(call, System.nanoTime() + timeoutNanos, timeoutNanos);
    IN_FLIGHT.offer(w);
    Thread t = reaper;
    if (t == null) {
      t = start();
    }
    if (PARKED.get() && PARKED.compareAndSet(true, false)) {
      LockSupport.unpark(t);
    }
    return w;
  }

  /** Whether {@code watch} is still held by the watcher (for tests). */
  static boolean holds(Watch watch) {
    return IN_FLIGHT.contains(watch);
  }

  /** Whether the thread is parked until the next call (for tests). */
  static boolean parked() {
    return PARKED.get();
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
    int idleTicks = 0;
    while (true) {
      LockSupport.parkNanos(TICK_NANOS);
      if (sweep()) {
        idleTicks = 0;
        continue;
      }
      if (++idleTicks < IDLE_TICKS_BEFORE_PARKING) {
        continue;
      }
      // Nothing in flight for a while: park until watch() wakes this thread. PARKED is set before
      // the queue is looked at again, so a call added in between is either seen here or unparks.
      PARKED.set(true);
      if (!IN_FLIGHT.isEmpty()) {
        PARKED.set(false);
        continue;
      }
      while (PARKED.get()) {
        LockSupport.park(AttemptDeadlines.class);
      }
      idleTicks = 0;
    }
  }

  /** Cancels the calls past their deadline, drops the ended ones: whether any call was in flight. */
  private static boolean sweep() {
    boolean any = false;
    long now = System.nanoTime();
    for (Iterator<Watch> it = IN_FLIGHT.iterator(); it.hasNext(); ) {
      Watch w = it.next();
      if (w.done) {
        it.remove();
        continue;
      }
      any = true;
      if (now - w.deadlineNanos >= 0) {
        w.expired = true;
        it.remove();
        try {
          w.call.cancel();
        } catch (RuntimeException e) {
          // cancel() only closes sockets; nothing a failure here could change
        }
      }
    }
    return any;
  }
}
