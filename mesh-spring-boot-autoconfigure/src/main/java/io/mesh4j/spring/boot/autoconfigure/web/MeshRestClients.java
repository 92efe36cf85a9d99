package io.mesh4j.spring.boot.autoconfigure.web;

import io.mesh4j.client.ServiceMeshClient;
import java.util.Objects;
import java.util.function.Supplier;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

/**
 * {@code RestClient}s and Spring HTTP interface clients whose calls go through the
 * {@link ServiceMeshClient}:
 *
 * <pre>{@code
 * interface Users {
 *   @GetExchange("/users/{id}") User user(@PathVariable String id);
 * }
 *
 * Users users = meshRestClients.httpInterface("user-service", Users.class);
 * RestClient raw = meshRestClients.restClient("user-service");  // base URL http://user-service
 * }</pre>
 *
 * <p>Builders start from the application's {@code RestClient.Builder} bean when there is one (its
 * message converters, observation registry and customizers), else from {@code RestClient.builder()};
 * the request factory is then the mesh's ({@link MeshClientHttpRequestFactory}). Thread safe.
 */
public final class MeshRestClients {
  private final MeshClientHttpRequestFactory requestFactory;
  private final Supplier<RestClient.Builder> builders;

  /**
   * @param mesh the client calls go through
   * @param builders a fresh {@code RestClient.Builder} per call (the application's prototype bean,
   *     or {@code RestClient::builder})
   */
  public MeshRestClients(ServiceMeshClient mesh, Supplier<RestClient.Builder> builders) {
    this.requestFactory = new MeshClientHttpRequestFactory(mesh);
    this.builders = Objects.requireNonNull(builders, "builders must not be null");
  }

  /** The request factory, to give to a {@code RestClient.Builder} of your own. */
  public MeshClientHttpRequestFactory requestFactory() {
    return requestFactory;
  }

  /**
   * A builder with base URL {@code http://<serviceName>} and the mesh as request factory; add
   * default headers, status handlers or interceptors before {@code build()}.
   *
   * @throws IllegalArgumentException if the name is blank or is not a host name
   */
  public RestClient.Builder builder(String serviceName) {
    String base = "http://" + checkedName(serviceName);
    MeshClientHttpRequestFactory.serviceName(java.net.URI.create(base));
    return builders.get().baseUrl(base).requestFactory(requestFactory);
  }

  /** A {@code RestClient} for {@code serviceName}: {@code builder(serviceName).build()}. */
  public RestClient restClient(String serviceName) {
    return builder(serviceName).build();
  }

  /**
   * A client of the HTTP interface {@code type} ({@code @HttpExchange}, {@code @GetExchange}...)
   * calling {@code serviceName} through the mesh.
   */
  public <T> T httpInterface(String serviceName, Class<T> type) {
    Objects.requireNonNull(type, "type must not be null");
    return HttpServiceProxyFactory.builderFor(RestClientAdapter.create(restClient(serviceName))).build()
        .createClient(type);
  }

  private static String checkedName(String serviceName) {
    if (serviceName == null || serviceName.isBlank()) {
      throw new IllegalArgumentException("serviceName must not be blank");
    }
    return serviceName;
  }

  @Override
  public String toString() {
    return "MeshRestClients{" + requestFactory + "}";
  }
}
