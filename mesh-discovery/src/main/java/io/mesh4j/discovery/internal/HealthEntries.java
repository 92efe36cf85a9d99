package io.mesh4j.discovery.internal;

import io.mesh4j.api.ServiceInstance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
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

  /**
   * The instances in a health answer, skipping entries no client could call; an entry equal in
   * content (id, address, port, TLS flag, tags in order, metadata) to an instance of
   * {@code previous} is that same instance, not a new one. A large service's answer differs from
   * the last one in an instance or two, so an update then builds one or two instances (each build
   * copies tags and metadata and parses a URI) instead of thousands, and comparing the lists
   * costs an identity check per unchanged instance.
   *
   * @param previous the last instances of the service, or null
   */
  static List<ServiceInstance> toInstances(String service, List<ServiceHealth> answer, List<ServiceInstance> previous) {
    if (answer == null || answer.isEmpty()) {
      return List.of();
    }
    Map<String, ServiceInstance> known = null;
    if (previous != null && !previous.isEmpty()) {
      known = new HashMap<>(previous.size() * 2);
      for (ServiceInstance i : previous) {
        known.put(i.id(), i);
      }
    }
    List<ServiceInstance> out = new ArrayList<>(answer.size());
    for (ServiceHealth h : answer) {
      ServiceInstance same = known == null ? null : sameAs(known, h);
      ServiceInstance i = same != null ? same : toInstance(service, h);
      if (i != null) {
        out.add(i);
      }
    }
    return List.copyOf(out);
  }

  /** The known instance that {@code h} describes unchanged, or null. */
  private static ServiceInstance sameAs(Map<String, ServiceInstance> known, ServiceHealth h) {
    try {
      Service s = h.getService();
      ServiceInstance k = known.get(s.getId());
      if (k == null || s.getPort() != k.port()) {
        return null;
      }
      Map<String, String> meta = metaOf(s);
      if (!k.host().equals(hostOf(h)) || k.secure() != isSecure(meta) || !k.metadata().equals(meta)
          || !sameOrder(k.tags(), tagsOf(s))) {
        return null;
      }
      return k;
    } catch (RuntimeException e) {
      return null; // toInstance decides about an entry it cannot read
    }
  }

  /** Same elements in the same order (a tag repeated in Consul's list is built anew: the set drops it). */
  private static boolean sameOrder(java.util.Set<String> have, List<String> answer) {
    if (have.size() != answer.size()) {
      return false;
    }
    Iterator<String> it = have.iterator();
    for (String t : answer) {
      if (!t.equals(it.next())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Maps one health entry; null (skipped, logged at DEBUG) for an entry no client could call,
   * such as a registration without a port. The service address wins over the node address;
   * metadata {@code secure=true} marks a TLS instance.
   */
  static ServiceInstance toInstance(String service, ServiceHealth h) {
    try {
      Service s = h.getService();
      Map<String, String> meta = metaOf(s);
      return ServiceInstance.newBuilder()
          .id(s.getId())
          .serviceName(service)
          .host(hostOf(h))
          .port(s.getPort())
          .secure(isSecure(meta))
          .tags(tagsOf(s))
          .metadata(meta)
          .build();
    } catch (RuntimeException e) {
      LOG.debug("skipping an instance of '{}' that cannot be called: {}", service, e.getMessage());
      return null;
    }
  }

  /** The service address, or the node's when the service has none. */
  private static String hostOf(ServiceHealth h) {
    String host = h.getService().getAddress();
    return host == null || host.isBlank() ? h.getNode().getAddress() : host;
  }

  private static Map<String, String> metaOf(Service s) {
    return s.getMeta() == null ? Map.of() : s.getMeta();
  }

  private static List<String> tagsOf(Service s) {
    return s.getTags() == null ? List.of() : s.getTags();
  }

  /** Metadata {@code secure=true} marks a TLS instance. */
  private static boolean isSecure(Map<String, String> meta) {
    return "true".equalsIgnoreCase(meta.get(ConsulModes.SECURE_META_KEY));
  }

  /** Equal lists including tags, metadata and the TLS flag (instance equality looks at id, host, port only). */
  static boolean sameContent(List<ServiceInstance> a, List<ServiceInstance> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      ServiceInstance x = a.get(i);
      ServiceInstance y = b.get(i);
      if (x == y) {
        continue;
      }
      if (!x.equals(y) || x.secure() != y.secure() || !x.tags().equals(y.tags())
          || !x.metadata().equals(y.metadata())) {
        return false;
      }
    }
    return true;
  }
}
