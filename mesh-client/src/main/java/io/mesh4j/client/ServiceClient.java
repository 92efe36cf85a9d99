package io.mesh4j.client;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.client.internal.PathTemplate;
import java.util.List;

/**
 * Calls to one service: {@code get}, {@code post}, {@code put}, {@code patch}, {@code delete}
 * with a path template whose {@code {variables}} are filled in order and percent-encoded.
 * Obtained from {@link ServiceMeshClient#service(String)}; thread safe.
 */
public final class ServiceClient {
  private final ServiceMeshClient mesh;
  private final String name;
  private final JsonBodies json;

  ServiceClient(ServiceMeshClient mesh, String name) {
    this.mesh = mesh;
    this.name = name;
    this.json = new JsonBodies(mesh.mapper, name);
  }

  /** The service's name. */
  public String name() {
    return name;
  }

  /** A GET of {@code path} (e.g. {@code "/users/{id}"}, 42). Idempotent, so retried. */
  public MeshRequest get(String path, Object... pathValues) {
    return request("GET", path, pathValues);
  }

  /** A POST. Not retried unless marked {@link MeshRequest#idempotent(boolean) idempotent}. */
  public MeshRequest post(String path, Object... pathValues) {
    return request("POST", path, pathValues);
  }

  /** A PUT. Idempotent by HTTP's definition, so retried. */
  public MeshRequest put(String path, Object... pathValues) {
    return request("PUT", path, pathValues);
  }

  /** A PATCH. Not retried unless marked idempotent. */
  public MeshRequest patch(String path, Object... pathValues) {
    return request("PATCH", path, pathValues);
  }

  /** A DELETE. Idempotent by HTTP's definition, so retried. */
  public MeshRequest delete(String path, Object... pathValues) {
    return request("DELETE", path, pathValues);
  }

  /** A request with any method. */
  public MeshRequest request(String method, String path, Object... pathValues) {
    return new MeshRequest(mesh, this, method, PathTemplate.parse(path), pathValues.clone());
  }

  /** The instances discovery knows now, within allowedInstanceAddresses if set (ejected ones included). */
  public List<ServiceInstance> instances() {
    return mesh.instances.apply(name);
  }

  /**
   * Removes the cached GET answers of {@code path} (without query parameters) from the response
   * cache, every variant of it (key headers, {@code Vary}); true if there was one. A pattern
   * removal over every master (SCAN), not a single delete. Does nothing without a response cache.
   */
  public boolean invalidateCached(String path, Object... pathValues) {
    if (mesh.responseStore == null) {
      return false;
    }
    MeshRequest r = get(path, pathValues);
    return mesh.responseStore.removeMatching(ResponseCacheStep.variantsGlob(name, r.prepareUrl())) > 0;
  }

  /**
   * Removes every cached GET answer of this service whose path (with query) matches the glob
   * {@code pathGlob} ({@code *} any characters), e.g. {@code "/users/*"}. Returns how many.
   */
  public long invalidateCachedMatching(String pathGlob) {
    if (mesh.responseStore == null) {
      return 0;
    }
    return mesh.responseStore.removeMatching(ResponseCacheStep.keyPrefix(name) + pathGlob + "#*");
  }

  JsonBodies json() {
    return json;
  }

  @Override
  public String toString() {
    return "ServiceClient{" + name + "}";
  }
}
