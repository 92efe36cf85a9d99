package io.mesh4j.examples.spring.caller;

import io.mesh4j.spring.boot.autoconfigure.web.MeshRestClients;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;

/**
 * The caller. Its mesh4j configuration: where Consul and the Redis Cluster are, and the cache
 * "users" with its value type and TTLs. Run it with {@code --mesh4j.consul.url=...} and
 * {@code --mesh4j.redis.nodes=host:port,...}.
 */
@SpringBootApplication
@EnableCaching
public class CallerApplication {
  /** The user-service's interface client: base URL {@code http://<service>}, through the mesh. */
  @Bean
  UsersClient usersClient(MeshRestClients mesh, @Value("${example.user-service:user-service}") String service) {
    return mesh.httpInterface(service, UsersClient.class);
  }

  /**
   * The application with the example's defaults: a free port, the cache "users" (10 min in Redis,
   * 1 min in L1), three attempts per call. Arguments and properties given later override them.
   */
  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(CallerApplication.class).properties(
        "spring.application.name=caller",
        "server.port=0",
        "mesh4j.client.retry.max-attempts=3",
        "mesh4j.cache.namespaces.users.value-type=" + User.class.getName(),
        "mesh4j.cache.namespaces.users.ttl=10m",
        "mesh4j.cache.namespaces.users.l1-ttl=1m",
        "management.endpoints.web.exposure.include=health,mesh");
  }

  /** Starts the caller; {@code --mesh4j.consul.url=...} and {@code --mesh4j.redis.nodes=...} name the services. */
  public static void main(String[] args) {
    builder().run(args);
  }
}
