package io.mesh4j.discovery;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.discovery.internal.Backoff;
import io.mesh4j.discovery.internal.ConsulFailure;
import io.mesh4j.discovery.internal.ConsulHandle;
import io.mesh4j.discovery.internal.Events;
import io.mesh4j.discovery.internal.NamedThreadFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.NotRegisteredException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link ConsulRegistry}'s instances on the agent: the jittered heartbeat of each TTL
 * check, the periodic reconciliation of the instances without one, and their re-registration when
 * the agent forgot them. Owns the registry's one scheduler thread (created on first use) and its
 * closed state. Thread safe.
 */
final class RegistryKeepalive {
  // The registry's logger: what users configure for it covers the heartbeat too.
  private static final Logger LOG = LoggerFactory.getLogger(ConsulRegistry.class);

  private final ConsulHandle consul;
  /** The registry's instances by id; shared with it, which adds and removes them. */
  private final Map<String, RegisteredInstance> registered;
  private final MeshEventListener events;
  private final RandomGenerator random;
  private final Duration reconcileInterval;
  private final Supplier<Runnable> beforeHeartbeat;
  private final Object schedulerLock = new Object();
  private ScheduledThreadPoolExecutor scheduler; // created with the first registration
  private ScheduledFuture<?> reconciliation;
  private volatile boolean closed;

  RegistryKeepalive(ConsulHandle consul, Map<String, RegisteredInstance> registered, MeshEventListener events,
      RandomGenerator random, Duration reconcileInterval, Supplier<Runnable> beforeHeartbeat) {
    this.consul = consul;
    this.registered = registered;
    this.events = events;
    this.random = random;
    this.reconcileInterval = reconcileInterval;
    this.beforeHeartbeat = beforeHeartbeat;
  }

  boolean closed() {
    return closed;
  }

  /** Reports {@code instanceId}'s TTL check passing. */
  void pass(String instanceId) throws NotRegisteredException {
    consul.consul().agentClient().pass(instanceId);
  }

  /** Schedules {@code reg}'s next heartbeat, unless it is retired or this is closed. */
  void scheduleHeartbeat(RegisteredInstance reg) {
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

  /** Starts the reconciliation rounds, once. */
  void startReconciliation() {
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
    boolean any = registered.values().stream().anyMatch(reg -> !reg.hasTtl());
    synchronized (schedulerLock) {
      if (any && !closed) {
        scheduler().execute(this::reconcile);
      }
    }
  }

  /**
   * Registers again the instances without a TTL check that the agent no longer lists: nothing
   * else would notice that a restarted agent forgot them. One request per round for all of them.
   */
  private void reconcile() {
    if (closed || registered.values().stream().allMatch(RegisteredInstance::hasTtl)) {
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
    for (RegisteredInstance reg : registered.values()) {
      if (!reg.hasTtl() && !known.containsKey(reg.id())) {
        MeshEvent event;
        synchronized (reg.lock) {
          event = reregister(reg);
        }
        Events.publish(events, event);
      }
    }
  }

  /** Whether {@code reg} is still ours to keep alive; call with {@code reg.lock} held. */
  private boolean live(RegisteredInstance reg) {
    return !closed && !reg.retired && registered.get(reg.id()) == reg;
  }

  private void beat(RegisteredInstance reg) {
    ServiceInstance i = reg.registration.instance();
    MeshEvent event = null;
    // Under the registration's lock, so deregister() waits for a heartbeat in progress and a
    // heartbeat never starts after it: an "unknown check" can then only mean the agent forgot.
    synchronized (reg.lock) {
      if (!live(reg)) {
        return;
      }
      Runnable hook = beforeHeartbeat.get();
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
  private MeshEvent reregister(RegisteredInstance reg) {
    ServiceInstance i = reg.registration.instance();
    if (!live(reg)) {
      return null;
    }
    try {
      consul.consul().agentClient().register(reg.consul);
      if (reg.hasTtl()) {
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

  /** Closes: no heartbeat or round starts any more. Returns false if it was closed already. */
  boolean close() {
    synchronized (schedulerLock) {
      if (closed) {
        return false;
      }
      closed = true;
      if (scheduler != null) {
        scheduler.shutdownNow();
      }
      return true;
    }
  }

  /** Waits up to 2 s for a heartbeat or round in progress to end; call after {@link #close()}. */
  void awaitClosed() {
    ScheduledThreadPoolExecutor s;
    synchronized (schedulerLock) {
      s = scheduler;
    }
    try {
      if (s != null) {
        s.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
