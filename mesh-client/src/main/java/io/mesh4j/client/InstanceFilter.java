package io.mesh4j.client;

import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.client.internal.AddressRanges;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instances of discovery that are inside {@code allowedInstanceAddresses}. The filtered list
 * is kept per service until discovery answers with a different list, so a call pays one
 * identity (or equality) check; an instance dropped from a new list is logged at WARN and
 * published as an {@link InstanceDroppedEvent}, once while it stays listed.
 */
final class InstanceFilter {
  private static final Logger LOG = LoggerFactory.getLogger(InstanceFilter.class);

  private final ServiceDiscovery discovery;
  private final AddressRanges allowed;
  private final MeshEventListener[] listeners;
  private final ConcurrentHashMap<String, Filtered> last = new ConcurrentHashMap<>();

  InstanceFilter(ServiceDiscovery discovery, AddressRanges allowed, List<MeshEventListener> listeners) {
    this.discovery = discovery;
    this.allowed = allowed;
    this.listeners = listeners.toArray(new MeshEventListener[0]);
  }

  List<ServiceInstance> instances(String serviceName) {
    List<ServiceInstance> in = discovery.instances(serviceName);
    Filtered f = last.get(serviceName);
    if (f != null && (f.input == in || f.input.equals(in))) {
      return f.output;
    }
    synchronized (this) { // rare (discovery changed): one thread filters and reports, once
      f = last.get(serviceName);
      if (f != null && (f.input == in || f.input.equals(in))) {
        return f.output;
      }
      Filtered next = filter(serviceName, in, f == null ? Set.of() : f.droppedIds);
      last.put(serviceName, next);
      return next.output;
    }
  }

  /** Discovery's failover instances within the allowed addresses (not cached: a path taken in failures only). */
  List<ServiceInstance> failoverInstances(String serviceName) {
    List<ServiceInstance> in = discovery.failoverInstances(serviceName);
    List<ServiceInstance> out = new ArrayList<>(in.size());
    for (ServiceInstance i : in) {
      if (allowed.contains(i.host())) {
        out.add(i);
      }
    }
    return out;
  }

  private Filtered filter(String serviceName, List<ServiceInstance> in, Set<String> reported) {
    List<ServiceInstance> out = new ArrayList<>(in.size());
    Set<String> dropped = new HashSet<>();
    for (ServiceInstance i : in) {
      if (allowed.contains(i.host())) {
        out.add(i);
        continue;
      }
      dropped.add(i.id());
      if (!reported.contains(i.id())) {
        LOG.warn("service '{}': instance {} at {}:{} is outside allowedInstanceAddresses {} and is never called",
            serviceName, i.id(), i.host(), i.port(), allowed);
        emit(new InstanceDroppedEvent(serviceName, i));
      }
    }
    return new Filtered(in, List.copyOf(out), Set.copyOf(dropped));
  }

  private void emit(InstanceDroppedEvent event) {
    for (MeshEventListener l : listeners) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        LOG.debug("event listener {} threw on {}", l, event, e);
      }
    }
  }

  private static final class Filtered {
    final List<ServiceInstance> input;
    final List<ServiceInstance> output;
    final Set<String> droppedIds;

    Filtered(List<ServiceInstance> input, List<ServiceInstance> output, Set<String> droppedIds) {
      this.input = input;
      this.output = output;
      this.droppedIds = droppedIds;
    }
  }
}
