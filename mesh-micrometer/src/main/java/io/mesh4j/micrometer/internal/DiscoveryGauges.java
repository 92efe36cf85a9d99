package io.mesh4j.micrometer.internal;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The per-watch state behind the discovery gauges, kept from events: the passing instances
 * ({@code mesh.discovery.instances}) and the time of the last good answer, read as
 * {@code mesh.discovery.watch.staleness} in seconds on the registry's clock. A watch that has
 * never had a good answer is stale since its first failure. Thread safe.
 */
public final class DiscoveryGauges {
  private final MeterRegistry registry;
  private final Clock clock;
  private final ConcurrentHashMap<String, Watch> watches = new ConcurrentHashMap<>();

  /** Gauges on {@code registry}. */
  public DiscoveryGauges(MeterRegistry registry) {
    this.registry = registry;
    this.clock = registry.config().clock();
  }

  /** {@code service}'s watch got a good answer listing {@code instances}. */
  public void synced(String service, int instances) {
    Watch w = watch(service);
    w.instances.set(instances);
    w.lastGoodMillis.set(clock.wallTime());
  }

  /** {@code service}'s watch failed. */
  public void failed(String service) {
    watch(service);
  }

  private Watch watch(String service) {
    Watch w = watches.get(service);
    return w != null ? w : watches.computeIfAbsent(service, s -> {
      Watch n = new Watch(clock.wallTime());
      Gauge.builder("mesh.discovery.instances", n.instances, AtomicInteger::get)
          .tag("mesh.service", s)
          .description("passing instances in the watch's last good answer")
          .register(registry);
      Gauge.builder("mesh.discovery.watch.staleness", n, x -> (clock.wallTime() - x.lastGoodMillis.get()) / 1000.0)
          .tag("mesh.service", s)
          .baseUnit("seconds")
          .description("seconds since the last successful Consul answer for this watch")
          .register(registry);
      return n;
    });
  }

  private static final class Watch {
    final AtomicInteger instances = new AtomicInteger();
    final AtomicLong lastGoodMillis;

    Watch(long now) {
      this.lastGoodMillis = new AtomicLong(now);
    }
  }
}
