package io.mesh4j.resilience;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.ServiceInstance;
import java.time.Duration;

/**
 * The events of mesh-resilience, one nested subclass per kind. Delivered to the
 * {@link io.mesh4j.api.MeshEventListener}s registered on the {@link ResilientExecutor} builder,
 * synchronously, on the thread where it happened. Events are only built when a listener is registered.
 */
public abstract class ResilienceEvent extends MeshEvent {
  private ResilienceEvent(String serviceName) {
    super(serviceName, System.currentTimeMillis());
  }

  /** One attempt ended. */
  public static final class AttemptFinished extends ResilienceEvent {
    private final ServiceInstance instance;
    private final int attempt;
    private final long durationNanos;
    private final Outcome outcome;
    private final Throwable error;

    /** Attempt number {@code attempt} on {@code instance} ended with {@code outcome}. */
    public AttemptFinished(String serviceName, ServiceInstance instance, int attempt, long durationNanos,
        Outcome outcome, Throwable error) {
      super(serviceName);
      this.instance = instance;
      this.attempt = attempt;
      this.durationNanos = durationNanos;
      this.outcome = outcome;
      this.error = error;
    }

    /** The instance called. */
    public ServiceInstance instance() {
      return instance;
    }

    /** 1 for the first attempt. */
    public int attempt() {
      return attempt;
    }

    /** How long it took. */
    public long durationNanos() {
      return durationNanos;
    }

    /** How it was judged. */
    public Outcome outcome() {
      return outcome;
    }

    /** The exception, or null when a value was returned. */
    public Throwable error() {
      return error;
    }

    @Override
    public String toString() {
      return "AttemptFinished{" + serviceName() + " #" + attempt + " on " + instance.id() + ": " + outcome + "}";
    }
  }

  /** A retry was decided (its budget token taken) and waits for its backoff. */
  public static final class RetryScheduled extends ResilienceEvent {
    private final ServiceInstance failedInstance;
    private final int nextAttempt;
    private final Duration delay;

    /** Attempt {@code nextAttempt} will start after {@code delay}. */
    public RetryScheduled(String serviceName, ServiceInstance failedInstance, int nextAttempt, Duration delay) {
      super(serviceName);
      this.failedInstance = failedInstance;
      this.nextAttempt = nextAttempt;
      this.delay = delay;
    }

    /** The instance whose attempt failed. */
    public ServiceInstance failedInstance() {
      return failedInstance;
    }

    /** The number of the coming attempt. */
    public int nextAttempt() {
      return nextAttempt;
    }

    /** The backoff before it. */
    public Duration delay() {
      return delay;
    }

    @Override
    public String toString() {
      return "RetryScheduled{" + serviceName() + " #" + nextAttempt + " in " + delay.toMillis() + " ms}";
    }
  }

  /** A hedge was sent: the call's earlier attempt had not answered after the hedge delay. */
  public static final class HedgeSent extends ResilienceEvent {
    private final ServiceInstance slowInstance;
    private final int attempt;
    private final Duration delay;

    /** Attempt {@code attempt} sent as a hedge of the one on {@code slowInstance}, {@code delay} after it. */
    public HedgeSent(String serviceName, ServiceInstance slowInstance, int attempt, Duration delay) {
      super(serviceName);
      this.slowInstance = slowInstance;
      this.attempt = attempt;
      this.delay = delay;
    }

    /** The instance of the attempt that had not answered. */
    public ServiceInstance slowInstance() {
      return slowInstance;
    }

    /** The number of the hedge attempt. */
    public int attempt() {
      return attempt;
    }

    /** The hedge delay that passed. */
    public Duration delay() {
      return delay;
    }

    @Override
    public String toString() {
      return "HedgeSent{" + serviceName() + " #" + attempt + " after " + delay.toMillis() + " ms}";
    }
  }

  /** The service's retry budget refused a retry; the call ended with its last outcome. */
  public static final class RetryBudgetExhausted extends ResilienceEvent {
    private final int attempts;

    /** The call had made {@code attempts} attempts. */
    public RetryBudgetExhausted(String serviceName, int attempts) {
      super(serviceName);
      this.attempts = attempts;
    }

    /** Attempts made before the refusal. */
    public int attempts() {
      return attempts;
    }
  }

  /** An instance was ejected as an outlier. */
  public static final class InstanceEjected extends ResilienceEvent {
    private final ServiceInstance instance;
    private final Duration ejectionTime;
    private final int ejectionCount;
    private final String reason;

    /** {@code instance} ejected for {@code ejectionTime}, its {@code ejectionCount}th ejection, because {@code reason}. */
    public InstanceEjected(String serviceName, ServiceInstance instance, Duration ejectionTime, int ejectionCount,
        String reason) {
      super(serviceName);
      this.instance = instance;
      this.ejectionTime = ejectionTime;
      this.ejectionCount = ejectionCount;
      this.reason = reason;
    }

    /** The instance. */
    public ServiceInstance instance() {
      return instance;
    }

    /** How long before its trial calls (jitter included). */
    public Duration ejectionTime() {
      return ejectionTime;
    }

    /** How many times it has been ejected in a row (this one included). */
    public int ejectionCount() {
      return ejectionCount;
    }

    /** Why: consecutive failures, failure rate, or a failed trial. */
    public String reason() {
      return reason;
    }

    @Override
    public String toString() {
      return "InstanceEjected{" + instance.id() + " for " + ejectionTime.toMillis() + " ms: " + reason + "}";
    }
  }

  /** An ejected instance passed its trial calls and is selectable again. */
  public static final class InstanceReturned extends ResilienceEvent {
    private final ServiceInstance instance;

    /** {@code instance} is back. */
    public InstanceReturned(String serviceName, ServiceInstance instance) {
      super(serviceName);
      this.instance = instance;
    }

    /** The instance. */
    public ServiceInstance instance() {
      return instance;
    }

    @Override
    public String toString() {
      return "InstanceReturned{" + instance.id() + "}";
    }
  }

  /** The service's circuit breaker changed state. */
  public static final class CircuitStateChanged extends ResilienceEvent {
    private final CircuitState from;
    private final CircuitState to;

    /** From {@code from} to {@code to}. */
    public CircuitStateChanged(String serviceName, CircuitState from, CircuitState to) {
      super(serviceName);
      this.from = from;
      this.to = to;
    }

    /** The previous state. */
    public CircuitState from() {
      return from;
    }

    /** The new state. */
    public CircuitState to() {
      return to;
    }

    @Override
    public String toString() {
      return "CircuitStateChanged{" + serviceName() + " " + from + " -> " + to + "}";
    }
  }

  /**
   * A call was refused before any attempt: rate limit, bulkhead or open breaker. The exception
   * is the one the call fails with ({@link io.mesh4j.api.RejectedException} or
   * {@link io.mesh4j.api.CircuitOpenException}).
   */
  public static final class CallRejected extends ResilienceEvent {
    private final MeshException exception;

    /** Refused with {@code exception}. */
    public CallRejected(String serviceName, MeshException exception) {
      super(serviceName);
      this.exception = exception;
    }

    /** What the call fails with. */
    public MeshException exception() {
      return exception;
    }

    @Override
    public String toString() {
      return "CallRejected{" + serviceName() + ": " + exception.getMessage() + "}";
    }
  }

  /**
   * A call reached its deadline ({@link io.mesh4j.resilience.CallOptions call timeout}) and ends
   * with a {@link io.mesh4j.api.MeshTimeoutException}: no time was left for another attempt.
   * Attempts cut by their own timeout are {@link AttemptFinished} events with that exception.
   */
  public static final class CallTimedOut extends ResilienceEvent {
    private final Duration timeout;
    private final int attempts;

    /** The call ran out of its {@code timeout} after {@code attempts} attempts (0: none started). */
    public CallTimedOut(String serviceName, Duration timeout, int attempts) {
      super(serviceName);
      this.timeout = timeout;
      this.attempts = attempts;
    }

    /** The call timeout that was reached. */
    public Duration timeout() {
      return timeout;
    }

    /** The attempts the call made before its deadline. */
    public int attempts() {
      return attempts;
    }

    @Override
    public String toString() {
      return "CallTimedOut{" + serviceName() + " after " + timeout.toMillis() + " ms, " + attempts + " attempts}";
    }
  }
}
