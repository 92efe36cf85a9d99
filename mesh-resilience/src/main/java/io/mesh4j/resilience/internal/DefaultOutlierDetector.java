package io.mesh4j.resilience.internal;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.Ticker;
import io.mesh4j.resilience.OutlierDetector;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.ResilienceEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

/**
 * {@link OutlierDetector} with one small lock per instance. Lock order: instance, then service.
 * When nothing of a service is ejected, {@link #selectable} returns the list it was given without
 * allocating. Thread safe.
 *
 * <p>Discovery overrides ejection on recovery: an instance that leaves the candidate list while
 * ejected (its health check failed, it was deregistered) and comes back (restarted, passing again)
 * returns at once through the usual trial calls instead of waiting out its ejection. Once per
 * {@code maxEjectionTime} per instance: a flapping instance that comes back again sooner keeps
 * the ejection it had, so it cannot use discovery to skip ejection. What is remembered of a
 * departed instance is dropped after {@code maxEjectionTime}.
 */
public final class DefaultOutlierDetector implements OutlierDetector {
  private static final int ACTIVE = 0;
  private static final int EJECTED = 1;
  private static final int RETURNING = 2;
  /** How long a streak of suspect attempts must last before it ejects. */
  static final long SUSPECT_SPAN_NANOS = 1_000_000_000L;

  private final OutlierEjectionConfig config;
  private final Ticker ticker;
  private final RandomGenerator random;
  private final Events events;
  private final ConcurrentHashMap<String, ServiceHealth> services = new ConcurrentHashMap<>();

  /** A detector under {@code config}. */
  public DefaultOutlierDetector(OutlierEjectionConfig config, Ticker ticker, RandomGenerator random, Events events) {
    this.config = config;
    this.ticker = ticker;
    this.random = random;
    this.events = events;
  }

  private ServiceHealth service(String name) {
    ServiceHealth s = services.get(name);
    return s != null ? s : services.computeIfAbsent(name, ServiceHealth::new);
  }

  private InstanceHealth existing(ServiceInstance instance) {
    ServiceHealth s = services.get(instance.serviceName());
    return s == null ? null : s.members.get(instance);
  }

  @Override
  public List<ServiceInstance> selectable(String serviceName, List<ServiceInstance> candidates) {
    if (!config.enabled() || candidates.isEmpty()) {
      return candidates;
    }
    ServiceHealth s = service(serviceName);
    s.size = candidates.size();
    if (s.lastList != candidates) {
      s.prune(candidates, ticker.read());
    }
    if (s.ejected.get() == 0) {
      return candidates;
    }
    long now = ticker.read();
    List<ServiceInstance> out = new ArrayList<>(candidates.size());
    for (ServiceInstance c : candidates) {
      InstanceHealth h = s.members.get(c);
      if (h == null || h.selectable(now)) {
        out.add(c);
      }
    }
    // At least one instance always stays selectable (the cap makes this rare: a shrunk list).
    return out.isEmpty() ? candidates : out;
  }

  @Override
  public boolean tryAdmit(ServiceInstance instance) {
    if (!config.enabled()) {
      return true;
    }
    InstanceHealth h = existing(instance);
    return h == null || h.tryAdmit();
  }

  @Override
  public void record(ServiceInstance instance, boolean success) {
    if (!config.enabled()) {
      return;
    }
    ServiceHealth s = service(instance.serviceName());
    InstanceHealth h = s.members.get(instance);
    if (h == null) {
      h = s.members.computeIfAbsent(instance, i -> new InstanceHealth(s, i));
    }
    ResilienceEvent event = h.record(success, ticker.read());
    if (event != null && events.enabled) {
      events.emit(event);
    }
  }

  @Override
  public void recordSuspect(ServiceInstance instance) {
    if (!config.enabled()) {
      return;
    }
    ServiceHealth s = service(instance.serviceName());
    InstanceHealth h = s.members.get(instance);
    if (h == null) {
      h = s.members.computeIfAbsent(instance, i -> new InstanceHealth(s, i));
    }
    ResilienceEvent event = h.suspect(ticker.read());
    if (event != null && events.enabled) {
      events.emit(event);
    }
  }

  @Override
  public void releaseUnused(ServiceInstance instance) {
    InstanceHealth h = config.enabled() ? existing(instance) : null;
    if (h != null) {
      h.releaseUnused();
    }
  }

  @Override
  public boolean isEjected(ServiceInstance instance) {
    InstanceHealth h = config.enabled() ? existing(instance) : null;
    return h != null && h.state != ACTIVE;
  }

  @Override
  public List<ServiceInstance> ejected(String serviceName) {
    ServiceHealth s = services.get(serviceName);
    if (s == null) {
      return List.of();
    }
    List<ServiceInstance> out = new ArrayList<>();
    for (InstanceHealth h : s.members.values()) {
      if (h.state != ACTIVE) {
        out.add(h.instance);
      }
    }
    return out;
  }

  /**
   * Whether {@code instance} is ejected, or has reached the consecutive-failure threshold though
   * {@code maxEjectionPercent} kept it in (the executor's test for calling fallback instances).
   */
  public boolean isEjectedOrFailing(ServiceInstance instance) {
    InstanceHealth h = config.enabled() ? existing(instance) : null;
    return h != null && h.failing();
  }

  /**
   * Whether every instance of {@code all} failed in this call ({@code tried}), is ejected or keeps
   * failing: the executor then calls fallback instances. No lookup on a first attempt while none
   * of the service is ejected.
   */
  public boolean allGone(String serviceName, List<ServiceInstance> all, Set<ServiceInstance> tried) {
    if ((tried == null || tried.isEmpty()) && ejectedCount(serviceName) == 0) {
      return false;
    }
    for (ServiceInstance i : all) {
      if ((tried == null || !tried.contains(i)) && !isEjectedOrFailing(i)) {
        return false;
      }
    }
    return true;
  }

  /** How many instances of {@code serviceName} count as ejected (returning ones included). */
  public int ejectedCount(String serviceName) {
    ServiceHealth s = services.get(serviceName);
    return s == null ? 0 : s.ejected.get();
  }

  /** Calls counted in {@code instance}'s current window (for tests). */
  public long recordedCalls(ServiceInstance instance) {
    InstanceHealth h = existing(instance);
    if (h == null) {
      return 0;
    }
    synchronized (h) {
      h.window.roll(ticker.read());
      return h.window.first();
    }
  }

  @Override
  public String toString() {
    return "OutlierDetector{" + config + "}";
  }

  private final class ServiceHealth {
    final String name;
    final Map<ServiceInstance, InstanceHealth> members = new ConcurrentHashMap<>();
    /** Ejected and returning instances; incremented only under this object's lock, within the cap. */
    final AtomicInteger ejected = new AtomicInteger();
    volatile int size;
    volatile List<ServiceInstance> lastList;
    /** Instances that left the list while ejected, for their return; see the class comment. */
    final Map<ServiceInstance, Departed> departed = new ConcurrentHashMap<>();

    ServiceHealth(String name) {
      this.name = name;
    }

    synchronized boolean tryReserveEjection() {
      int n = size;
      int allowed = Math.min(n * config.maxEjectionPercent() / 100, n - 1);
      if (ejected.get() < allowed) {
        ejected.incrementAndGet();
        return true;
      }
      return false;
    }

    void prune(List<ServiceInstance> current, long now) {
      lastList = current;
      Set<ServiceInstance> keep = new HashSet<>(current);
      for (InstanceHealth h : members.values()) {
        if (!keep.contains(h.instance) && members.remove(h.instance, h)) {
          Departed d = h.forget(now);
          if (d != null) {
            departed.put(h.instance, d);
          }
        }
      }
      if (departed.isEmpty()) {
        return;
      }
      long keepFor = config.maxEjectionTime().toNanos();
      for (Map.Entry<ServiceInstance, Departed> e : departed.entrySet()) {
        Departed d = e.getValue();
        if (now - d.at >= keepFor) {
          departed.remove(e.getKey(), d); // away longer than any ejection: back as a new instance
        } else if (keep.contains(e.getKey()) && departed.remove(e.getKey(), d)) {
          InstanceHealth h = new InstanceHealth(this, e.getKey());
          h.rejoin(d, now);
          if (members.putIfAbsent(e.getKey(), h) != null) {
            h.forget(now); // an attempt recorded it meanwhile: that one stands; give back the slot
          }
        }
      }
    }
  }

  private final class InstanceHealth {
    final ServiceHealth service;
    final ServiceInstance instance;
    volatile int state = ACTIVE;
    private int consecutiveFailures;
    private int consecutiveSuspects;
    private long firstSuspectAt;
    final WindowCounter window;
    private int ejections;
    private long ejectedUntil;
    private long returnedAt;
    private int trialsLeft;
    private int trialSuccesses;
    private boolean forgotten;
    /** When discovery last cut an ejection of this instance short. */
    private long discoveryReturnAt;

    InstanceHealth(ServiceHealth service, ServiceInstance instance) {
      this.service = service;
      this.instance = instance;
      long now = ticker.read();
      this.window = new WindowCounter(config.window().toNanos(), 10, now);
      this.returnedAt = now - config.maxEjectionTime().toNanos() - 1;
      this.discoveryReturnAt = returnedAt;
    }

    /**
     * Back in the list after leaving it while ejected: due for its trial calls at once, unless
     * discovery already did that for it within {@code maxEjectionTime} (then it keeps the ejection
     * it had); active when the ejection cap is full.
     */
    synchronized void rejoin(Departed d, long now) {
      ejections = d.ejections;
      returnedAt = d.returnedAt;
      discoveryReturnAt = d.discoveryReturnAt;
      if (!service.tryReserveEjection()) {
        return;
      }
      state = EJECTED;
      ejectedUntil = d.ejectedUntil;
      if (now - ejectedUntil < 0 && now - discoveryReturnAt > config.maxEjectionTime().toNanos()) {
        ejectedUntil = now; // selectable() turns it RETURNING with its trial calls
        discoveryReturnAt = now;
      }
    }

    synchronized boolean selectable(long now) {
      if (state == EJECTED && now - ejectedUntil >= 0) {
        state = RETURNING;
        trialsLeft = config.trialCalls();
        trialSuccesses = 0;
      }
      return state == ACTIVE || (state == RETURNING && trialsLeft > 0);
    }

    synchronized boolean tryAdmit() {
      if (state != RETURNING) {
        return true; // active, or ejected but chosen because nothing else was left
      }
      if (trialsLeft > 0) {
        trialsLeft--;
        return true;
      }
      return false;
    }

    synchronized void releaseUnused() {
      if (state == RETURNING && trialsLeft < config.trialCalls()) {
        trialsLeft++;
      }
    }

    synchronized boolean failing() {
      return state != ACTIVE || consecutiveFailures >= config.consecutiveFailures();
    }

    synchronized ResilienceEvent record(boolean success, long now) {
      if (forgotten) {
        return null;
      }
      if (state == ACTIVE) {
        window.add(now, 1, success ? 0 : 1);
        consecutiveFailures = success ? 0 : consecutiveFailures + 1;
        if (success) {
          consecutiveSuspects = 0;
        }
        String reason = null;
        if (consecutiveFailures >= config.consecutiveFailures()) {
          reason = consecutiveFailures + " consecutive failures";
        } else if (!success && window.first() >= config.minimumCalls()
            && window.second() >= config.failureRateThreshold() * window.first()) {
          reason = "failure rate " + (100 * window.second() / window.first()) + "% of " + window.first() + " calls";
        }
        if (reason != null && service.tryReserveEjection()) {
          return ejectActive(now, reason);
        }
        return null;
      }
      if (state == RETURNING) {
        if (!success) {
          return eject(now, "failed trial call");
        }
        if (++trialSuccesses >= config.trialCalls()) {
          state = ACTIVE;
          consecutiveFailures = 0;
          window.reset(now);
          returnedAt = now;
          service.ejected.decrementAndGet();
          return events.enabled ? new ResilienceEvent.InstanceReturned(service.name, instance) : null;
        }
      }
      return null; // ejected: late results of attempts started before the ejection
    }

    /** An attempt that did not fail but says the instance is unwell; see {@link #recordSuspect}. */
    synchronized ResilienceEvent suspect(long now) {
      if (forgotten) {
        return null;
      }
      if (state == RETURNING) {
        return eject(now, "suspect trial call (overtaken by a hedge, or far slower than the service's median)");
      }
      if (state != ACTIVE || config.consecutiveSuspectAttempts() == 0) {
        return null;
      }
      if (consecutiveSuspects++ == 0) {
        firstSuspectAt = now;
      }
      // A streak must also last: a client-side pause (GC, a busy machine) lets hedges overtake a
      // healthy instance's attempts many times in a row, but not for a whole second.
      if (consecutiveSuspects >= config.consecutiveSuspectAttempts() && now - firstSuspectAt >= SUSPECT_SPAN_NANOS
          && service.tryReserveEjection()) {
        return ejectActive(now, consecutiveSuspects + " suspect attempts in a row (overtaken by hedges, or far slower than "
            + "the service's median)");
      }
      return null;
    }

    /** Ejects an active instance whose ejection slot is reserved. */
    private ResilienceEvent ejectActive(long now, String reason) {
      if (now - returnedAt > config.maxEjectionTime().toNanos()) {
        ejections = 0; // healthy for a long while: start again from the base time
      }
      return eject(now, reason);
    }

    private ResilienceEvent eject(long now, String reason) {
      ejections++;
      long base = config.baseEjectionTime().toNanos();
      long max = config.maxEjectionTime().toNanos();
      long time = ejections > max / base ? max : Math.min(max, base * ejections);
      time = Backoff.lengthenNanos(time, config.returnJitter(), random.nextDouble());
      ejectedUntil = now + time;
      state = EJECTED;
      consecutiveFailures = 0;
      consecutiveSuspects = 0;
      window.reset(now);
      return events.enabled
          ? new ResilienceEvent.InstanceEjected(service.name, instance, Duration.ofNanos(time), ejections, reason)
          : null;
    }

    /** Leaves the list; what to remember for its return when it was ejected or returning, else null. */
    synchronized Departed forget(long now) {
      forgotten = true;
      if (state == ACTIVE) {
        return null;
      }
      state = ACTIVE;
      service.ejected.decrementAndGet();
      return new Departed(now, ejections, ejectedUntil, returnedAt, discoveryReturnAt);
    }
  }

  /** What is kept of an instance that left while ejected. */
  private static final class Departed {
    final long at;
    final int ejections;
    final long ejectedUntil;
    final long returnedAt;
    final long discoveryReturnAt;

    Departed(long at, int ejections, long ejectedUntil, long returnedAt, long discoveryReturnAt) {
      this.at = at;
      this.ejections = ejections;
      this.ejectedUntil = ejectedUntil;
      this.returnedAt = returnedAt;
      this.discoveryReturnAt = discoveryReturnAt;
    }
  }
}
