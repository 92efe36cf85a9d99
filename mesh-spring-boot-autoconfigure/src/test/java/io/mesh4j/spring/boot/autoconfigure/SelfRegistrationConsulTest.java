package io.mesh4j.spring.boot.autoconfigure;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.testkit.ConsulExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Self-registration against the real testkit Consul agent, through a real SpringApplication (the
 * ApplicationReadyEvent is SpringApplication's): registered when ready, and deregistered before
 * the first bean is destroyed.
 */
@Timeout(value = 60, unit = SECONDS)
class SelfRegistrationConsulTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();

  /** Whether the instance was still on the agent when the first bean (one using the client) closed. */
  static final AtomicReference<String> SERVICES_AT_FIRST_DESTROY = new AtomicReference<>();

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static String agentServices() throws Exception {
    HttpRequest get = HttpRequest.newBuilder(URI.create(CONSUL.agent().baseUrl() + "/v1/agent/services")).build();
    return HTTP.send(get, HttpResponse.BodyHandlers.ofString()).body().replaceAll("\\s+", "");
  }

  private static SpringApplicationBuilder app(String... properties) {
    return app(App.class, properties);
  }

  private static SpringApplicationBuilder app(Class<?> source, String... properties) {
    return new SpringApplicationBuilder(source).web(WebApplicationType.NONE)
        .properties("mesh4j.consul.url=" + CONSUL.agent().baseUrl())
        .properties(properties);
  }

  @Test
  void registersWhenReadyAndDeregistersBeforeAnyBeanCloses() throws Exception {
    String name = "boot-app-" + UUID.randomUUID().toString().substring(0, 8);
    ConfigurableApplicationContext context = app("spring.application.name=" + name,
        "mesh4j.registration.enabled=true", "mesh4j.registration.host=127.0.0.1",
        "mesh4j.registration.port=18080").run();
    try {
      assertThat(agentServices()).contains("\"Service\":\"" + name + "\"").contains("\"Port\":18080");
      ServiceMeshClient client = context.getBean(ServiceMeshClient.class);
      await().atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(context.getBean(io.mesh4j.api.ServiceDiscovery.class).instances(name))
              .hasSize(1));
      assertThat(client).isNotNull();
    } finally {
      SERVICES_AT_FIRST_DESTROY.set(null);
      context.close();
    }
    assertThat(SERVICES_AT_FIRST_DESTROY.get()).as("agent services when the first bean closed")
        .isNotNull().doesNotContain(name);
    assertThat(agentServices()).doesNotContain(name);
  }

  @Test
  void withoutANameOrAPortTheStartFailsNamingTheProperty() {
    assertThatThrownBy(() -> app("mesh4j.registration.enabled=true", "mesh4j.registration.port=18080").run())
        .hasStackTraceContaining("mesh4j.registration.service-name");
    assertThatThrownBy(() -> app("mesh4j.registration.enabled=true", "spring.application.name=x").run())
        .hasStackTraceContaining("mesh4j.registration.port");
  }

  @Test
  void registrationIsOffByDefault() {
    try (ConfigurableApplicationContext context = app(Plain.class, "spring.application.name=off").run()) {
      assertThat(context.getBeansOfType(io.mesh4j.api.ServiceRegistry.class)).isEmpty();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration({Mesh4jDiscoveryAutoConfiguration.class, Mesh4jClientAutoConfiguration.class,
      Mesh4jRegistrationAutoConfiguration.class})
  static class Plain {}

  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration({Mesh4jDiscoveryAutoConfiguration.class, Mesh4jClientAutoConfiguration.class,
      Mesh4jRegistrationAutoConfiguration.class})
  static class App {
    /**
     * Uses the client and the registry, so it is destroyed before both (before the registry would
     * deregister everything as it closes): what it sees is what the shutdown did before any close.
     */
    @Bean
    DisposableBean probe(ServiceMeshClient client, io.mesh4j.api.ServiceRegistry registry) {
      return () -> SERVICES_AT_FIRST_DESTROY.set(agentServices());
    }
  }
}
