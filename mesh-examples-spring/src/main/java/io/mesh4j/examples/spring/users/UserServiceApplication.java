package io.mesh4j.examples.spring.users;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * The user-service. Its mesh4j configuration is three properties: where Consul is, and that it
 * registers itself ({@code mesh4j.registration.enabled=true}, under {@code spring.application.name}
 * and the web server's actual port). Run it with {@code --mesh4j.consul.url=http://127.0.0.1:8500}.
 */
@SpringBootApplication
public class UserServiceApplication {
  /**
   * The application with the example's defaults: a free port, registration on loopback (the
   * example runs on one machine) with a 1 s HTTP check of {@code /actuator/health}. Arguments and
   * properties given later override them.
   */
  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(UserServiceApplication.class).properties(
        "spring.application.name=user-service",
        "server.port=0",
        "mesh4j.registration.enabled=true",
        "mesh4j.registration.host=127.0.0.1",
        "mesh4j.registration.check-interval=1s",
        "management.endpoints.web.exposure.include=health,mesh");
  }

  /** Starts one instance; {@code --mesh4j.consul.url=...} names the agent. */
  public static void main(String[] args) {
    builder().run(args);
  }
}
