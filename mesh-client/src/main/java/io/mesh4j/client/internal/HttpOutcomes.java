package io.mesh4j.client.internal;

import io.mesh4j.resilience.Outcome;
import io.mesh4j.resilience.OutcomeClassifier;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * How an HTTP answer counts: 502, 503, 504 and 429 are retryable on another instance (with the
 * server's Retry-After as a hint); other 5xx are failures of the instance (they feed ejection and
 * the breaker) but not retried; everything else is a success as far as the instance's health is
 * concerned (a 404 is the caller's business, not a sick instance). Exceptions: connect failures,
 * resets, empty answers and timeouts are retryable; a connect that timed out (the host drops
 * packets, or its accept queue is full) never reached the instance and is retried on another one
 * at once, without backoff. A request that failed on a pooled connection the server had closed as
 * idle ({@link StaleConnections}) is retried at once and not counted against the instance.
 */
public final class HttpOutcomes implements OutcomeClassifier<HttpResult> {
  /** The one instance; stateless. */
  public static final HttpOutcomes INSTANCE = new HttpOutcomes();

  private HttpOutcomes() {}

  @Override
  public Outcome classifyResult(HttpResult result) {
    int s = result.status();
    if (s == 502 || s == 503 || s == 504 || s == 429) {
      Duration retryAfter = retryAfter(result.headers().get("Retry-After"));
      return retryAfter == null ? Outcome.retryableFailure() : Outcome.retryableFailure(retryAfter);
    }
    if (s >= 500) {
      return Outcome.failure();
    }
    return Outcome.success();
  }

  @Override
  public Outcome classifyException(Throwable error) {
    if (error instanceof StaleConnections.StaleConnectionException) {
      return Outcome.staleConnection();
    }
    if (isConnectTimeout(error)) {
      return Outcome.retryableFailureAtOnce();
    }
    return OutcomeClassifier.defaultExceptionOutcome(error);
  }

  /** OkHttp's connect timeout: the JDK's {@code SocketTimeoutException("Connect timed out")}. */
  static boolean isConnectTimeout(Throwable error) {
    if (error instanceof java.net.SocketTimeoutException) {
      String m = error.getMessage();
      return m != null && m.regionMatches(true, 0, "connect", 0, 7);
    }
    return false;
  }

  /** Retry-After as delay-seconds or an HTTP date; null when absent or unreadable. */
  static Duration retryAfter(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.trim();
    try {
      long seconds = Long.parseLong(v);
      return seconds < 0 ? null : Duration.ofSeconds(seconds);
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException notDate) {
        return null;
      }
    }
  }
}
