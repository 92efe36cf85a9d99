package io.mesh4j.api;

import java.time.Duration;

/** The service's circuit breaker is open (or half-open with no trial permit left): the call was not made. */
public class CircuitOpenException extends MeshException {
  private static final long serialVersionUID = 1L;

  private final Duration remaining;

  /** Circuit of {@code serviceName} open, for about {@code remaining} more (zero when unknown). */
  public CircuitOpenException(String serviceName, Duration remaining) {
    super(serviceName, "circuit breaker of service '" + serviceName + "' is open"
        + (remaining == null || remaining.isZero() ? "" : ", retry in about " + remaining.toMillis() + " ms"));
    this.remaining = remaining == null ? Duration.ZERO : remaining;
  }

  /** About how long until the breaker lets a trial call through; zero when unknown. */
  public Duration remaining() {
    return remaining;
  }
}
