package io.mesh4j.api.internal;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.ServiceInstance;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link LoadBalancer#roundRobin()}: per service, one counter for first attempts and another for
 * retries (picks with instances excluded), each advanced atomically. Were retries to advance the
 * first attempts' counter, with two instances a call that always fails over (one instance hangs)
 * would send every first attempt to the same instance, the bad one; with their own counter, first
 * attempts alternate whatever the retries do, and retries still spread over what is left.
 */
public final class RoundRobinLoadBalancer implements LoadBalancer {
  private final ConcurrentHashMap<String, Counters> counters = new ConcurrentHashMap<>();

  private static final class Counters {
    final AtomicLong first = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
  }

  @Override
  public ServiceInstance choose(String serviceName, List<ServiceInstance> candidates,
      Set<ServiceInstance> excluded) {
    int n = candidates.size();
    if (n == 0) {
      throw new NoInstanceAvailableException(serviceName, 0, 0);
    }
    Counters c = counters.get(serviceName);
    if (c == null) {
      c = counters.computeIfAbsent(serviceName, s -> new Counters());
    }
    if (excluded.isEmpty()) {
      return candidates.get((int) Math.floorMod(c.first.getAndIncrement(), (long) n));
    }
    int start = (int) Math.floorMod(c.retries.getAndIncrement(), (long) n);
    // Walk on from the fair position to the first instance not tried yet in this call.
    for (int k = 0; k < n; k++) {
      ServiceInstance candidate = candidates.get((start + k) % n);
      if (!excluded.contains(candidate)) {
        return candidate;
      }
    }
    return candidates.get(start);
  }

  @Override
  public String toString() {
    return "LoadBalancer.roundRobin()";
  }
}
