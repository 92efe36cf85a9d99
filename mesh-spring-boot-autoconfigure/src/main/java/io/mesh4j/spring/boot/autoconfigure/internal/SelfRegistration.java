package io.mesh4j.spring.boot.autoconfigure.internal;

import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.api.ServiceRegistry;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.spring.boot.autoconfigure.InvalidMeshPropertyException;
import io.mesh4j.spring.boot.autoconfigure.Mesh4jProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.SmartApplicationListener;
import org.springframework.core.env.Environment;

/**
 * Registers the application in the {@link ServiceRegistry} when it is ready, and deregisters it
 * when the context starts closing: {@link ContextClosedEvent} is published before any bean is
 * destroyed, so callers stop being sent here before the clients and caches go away.
 */
public final class SelfRegistration implements SmartApplicationListener {
  private static final Logger LOG = LoggerFactory.getLogger(SelfRegistration.class);

  private final ServiceRegistry registry;
  private final Mesh4jProperties.Registration settings;
  private final Environment environment;
  private volatile String registeredId;

  /** Registration of this application in {@code registry}. */
  public SelfRegistration(ServiceRegistry registry, Mesh4jProperties.Registration settings, Environment environment) {
    this.registry = registry;
    this.settings = settings;
    this.environment = environment;
  }

  @Override
  public boolean supportsEventType(Class<? extends ApplicationEvent> eventType) {
    return ApplicationReadyEvent.class.isAssignableFrom(eventType) || ContextClosedEvent.class.isAssignableFrom(eventType);
  }

  @Override
  public void onApplicationEvent(ApplicationEvent event) {
    if (event instanceof ApplicationReadyEvent) {
      register();
    } else if (event instanceof ContextClosedEvent) {
      deregister();
    }
  }

  /** The registered instance id, or null. */
  public String registeredId() {
    return registeredId;
  }

  void register() {
    String name = settings.getServiceName() != null ? settings.getServiceName()
        : environment.getProperty("spring.application.name");
    if (name == null || name.isBlank()) {
      throw new InvalidMeshPropertyException("mesh4j.registration.service-name", "(not set)",
          "a service name (or set spring.application.name)", null);
    }
    Integer port = settings.getPort() != null ? settings.getPort()
        : environment.getProperty("local.server.port", Integer.class, environment.getProperty("server.port", Integer.class));
    if (port == null || port <= 0) {
      throw new InvalidMeshPropertyException("mesh4j.registration.port", String.valueOf(port),
          "the port others call (1-65535); without a web server it has to be set", null);
    }
    String host = settings.getHost() != null ? settings.getHost() : ConsulRegistry.localAddress();
    ServiceInstance instance = PropertyChecks.get("mesh4j.registration", name + "@" + host + ":" + port,
        "a valid service name, host and port", () -> ServiceInstance.newBuilder()
            .id(name + "-" + host + "-" + port).serviceName(name).host(host).port(port).build());
    HealthCheck check = PropertyChecks.get("mesh4j.registration.check-ttl", settings.getCheckTtl(),
        "a positive duration (e.g. 10s)", () -> HealthCheck.ttl(settings.getCheckTtl()).build());
    registry.register(ServiceRegistration.of(instance, check));
    registeredId = instance.id();
    LOG.info("Registered {} as {} at {}:{}", name, instance.id(), host, port);
  }

  void deregister() {
    String id = registeredId;
    if (id == null) {
      return;
    }
    registeredId = null;
    try {
      registry.deregister(id);
      LOG.info("Deregistered {}", id);
    } catch (RuntimeException e) {
      LOG.warn("Deregistering {} failed; its TTL check lets Consul drop it: {}", id, e.toString());
    }
  }
}
