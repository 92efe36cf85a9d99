package io.mesh4j.spring.boot.autoconfigure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.resilience.CircuitState;
import io.mesh4j.testkit.ConsulExtension;
import io.mesh4j.testkit.RedisClusterExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.CacheManager;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * A real Spring Boot application (Tomcat on a free port, the actuator, every auto-configuration)
 * on the real testkit Consul and Redis Cluster, with WireMock backends registered in Consul:
 * {@code /actuator/health} carries the mesh's indicators and {@code /actuator/mesh} lists
 * services, instances, breakers and caches.
 */
@Timeout(value = 90, unit = SECONDS)
class ActuatorMeshServerTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<WireMockServer> backends = new ArrayList<>();
  private ConsulRegistry registry;
  private String service;
  private ConfigurableApplicationContext app;

  @BeforeEach
  void start() {
    service = "orders-" + UUID.randomUUID().toString().substring(0, 8);
    registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build();
    for (int i = 0; i < 2; i++) {
      WireMockServer s = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").jettyAcceptors(1)
          .containerThreads(10));
      s.start();
      s.stubFor(any(anyUrl()).willReturn(okJson("{\"ok\":true}")));
      backends.add(s);
      registry.register(ServiceRegistration.withoutHealthCheck(ServiceInstance.newBuilder().serviceName(service)
          .id(service + "-" + i).host("127.0.0.1").port(s.port()).build()));
    }
    app = new SpringApplicationBuilder(App.class).web(WebApplicationType.SERVLET).properties(
        "server.port=0",
        "spring.application.name=actuator-test",
        "management.endpoints.web.exposure.include=health,mesh",
        "management.endpoint.health.show-details=always",
        "mesh4j.consul.url=" + CONSUL.agent().baseUrl(),
        "mesh4j.redis.nodes=" + String.join(",", REDIS.cluster().seedNodeStrings()),
        "mesh4j.cache.namespaces.orders.value-type=java.lang.String",
        "mesh4j.client.retry.max-attempts=1").run();
  }

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
    registry.close();
    backends.forEach(WireMockServer::stop);
  }

  private JsonNode get(String path, int expectedStatus) throws Exception {
    String port = app.getEnvironment().getProperty("local.server.port");
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " answered " + r.body()).isEqualTo(expectedStatus);
    return JSON.readTree(r.body());
  }

  @Test
  void healthCarriesTheMeshIndicatorsAndTheEndpointListsServicesAndCaches() throws Exception {
    ServiceMeshClient mesh = app.getBean(ServiceMeshClient.class);
    await().atMost(Duration.ofSeconds(20))
        .until(() -> app.getBean(ServiceDiscovery.class).instances(service).size() == 2);
    assertThat(mesh.service(service).get("/orders/1").execute().status()).isEqualTo(200);

    // The watch's sync event reaches the indicator on the discovery's listener thread: wait for it.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get("/actuator/health", 200)
        .path("components").path("meshConsul").path("details").path("services").path(service).path("state").asText())
        .isEqualTo("synced"));
    JsonNode health = get("/actuator/health", 200);
    assertThat(health.path("status").asText()).isEqualTo("UP");
    JsonNode components = health.path("components");
    assertThat(components.path("meshConsul").path("status").asText()).isEqualTo("UP");
    assertThat(components.path("meshRedis").path("status").asText()).isEqualTo("UP");
    assertThat(components.path("meshBreakers").path("details").path("breakers").path(service).asText())
        .isEqualTo("CLOSED");

    app.getBean(CacheManager.class).getCache("orders").put("o-1", "first");
    JsonNode endpoint = get("/actuator/mesh", 200);
    JsonNode svc = endpoint.path("services").path(service);
    assertThat(svc.path("instances")).hasSize(2);
    assertThat(svc.path("instances").get(0).path("ejected").asBoolean()).isFalse();
    assertThat(svc.path("breaker").asText()).isEqualTo("CLOSED");
    assertThat(svc.path("ejected")).isEmpty();
    JsonNode cache = endpoint.path("caches").path("orders");
    assertThat(cache.path("type").asText()).isEqualTo("two-level");
    assertThat(cache.path("l1Active").isBoolean()).isTrue();
    assertThat(cache.path("stats").path("l1Size").isNumber()).isTrue();
  }

  @Test
  void anOpenBreakerTakesTheApplicationOutOfService() throws Exception {
    for (WireMockServer s : backends) {
      s.resetAll();
      s.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503)));
    }
    ServiceMeshClient mesh = app.getBean(ServiceMeshClient.class);
    await().atMost(Duration.ofSeconds(20))
        .until(() -> app.getBean(ServiceDiscovery.class).instances(service).size() == 2);
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      try {
        mesh.service(service).get("/orders/1").execute();
      } catch (RuntimeException expected) {
        // 503s and, once open, refusals
      }
      return mesh.circuitState(service) == CircuitState.OPEN;
    });

    JsonNode health = get("/actuator/health", 503);
    assertThat(health.path("status").asText()).isEqualTo("OUT_OF_SERVICE");
    assertThat(health.path("components").path("meshBreakers").path("status").asText()).isEqualTo("OUT_OF_SERVICE");
    assertThat(health.path("components").path("meshBreakers").path("details").path("breakers").path(service).asText())
        .isEqualTo("OPEN");
    assertThat(get("/actuator/mesh", 200).path("services").path(service).path("breaker").asText()).isEqualTo("OPEN");
  }

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {}
}
