package io.mesh4j.client;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.ServiceInstance;

/**
 * Discovery listed an instance whose address is outside
 * {@link ServiceMeshClient.Builder#allowedInstanceAddresses(String...)}: it is never called.
 * Published once when the instance appears in a new list from discovery (not on every call).
 */
public final class InstanceDroppedEvent extends MeshEvent {
  private final ServiceInstance instance;

  /** {@code instance} of {@code serviceName} was dropped. */
  public InstanceDroppedEvent(String serviceName, ServiceInstance instance) {
    super(serviceName, System.currentTimeMillis());
    this.instance = instance;
  }

  /** The dropped instance, as discovery listed it. */
  public ServiceInstance instance() {
    return instance;
  }

  @Override
  public String toString() {
    return "InstanceDropped{" + serviceName() + ": " + instance.id() + " at " + instance.host() + ":" + instance.port()
        + " is outside allowedInstanceAddresses}";
  }
}
