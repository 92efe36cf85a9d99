package io.mesh4j.api;

/**
 * The root of every exception mesh4j throws. Unchecked. Carries the service the call was for,
 * when there was one. Messages never contain credentials.
 */
public class MeshException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String serviceName;

  /** An exception about {@code serviceName} (may be null). */
  public MeshException(String serviceName, String message) {
    this(serviceName, message, null);
  }

  /** An exception about {@code serviceName} (may be null), with its cause. */
  public MeshException(String serviceName, String message, Throwable cause) {
    super(message, cause);
    this.serviceName = serviceName;
  }

  /** The service the failed operation was for; null when none. */
  public String serviceName() {
    return serviceName;
  }
}
