package io.mesh4j.discovery;

import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.api.ServiceRegistry;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.discovery.internal.ConnectionConfig;
import io.mesh4j.discovery.internal.ConsulFailure;
import io.mesh4j.discovery.internal.ConsulHandle;
import io.mesh4j.discovery.internal.HostAddresses;
import io.mesh4j.discovery.internal.NamedThreadFactory;
import io.mesh4j.discovery.internal.Secrets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.NotRegisteredException;
import org.kiwiproject.consul.model.agent.Registration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ServiceRegistry} on a Consul agent: registers instances with an HTTP or TTL check,
 * keeps TTL checks passing with a heartbeat, registers again at once when the agent has forgotten
 * an instance, and deregisters everything on {@link #close()}.
 *
 * <pre>{@code
 * try (ConsulRegistry registry = ConsulRegistry.builder().url("http://127.0.0.1:8500")
 *     .shutdownHook(true).build()) {
 *   registry.register(ServiceRegistration.of(
 *       ServiceInstance.newBuilder().serviceName("user-service")
 *           .host(ConsulRegistry.localAddress()).port(8080).tag("v2").build(),
 *       HealthCheck.ttl(Duration.ofSeconds(10)).build()));
 *   ...
 * }
 * }</pre>
 *
 * <ul>
 *   <li>The Consul service id is the instance id ({@code name-host-port} unless set).</li>
 *   <li>An HTTP check polls {@code http(s)://host:port/path}; Consul runs it, so no heartbeat
 *       exists for it. A TTL check is fed by a heartbeat at the check's heartbeat interval
 *       (default a third of the TTL) shortened by up to 20% at random, on one scheduler thread
 *       per registry, created with the first registration (it also runs the reconciliation).</li>
 *   <li>Instances without a TTL check are checked for presence on the agent every
 *       {@link Builder#reconcileInterval reconcileInterval} (default 30 s) and registered again when
 *       it forgot them.</li>
 *   <li>When a heartbeat is answered "unknown check" (the agent restarted and lost its state), the
 *       instance is registered again at once and a {@link ServiceReregisteredEvent} published; the
 *       instances without a TTL check are then checked at once too, since the agent forgot them
 *       as well.</li>
 *   <li>Instances with {@link ServiceInstance#secure()} get metadata {@code secure=true}, which
 *       {@link ConsulDiscovery} reads back.</li>
 * </ul>
 *
 * <p>Errors are {@link MeshException}s whose messages never contain the ACL token. This class is
 * thread safe.
 */
public final class ConsulRegistry implements ServiceRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(ConsulRegistry.class);

  private final ConnectionConfig connection;
  private final ConsulHandle consul;
  private final ConcurrentHashMap<String, RegisteredInstance> registered = new ConcurrentHashMap<>();
  private final RegistryKeepalive keepalive;
  private final Thread shutdownHook;
  /** Test seam: runs in a heartbeat after it decided to beat and before it asks the agent. */
  volatile Runnable beforeHeartbeat;

  private ConsulRegistry(Builder b, ConnectionConfig connection) {
    this.connection = connection;
    this.consul = ConsulHandle.open(connection, "registry", "ConsulRegistry.builder()");
    this.keepalive = new RegistryKeepalive(consul, registered, b.events, b.random, b.reconcileInterval,
        () -> beforeHeartbeat);
    if (b.shutdownHook) {
      shutdownHook = new NamedThreadFactory("registry-shutdown").newThread(this::close);
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    } else {
      shutdownHook = null;
    }
  }

  /** A builder with the defaults: local agent, no token, no shutdown hook. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * This machine's first non-loopback site-local IPv4 address (10/8, 172.16/12, 192.168/16), else
   * {@code 127.0.0.1}: a reasonable {@code host} for an instance registered from here.
   */
  public static String localAddress() {
    return HostAddresses.firstSiteLocalOrLoopback();
  }

  /**
   * Registers (or re-registers) the instance with its check; a TTL check is reported passing at
   * once and then kept passing by the heartbeat.
   *
   * @throws MeshException if Consul refused or could not be reached (no token in the message)
   * @throws IllegalStateException if this registry is closed
   */
  @Override
  public void register(ServiceRegistration registration) {
    Checks.notNull(registration, "registration");
    checkOpen();
    ServiceInstance i = registration.instance();
    RegisteredInstance reg = RegisteredInstance.of(registration);
    put(i.serviceName(), i.id(), reg.consul, "registration");
    RegisteredInstance previous = registered.put(i.id(), reg);
    if (previous != null) { // re-registration of the same id: the new one's heartbeat replaces it
      previous.retire();
    }
    HealthCheck check = registration.healthCheck().orElse(null);
    if (check != null && check.kind() == HealthCheck.Kind.TTL) {
      try {
        keepalive.pass(i.id());
      } catch (NotRegisteredException | RuntimeException e) {
        // All or nothing: a registration whose TTL check cannot be fed would turn critical.
        registered.remove(i.id(), reg);
        try {
          consul.consul().agentClient().deregister(i.id());
        } catch (RuntimeException ignored) {
          // the agent is probably unreachable; it drops the critical instance by itself
        }
        throw failure(i.serviceName(), "first heartbeat of '" + i.id() + "'", e);
      }
      synchronized (reg.lock) { // a deregister() racing with us then either precedes or sees it
        keepalive.scheduleHeartbeat(reg);
      }
    } else {
      keepalive.startReconciliation();
    }
    LOG.debug("registered {} with {}", i, check);
  }

  /**
   * Deregisters the instance and stops its heartbeat. An id this agent does not know is fine.
   *
   * @throws MeshException if Consul could not be reached
   */
  @Override
  public void deregister(String instanceId) {
    Checks.notBlank(instanceId, "instanceId");
    RegisteredInstance reg = registered.remove(instanceId);
    if (reg != null) {
      // Waits for a heartbeat or re-registration of it in progress, which could otherwise put the
      // instance back on the agent after the request below, out of our reach (a zombie).
      reg.retire();
    }
    String service = reg == null ? null : reg.registration.instance().serviceName();
    try {
      consul.consul().agentClient().deregister(instanceId);
    } catch (ConsulException e) {
      if (e.hasCode() && e.getCode() == 404) { // newer agents; 1.8 answers 200
        return;
      }
      throw failure(service, "deregistration of '" + instanceId + "'", e);
    }
  }

  /** The ids of the instances this registry has registered and not deregistered. */
  public List<String> registeredIds() {
    return List.copyOf(registered.keySet());
  }

  private void put(String service, String id, Registration r, String what) {
    try {
      consul.consul().agentClient().register(r);
    } catch (RuntimeException e) {
      throw failure(service, what + " of '" + id + "'", e);
    }
  }

  private MeshException failure(String service, String what, Throwable e) {
    ConsulFailure f = consul.failure(e instanceof NotRegisteredException && e.getCause() != null
        ? e.getCause() : e);
    String message = "Consul at " + connection.url() + " failed the " + what + ": " + f.reason() + ", "
        + f.message();
    // The cause is kept only when nothing in its chain could carry the token.
    return new MeshException(service, message, Secrets.mentions(e, connection.token()) ? null : e);
  }

  private void checkOpen() {
    if (keepalive.closed()) {
      throw new IllegalStateException("ConsulRegistry is closed");
    }
  }

  /**
   * Deregisters every instance this registry registered (failures are logged, not thrown: the
   * agent will drop a TTL instance by itself once it stops hearing from us), stops the heartbeat
   * thread and releases connections. Idempotent.
   */
  @Override
  public void close() {
    if (!keepalive.close()) {
      return;
    }
    for (String id : new ArrayList<>(registered.keySet())) {
      try {
        deregister(id);
      } catch (MeshException e) {
        LOG.warn("could not deregister {} on close ({}): Consul may still send callers to it until its"
            + " health check fails, or, without a check, until it is deregistered by hand", id, e.getMessage());
      }
    }
    keepalive.awaitClosed();
    consul.close();
    if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down; the hook runs or ran, and finds us closed
      }
    }
  }

  @Override
  public String toString() {
    return "ConsulRegistry{" + connection.url() + ", " + registered.size() + " registered"
        + (keepalive.closed() ? ", closed" : "") + "}";
  }

  /**
   * Builds a {@link ConsulRegistry}. Every setting is checked when set or at {@link #build()},
   * with a message naming it. Not thread safe.
   */
  public static final class Builder extends ConsulClientBuilder<Builder> {
    /** The default {@link #reconcileInterval(Duration)}: 30 seconds. */
    public static final Duration DEFAULT_RECONCILE_INTERVAL = Duration.ofSeconds(30);

    private boolean shutdownHook;
    private Duration reconcileInterval = DEFAULT_RECONCILE_INTERVAL;
    private MeshEventListener events;
    private RandomGenerator random = new java.util.Random();

    private Builder() {}

    /** Whether to {@link #close()} (deregister everything) from a JVM shutdown hook; default false. */
    public Builder shutdownHook(boolean enabled) {
      this.shutdownHook = enabled;
      return this;
    }

    /**
     * Every {@code interval} (default 30 s), list the agent's services and register again any
     * instance without a TTL check that it forgot (an agent restarted without its state). One
     * request to the agent per round for all instances, made only while an instance without a TTL
     * check is registered: instances with a TTL check need no such round, their heartbeat notices,
     * and when it does, a round runs at once for the others.
     */
    public Builder reconcileInterval(Duration interval) {
      this.reconcileInterval = Checks.positive(interval, "reconcileInterval");
      return this;
    }

    /** Receives {@link HeartbeatFailedEvent} and {@link ServiceReregisteredEvent}, on the registry thread. */
    public Builder eventListener(MeshEventListener listener) {
      this.events = Checks.notNull(listener, "eventListener");
      return this;
    }

    /** The source of heartbeat jitter; for tests. Used under a lock. */
    public Builder random(RandomGenerator random) {
      this.random = Checks.notNull(random, "random");
      return this;
    }

    /**
     * Validates every setting and builds. Makes no request.
     *
     * @throws IllegalArgumentException naming the setting that is invalid
     */
    public ConsulRegistry build() {
      ConnectionConfig c = connection();
      return new ConsulRegistry(this, c);
    }
  }
}
