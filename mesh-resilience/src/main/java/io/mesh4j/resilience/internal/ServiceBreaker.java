package io.mesh4j.resilience.internal;

import dev.failsafe.CircuitBreaker;
import io.mesh4j.api.Ticker;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.CircuitState;
import io.mesh4j.resilience.ResilienceEvent;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * The circuit breaker of one service. Failsafe's breaker keeps the failure-rate statistics over
 * its time window and decides when to open and, from half-open, whether to close or reopen. This
 * class owns what Failsafe cannot do for us:
 * <ul>
 *   <li>the open time is measured on the injected ticker and lengthened by jitter (Failsafe
 *       issue 70), so tests move time instead of sleeping;</li>
 *   <li>half-open admits exactly {@code halfOpenTrials} calls per half-open period. Failsafe's
 *       {@code HalfOpenState} gives a permit back when an execution completes, which admits more
 *       trials than configured (Failsafe issue 391); here a permit is never given back once its
 *       call was attempted, and each permit is tied to the period it was taken in.</li>
 * </ul>
 *
 * <p>A permit is a stamp (generation and state). A result recorded with a stale stamp (the
 * breaker changed state since the call was admitted) is ignored, so late results of calls
 * admitted while closed cannot decide a half-open period. Thread safe.
 */
public final class ServiceBreaker {
  /** Returned by {@link #tryAcquire()} when the call is refused. */
  public static final long REFUSED = -1;

  private static final int CLOSED = 0;
  private static final int OPEN = 1;
  private static final int HALF_OPEN = 2;

  private final String serviceName;
  private final CircuitBreakerConfig config;
  private final Ticker ticker;
  private final RandomGenerator random;
  private final Events events;
  private final CircuitBreaker<Object> stats;

  /** generation << 2 | state; written under this object's lock. */
  private volatile long stamp = CLOSED;
  /** Ticker reading after which an open breaker goes half-open; written before {@link #stamp}. */
  private volatile long openUntil;
  /** generation << 20 | trial permits left, of the current half-open period. */
  private final AtomicLong trials = new AtomicLong();

  /** A closed breaker for {@code serviceName}. */
  public ServiceBreaker(String serviceName, CircuitBreakerConfig config, Ticker ticker, RandomGenerator random,
      Events events) {
    this.serviceName = serviceName;
    this.config = config;
    this.ticker = ticker;
    this.random = random;
    this.events = events;
    this.stats = CircuitBreaker.builder()
        .withFailureRateThreshold(config.failureRatePercent(), config.minimumCalls(), config.window())
        .withSuccessThreshold(config.halfOpenTrials())
        .withDelay(config.openFor())
        .build();
  }

  private static int stateOf(long stamp) {
    return (int) (stamp & 3);
  }

  private static long generationOf(long stamp) {
    return stamp >>> 2;
  }

  /** A permit stamp (>= 0) when the call may go ahead, {@link #REFUSED} when not. */
  public long tryAcquire() {
    long s = stamp;
    int state = stateOf(s);
    if (state == CLOSED) {
      return s;
    }
    if (state == OPEN) {
      if (ticker.read() - openUntil < 0) {
        return REFUSED;
      }
      s = halfOpen(s);
      if (stateOf(s) != HALF_OPEN) {
        return stateOf(s) == CLOSED ? s : REFUSED;
      }
    }
    long gen = generationOf(s);
    while (true) {
      long t = trials.get();
      if ((t >>> 20) != gen || (t & 0xFFFFF) == 0) {
        return REFUSED;
      }
      if (trials.compareAndSet(t, t - 1)) {
        return s;
      }
    }
  }

  private synchronized long halfOpen(long seen) {
    if (stamp == seen) {
      long next = ((generationOf(seen) + 1) << 2) | HALF_OPEN;
      trials.set(((next >>> 2) << 20) | config.halfOpenTrials());
      stats.halfOpen();
      stamp = next;
      emit(CircuitState.OPEN, CircuitState.HALF_OPEN);
    }
    return stamp;
  }

  /** Records the verdict of a call admitted with {@code permit}. */
  public void record(long permit, boolean success) {
    if (permit < 0 || stamp != permit) {
      return;
    }
    if (success) {
      stats.recordSuccess();
    } else {
      stats.recordFailure();
    }
    CircuitBreaker.State now = stats.getState();
    if (now != expected(stateOf(permit))) {
      follow(permit, now);
    }
  }

  /**
   * A call admitted with {@code permit} was cancelled after its request went out. A half-open
   * trial can be neither handed back (that would admit more trials than configured, Failsafe
   * issue 391) nor left unrecorded (the half-open period would never end), so it counts as a
   * failure; in the closed state nothing is recorded.
   */
  public void abandon(long permit) {
    if (permit >= 0 && stateOf(permit) == HALF_OPEN) {
      record(permit, false);
    }
  }

  /** Gives back a half-open permit whose call made no attempt (it was no trial). */
  public void releaseUnused(long permit) {
    if (permit < 0 || stateOf(permit) != HALF_OPEN) {
      return;
    }
    long gen = generationOf(permit);
    while (true) {
      long t = trials.get();
      if ((t >>> 20) != gen || trials.compareAndSet(t, t + 1)) {
        return;
      }
    }
  }

  private static CircuitBreaker.State expected(int state) {
    return state == CLOSED ? CircuitBreaker.State.CLOSED
        : state == OPEN ? CircuitBreaker.State.OPEN : CircuitBreaker.State.HALF_OPEN;
  }

  private synchronized void follow(long permit, CircuitBreaker.State now) {
    if (stamp != permit) {
      return;
    }
    int from = stateOf(permit);
    long gen = generationOf(permit) + 1;
    if (now == CircuitBreaker.State.OPEN) {
      long open = Backoff.lengthenNanos(config.openFor().toNanos(), config.openJitter(), random.nextDouble());
      openUntil = ticker.read() + open;
      stamp = (gen << 2) | OPEN;
      emit(publicState(from), CircuitState.OPEN);
    } else if (now == CircuitBreaker.State.CLOSED) {
      stamp = (gen << 2) | CLOSED;
      emit(publicState(from), CircuitState.CLOSED);
    }
  }

  private void emit(CircuitState from, CircuitState to) {
    if (events.enabled) {
      events.emit(new ResilienceEvent.CircuitStateChanged(serviceName, from, to));
    }
  }

  private static CircuitState publicState(int state) {
    return state == CLOSED ? CircuitState.CLOSED : state == OPEN ? CircuitState.OPEN : CircuitState.HALF_OPEN;
  }

  /** The state now (an open breaker whose time is up still reads OPEN until the next call). */
  public CircuitState state() {
    return publicState(stateOf(stamp));
  }

  /** About how long an open breaker stays open; zero otherwise. */
  public Duration remainingOpen() {
    if (stateOf(stamp) != OPEN) {
      return Duration.ZERO;
    }
    return Duration.ofNanos(Math.max(0, openUntil - ticker.read()));
  }

  /** Verdicts counted by the statistics of the current state (for tests). */
  public int recordedCalls() {
    return stats.getExecutionCount();
  }

  @Override
  public String toString() {
    return "ServiceBreaker{" + serviceName + " " + state() + "}";
  }
}
