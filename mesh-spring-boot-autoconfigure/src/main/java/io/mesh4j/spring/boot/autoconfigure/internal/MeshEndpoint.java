package io.mesh4j.spring.boot.autoconfigure.internal;

import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.discovery.ConsulDiscovery;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * {@code /actuator/mesh}: per service its instances (ejected or not), the ejected ones, the
 * breaker state and the Consul watch; per Spring cache of mesh4j its L1 state and counters. Reads
 * only the public views of the mesh modules and never makes a Consul request: a service whose
 * watch has not loaded yet is listed without instances.
 */
@Endpoint(id = "mesh")
public final class MeshEndpoint {
  private final MeshActivity activity;
  private final ObjectProvider<ServiceDiscovery> discovery;
  private final ObjectProvider<ServiceMeshClient> mesh;
  private final ObjectProvider<CacheManager> caches;

  /** The endpoint over whichever of these beans exist. */
  public MeshEndpoint(MeshActivity activity, ObjectProvider<ServiceDiscovery> discovery,
      ObjectProvider<ServiceMeshClient> mesh, ObjectProvider<CacheManager> caches) {
    this.activity = activity;
    this.discovery = discovery;
    this.mesh = mesh;
    this.caches = caches;
  }

  /** Services and caches. */
  @ReadOperation
  public Map<String, Object> mesh() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("services", services());
    out.put("caches", caches());
    return out;
  }

  private Map<String, Object> services() {
    ServiceDiscovery d = discovery.getIfAvailable();
    ServiceMeshClient client = mesh.getIfAvailable();
    Map<String, MeshActivity.Watch> watches = activity.watches();
    Set<String> names = new TreeSet<>(activity.services());
    if (d instanceof ConsulDiscovery consul) {
      names.addAll(consul.watchedServices());
    }
    long now = activity.nowMillis();
    Map<String, Object> out = new LinkedHashMap<>();
    for (String name : names) {
      Map<String, Object> s = new LinkedHashMap<>();
      List<ServiceInstance> ejected = client == null ? List.of() : client.outlierDetector(name).ejected(name);
      List<ServiceInstance> known = instances(d, name, watches.get(name));
      if (known != null) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (ServiceInstance i : known) {
          Map<String, Object> im = new LinkedHashMap<>();
          im.put("id", i.id());
          im.put("host", i.host());
          im.put("port", i.port());
          im.put("ejected", ejected.contains(i));
          list.add(im);
        }
        s.put("instances", list);
      }
      s.put("ejected", ejected.stream().map(ServiceInstance::id).toList());
      if (client != null) {
        s.put("breaker", client.circuitState(name).name());
      }
      MeshActivity.Watch w = watches.get(name);
      if (w != null) {
        Map<String, Object> wm = new LinkedHashMap<>();
        wm.put("unconfirmedForMs", w.staleForMillis(now));
        wm.put("lastSyncMillis", w.lastSyncMillis());
        if (w.lastFailure() != null) {
          wm.put("lastFailure", w.lastFailure());
        }
        s.put("watch", wm);
      }
      out.put(name, s);
    }
    return out;
  }

  /** The instances without a Consul round trip, or null when they are not known yet. */
  private static List<ServiceInstance> instances(ServiceDiscovery d, String name, MeshActivity.Watch watch) {
    if (d == null || (d instanceof ConsulDiscovery && (watch == null || watch.lastSyncMillis() < 0))) {
      return null; // a Consul watch that never loaded would make instances() wait for its first load
    }
    try {
      return d.instances(name);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private Map<String, Object> caches() {
    Map<String, Object> out = new LinkedHashMap<>();
    CacheManager manager = caches.getIfAvailable();
    if (manager == null) {
      return out;
    }
    for (String name : manager.getCacheNames()) {
      Cache cache = manager.getCache(name);
      Object nativeCache = cache == null ? null : cache.getNativeCache();
      Map<String, Object> c = new LinkedHashMap<>();
      if (nativeCache instanceof TwoLevelCache<?> two) {
        c.put("type", "two-level");
        c.put("namespace", two.namespace());
        c.put("l1Active", two.isL1Active());
        c.put("stats", two.stats());
      } else if (nativeCache instanceof DistributedCache<?> l2) {
        c.put("type", "distributed");
        c.put("namespace", l2.namespace());
        c.put("stats", l2.stats());
      } else {
        continue; // not a mesh4j cache
      }
      out.put(name, c);
    }
    return out;
  }
}
