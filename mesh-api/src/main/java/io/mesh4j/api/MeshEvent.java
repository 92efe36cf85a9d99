package io.mesh4j.api;

/**
 * The base of every event mesh4j publishes (discovery changes, retries, ejections, breaker
 * transitions, cache invalidations...). Modules subclass it; listeners switch on the subclasses
 * they care about and ignore the rest, so adding an event type breaks no listener.
 */
public abstract class MeshEvent {
  private final String serviceName;
  private final long timestampMillis;

  /** An event about {@code serviceName} (may be null) at wall-clock {@code timestampMillis}. */
  protected MeshEvent(String serviceName, long timestampMillis) {
    this.serviceName = serviceName;
    this.timestampMillis = timestampMillis;
  }

  /** The service the event is about; null when it is about none. */
  public String serviceName() {
    return serviceName;
  }

  /** When it happened, in epoch milliseconds. */
  public long timestampMillis() {
    return timestampMillis;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{" + serviceName + "}";
  }
}
