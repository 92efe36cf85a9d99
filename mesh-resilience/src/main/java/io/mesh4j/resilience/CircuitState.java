package io.mesh4j.resilience;

/** The state of a service's circuit breaker. */
public enum CircuitState {
  /** Calls pass. */
  CLOSED,
  /** Calls are refused with {@link io.mesh4j.api.CircuitOpenException}. */
  OPEN,
  /** A fixed number of trial calls pass; the others are refused. */
  HALF_OPEN,
  /** The breaker is disabled. */
  DISABLED
}
