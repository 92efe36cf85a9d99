package io.mesh4j.api;

/**
 * Registers this process's instances with a registry and removes them again. Thread safe.
 * Closing deregisters everything this registry registered.
 */
public interface ServiceRegistry extends AutoCloseable {
  /**
   * Registers (or re-registers) the instance with its health check.
   *
   * @throws MeshException if the registry refused or could not be reached
   */
  void register(ServiceRegistration registration);

  /**
   * Removes the instance with this id. Removing an unknown id does nothing.
   *
   * @throws MeshException if the registry could not be reached
   */
  void deregister(String instanceId);

  /** Deregisters every instance this registry registered and stops heartbeats. Idempotent. */
  @Override
  void close();
}
