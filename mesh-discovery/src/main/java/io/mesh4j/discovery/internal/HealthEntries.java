package io.mesh4j.discovery.internal;

import io.mesh4j.api.ServiceInstance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Consul health entries as {@link ServiceInstance}s, and content equality of instance lists. */
final class HealthEntries {
  private static final Logger LOG = LoggerFactory.getLogger(HealthEntries.class);

  // Up to this many entries that are not the last answer's objects are looked up in the previous
  // list one by one; beyond, a map of it by id is built once.
  private static final int FEW = 4;

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
  static List<ServiceInstance> toInstances(String service, List<HealthEntry> answer, List<ServiceInstance> previous) {
    return toInstances(service, answer, previous, Map.of(), null);
  }

  /**
   * As {@link #toInstances(String, List, List)}, and first by identity: an entry that is the very
   * object of the last answer (an {@link IncrementalHealthParser} reuses the entries whose bytes did
   * not change) is the instance it became then, with no lookup nor comparison.
   *
   * @param lastBuilt the instance each entry of the last answer became (an identity map)
   * @param nowBuilt filled with the instance each entry of {@code answer} becomes; null: not kept
   */
  static List<ServiceInstance> toInstances(String service, List<HealthEntry> answer, List<ServiceInstance> previous,
      Map<HealthEntry, ServiceInstance> lastBuilt, Map<HealthEntry, ServiceInstance> nowBuilt) {
    if (answer == null || answer.isEmpty()) {
      return List.of();
    }
    Map<String, ServiceInstance> known = null; // built when more than a few entries are not the last answer's
    int misses = 0;
    List<ServiceInstance> out = new ArrayList<>(answer.size());
    for (HealthEntry h : answer) {
      ServiceInstance i = lastBuilt.get(h);
      if (i == null) {
        ServiceInstance same = null;
        if (previous != null && !previous.isEmpty()) {
          if (known == null && ++misses > FEW) {
            known = new HashMap<>(previous.size() * 2);
            for (ServiceInstance p : previous) {
              known.put(p.id(), p);
            }
          }
          same = sameAs(h.id() == null ? null : known == null ? lastWithId(previous, h.id()) : known.get(h.id()), h);
        }
        i = same != null ? same : toInstance(service, h);
      }
      if (i != null) {
        out.add(i);
        if (nowBuilt != null) {
          nowBuilt.put(h, i);
        }
      }
    }
    return List.copyOf(out);
  }

  /** The last instance of {@code previous} with this id (as a map keyed by id would keep), or null. */
  private static ServiceInstance lastWithId(List<ServiceInstance> previous, String id) {
    if (id == null) {
      return null;
    }
    for (int j = previous.size() - 1; j >= 0; j--) {
      if (id.equals(previous.get(j).id())) {
        return previous.get(j);
      }
    }
    return null;
  }

  /** {@code k} when {@code h} describes it unchanged, else null. */
  private static ServiceInstance sameAs(ServiceInstance k, HealthEntry h) {
    try {
      if (k == null || h.port() != k.port()) {
        return null;
      }
      Map<String, String> meta = h.meta();
      if (!k.host().equals(hostOf(h)) || k.secure() != isSecure(meta) || !k.metadata().equals(meta)
          || !sameOrder(k.tags(), h.tags())) {
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
  static ServiceInstance toInstance(String service, HealthEntry h) {
    try {
      Map<String, String> meta = h.meta();
      return ServiceInstance.newBuilder()
          .id(h.id())
          .serviceName(service)
          .host(hostOf(h))
          .port(h.port())
          .secure(isSecure(meta))
          .tags(h.tags())
          .metadata(meta)
          .build();
    } catch (RuntimeException e) {
      LOG.debug("skipping an instance of '{}' that cannot be called: {}", service, e.getMessage());
      return null;
    }
  }

  /** The service address, or the node's when the service has none. */
  private static String hostOf(HealthEntry h) {
    String host = h.serviceAddress();
    return host == null || host.isBlank() ? h.nodeAddress() : host;
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
