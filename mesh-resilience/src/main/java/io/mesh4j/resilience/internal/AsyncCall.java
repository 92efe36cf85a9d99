package io.mesh4j.resilience.internal;

import io.mesh4j.api.CircuitOpenException;
import io.mesh4j.api.MeshTimeoutException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.resilience.AsyncAttempt;
import io.mesh4j.resilience.CallOptions;
import io.mesh4j.resilience.Outcome;
import io.mesh4j.resilience.ResilienceEvent;
import io.mesh4j.resilience.internal.DefaultResilientExecutor.ServiceState;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * One async call: the same steps as the sync path, driven by completions and the timer. Attempts
 * are sequential, so their fields need no lock; cancellation (from any thread) sets a flag,
 * cancels the pending backoff and the attempt in flight, and ends the call once.
 */
final class AsyncCall<T> {
  private final DefaultResilientExecutor ex;
  private final ServiceState s;
  private final CallOptions<T> options;
  private final AsyncAttempt<? extends T> attempt;
  final CompletableFuture<T> promise = new CompletableFuture<>();

  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile boolean cancelled;
  private volatile CompletableFuture<? extends T> inFlight;
  private volatile ScheduledFuture<?> pending;

  // Guarded by this: taken in admit(), given back in end(); cancel() may race with both.
  private boolean bulkheadHeld;
  private long permit = ServiceBreaker.REFUSED;
  private volatile boolean attempted;
  private long deadline;
  private long callTimeout;
  private long attemptTimeout;
  private int attemptLimit;
  private int n;
  private Set<ServiceInstance> tried;

  AsyncCall(DefaultResilientExecutor ex, ServiceState s, CallOptions<T> options, AsyncAttempt<? extends T> attempt) {
    this.ex = ex;
    this.s = s;
    this.options = options;
    this.attempt = attempt;
  }

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
        return;
      }
      if (!wait.isZero()) {
        pending = ex.settings.scheduler().schedule(() -> ex.settings.asyncExecutor().execute(this::admit),
            wait.toNanos(), TimeUnit.NANOSECONDS);
        return;
      }
    }
    admit();
  }

  private void admit() {
    if (acquire()) {
      startAttempt();
    }
  }

  /** Takes the bulkhead slot and the breaker permit; false when the call ended instead. */
  private synchronized boolean acquire() {
    if (cancelled || ended.get()) {
      return false;
    }
    // Async callers never block for a bulkhead slot.
    if (s.bulkhead != null) {
      if (!s.bulkhead.tryAcquirePermit()) {
        end(false, false, null, ex.reject(s.name, ex.bulkheadFull(s.name)));
        return false;
      }
      bulkheadHeld = true;
    }
    if (s.breaker != null) {
      permit = s.breaker.tryAcquire();
      if (permit == ServiceBreaker.REFUSED) {
        end(false, false, null, ex.reject(s.name, new CircuitOpenException(s.name, s.breaker.remainingOpen())));
        return false;
      }
    }
    long start = ex.ticker.read();
    callTimeout = options.callTimeout() != null ? options.callTimeout().toNanos() : ex.callTimeoutNanos;
    attemptTimeout = ex.attemptTimeoutNanos(s, options);
    deadline = start + callTimeout;
    attemptLimit = ex.attemptLimit(options);
    if (s.budget != null) {
      s.budget.recordCall();
    }
    return true;
  }

  private void startAttempt() {
    if (cancelled) {
      return;
    }
    n++;
    ServiceInstance instance;
    try {
      instance = ex.choose(s.name, tried);
    } catch (RuntimeException e) {
      end(false, false, null, e);
      return;
    }
    long now = ex.ticker.read();
    long remaining = deadline - now;
    if (remaining <= 0) {
      ex.unused(instance);
      ex.callTimedOut(s.name, callTimeout, n - 1);
      end(false, false, null, new MeshTimeoutException(s.name, "call", Duration.ofNanos(callTimeout), null));
      return;
    }
    long timeout = Math.min(attemptTimeout, remaining);
    Context ctx = new Context(s.name, instance, n, options.isIdempotent(), timeout, remaining);
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
    inFlight = f;
    if (cancelled) {
      f.cancel(true);
    }
    AtomicBoolean done = new AtomicBoolean();
    ScheduledFuture<?> timer = null;
    if (!f.isDone()) {
      CompletableFuture<? extends T> inflight = f;
      timer = ex.settings.scheduler().schedule(() -> {
        if (done.compareAndSet(false, true)) {
          inflight.cancel(true);
          // Off the shared timer thread: what follows runs fallbacks, listeners and the caller's stages.
          ex.settings.asyncExecutor().execute(() -> attemptDone(instance, now, timeout, null,
              new MeshTimeoutException(s.name, "attempt", Duration.ofNanos(timeout), null)));
        }
      }, timeout, TimeUnit.NANOSECONDS);
    }
    ScheduledFuture<?> attemptTimer = timer;
    f.whenComplete((v, e) -> {
      if (done.compareAndSet(false, true)) {
        if (attemptTimer != null) {
          attemptTimer.cancel(false);
        }
        attemptDone(instance, now, timeout, v, unwrap(e));
      }
    });
  }

  private static Throwable unwrap(Throwable e) {
    if ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      return e.getCause();
    }
    return e;
  }

  private void attemptDone(ServiceInstance instance, long started, long timeout, T value, Throwable error) {
    long took = ex.ticker.read() - started;
    if (cancelled) {
      // Cancelled by the caller: not the instance's fault, and the call already ended.
      ex.abandoned(instance, took);
      return;
    }
    if (error instanceof CancellationException) {
      // Cancelled by someone else than us: treat it as a failed attempt of unknown cause.
      error = new MeshTimeoutException(s.name, "attempt (cancelled)", Duration.ofNanos(took), error);
    }
    Outcome outcome;
    try {
      outcome = DefaultResilientExecutor.classify(options.classifier(), value, error);
    } catch (RuntimeException e) {
      // A classifier that throws must not leak the balancer's count or a trial slot.
      outcome = Outcome.failure();
      error = e;
      value = null;
    }
    ex.attemptEnded(s, instance, n, took, outcome, error);
    attempted = true;
    if (outcome.isSuccess()) {
      end(true, true, value, null);
      return;
    }
    long delay = ex.nextDelay(s, n, outcome, attemptLimit, deadline);
    if (delay < 0) {
      if (delay == DefaultResilientExecutor.DEADLINE) {
        ex.callTimedOut(s.name, callTimeout, n);
      }
      end(true, false, value, error == null ? null
          : delay == DefaultResilientExecutor.BUDGET_EXHAUSTED ? DefaultResilientExecutor.budgetExhausted(s.name, error)
          : error);
      return;
    }
    if (ex.events.enabled) {
      ex.events.emit(new ResilienceEvent.RetryScheduled(s.name, instance, n + 1, Duration.ofNanos(delay)));
    }
    if (tried == null) {
      tried = new HashSet<>(4);
    }
    tried.add(instance);
    if (delay == 0) {
      ex.settings.asyncExecutor().execute(this::startAttempt);
    } else {
      pending = ex.settings.scheduler().schedule(() -> ex.settings.asyncExecutor().execute(this::startAttempt),
          delay, TimeUnit.NANOSECONDS);
      if (cancelled) {
        pending.cancel(false);
      }
    }
  }

  private void cancel() {
    cancelled = true;
    ScheduledFuture<?> p = pending;
    if (p != null) {
      p.cancel(false);
    }
    CompletableFuture<? extends T> f = inFlight;
    if (f != null) {
      f.cancel(true);
    }
    end(attempted, false, null, new CancellationException());
  }

  /** Ends the call once: the breaker's verdict, the bulkhead slot, the fallback, the promise. */
  private void end(boolean wasAttempted, boolean success, T value, Throwable error) {
    synchronized (this) {
      if (!ended.compareAndSet(false, true)) {
        return;
      }
      if (s.breaker != null && permit >= 0) {
        if (wasAttempted && !cancelled) {
          s.breaker.record(permit, success);
        } else if (cancelled && inFlight != null) {
          s.breaker.abandon(permit); // a request went out: a half-open trial cannot be handed back
        } else {
          s.breaker.releaseUnused(permit);
        }
      }
      if (bulkheadHeld) {
        s.bulkhead.releasePermit();
      }
    }
    // The promise is completed outside the lock: its dependents run here.
    if (cancelled) {
      return;
    }
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
