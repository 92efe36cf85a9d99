package io.mesh4j.api;

import java.util.List;

/**
 * Where the instances of a service are, answered from a local snapshot.
 *
 * <p>{@link #instances(String)} must be cheap: it is on every call's hot path, so implementations
 * answer from memory and keep the snapshot fresh in the background (Consul's blocking queries,
 * for example). Implementations are thread safe.
 */
public interface ServiceDiscovery extends AutoCloseable {
  /**
   * The current healthy instances of {@code serviceName}; empty when the service is known to
   * have none. An implementation may wait for a first load of a service it has never watched.
   *
   * @throws NoInstanceAvailableException if the first load of the service did not finish in time
   * @throws NullPointerException if {@code serviceName} is null
   */
  List<ServiceInstance> instances(String serviceName);

  /**
   * Instances to call when every instance {@link #instances} gives has failed within a call or is
   * ejected, though discovery still lists them as healthy: those of a failover datacenter, say,
   * while the local instances are dead but their health checks have not turned critical yet. The
   * default has none; {@code ConsulDiscovery} answers its first failover datacenter with passing
   * instances. Answers from memory after the first use of a service.
   *
   * @throws NullPointerException if {@code serviceName} is null
   */
  default List<ServiceInstance> failoverInstances(String serviceName) {
    if (serviceName == null) {
      throw new NullPointerException("serviceName must not be null");
    }
    return List.of();
  }

  /**
   * Calls {@code listener} each time the instances of {@code serviceName} change, until the
   * returned subscription is closed. A listener is never told of an empty list because the
   * registry could not be reached.
   */
  Subscription subscribe(String serviceName, ServiceChangeListener listener);

  /** Stops every watch and releases threads and connections. Idempotent. */
  @Override
  void close();
}
