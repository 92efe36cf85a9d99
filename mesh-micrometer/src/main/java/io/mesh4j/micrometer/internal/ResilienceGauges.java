package io.mesh4j.micrometer.internal;

import io.mesh4j.resilience.CircuitState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The per-service state behind the resilience gauges, kept from events: which instances are ejected
 * ({@code mesh.outlier.ejected}) and the breaker's state ({@code mesh.circuit.state}, one gauge per
 * state, 1 for the current one, as Resilience4j does). Thread safe.
 */
public final class ResilienceGauges {
  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, Set<String>> ejected = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicReference<CircuitState>> circuits = new ConcurrentHashMap<>();

  /** Gauges on {@code registry}. */
  public ResilienceGauges(MeterRegistry registry) {
    this.registry = registry;
  }

  /** {@code instanceId} of {@code service} was ejected. */
  public void ejected(String service, String instanceId) {
    ejectedSet(service).add(instanceId);
  }

  /** {@code instanceId} of {@code service} is back. */
  public void returned(String service, String instanceId) {
    ejectedSet(service).remove(instanceId);
  }

  /** {@code service}'s breaker is now {@code state}. */
  public void circuit(String service, CircuitState state) {
    AtomicReference<CircuitState> current = circuits.get(service);
    if (current == null) {
      current = circuits.computeIfAbsent(service, s -> {
        AtomicReference<CircuitState> ref = new AtomicReference<>(CircuitState.CLOSED);
        for (CircuitState st : CircuitState.values()) {
          Gauge.builder("mesh.circuit.state", ref, r -> r.get() == st ? 1 : 0)
              .tag("mesh.service", s)
              .tag("state", st.name().toLowerCase(Locale.ROOT))
              .description("1 for the breaker's current state, 0 for the others")
              .register(registry);
        }
        return ref;
      });
    }
    current.set(state);
  }

  private Set<String> ejectedSet(String service) {
    Set<String> set = ejected.get(service);
    return set != null ? set : ejected.computeIfAbsent(service, s -> {
      Set<String> ids = ConcurrentHashMap.newKeySet();
      Gauge.builder("mesh.outlier.ejected", ids, Set::size)
          .tag("mesh.service", s)
          .description("instances ejected now (returning ones included until their trials pass)")
          .register(registry);
      return ids;
    });
  }
}
