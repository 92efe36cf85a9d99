package io.mesh4j.spring.boot.autoconfigure.internal;

import io.mesh4j.cache.CacheException;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.resilience.CircuitState;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/** The mesh's health indicators: Consul watch staleness, open breakers, the Redis Cluster. */
public final class MeshHealthIndicators {
  private MeshHealthIndicators() {}

  /**
   * UP while every watched service's list was confirmed by Consul within {@code staleAfter};
   * {@code staleStatus} as soon as one was not (Consul unreachable, leaderless, or erroring: the
   * mesh still serves the last good list, but nobody tells it about changes).
   */
  public static HealthIndicator consulWatches(MeshActivity activity, Supplier<Set<String>> watched,
      Duration staleAfter, Status staleStatus) {
    return () -> {
      long now = activity.nowMillis();
      Map<String, MeshActivity.Watch> watches = activity.watches();
      Set<String> names = new TreeSet<>(watched.get());
      names.addAll(watches.keySet());
      Map<String, Object> details = new LinkedHashMap<>();
      boolean stale = false;
      for (String name : names) {
        MeshActivity.Watch w = watches.get(name);
        Map<String, Object> d = new LinkedHashMap<>();
        if (w == null) {
          d.put("state", "starting");
        } else {
          long age = w.staleForMillis(now);
          boolean isStale = age > staleAfter.toMillis();
          stale |= isStale;
          d.put("state", isStale ? "stale" : w.lastSyncMillis() < 0 ? "starting" : "synced");
          d.put("unconfirmedForMs", age);
          d.put("instances", w.instances());
          if (w.lastFailure() != null && w.lastFailureMillis() >= w.lastSyncMillis()) {
            d.put("lastFailure", w.lastFailure());
          }
        }
        details.put(name, d);
      }
      return Health.status(stale ? staleStatus : Status.UP).withDetail("staleAfter", staleAfter.toString())
          .withDetail("services", details).build();
    };
  }

  /** UP while no known service's breaker is open; {@code openStatus} when one is. */
  public static HealthIndicator breakers(ServiceMeshClient mesh, Supplier<Set<String>> services, Status openStatus) {
    return () -> {
      Map<String, Object> states = new LinkedHashMap<>();
      boolean open = false;
      for (String service : new TreeSet<>(services.get())) {
        CircuitState state = mesh.circuitState(service);
        open |= state == CircuitState.OPEN;
        states.put(service, state.name());
      }
      return Health.status(open ? openStatus : Status.UP).withDetail("breakers", states).build();
    };
  }

  /**
   * UP when the Redis Cluster answers a read through its probe (a strict cache, so a failure throws
   * instead of being a miss), DOWN otherwise. Closing it closes the probe, not the connection.
   */
  public static final class Redis implements HealthIndicator, AutoCloseable {
    private final DistributedCache<String> probe;

    /** Probes with {@code probe}, which must be strict. */
    public Redis(DistributedCache<String> probe) {
      this.probe = probe;
    }

    @Override
    public Health health() {
      try {
        probe.exists("probe");
        return Health.up().build();
      } catch (CacheException e) {
        return Health.down().withDetail("error", e.getMessage()).build();
      }
    }

    @Override
    public void close() {
      probe.close();
    }
  }
}
