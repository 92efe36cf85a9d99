package io.mesh4j.api;

/**
 * No instance of a service could be chosen: discovery knows none, or every known one is ejected
 * or excluded, or the first load of the service did not finish in time.
 */
public class NoInstanceAvailableException extends MeshException {
  private static final long serialVersionUID = 1L;

  private final int knownCount;
  private final int ejectedCount;

  /** No instance of {@code serviceName}: {@code knownCount} known, {@code ejectedCount} of them ejected. */
  public NoInstanceAvailableException(String serviceName, int knownCount, int ejectedCount) {
    this(serviceName, knownCount, ejectedCount, null, null);
  }

  /** As above, with a reason (appended to the message) and a cause. */
  public NoInstanceAvailableException(String serviceName, int knownCount, int ejectedCount,
      String reason, Throwable cause) {
    super(serviceName, "no instance available for service '" + serviceName + "' (" + knownCount
        + " known, " + ejectedCount + " ejected)" + (reason == null ? "" : ": " + reason), cause);
    this.knownCount = knownCount;
    this.ejectedCount = ejectedCount;
  }

  /** How many instances discovery knew. */
  public int knownCount() {
    return knownCount;
  }

  /** How many of those were ejected as outliers. */
  public int ejectedCount() {
    return ejectedCount;
  }
}
