package io.mesh4j.discovery;

import io.mesh4j.api.MeshEvent;

/**
 * The agent had forgotten an instance (it answered a heartbeat with "unknown check", as after a
 * restart that lost its state) and the registry registered it again.
 */
public final class ServiceReregisteredEvent extends MeshEvent {
  private final String instanceId;

  /**
   * @param serviceName the registered service
   * @param timestampMillis when, epoch milliseconds
   * @param instanceId the instance registered again
   */
  public ServiceReregisteredEvent(String serviceName, long timestampMillis, String instanceId) {
    super(serviceName, timestampMillis);
    this.instanceId = instanceId;
  }

  /** The instance id. */
  public String instanceId() {
    return instanceId;
  }

  @Override
  public String toString() {
    return "ServiceReregisteredEvent{" + instanceId + "}";
  }
}
