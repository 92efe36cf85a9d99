package io.mesh4j.discovery;

import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.api.ServiceRegistry;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.discovery.internal.Backoff;
import io.mesh4j.discovery.internal.ConnectionConfig;
import io.mesh4j.discovery.internal.ConsulFailure;
import io.mesh4j.discovery.internal.ConsulHandle;
import io.mesh4j.discovery.internal.ConsulModes;
import io.mesh4j.discovery.internal.Events;
import io.mesh4j.discovery.internal.HostAddresses;
import io.mesh4j.discovery.internal.NamedThreadFactory;
import io.mesh4j.discovery.internal.Secrets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.NotRegisteredException;
import org.kiwiproject.consul.model.State;
import org.kiwiproject.consul.model.agent.ImmutableRegCheck;
import org.kiwiproject.consul.model.agent.ImmutableRegistration;
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
  private final MeshEventListener events;
  private final RandomGenerator random;
  private final Duration reconcileInterval;
  private final ConcurrentHashMap<String, Registered> registered = new ConcurrentHashMap<>();
  private final Object schedulerLock = new Object();
  private ScheduledThreadPoolExecutor scheduler; // created with the first registration
  private ScheduledFuture<?> reconciliation;
  private final Thread shutdownHook;
  private volatile boolean closed;
  /** Test seam: runs in a heartbeat after it decided to beat and before it asks the agent. */
  volatile Runnable beforeHeartbeat;

  private ConsulRegistry(Builder b, ConnectionConfig connection) {
    this.connection = connection;
    this.events = b.events;
    this.random = b.random;
    this.reconcileInterval = b.reconcileInterval;
    this.consul = ConsulHandle.open(connection, "registry", "ConsulRegistry.builder()");
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
    Registration r = toConsul(registration);
    put(i.serviceName(), i.id(), r, "registration");
    Registered reg = new Registered(registration, r);
    Registered previous = registered.put(i.id(), reg);
    if (previous != null) { // re-registration of the same id: the new one's heartbeat replaces it
      previous.retire();
    }
    HealthCheck check = registration.healthCheck().orElse(null);
    if (check != null && check.kind() == HealthCheck.Kind.TTL) {
      try {
        pass(i.id());
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
        scheduleHeartbeat(reg);
      }
    } else {
      startReconciliation();
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
    Registered reg = registered.remove(instanceId);
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

  private void pass(String instanceId) throws NotRegisteredException {
    consul.consul().agentClient().pass(instanceId);
  }

  private void scheduleHeartbeat(Registered reg) {
    long interval = reg.registration.healthCheck().orElseThrow().heartbeatInterval().orElseThrow().toNanos();
    long delay;
    synchronized (random) {
      delay = Backoff.heartbeatDelayNanos(interval, random.nextDouble());
    }
    synchronized (schedulerLock) {
      if (closed || reg.retired) {
        return;
      }
      reg.next = scheduler().schedule(() -> beat(reg), delay, TimeUnit.NANOSECONDS);
    }
  }

  /** Call with schedulerLock held. */
  private ScheduledThreadPoolExecutor scheduler() {
    if (scheduler == null) {
      scheduler = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory("registry-scheduler"));
      scheduler.setRemoveOnCancelPolicy(true);
    }
    return scheduler;
  }

  private void startReconciliation() {
    synchronized (schedulerLock) {
      if (closed || reconciliation != null) {
        return;
      }
      long every = reconcileInterval.toNanos();
      reconciliation = scheduler().scheduleWithFixedDelay(this::reconcile, every, every, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Runs a reconciliation round now, on the scheduler thread, when instances without a TTL check
   * are registered: a heartbeat just learnt that the agent lost its state, so it forgot them too.
   */
  private void reconcileSoon() {
    boolean any = registered.values().stream().anyMatch(reg -> !hasTtl(reg.registration));
    synchronized (schedulerLock) {
      if (any && !closed) {
        scheduler().execute(this::reconcile);
      }
    }
  }

  private static boolean hasTtl(ServiceRegistration registration) {
    return registration.healthCheck().map(c -> c.kind() == HealthCheck.Kind.TTL).orElse(false);
  }

  /**
   * Registers again the instances without a TTL check that the agent no longer lists: nothing
   * else would notice that a restarted agent forgot them. One request per round for all of them.
   */
  private void reconcile() {
    if (closed || registered.values().stream().allMatch(reg -> hasTtl(reg.registration))) {
      return; // nothing to reconcile: no request
    }
    Map<String, ?> known;
    try {
      known = consul.consul().agentClient().getServices();
    } catch (RuntimeException e) {
      LOG.debug("reconciliation could not list the agent's services: {}",
          consul.failure(e).message());
      return;
    }
    for (Registered reg : registered.values()) {
      String id = reg.registration.instance().id();
      if (!hasTtl(reg.registration) && !known.containsKey(id)) {
        MeshEvent event;
        synchronized (reg.lock) {
          event = reregister(reg);
        }
        Events.publish(events, event);
      }
    }
  }

  /** Whether {@code reg} is still ours to keep alive; call with {@code reg.lock} held. */
  private boolean live(Registered reg) {
    return !closed && !reg.retired && registered.get(reg.registration.instance().id()) == reg;
  }

  private void beat(Registered reg) {
    ServiceInstance i = reg.registration.instance();
    MeshEvent event = null;
    // Under the registration's lock, so deregister() waits for a heartbeat in progress and a
    // heartbeat never starts after it: an "unknown check" can then only mean the agent forgot.
    synchronized (reg.lock) {
      if (!live(reg)) {
        return;
      }
      Runnable hook = beforeHeartbeat;
      if (hook != null) {
        hook.run();
      }
      try {
        pass(i.id());
      } catch (NotRegisteredException e) {
        if (agentForgot(e)) {
          event = reregister(reg);
          reconcileSoon();
        } else {
          ConsulFailure f = consul.failure(e.getCause() == null ? e : e.getCause());
          LOG.debug("heartbeat of {} failed: {}", i.id(), f.message());
          event = new HeartbeatFailedEvent(i.serviceName(), System.currentTimeMillis(), i.id(), f.message());
        }
      } catch (RuntimeException e) {
        ConsulFailure f = consul.failure(e);
        event = new HeartbeatFailedEvent(i.serviceName(), System.currentTimeMillis(), i.id(), f.message());
      } finally {
        if (live(reg)) {
          scheduleHeartbeat(reg);
        }
      }
    }
    // Outside the lock: a listener may call deregister() from another thread without waiting on us.
    Events.publish(events, event);
  }

  /**
   * Registers {@code reg} again unless it was deregistered, replaced or the registry closed
   * meanwhile; call with {@code reg.lock} held. Returns the event to publish, or null.
   */
  private MeshEvent reregister(Registered reg) {
    ServiceInstance i = reg.registration.instance();
    if (!live(reg)) {
      return null;
    }
    try {
      consul.consul().agentClient().register(reg.consul);
      if (hasTtl(reg.registration)) {
        pass(i.id());
      }
      LOG.info("the agent had forgotten {}; registered it again", i.id());
      return new ServiceReregisteredEvent(i.serviceName(), System.currentTimeMillis(), i.id());
    } catch (NotRegisteredException | RuntimeException e) {
      ConsulFailure f = consul.failure(e.getCause() == null ? e : e.getCause());
      return new HeartbeatFailedEvent(i.serviceName(), System.currentTimeMillis(),
          i.id(), "re-registration failed: " + f.message());
    }
  }

  /**
   * True when Consul answered that it does not know the check: 404 on newer agents, 500 with
   * "does not have associated TTL" or "Unknown check" on 1.x agents such as 1.8.
   */
  static boolean agentForgot(NotRegisteredException e) {
    Throwable c = e.getCause();
    if (!(c instanceof ConsulException) || !((ConsulException) c).hasCode()) {
      return false;
    }
    int code = ((ConsulException) c).getCode();
    String m = String.valueOf(c.getMessage());
    return code == 404 || (code == 500 && (m.contains("does not have associated TTL")
        || m.contains("Unknown check") || m.contains("Unknown service")));
  }

  private MeshException failure(String service, String what, Throwable e) {
    ConsulFailure f = consul.failure(e instanceof NotRegisteredException && e.getCause() != null
        ? e.getCause() : e);
    String message = "Consul at " + connection.url() + " failed the " + what + ": " + f.reason() + ", "
        + f.message();
    // The cause is kept only when nothing in its chain could carry the token.
    return new MeshException(service, message, Secrets.mentions(e, connection.token()) ? null : e);
  }

  private static Registration toConsul(ServiceRegistration reg) {
    ServiceInstance i = reg.instance();
    Map<String, String> meta = new LinkedHashMap<>(i.metadata());
    if (i.secure()) {
      meta.put(ConsulModes.SECURE_META_KEY, "true");
    }
    ImmutableRegistration.Builder b = ImmutableRegistration.builder()
        .id(i.id())
        .name(i.serviceName())
        .address(i.host())
        .port(i.port())
        .tags(new ArrayList<>(i.tags()))
        .meta(meta);
    reg.healthCheck().ifPresent(c -> b.check(toConsul(i, c)));
    return b.build();
  }

  private static Registration.RegCheck toConsul(ServiceInstance i, HealthCheck c) {
    ImmutableRegCheck.Builder b = ImmutableRegCheck.builder();
    if (c.kind() == HealthCheck.Kind.HTTP) {
      b.http(i.uri() + c.path().orElseThrow())
          .interval(ConsulModes.goDuration(c.interval().orElseThrow()))
          .timeout(ConsulModes.goDuration(c.timeout().orElseThrow()));
    } else {
      b.ttl(ConsulModes.goDuration(c.ttl().orElseThrow()));
    }
    c.deregisterCriticalAfter().ifPresent(d -> b.deregisterCriticalServiceAfter(ConsulModes.goDuration(d)));
    return b.build();
  }

  private void checkOpen() {
    if (closed) {
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
    synchronized (schedulerLock) {
      if (closed) {
        return;
      }
      closed = true;
      if (scheduler != null) {
        scheduler.shutdownNow();
      }
    }
    for (String id : new ArrayList<>(registered.keySet())) {
      try {
        deregister(id);
      } catch (MeshException e) {
        LOG.warn("could not deregister {} on close ({}): Consul may still send callers to it until its"
            + " health check fails, or, without a check, until it is deregistered by hand", id, e.getMessage());
      }
    }
    try {
      if (scheduler != null) {
        scheduler.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
        + (closed ? ", closed" : "") + "}";
  }

  /** What we registered, to re-register it verbatim. */
  private static final class Registered {
    final ServiceRegistration registration;
    final Registration consul;
    /** Serializes heartbeat, re-registration and retirement of this registration. */
    final Object lock = new Object();
    volatile ScheduledFuture<?> next;
    volatile boolean retired; // deregistered or replaced: never heartbeat or re-register again

    Registered(ServiceRegistration registration, Registration consul) {
      this.registration = registration;
      this.consul = consul;
    }

    /** Stops it for good; waits for a heartbeat or re-registration of it in progress to finish. */
    void retire() {
      synchronized (lock) {
        retired = true;
        ScheduledFuture<?> f = next;
        if (f != null) {
          f.cancel(false);
        }
      }
    }
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
