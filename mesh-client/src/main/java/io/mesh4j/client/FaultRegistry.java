package io.mesh4j.client;

import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.resilience.internal.Events;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Headers;

/** The {@link FaultInjection} of each service of one client; while none is active, a check is one volatile read. */
final class FaultRegistry {
  private final ConcurrentHashMap<String, FaultInjection> faults = new ConcurrentHashMap<>();
  private final Events events;
  private volatile boolean any;

  FaultRegistry(List<MeshEventListener> listeners) {
    this.events = new Events(listeners);
  }

  FaultInjection of(String serviceName) {
    FaultInjection f = faults.get(serviceName);
    return f != null ? f : faults.computeIfAbsent(serviceName, n -> new FaultInjection(n, this::changed));
  }

  private synchronized void changed() {
    boolean active = false;
    for (FaultInjection f : faults.values()) {
      active |= f.active();
    }
    any = active;
  }

  FaultInjection.Fault decide(String serviceName, ServiceInstance instance, Headers requestHeaders) {
    if (!any) {
      return null;
    }
    FaultInjection f = faults.get(serviceName);
    FaultInjection.Fault fault = f == null ? null : f.decide(requestHeaders);
    if (fault != null && events.enabled) {
      events.emit(new FaultInjectedEvent(serviceName, instance, Duration.ofNanos(fault.delayNanos()),
          fault.abortStatus()));
    }
    return fault;
  }
}
