package io.mesh4j.resilience.internal;

import io.mesh4j.api.CircuitOpenException;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.MeshTimeoutException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.resilience.Attempt;
import io.mesh4j.resilience.CallOptions;
import io.mesh4j.resilience.Outcome;
import io.mesh4j.resilience.ResilienceEvent;
import io.mesh4j.resilience.internal.DefaultResilientExecutor.ServiceState;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A call on the caller's thread: the service's rate limit, bulkhead and breaker permits, then the
 * retry loop, which chooses the instance of each attempt, runs it with its timeout, judges it and
 * waits out the backoff. Allocates little: one attempt context per attempt, and a set of tried
 * instances only when it retries. The policies' state and rules are the executor's
 * ({@link DefaultResilientExecutor}); asynchronous calls are {@link AsyncCall}, hedged ones
 * {@link HedgedCall}.
 */
final class SyncCall {
  private SyncCall() {}

  /** Runs {@code attempt} under the policies of {@code s} (not hedged). */
  static <T> T run(DefaultResilientExecutor ex, ServiceState s, CallOptions<T> options, Attempt<? extends T> attempt) {
    String serviceName = s.name;
    if (s.rateLimiter != null && !acquireRate(s)) {
      throw ex.reject(serviceName, ex.rateLimited(serviceName));
    }
    if (s.bulkhead != null && !acquireBulkhead(s)) {
      throw ex.reject(serviceName, ex.bulkheadFull(serviceName));
    }
    try {
      long permit = 0;
      if (s.breaker != null) {
        permit = s.breaker.tryAcquire();
        if (permit == ServiceBreaker.REFUSED) {
          throw ex.reject(serviceName, new CircuitOpenException(serviceName, s.breaker.remainingOpen()));
        }
      }
      return retryLoop(ex, s, permit, options, attempt);
    } finally {
      if (s.bulkhead != null) {
        s.bulkhead.releasePermit();
      }
    }
  }

  private static boolean acquireRate(ServiceState s) {
    if (s.rateLimitWait.isZero()) {
      return s.rateLimiter.tryAcquirePermit();
    }
    try {
      return s.rateLimiter.tryAcquirePermit(s.rateLimitWait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean acquireBulkhead(ServiceState s) {
    if (s.bulkheadWait.isZero()) {
      return s.bulkhead.tryAcquirePermit();
    }
    try {
      return s.bulkhead.tryAcquirePermit(s.bulkheadWait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static <T> T retryLoop(DefaultResilientExecutor ex, ServiceState s, long permit, CallOptions<T> options,
      Attempt<? extends T> attempt) {
    String serviceName = s.name;
    long start = ex.ticker.read();
    long callTimeout = options.callTimeout() != null ? options.callTimeout().toNanos() : ex.callTimeoutNanos;
    long attemptTimeout = ex.attemptTimeoutNanos(s, options);
    long deadline = start + callTimeout;
    int attemptLimit = ex.attemptLimit(options);
    boolean attempted = false;
    boolean success = false;
    Set<ServiceInstance> tried = null;
    try {
      if (s.budget != null) {
        s.budget.recordCall();
      }
      for (int n = 1; ; n++) {
        ServiceInstance instance = ex.choose(serviceName, tried);
        long now = ex.ticker.read();
        long remaining = deadline - now;
        if (remaining <= 0) {
          ex.unused(instance);
          ex.callTimedOut(serviceName, callTimeout, n - 1);
          throw new MeshTimeoutException(serviceName, "call", Duration.ofNanos(callTimeout), null);
        }
        long timeout = Math.min(attemptTimeout, remaining);
        Context ctx = new Context(serviceName, instance, n, options.isIdempotent(), timeout, remaining);
        SyncInterrupter interrupter = ex.settings.timeouts().interruptSyncAttempts()
            ? SyncInterrupter.arm(ex.settings.scheduler(), timeout) : null;
        ex.loadBalancer.onAttemptStart(instance);
        T value = null;
        Throwable error = null;
        try {
          value = attempt.call(instance, ctx);
        } catch (Throwable e) {
          error = e;
        }
        boolean interrupted = interrupter != null && interrupter.disarm();
        long took = ex.ticker.read() - now;
        if (interrupted || (error == null && took > timeout)) {
          // Past its timeout: the value, if any, is discarded (the caller stopped waiting for it),
          // and closed if it holds a resource (an open response body, say).
          DefaultResilientExecutor.closeQuietly(value);
          error = new MeshTimeoutException(serviceName, "attempt", Duration.ofNanos(timeout), error);
          value = null;
        } else if (error instanceof InterruptedException || error instanceof Error) {
          ex.abandoned(instance, took);
          if (error instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            throw new MeshException(serviceName, "call to service '" + serviceName + "' interrupted", error);
          }
          throw (Error) error;
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
          success = true;
          return value;
        }
        long delay = ex.nextDelay(s, n, outcome, attemptLimit, deadline);
        if (delay < 0) {
          if (delay == DefaultResilientExecutor.DEADLINE) {
            ex.callTimedOut(serviceName, callTimeout, n);
          }
          if (error == null) {
            return value;
          }
          throw delay == DefaultResilientExecutor.BUDGET_EXHAUSTED ? DefaultResilientExecutor.budgetExhausted(serviceName, error) : DefaultResilientExecutor.unchecked(serviceName, error);
        }
        if (ex.events.enabled) {
          ex.events.emit(new ResilienceEvent.RetryScheduled(serviceName, instance, n + 1, Duration.ofNanos(delay)));
        }
        if (delay > 0) {
          try {
            TimeUnit.NANOSECONDS.sleep(delay);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (error == null) {
              return value;
            }
            throw DefaultResilientExecutor.unchecked(serviceName, error);
          }
        }
        if (tried == null) {
          tried = new HashSet<>(4);
        }
        tried.add(instance);
      }
    } finally {
      if (s.breaker != null) {
        if (attempted) {
          s.breaker.record(permit, success);
        } else {
          s.breaker.releaseUnused(permit);
        }
      }
    }
  }
}
