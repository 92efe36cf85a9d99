package io.mesh4j.api;

import io.mesh4j.api.internal.Checks;
import java.util.Optional;

/** An instance to register and the health check the registry should run for it. Immutable. */
public final class ServiceRegistration {
  private final ServiceInstance instance;
  private final HealthCheck healthCheck;

  private ServiceRegistration(ServiceInstance instance, HealthCheck healthCheck) {
    this.instance = instance;
    this.healthCheck = healthCheck;
  }

  /** A registration with the given health check. */
  public static ServiceRegistration of(ServiceInstance instance, HealthCheck healthCheck) {
    return new ServiceRegistration(Checks.notNull(instance, "instance"),
        Checks.notNull(healthCheck, "healthCheck"));
  }

  /** A registration without a health check: the registry treats the instance as passing. */
  public static ServiceRegistration withoutHealthCheck(ServiceInstance instance) {
    return new ServiceRegistration(Checks.notNull(instance, "instance"), null);
  }

  /** The instance. */
  public ServiceInstance instance() {
    return instance;
  }

  /** The health check, if any. */
  public Optional<HealthCheck> healthCheck() {
    return Optional.ofNullable(healthCheck);
  }

  @Override
  public String toString() {
    return "ServiceRegistration{" + instance + ", " + healthCheck + "}";
  }
}
