package io.mesh4j.api;

/** A policy refused to start (or to retry) a call; {@link #reason()} says which. */
public class RejectedException extends MeshException {
  private static final long serialVersionUID = 1L;

  /** Which policy rejected. */
  public enum Reason {
    /** The service's retry budget is spent; the last error is the cause. */
    RETRY_BUDGET,
    /** The bulkhead has no free slot. */
    BULKHEAD,
    /** The rate limit was reached. */
    RATE_LIMIT
  }

  private final Reason reason;

  /** Rejected for {@code reason}. */
  public RejectedException(String serviceName, Reason reason, String detail, Throwable cause) {
    super(serviceName, "call to service '" + serviceName + "' rejected: " + reason
        + (detail == null ? "" : " (" + detail + ")"), cause);
    this.reason = reason;
  }

  /** Which policy rejected. */
  public Reason reason() {
    return reason;
  }
}
