package io.mesh4j.api;

import java.time.Duration;

/** An attempt or a whole call ran past its timeout or deadline. */
public class MeshTimeoutException extends MeshException {
  private static final long serialVersionUID = 1L;

  private final Duration timeout;

  /** {@code serviceName}'s call exceeded {@code timeout}; {@code what} says which (attempt, call). */
  public MeshTimeoutException(String serviceName, String what, Duration timeout, Throwable cause) {
    super(serviceName, what + " to service '" + serviceName + "' timed out after " + timeout.toMillis() + " ms", cause);
    this.timeout = timeout;
  }

  /** The timeout that was exceeded. */
  public Duration timeout() {
    return timeout;
  }
}
