package io.mesh4j.discovery.internal;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.discovery.DatacenterSwitchedEvent;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a service's instances from the next datacenter in order when the local one has no
 * passing instance, and from the local one again as soon as it has (issue 15, part 3).
 *
 * <p>Each failover datacenter of a service gets its own {@link Watch} (a blocking query through
 * the local agent with {@code ?dc=}), started the first time the local list is empty: that call
 * waits for its first load, up to the first-load timeout; later calls read its snapshot. Once the
 * local datacenter is back, the remote watches are no longer read and retire as idle. A switch in
 * either direction is logged (WARN away, INFO back) and published once as a
 * {@link DatacenterSwitchedEvent}. Thread safe.
 */
public final class DatacenterFailover {
  private static final Logger LOG = LoggerFactory.getLogger(DatacenterFailover.class);

  private final Map<String, WatchSettings> datacenters; // in failover order
  private final Duration firstLoadTimeout;
  private final WatchSettings local;
  private final Watches watches;
  /** Per service, the failover datacenter served now; absent while the local one serves. */
  private final ConcurrentHashMap<String, String> serving = new ConcurrentHashMap<>();

  /** Failover, in order, to {@code datacenters} (none: a no-op), watched like {@code local}. */
  public DatacenterFailover(List<String> datacenters, WatchSettings local, ConsulHandle consul,
      NamedThreadFactory threads, Duration firstLoadTimeout) {
    this.datacenters = new LinkedHashMap<>();
    for (String dc : datacenters) {
      this.datacenters.put(dc, local.withDatacenter(dc));
    }
    this.local = local;
    this.watches = new Watches(consul, threads);
    this.firstLoadTimeout = firstLoadTimeout;
  }

  /** Whether any failover datacenter is configured. */
  public boolean enabled() {
    return !datacenters.isEmpty();
  }

  /**
   * The instances to serve for {@code service}, given the local datacenter's list: the local list
   * when it is not empty, else the first failover datacenter's that is not empty, else the (empty)
   * local list.
   */
  public List<ServiceInstance> resolve(String service, List<ServiceInstance> localList) {
    if (!localList.isEmpty()) {
      if (!serving.isEmpty()) {
        String was = serving.remove(service);
        if (was != null) {
          switched(service, was, DatacenterSwitchedEvent.LOCAL, localList.size());
        }
      }
      return localList;
    }
    for (String dc : datacenters.keySet()) {
      List<ServiceInstance> remote = remote(service, dc);
      if (remote != null && !remote.isEmpty()) {
        String was = serving.put(service, dc);
        if (!dc.equals(was)) {
          switched(service, was == null ? DatacenterSwitchedEvent.LOCAL : was, dc, remote.size());
        }
        return remote;
      }
    }
    return localList;
  }

  /**
   * The first failover datacenter's instances of {@code service} that is not empty (its watch
   * started, and its first answer awaited, the first time), or an empty list: for a caller whose
   * local instances all failed while discovery still lists them (their checks not critical yet).
   * Changes nothing {@link #resolve} serves and publishes no event.
   */
  public List<ServiceInstance> fallback(String service) {
    for (String dc : datacenters.keySet()) {
      List<ServiceInstance> remote = remote(service, dc);
      if (remote != null && !remote.isEmpty()) {
        return remote;
      }
    }
    return List.of();
  }

  /** The datacenters failed over to right now, by service (for tests and operators). */
  public Map<String, String> serving() {
    return Map.copyOf(serving);
  }

  private List<ServiceInstance> remote(String service, String dc) {
    String key = service + '\n' + dc;
    Watch w = watches.get(key);
    if (w == null) {
      Watches.Got got = watches.getOrStart(key, service, datacenters.get(dc));
      if (got == null) {
        return null; // closed
      }
      w = got.watch();
      if (got.created()) {
        try { // first needed now: the call that started it waits for its first answer
          return w.awaitFirstLoad(firstLoadTimeout);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return null;
        }
      }
    }
    w.touch();
    return w.snapshot();
  }

  private void switched(String service, String from, String to, int instances) {
    if (DatacenterSwitchedEvent.LOCAL.equals(to)) {
      LOG.info("service '{}': local instances pass again; calls are back from datacenter {} ({} instances)",
          service, from, instances);
    } else {
      LOG.warn("service '{}': no passing instance in the local datacenter; calls go to datacenter {} "
          + "({} instances) until local instances pass again", service, to, instances);
    }
    Events.publish(local.events(), new DatacenterSwitchedEvent(service, System.currentTimeMillis(), from, to,
        instances));
  }

  /** Stops every remote watch and waits for their threads, until {@code deadlineNanos}. */
  public void close(long deadlineNanos) throws InterruptedException {
    for (Watch w : watches.stopAll()) {
      w.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
    }
  }
}
