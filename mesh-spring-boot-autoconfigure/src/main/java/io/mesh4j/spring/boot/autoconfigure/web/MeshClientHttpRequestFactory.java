package io.mesh4j.spring.boot.autoconfigure.web;

import io.mesh4j.client.ServiceMeshClient;
import java.net.URI;
import java.util.Objects;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;

/**
 * A Spring {@link ClientHttpRequestFactory} whose requests are {@link ServiceMeshClient} calls: the
 * URI's host is the service name ({@code http://user-service/users/42}), and the mesh picks the
 * instance of each attempt, retries elsewhere under the retry budget, ejects outliers and keeps the
 * service's circuit breaker, with the client's per-service settings. Give it to
 * {@code RestClient.builder().requestFactory(...)}, or take a ready client from
 * {@link MeshRestClients}.
 *
 * <ul>
 *   <li>The request body is buffered (the mesh may send it several times); the answer is read
 *       whole, up to the client's {@code maxResponseBytes}.</li>
 *   <li>A non-2xx answer (after the policies) comes back as a response with its status, headers
 *       (credentials redacted) and the first {@value io.mesh4j.api.CallFailedException#MAX_BODY_EXCERPT}
 *       characters of its body, so {@code RestClient}'s status handlers work as usual.</li>
 *   <li>A call that got no answer (no instance, breaker open, timeout, budget) throws the mesh's
 *       own {@link io.mesh4j.api.MeshException} subclass, unwrapped.</li>
 *   <li>GET, HEAD, PUT, DELETE and OPTIONS are retried; POST and PATCH are not (as
 *       {@code ServiceClient} does).</li>
 * </ul>
 *
 * <p>Thread safe.
 */
public final class MeshClientHttpRequestFactory implements ClientHttpRequestFactory {
  private final ServiceMeshClient mesh;

  /** Requests through {@code mesh}. */
  public MeshClientHttpRequestFactory(ServiceMeshClient mesh) {
    this.mesh = Objects.requireNonNull(mesh, "mesh must not be null");
  }

  /**
   * A request to the service named by {@code uri}'s host.
   *
   * @throws IllegalArgumentException if the URI has no host or has a port ({@code http://<service-name>} has none)
   */
  @Override
  public ClientHttpRequest createRequest(URI uri, HttpMethod httpMethod) {
    return new MeshClientHttpRequest(mesh, serviceName(uri), uri, httpMethod);
  }

  static String serviceName(URI uri) {
    String host = uri.getHost() != null ? uri.getHost() : uri.getRawAuthority();
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("a mesh URL is http://<service-name>/path; " + uri + " names no service");
    }
    if (uri.getPort() != -1 || host.contains(":")) {
      throw new IllegalArgumentException("a mesh URL is http://<service-name>/path without a port (the mesh picks"
          + " the instance and its port); was " + uri);
    }
    if (host.contains("@")) {
      throw new IllegalArgumentException("a mesh URL carries no user info; set credentials on the ServiceMeshClient");
    }
    return host;
  }

  @Override
  public String toString() {
    return "MeshClientHttpRequestFactory{" + mesh + "}";
  }
}
