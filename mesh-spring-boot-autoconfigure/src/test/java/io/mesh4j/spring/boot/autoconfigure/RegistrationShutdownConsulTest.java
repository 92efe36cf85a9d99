package io.mesh4j.spring.boot.autoconfigure;

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
import io.mesh4j.testkit.ConsulExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Registration with the real testkit Consul agent through real SpringApplications: an HTTP check
 * on the actuator health endpoint when the application serves one, and the shutdown order
 * deregister → calls in flight finish → the client closes.
 */
@Timeout(value = 90, unit = SECONDS)
class RegistrationShutdownConsulTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  /** What happened during the shutdown, in order. */
  static final List<String> STEPS = new CopyOnWriteArrayList<>();

  private static JsonNode agent(String path) throws Exception {
    HttpRequest get = HttpRequest.newBuilder(URI.create(CONSUL.agent().baseUrl() + path)).build();
    return JSON.readTree(HTTP.send(get, HttpResponse.BodyHandlers.ofString()).body());
  }

  private static JsonNode checkOf(String serviceName) throws Exception {
    for (JsonNode check : agent("/v1/agent/checks")) {
      if (check.path("ServiceName").asText().equals(serviceName)) {
        return check;
      }
    }
    return null;
  }

  @Test
  void withTheActuatorOnTheWebServerConsulPollsTheHealthEndpoint() throws Exception {
    String name = "web-app-" + UUID.randomUUID().toString().substring(0, 8);
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(WebApp.class)
        .web(WebApplicationType.SERVLET)
        .properties("server.port=0", "spring.application.name=" + name, "mesh4j.consul.url=" + CONSUL.agent().baseUrl(),
            "mesh4j.registration.enabled=true", "mesh4j.registration.host=127.0.0.1",
            "mesh4j.registration.check-interval=1s")
        .run()) {
      String port = context.getEnvironment().getProperty("local.server.port");
      JsonNode check = checkOf(name);
      assertThat(check).as("the instance's check").isNotNull();
      assertThat(check.path("Type").asText()).isEqualTo("http");
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
          assertThat(checkOf(name).path("Status").asText()).isEqualTo("passing"));
      assertThat(checkOf(name).path("Output").asText()).contains("http://127.0.0.1:" + port + "/actuator/health");
    }
    assertThat(checkOf(name)).as("deregistered with its check").isNull();
  }

  @Test
  void withoutAWebServerTheCheckIsATtlOne() throws Exception {
    String name = "plain-app-" + UUID.randomUUID().toString().substring(0, 8);
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(WebApp.class)
        .web(WebApplicationType.NONE)
        .properties("spring.application.name=" + name, "mesh4j.consul.url=" + CONSUL.agent().baseUrl(),
            "mesh4j.registration.enabled=true", "mesh4j.registration.host=127.0.0.1",
            "mesh4j.registration.port=18081")
        .run()) {
      assertThat(context.getBean(ServiceMeshClient.class)).isNotNull();
      assertThat(checkOf(name).path("Type").asText()).isEqualTo("ttl");
    }
  }

  @Test
  void shutdownDeregistersThenLetsACallInFlightFinishThenClosesTheClient() throws Exception {
    String name = "caller-" + UUID.randomUUID().toString().substring(0, 8);
    String slow = "slow-" + UUID.randomUUID().toString().substring(0, 8);
    WireMockServer backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").jettyAcceptors(1)
        .containerThreads(10));
    backend.start();
    backend.stubFor(any(anyUrl()).willReturn(okJson("{}").withFixedDelay(1500)));
    STEPS.clear();
    try (ConsulRegistry registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build()) {
      registry.register(ServiceRegistration.withoutHealthCheck(ServiceInstance.newBuilder().serviceName(slow)
          .id(slow + "-1").host("127.0.0.1").port(backend.port()).build()));
      ConfigurableApplicationContext context = new SpringApplicationBuilder(ShutdownApp.class)
          .web(WebApplicationType.NONE)
          .properties("spring.application.name=" + name, "mesh4j.consul.url=" + CONSUL.agent().baseUrl(),
              "mesh4j.registration.enabled=true", "mesh4j.registration.host=127.0.0.1",
              "mesh4j.registration.port=18082", "mesh4j.client.attempt-timeout=5s")
          .run();
      ServiceMeshClient mesh = context.getBean(ServiceMeshClient.class);
      await().atMost(Duration.ofSeconds(20))
          .until(() -> context.getBean(ServiceDiscovery.class).instances(slow).size() == 1);
      CompletableFuture<Integer> call = CompletableFuture.supplyAsync(() -> {
        return mesh.service(slow).get("/work").execute().status();
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> backend.getAllServeEvents().size() == 1);
      context.close();
      assertThat(call.get(10, SECONDS)).isEqualTo(200);
    } finally {
      backend.stop();
    }
    assertThat(STEPS).containsExactly("deregistered " + name + "-127.0.0.1-18082", "call ended", "client's user closed");
  }

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class WebApp {}

  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration({Mesh4jDiscoveryAutoConfiguration.class, Mesh4jClientAutoConfiguration.class,
      Mesh4jRegistrationAutoConfiguration.class})
  static class ShutdownApp {
    /** The application's observer: records when the client ends a call. */
    @Bean
    io.mesh4j.client.CallObserver recordingObserver() {
      return (service, method, route, requestId) -> new io.mesh4j.client.CallObserver.Observed() {
        @Override
        public void attemptStarting(ServiceInstance instance, int attempt, okhttp3.Request.Builder request) {}

        @Override
        public io.mesh4j.client.CallObserver.Scope openScope() {
          return io.mesh4j.client.CallObserver.Scope.NONE;
        }

        @Override
        public void end(io.mesh4j.client.MeshResponse response, Throwable error) {
          STEPS.add(error == null ? "call ended" : "call failed: " + error);
        }

        @Override
        public CompletableFuture<io.mesh4j.client.MeshResponse> endAsync(
            CompletableFuture<io.mesh4j.client.MeshResponse> call) {
          return call;
        }
      };
    }

    /** The real Consul registry, recording when the shutdown deregisters. */
    @Bean
    io.mesh4j.api.ServiceRegistry recordingRegistry(org.springframework.core.env.Environment env) {
      ConsulRegistry consul = ConsulRegistry.builder().url(env.getProperty("mesh4j.consul.url")).build();
      return new io.mesh4j.api.ServiceRegistry() {
        @Override
        public void register(ServiceRegistration registration) {
          consul.register(registration);
        }

        @Override
        public void deregister(String instanceId) {
          consul.deregister(instanceId);
          STEPS.add("deregistered " + instanceId);
        }

        @Override
        public void close() {
          consul.close();
        }
      };
    }

    /** Uses the client, so it is destroyed just before it: when it closes, the client is about to. */
    @Bean
    DisposableBean clientUser(ServiceMeshClient client) {
      return () -> STEPS.add("client's user closed");
    }
  }
}
