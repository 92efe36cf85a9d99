package io.mesh4j.discovery;

import io.mesh4j.api.MeshEvent;

/**
 * A TTL heartbeat did not reach Consul (or Consul refused it for a reason other than having
 * forgotten the check). The registry keeps beating; when the agent answers that it does not know
 * the check, the registry registers again and publishes {@link ServiceReregisteredEvent}.
 */
public final class HeartbeatFailedEvent extends MeshEvent {
  private final String instanceId;
  private final String message;

  /**
   * @param serviceName the registered service
   * @param timestampMillis when, epoch milliseconds
   * @param instanceId the instance whose heartbeat failed
   * @param message what happened, without secrets
   */
  public HeartbeatFailedEvent(String serviceName, long timestampMillis, String instanceId, String message) {
    super(serviceName, timestampMillis);
    this.instanceId = instanceId;
    this.message = message;
  }

  /** The instance id. */
  public String instanceId() {
    return instanceId;
  }

  /** A one-line description; never contains the token. */
  public String message() {
    return message;
  }

  @Override
  public String toString() {
    return "HeartbeatFailedEvent{" + instanceId + ": " + message + "}";
  }
}
