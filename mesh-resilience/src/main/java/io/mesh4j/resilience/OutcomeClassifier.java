package io.mesh4j.resilience;

import io.mesh4j.api.MeshTimeoutException;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * Judges how an attempt ended. {@link #classifyResult} judges a returned value (for HTTP: 502,
 * 503, 504 and 429 are retryable failures, with Retry-After as the hint);
 * {@link #classifyException} judges a thrown one. Must be fast, thread safe and must not throw.
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface OutcomeClassifier<T> {
  /** Judges a returned value. */
  Outcome classifyResult(T result);

  /**
   * Judges an exception the attempt threw (or completed its future with). By default
   * {@link #defaultExceptionOutcome(Throwable)}.
   */
  default Outcome classifyException(Throwable error) {
    return defaultExceptionOutcome(error);
  }

  /**
   * The default judgement of exceptions: I/O errors (connection refused or reset, empty
   * response, socket timeouts, malformed bodies read as I/O errors), timeouts and
   * {@link MeshTimeoutException} are retryable failures; anything else is a failure not retried.
   */
  static Outcome defaultExceptionOutcome(Throwable error) {
    if (error instanceof IOException || error instanceof TimeoutException
        || error instanceof MeshTimeoutException) {
      return Outcome.retryableFailure();
    }
    return Outcome.failure();
  }

  /** Every returned value is a success; exceptions are judged by default. */
  static <T> OutcomeClassifier<T> successOnReturn() {
    return result -> Outcome.success();
  }
}
