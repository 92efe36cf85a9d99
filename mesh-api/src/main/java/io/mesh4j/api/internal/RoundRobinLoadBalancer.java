package io.mesh4j.api.internal;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.ServiceInstance;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** {@link LoadBalancer#roundRobin()}: one counter per service, advanced atomically. */
public final class RoundRobinLoadBalancer implements LoadBalancer {
  private final ConcurrentHashMap<String, AtomicLong> counters = new ConcurrentHashMap<>();

  @Override
  public ServiceInstance choose(String serviceName, List<ServiceInstance> candidates,
      Set<ServiceInstance> excluded) {
    int n = candidates.size();
    if (n == 0) {
      throw new NoInstanceAvailableException(serviceName, 0, 0);
    }
    AtomicLong counter = counters.get(serviceName);
    if (counter == null) {
      counter = counters.computeIfAbsent(serviceName, s -> new AtomicLong());
    }
    int start = (int) Math.floorMod(counter.getAndIncrement(), (long) n);
    if (excluded.isEmpty()) {
      return candidates.get(start);
    }
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
