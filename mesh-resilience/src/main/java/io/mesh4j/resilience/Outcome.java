package io.mesh4j.resilience;

import io.mesh4j.api.internal.Checks;
import java.time.Duration;
import java.util.Optional;

/**
 * How one attempt ended, as a {@link OutcomeClassifier} judges it: a success, a failure that is
 * not worth retrying, or a retryable failure, optionally with the server's retry-delay hint.
 * Failures of both kinds count against the instance (outlier ejection) and the service (breaker).
 * Immutable; the common outcomes are shared constants.
 */
public final class Outcome {
  /** The kinds of outcome. */
  public enum Kind {
    /** The attempt succeeded. */
    SUCCESS,
    /** The attempt failed; a retry would not help (or could do harm). */
    FAILURE,
    /** The attempt failed; another attempt, on another instance, may succeed. */
    RETRYABLE_FAILURE
  }

  private static final Outcome SUCCESS = new Outcome(Kind.SUCCESS, null);
  private static final Outcome FAILURE = new Outcome(Kind.FAILURE, null);
  private static final Outcome RETRYABLE = new Outcome(Kind.RETRYABLE_FAILURE, null);
  private static final Outcome RETRYABLE_AT_ONCE = new Outcome(Kind.RETRYABLE_FAILURE, null, true);
  private static final Outcome STALE_CONNECTION = new Outcome(Kind.RETRYABLE_FAILURE, null, true, false);

  private final Kind kind;
  private final Duration retryAfter;
  private final boolean atOnce;
  private final boolean countsAgainstInstance;

  private Outcome(Kind kind, Duration retryAfter) {
    this(kind, retryAfter, false);
  }

  private Outcome(Kind kind, Duration retryAfter, boolean atOnce) {
    this(kind, retryAfter, atOnce, true);
  }

  private Outcome(Kind kind, Duration retryAfter, boolean atOnce, boolean countsAgainstInstance) {
    this.kind = kind;
    this.retryAfter = retryAfter;
    this.atOnce = atOnce;
    this.countsAgainstInstance = countsAgainstInstance;
  }

  /** A success. */
  public static Outcome success() {
    return SUCCESS;
  }

  /** A failure not to retry. */
  public static Outcome failure() {
    return FAILURE;
  }

  /** A retryable failure. */
  public static Outcome retryableFailure() {
    return RETRYABLE;
  }

  /**
   * A retryable failure that never reached the instance (a connect that timed out or was
   * refused): retried on another instance at once, without backoff.
   */
  public static Outcome retryableFailureAtOnce() {
    return RETRYABLE_AT_ONCE;
  }

  /**
   * A retryable failure that says nothing about the instance: a pooled connection that the server
   * had already closed as idle (every server closes idle keep-alive connections after its own
   * timeout). Retried at once, and not counted against the instance by outlier ejection.
   */
  public static Outcome staleConnection() {
    return STALE_CONNECTION;
  }

  /** False for {@link #staleConnection()}: outlier ejection does not count it. */
  public boolean countsAgainstInstance() {
    return countsAgainstInstance;
  }

  /** True for {@link #retryableFailureAtOnce()}: the retry skips its backoff. */
  public boolean retryAtOnce() {
    return atOnce;
  }

  /**
   * A retryable failure whose server asked to wait {@code retryAfter} (HTTP {@code Retry-After});
   * honoured up to {@link RetryConfig#retryAfterMax()}.
   *
   * @throws IllegalArgumentException if retryAfter is negative
   */
  public static Outcome retryableFailure(Duration retryAfter) {
    return new Outcome(Kind.RETRYABLE_FAILURE, Checks.notNegative(retryAfter, "retryAfter"));
  }

  /** The kind. */
  public Kind kind() {
    return kind;
  }

  /** True for {@link Kind#SUCCESS}. */
  public boolean isSuccess() {
    return kind == Kind.SUCCESS;
  }

  /** True for {@link Kind#RETRYABLE_FAILURE}. */
  public boolean isRetryable() {
    return kind == Kind.RETRYABLE_FAILURE;
  }

  /** The server's retry-delay hint, if it gave one. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  @Override
  public String toString() {
    if (!countsAgainstInstance) {
      return kind + "(stale connection)";
    }
    if (atOnce) {
      return kind + "(at once)";
    }
    return retryAfter == null ? kind.toString() : kind + "(retryAfter=" + retryAfter + ")";
  }
}
