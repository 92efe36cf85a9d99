package io.mesh4j.examples.spring;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.examples.spring.caller.CallerApplication;
import io.mesh4j.examples.spring.caller.User;
import io.mesh4j.examples.spring.caller.UserDirectory;
import io.mesh4j.examples.spring.users.UserServiceApplication;
import io.mesh4j.examples.spring.users.UsersController;
import io.mesh4j.testkit.ConsulExtension;
import io.mesh4j.testkit.RedisClusterExtension;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

/**
 * Both example applications, each a Spring Boot context with its own Tomcat, on the testkit's real
 * Consul agent and Redis Cluster: the caller knows only the user-service's name, reaches it through
 * Consul (where the user-service registered itself) and the mesh, and serves the repeat from its
 * cache until the user is evicted.
 */
@Timeout(value = 90, unit = SECONDS)
class SpringExampleTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  private ConfigurableApplicationContext users;
  private ConfigurableApplicationContext caller;

  @AfterEach
  void stop() {
    if (caller != null) {
      caller.close();
    }
    if (users != null) {
      users.close();
    }
  }

  @Test
  void theCallerReachesTheUserServiceThroughTheMeshAndServesTheRepeatFromItsCache() {
    // A service name of this run's own: the shared Consul agent serves other tests too.
    String service = "user-service-" + UUID.randomUUID().toString().substring(0, 8);
    String consul = "mesh4j.consul.url=" + CONSUL.agent().baseUrl();
    users = UserServiceApplication.builder().properties(consul, "spring.application.name=" + service).run();
    caller = CallerApplication.builder().properties(consul,
        "mesh4j.redis.nodes=" + String.join(",", REDIS.cluster().seedNodeStrings()),
        "example.user-service=" + service).run();
    String usersPort = users.getEnvironment().getProperty("local.server.port");
    UsersController served = users.getBean(UsersController.class);
    // The caller's discovery lists the instance once Consul's HTTP check of its health passed.
    await().atMost(Duration.ofSeconds(30)).until(() -> caller.getBean(ServiceDiscovery.class).instances(service).size() == 1);
    assertThat(caller.getBean(ServiceDiscovery.class).instances(service).get(0).port())
        .hasToString(usersPort);

    RestClient http = RestClient.create("http://127.0.0.1:" + caller.getEnvironment().getProperty("local.server.port"));
    String id = UUID.randomUUID().toString();
    User first = http.get().uri("/profiles/{id}", id).retrieve().body(User.class);
    assertThat(first).isEqualTo(new User(id, "User " + id, "127.0.0.1:" + usersPort));
    assertThat(served.served()).as("user-service requests after the first call").isEqualTo(1);

    User second = http.get().uri("/profiles/{id}", id).retrieve().body(User.class);
    assertThat(second).isEqualTo(first);
    assertThat(served.served()).as("user-service requests after the second call (from the cache)").isEqualTo(1);

    http.delete().uri("/profiles/{id}", id).retrieve().toBodilessEntity();
    assertThat(caller.getBean(UserDirectory.class).find(id)).isEqualTo(first);
    assertThat(served.served()).as("user-service requests after an eviction and a third call").isEqualTo(2);
  }
}
