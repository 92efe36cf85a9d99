package io.mesh4j.client;

import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceInstance;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link FaultInjection} of each service of one client; while none is active, a check is one volatile read. */
final class FaultRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(FaultRegistry.class);

  private final ConcurrentHashMap<String, FaultInjection> faults = new ConcurrentHashMap<>();
  private final MeshEventListener[] listeners;
  private volatile boolean any;

  FaultRegistry(List<MeshEventListener> listeners) {
    this.listeners = listeners.toArray(new MeshEventListener[0]);
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
    if (fault != null && listeners.length > 0) {
      emit(new FaultInjectedEvent(serviceName, instance, Duration.ofNanos(fault.delayNanos()), fault.abortStatus()));
    }
    return fault;
  }

  /** Delivers {@code event} to every listener; one that throws is logged at DEBUG and skipped. */
  private void emit(FaultInjectedEvent event) {
    for (MeshEventListener l : listeners) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        LOG.debug("event listener {} threw on {}", l, event, e);
      }
    }
  }
}
