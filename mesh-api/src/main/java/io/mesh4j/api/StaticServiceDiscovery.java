package io.mesh4j.api;

import io.mesh4j.api.internal.Checks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ServiceDiscovery} over a fixed map of service name to instances: for tests, for
 * embedded use without a registry, and as the default when none is configured.
 *
 * <p>{@link #setInstances} replaces a service's list at run time and tells its listeners, on
 * the calling thread; a listener that throws is logged and does not stop the others. Thread safe.
 */
public final class StaticServiceDiscovery implements ServiceDiscovery {
  private static final Logger LOG = LoggerFactory.getLogger(StaticServiceDiscovery.class);

  private final ConcurrentHashMap<String, List<ServiceInstance>> services = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CopyOnWriteArrayList<ServiceChangeListener>> listeners =
      new ConcurrentHashMap<>();

  private StaticServiceDiscovery() {}

  /** A discovery that knows the given services. */
  public static StaticServiceDiscovery of(Map<String, ? extends List<ServiceInstance>> services) {
    Checks.notNull(services, "services");
    StaticServiceDiscovery d = new StaticServiceDiscovery();
    services.forEach(d::put);
    return d;
  }

  /** A discovery that knows one service. */
  public static StaticServiceDiscovery of(String serviceName, List<ServiceInstance> instances) {
    return of(Map.of(Checks.notBlank(serviceName, "serviceName"), instances));
  }

  /** A discovery that knows the instances given, grouped by their service names. */
  public static StaticServiceDiscovery of(ServiceInstance... instances) {
    StaticServiceDiscovery d = new StaticServiceDiscovery();
    for (ServiceInstance i : instances) {
      Checks.notNull(i, "instance");
      d.services.compute(i.serviceName(), (k, v) -> {
        List<ServiceInstance> l = v == null ? new ArrayList<>() : new ArrayList<>(v);
        l.add(i);
        return List.copyOf(l);
      });
    }
    return d;
  }

  private void put(String serviceName, List<ServiceInstance> instances) {
    Checks.notBlank(serviceName, "serviceName");
    Checks.notNull(instances, "instances of " + serviceName);
    for (ServiceInstance i : instances) {
      Checks.argument(i.serviceName().equals(serviceName),
          "instance %s belongs to service '%s', not '%s'", i.id(), i.serviceName(), serviceName);
    }
    services.put(serviceName, List.copyOf(instances));
  }

  @Override
  public List<ServiceInstance> instances(String serviceName) {
    Checks.notNull(serviceName, "serviceName");
    return services.getOrDefault(serviceName, List.of());
  }

  /** Replaces the instances of {@code serviceName} and tells its listeners what changed. */
  public void setInstances(String serviceName, List<ServiceInstance> instances) {
    List<ServiceInstance> previous = instances(serviceName);
    put(serviceName, instances);
    ServiceChange change = ServiceChange.between(serviceName, previous, services.get(serviceName));
    for (ServiceChangeListener l : listeners.getOrDefault(serviceName, new CopyOnWriteArrayList<>())) {
      try {
        l.onChange(change);
      } catch (RuntimeException e) {
        LOG.warn("a listener of service '{}' threw on a change, so it may not have applied it; the other"
            + " listeners got the change and later changes still reach this one", serviceName, e);
      }
    }
  }

  @Override
  public Subscription subscribe(String serviceName, ServiceChangeListener listener) {
    Checks.notBlank(serviceName, "serviceName");
    Checks.notNull(listener, "listener");
    listeners.computeIfAbsent(serviceName, k -> new CopyOnWriteArrayList<>()).add(listener);
    return () -> listeners.getOrDefault(serviceName, new CopyOnWriteArrayList<>()).remove(listener);
  }

  @Override
  public void close() {
    listeners.clear();
  }

  @Override
  public String toString() {
    return "StaticServiceDiscovery" + services.keySet();
  }
}
