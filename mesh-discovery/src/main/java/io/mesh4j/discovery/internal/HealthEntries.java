package io.mesh4j.discovery.internal;

import io.mesh4j.api.ServiceInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.kiwiproject.consul.model.health.Service;
import org.kiwiproject.consul.model.health.ServiceHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Consul health entries as {@link ServiceInstance}s, and content equality of instance lists. */
final class HealthEntries {
  private static final Logger LOG = LoggerFactory.getLogger(HealthEntries.class);

  private HealthEntries() {}

  /** The instances in a health answer, skipping entries no client could call. */
  static List<ServiceInstance> toInstances(String service, List<ServiceHealth> answer) {
    if (answer == null || answer.isEmpty()) {
      return List.of();
    }
    List<ServiceInstance> out = new ArrayList<>(answer.size());
    for (ServiceHealth h : answer) {
      ServiceInstance i = toInstance(service, h);
      if (i != null) {
        out.add(i);
      }
    }
    return List.copyOf(out);
  }

  /**
   * Maps one health entry; null (skipped, logged at DEBUG) for an entry no client could call,
   * such as a registration without a port. The service address wins over the node address;
   * metadata {@code secure=true} marks a TLS instance.
   */
  static ServiceInstance toInstance(String service, ServiceHealth h) {
    try {
      Service s = h.getService();
      String host = s.getAddress();
      if (host == null || host.isBlank()) {
        host = h.getNode().getAddress();
      }
      Map<String, String> meta = s.getMeta() == null ? Map.of() : s.getMeta();
      return ServiceInstance.newBuilder()
          .id(s.getId())
          .serviceName(service)
          .host(host)
          .port(s.getPort())
          .secure("true".equalsIgnoreCase(meta.get(ConsulModes.SECURE_META_KEY)))
          .tags(s.getTags() == null ? List.of() : s.getTags())
          .metadata(meta)
          .build();
    } catch (RuntimeException e) {
      LOG.debug("skipping an instance of '{}' that cannot be called: {}", service, e.getMessage());
      return null;
    }
  }

  /** Equal lists including tags, metadata and the TLS flag (instance equality looks at id, host, port only). */
  static boolean sameContent(List<ServiceInstance> a, List<ServiceInstance> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      ServiceInstance x = a.get(i);
      ServiceInstance y = b.get(i);
      if (!x.equals(y) || x.secure() != y.secure() || !x.tags().equals(y.tags())
          || !x.metadata().equals(y.metadata())) {
        return false;
      }
    }
    return true;
  }
}
