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
import java.util.Locale;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.SmartApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Registers the application in the {@link ServiceRegistry} when it is ready (an HTTP check of the
 * actuator health endpoint when the application serves one on the registered port, else a TTL
 * check the registry keeps passing), and deregisters it when the context starts closing: {@link ContextClosedEvent} is published before any bean is
 * destroyed, so callers stop being sent here before the clients and caches go away.
 */
public final class SelfRegistration implements SmartApplicationListener {
  private static final Logger LOG = LoggerFactory.getLogger(SelfRegistration.class);
  private static final String HEALTH_ENDPOINT = "org.springframework.boot.health.actuate.endpoint.HealthEndpoint";

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
    if (event instanceof ApplicationReadyEvent ready) {
      register(ready.getApplicationContext());
    } else if (event instanceof ContextClosedEvent) {
      deregister();
    }
  }

  /** The registered instance id, or null. */
  public String registeredId() {
    return registeredId;
  }

  void register(ApplicationContext context) {
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
    HealthCheck check = check(context, port);
    registry.register(ServiceRegistration.of(instance, check));
    registeredId = instance.id();
    LOG.info("Registered {} as {} at {}:{} with {}", name, instance.id(), host, port, check);
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

  /** The check: HTTP on the health endpoint when there is one on the registered port, else TTL. */
  private HealthCheck check(ApplicationContext context, int port) {
    String kind = settings.getCheck() == null ? "auto" : settings.getCheck().trim().toLowerCase(Locale.ROOT);
    if (!kind.equals("auto") && !kind.equals("http") && !kind.equals("ttl")) {
      throw new InvalidMeshPropertyException("mesh4j.registration.check", settings.getCheck(), "auto, http or ttl", null);
    }
    String path = settings.getHealthCheckPath();
    boolean http = kind.equals("http") || (kind.equals("auto") && (path != null || healthEndpointOn(context, port)));
    if (!http) {
      return PropertyChecks.get("mesh4j.registration.check-ttl", settings.getCheckTtl(),
          "a positive duration of at least 1s (e.g. 10s)", () -> HealthCheck.ttl(settings.getCheckTtl()).build());
    }
    String checkPath = path != null ? path : healthPath();
    HealthCheck.Builder builder = PropertyChecks.get("mesh4j.registration.health-check-path", checkPath,
        "a path starting with '/', e.g. /actuator/health", () -> HealthCheck.http(checkPath));
    return PropertyChecks.get("mesh4j.registration.check-interval", settings.getCheckInterval(),
        "a positive duration (e.g. 10s)", () -> builder.interval(settings.getCheckInterval()).build());
  }

  /**
   * Whether the actuator's health endpoint answers on {@code port}: its bean exists, a web server
   * runs on that port, and no separate management port (a check is a path on the registered port).
   */
  private boolean healthEndpointOn(ApplicationContext context, int port) {
    if (!ClassUtils.isPresent(HEALTH_ENDPOINT, SelfRegistration.class.getClassLoader())) {
      return false;
    }
    try {
      if (context.getBeanNamesForType(ClassUtils.forName(HEALTH_ENDPOINT, SelfRegistration.class.getClassLoader())).length == 0) {
        return false;
      }
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
    Integer web = environment.getProperty("local.server.port", Integer.class);
    Integer management = environment.getProperty("local.management.port", Integer.class);
    if (management != null && !management.equals(web)) {
      LOG.info("The actuator runs on its own port {}: a TTL check is used (set mesh4j.registration.check=http and "
          + "health-check-path to poll a path on the registered port)", management);
      return false;
    }
    return web != null && web == port;
  }

  private String healthPath() {
    String context = environment.getProperty("server.servlet.context-path", "");
    String base = environment.getProperty("management.endpoints.web.base-path", "/actuator");
    String health = environment.getProperty("management.endpoints.web.path-mapping.health", "health");
    String path = (trim(context) + "/" + trim(base) + "/" + trim(health)).replaceAll("/+", "/");
    return path.startsWith("/") ? path : "/" + path;
  }

  private static String trim(String s) {
    return s.replaceAll("^/+|/+$", "");
  }
}
