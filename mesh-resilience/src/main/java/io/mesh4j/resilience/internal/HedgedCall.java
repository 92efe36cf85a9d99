package io.mesh4j.resilience.internal;

import io.mesh4j.api.CircuitOpenException;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.MeshTimeoutException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.resilience.AsyncAttempt;
import io.mesh4j.resilience.Attempt;
import io.mesh4j.resilience.CallOptions;
import io.mesh4j.resilience.Outcome;
import io.mesh4j.resilience.ResilienceEvent;
import io.mesh4j.resilience.internal.DefaultResilientExecutor.ServiceState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One hedged call (idempotent, hedging on): the steps of {@link AsyncCall}, but with up to
 * {@code 1 + maxHedges} attempts in flight at once on different instances. After each attempt
 * starts, a timer waits the hedge delay; if no answer came, a hedge paid from the retry budget
 * goes to another instance. The first acceptable answer ends the call and the others are
 * cancelled (a value that still arrives is closed). A failure with an attempt still in flight
 * waits for it; with none in flight, the retry policy decides as usual. An attempt overtaken by a
 * later one counts as a failure of its instance (ejection), a later one that lost does not.
 * Hedged calls are rare and short, so one lock guards the state.
 */
final class HedgedCall<T> {
  private static final ExecutorService SYNC_ATTEMPTS = syncAttemptPool();

  private final DefaultResilientExecutor ex;
  private final ServiceState s;
  private final CallOptions<T> options;
  private final AsyncAttempt<? extends T> attempt;
  final CompletableFuture<T> promise = new CompletableFuture<>();

  // Guarded by this.
  private boolean ended;
  private boolean cancelled;
  private boolean bulkheadHeld;
  private long permit = ServiceBreaker.REFUSED;
  private boolean attempted;
  private long deadline;
  private long callTimeout;
  private long attemptTimeout;
  private int attemptLimit;
  private int started;
  private int hedges;
  private final List<Running> running = new ArrayList<>(2);
  private final Set<ServiceInstance> tried = new HashSet<>(4);
  private ScheduledFuture<?> hedgeTimer;
  private ScheduledFuture<?> retryTimer;
  private Throwable lastError;
  private Runnable completion;

  /** One attempt in flight. */
  private final class Running {
    final ServiceInstance instance;
    final int n;
    final long startedAt;
    CompletableFuture<? extends T> future;
    ScheduledFuture<?> timer;
    boolean done;

    Running(ServiceInstance instance, int n, long startedAt) {
      this.instance = instance;
      this.n = n;
      this.startedAt = startedAt;
    }
  }

  HedgedCall(DefaultResilientExecutor ex, ServiceState s, CallOptions<T> options, AsyncAttempt<? extends T> attempt) {
    this.ex = ex;
    this.s = s;
    this.options = options;
    this.attempt = attempt;
  }

  /**
   * A hedged sync call: each attempt runs on a pool thread (interrupted when it loses), the
   * caller waits for the call's answer.
   */
  static <T> T runSync(DefaultResilientExecutor ex, ServiceState s, CallOptions<T> options,
      Attempt<? extends T> attempt) {
    HedgedCall<T> call = new HedgedCall<>(ex, s, options, offThread(attempt));
    call.start();
    try {
      return call.promise.get();
    } catch (InterruptedException e) {
      call.promise.cancel(true);
      Thread.currentThread().interrupt();
      throw new MeshException(s.name, "call to service '" + s.name + "' interrupted", e);
    } catch (ExecutionException e) {
      throw DefaultResilientExecutor.unchecked(s.name, e.getCause());
    }
  }

  private static <T> AsyncAttempt<T> offThread(Attempt<? extends T> attempt) {
    return (instance, ctx) -> {
      CompletableFuture<T> f = new CompletableFuture<>();
      Future<?> task = SYNC_ATTEMPTS.submit(() -> {
        try {
          T value = attempt.call(instance, ctx);
          if (!f.complete(value)) {
            DefaultResilientExecutor.closeQuietly(value); // lost: nobody will read it
          }
        } catch (Throwable e) {
          f.completeExceptionally(e);
        }
      });
      f.whenComplete((v, e) -> {
        if (f.isCancelled()) {
          task.cancel(true);
        }
      });
      return f;
    };
  }

  private static ExecutorService syncAttemptPool() {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
        new SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, "mesh4j-hedged-attempt");
          t.setDaemon(true);
          return t;
        });
    return pool;
  }

  /** Starts the call; {@link #promise} completes when it ends. */
  void start() {
    promise.whenComplete((v, e) -> {
      if (promise.isCancelled()) {
        cancel();
      }
    });
    if (s.rateLimiter != null) {
      Duration wait = s.rateLimiter.tryReservePermit(s.rateLimitWait);
      if (wait.isNegative()) {
        end(false, false, null, ex.reject(s.name, ex.rateLimited(s.name)));
        flush(); // end() only records the outcome: flush completes the promise
        return;
      }
      if (!wait.isZero()) {
        retryTimer = ex.settings.scheduler().schedule(() -> ex.settings.asyncExecutor().execute(this::admit),
            wait.toNanos(), TimeUnit.NANOSECONDS);
        return;
      }
    }
    admit();
  }

  private void admit() {
    admitLocked();
    flush();
  }

  private synchronized void admitLocked() {
    if (cancelled || ended) {
      return;
    }
    if (s.bulkhead != null) {
      if (!s.bulkhead.tryAcquirePermit()) {
        end(false, false, null, ex.reject(s.name, ex.bulkheadFull(s.name)));
        return;
      }
      bulkheadHeld = true;
    }
    if (s.breaker != null) {
      permit = s.breaker.tryAcquire();
      if (permit == ServiceBreaker.REFUSED) {
        end(false, false, null, ex.reject(s.name, new CircuitOpenException(s.name, s.breaker.remainingOpen())));
        return;
      }
    }
    callTimeout = options.callTimeout() != null ? options.callTimeout().toNanos() : ex.callTimeoutNanos;
    attemptTimeout = ex.attemptTimeoutNanos(s, options);
    deadline = ex.ticker.read() + callTimeout;
    attemptLimit = ex.attemptLimit(options);
    if (s.budget != null) {
      s.budget.recordCall();
    }
    launch(false);
  }

  /** Starts an attempt (a hedge, or the first or a retry). */
  private synchronized void launch(boolean hedge) {
    if (ended) {
      return;
    }
    ServiceInstance instance;
    try {
      instance = ex.choose(s.name, tried);
    } catch (RuntimeException e) {
      if (!running.isEmpty()) {
        return; // no other instance for a hedge: the attempt in flight goes on
      }
      end(attempted, false, null, lastError != null ? lastError : e);
      return;
    }
    long now = ex.ticker.read();
    long remaining = deadline - now;
    if (remaining <= 0) {
      ex.unused(instance);
      if (running.isEmpty()) {
        ex.callTimedOut(s.name, callTimeout, started);
        end(attempted, false, null, new MeshTimeoutException(s.name, "call", Duration.ofNanos(callTimeout), null));
      }
      return;
    }
    started++;
    long timeout = Math.min(attemptTimeout, remaining);
    Running r = new Running(instance, started, now);
    running.add(r);
    tried.add(instance);
    attempted = true;
    Context ctx = new Context(s.name, instance, started, options.isIdempotent(), timeout, remaining);
    ex.loadBalancer.onAttemptStart(instance);
    CompletableFuture<? extends T> f;
    try {
      CompletionStage<? extends T> stage = attempt.call(instance, ctx);
      f = stage == null
          ? CompletableFuture.failedFuture(new NullPointerException("attempt returned a null stage"))
          : stage.toCompletableFuture();
    } catch (Throwable e) {
      f = CompletableFuture.failedFuture(e);
    }
    r.future = f;
    if (!f.isDone()) {
      CompletableFuture<? extends T> inflight = f;
      r.timer = ex.settings.scheduler().schedule(() -> ex.settings.asyncExecutor().execute(() -> {
        attemptDone(r, null, new MeshTimeoutException(s.name, "attempt", Duration.ofNanos(timeout), null));
        inflight.cancel(true);
      }), timeout, TimeUnit.NANOSECONDS);
    }
    f.whenComplete((v, e) -> attemptDone(r, v, unwrap(e)));
    scheduleHedge();
  }

  private void scheduleHedge() {
    if (ended || hedges >= ex.hedging().maxHedges() || started >= attemptLimit || hedgeTimer != null) {
      return;
    }
    long delay = ex.hedgeDelayNanos(s);
    if (delay < 0) {
      return;
    }
    hedgeTimer = ex.settings.scheduler().schedule(() -> ex.settings.asyncExecutor().execute(() -> hedge(delay)),
        delay, TimeUnit.NANOSECONDS);
  }

  private void hedge(long delay) {
    hedgeLocked(delay);
    flush();
  }

  private synchronized void hedgeLocked(long delay) {
    hedgeTimer = null;
    if (ended || running.isEmpty() || started >= attemptLimit) {
      return;
    }
    if (s.budget != null && !s.budget.tryAcquireRetry()) {
      if (ex.events.enabled) {
        ex.events.emit(new ResilienceEvent.RetryBudgetExhausted(s.name, started));
      }
      return; // over budget: no hedge, the attempt in flight goes on
    }
    hedges++;
    if (ex.events.enabled) {
      ex.events.emit(new ResilienceEvent.HedgeSent(s.name, running.get(running.size() - 1).instance, started + 1,
          Duration.ofNanos(delay)));
    }
    launch(true);
  }

  private static Throwable unwrap(Throwable e) {
    if ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      return e.getCause();
    }
    return e;
  }

  private void attemptDone(Running r, T value, Throwable error) {
    attemptDoneLocked(r, value, error);
    flush();
  }

  private synchronized void attemptDoneLocked(Running r, T value, Throwable error) {
    if (r.done) {
      return;
    }
    r.done = true;
    if (r.timer != null) {
      r.timer.cancel(false);
    }
    running.remove(r);
    long took = ex.ticker.read() - r.startedAt;
    if (ended) {
      // Lost to another attempt, or the call was cancelled: not judged.
      ex.abandoned(r.instance, took);
      DefaultResilientExecutor.closeQuietly(value);
      return;
    }
    if (error instanceof CancellationException) {
      error = new MeshTimeoutException(s.name, "attempt (cancelled)", Duration.ofNanos(took), error);
    }
    Outcome outcome;
    try {
      outcome = DefaultResilientExecutor.classify(options.classifier(), value, error);
    } catch (RuntimeException e) {
      outcome = Outcome.failure();
      error = e;
      value = null;
    }
    ex.attemptEnded(s, r.instance, r.n, took, outcome, error);
    if (outcome.isSuccess()) {
      overtaken(r.n);
      end(true, true, value, null);
      return;
    }
    lastError = error;
    if (retryTimer != null) {
      return; // a retry is already on its way
    }
    if (!running.isEmpty() && (!outcome.isRetryable() || started >= attemptLimit)) {
      return; // an attempt in flight may still answer
    }
    long delay = ex.nextDelay(s, started, outcome, attemptLimit, deadline);
    if (delay < 0) {
      if (running.isEmpty()) {
        if (delay == DefaultResilientExecutor.DEADLINE) {
          ex.callTimedOut(s.name, callTimeout, started);
        }
        end(true, false, value, error == null ? null
            : delay == DefaultResilientExecutor.BUDGET_EXHAUSTED
                ? DefaultResilientExecutor.budgetExhausted(s.name, error) : error);
      }
      return;
    }
    if (ex.events.enabled) {
      ex.events.emit(new ResilienceEvent.RetryScheduled(s.name, r.instance, started + 1, Duration.ofNanos(delay)));
    }
    retryTimer = ex.settings.scheduler().schedule(() -> ex.settings.asyncExecutor().execute(this::retry),
        delay, TimeUnit.NANOSECONDS);
  }

  private void retry() {
    synchronized (this) {
      retryTimer = null;
      launch(false);
    }
    flush();
  }

  /**
   * The attempts in flight that started before the winner ({@code n}) were overtaken: suspect, not
   * failed (a healthy instance's slow tail is overtaken too); enough in a row eject the instance.
   */
  private void overtaken(int winner) {
    for (Running o : running) {
      if (o.n < winner) {
        ex.detector.recordSuspect(o.instance);
      }
    }
  }

  private synchronized void cancel() {
    cancelled = true;
    end(attempted, false, null, new CancellationException());
  }

  /** Ends the call once: stops timers, cancels the attempts in flight, settles the breaker and bulkhead, completes. */
  private void end(boolean wasAttempted, boolean success, T value, Throwable error) {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      if (hedgeTimer != null) {
        hedgeTimer.cancel(false);
      }
      if (retryTimer != null) {
        retryTimer.cancel(false);
      }
      if (s.breaker != null && permit >= 0) {
        if (wasAttempted && !cancelled) {
          s.breaker.record(permit, success);
        } else if (cancelled && wasAttempted) {
          s.breaker.abandon(permit);
        } else {
          s.breaker.releaseUnused(permit);
        }
      }
      if (bulkheadHeld) {
        s.bulkhead.releasePermit();
      }
      for (Running o : new ArrayList<>(running)) {
        if (o.future != null) {
          o.future.cancel(true); // its completion finds the call ended and closes what it got
        }
      }
    }
    if (!cancelled) {
      completion = () -> complete(value, error);
    }
  }

  /** Runs the completion {@link #end} left, outside the lock: the promise's dependents run here. */
  private void flush() {
    Runnable c;
    synchronized (this) {
      c = completion;
      completion = null;
    }
    if (c != null) {
      c.run();
    }
  }

  private void complete(T value, Throwable error) {
    Function<? super Throwable, ? extends T> fallback = options.fallback();
    if (error != null && fallback != null) {
      try {
        value = fallback.apply(error);
        error = null;
      } catch (Throwable t) {
        error = t;
      }
    }
    if (error != null) {
      promise.completeExceptionally(error);
    } else {
      promise.complete(value);
    }
  }

}
