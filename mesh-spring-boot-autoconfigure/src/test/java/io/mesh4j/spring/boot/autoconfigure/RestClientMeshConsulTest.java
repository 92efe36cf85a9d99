package io.mesh4j.spring.boot.autoconfigure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.spring.boot.autoconfigure.web.MeshRestClients;
import io.mesh4j.testkit.ConsulExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.annotation.HttpExchange;
import org.springframework.web.service.annotation.PostExchange;

/**
 * RestClient and HTTP interface clients routed through the mesh, against WireMock backends
 * registered in the real testkit Consul agent.
 */
@Timeout(value = 60, unit = SECONDS)
class RestClientMeshConsulTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();

  /** The interface a user writes. */
  @HttpExchange("/users")
  interface Users {
    @GetExchange("/{id}")
    User user(@PathVariable("id") String id);

    @GetExchange
    List<User> search(@RequestParam("q") String query);

    @PostExchange
    User create(@RequestBody User user);
  }

  record User(String id, String name) {}

  private final List<WireMockServer> backends = new ArrayList<>();
  private ConsulRegistry registry;
  private String service;

  @BeforeEach
  void twoBackendsInConsul() {
    service = "users-" + UUID.randomUUID().toString().substring(0, 8);
    registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build();
    for (int i = 0; i < 2; i++) {
      WireMockServer s = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").jettyAcceptors(1)
          .containerThreads(10));
      s.start();
      s.stubFor(get(urlPathEqualTo("/users/42")).willReturn(okJson("{\"id\":\"42\",\"name\":\"Ada\"}")
          .withHeader("X-Backend", String.valueOf(i))));
      backends.add(s);
      registry.register(ServiceRegistration.withoutHealthCheck(ServiceInstance.newBuilder().serviceName(service)
          .id(service + "-" + i).host("127.0.0.1").port(s.port()).build()));
    }
  }

  @AfterEach
  void stop() {
    registry.close(); // deregisters what it registered
    backends.forEach(s -> {
      if (s.isRunning()) {
        s.stop();
      }
    });
  }

  private ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(Mesh4jDiscoveryAutoConfiguration.class,
            Mesh4jClientAutoConfiguration.class, Mesh4jRestClientAutoConfiguration.class))
        .withPropertyValues("mesh4j.consul.url=" + CONSUL.agent().baseUrl());
  }

  private void awaitInstances(ServiceDiscovery discovery, int count) {
    await().atMost(Duration.ofSeconds(20)).until(() -> discovery.instances(service).size() == count);
  }

  @Test
  void anHttpInterfaceReturnsTheDecodedBodyFromAnInstanceTheMeshPicked() {
    runner().run(context -> {
      awaitInstances(context.getBean(ServiceDiscovery.class), 2);
      Users users = context.getBean(MeshRestClients.class).httpInterface(service, Users.class);
      for (int i = 0; i < 4; i++) {
        assertThat(users.user("42")).isEqualTo(new User("42", "Ada"));
      }
      // Round robin: both instances answered, so the mesh (not a fixed URL) chose each time.
      assertThat(backends.get(0).getAllServeEvents()).hasSize(2);
      assertThat(backends.get(1).getAllServeEvents()).hasSize(2);
    });
  }

  @Test
  void withOneInstanceDownEveryCallStillSucceedsOnTheOther() {
    runner().run(context -> {
      awaitInstances(context.getBean(ServiceDiscovery.class), 2);
      backends.get(0).stop(); // still registered in Consul: only the mesh's retry can save the call
      RestClient client = context.getBean(MeshRestClients.class).restClient(service);
      for (int i = 0; i < 6; i++) {
        assertThat(client.get().uri("/users/{id}", 42).retrieve().toEntity(String.class).getHeaders()
            .getFirst("X-Backend")).isEqualTo("1");
      }
    });
  }

  @Test
  void queryAndBodyReachTheBackendAsSent() {
    for (WireMockServer s : backends) {
      s.stubFor(get(urlPathEqualTo("/users")).withQueryParam("q", equalTo("a b+c/é"))
          .willReturn(okJson("[{\"id\":\"1\",\"name\":\"a b+c/é\"}]")));
      s.stubFor(post(urlPathEqualTo("/users")).willReturn(okJson("{\"id\":\"7\",\"name\":\"Bo\"}")));
    }
    runner().run(context -> {
      awaitInstances(context.getBean(ServiceDiscovery.class), 2);
      Users users = context.getBean(MeshRestClients.class).httpInterface(service, Users.class);
      assertThat(users.search("a b+c/é")).containsExactly(new User("1", "a b+c/é"));
      assertThat(users.create(new User(null, "Bo"))).isEqualTo(new User("7", "Bo"));
      int posts = 0;
      for (WireMockServer s : backends) {
        posts += s.findAll(postRequestedFor(urlPathEqualTo("/users"))
            .withRequestBody(equalToJson("{\"id\":null,\"name\":\"Bo\"}"))).size();
      }
      assertThat(posts).isEqualTo(1);
    });
  }

  @Test
  void aClientErrorReachesRestClientsStatusHandlingWithoutRetries() {
    for (WireMockServer s : backends) {
      s.stubFor(any(urlPathEqualTo("/users/404")).willReturn(aResponse().withStatus(404)
          .withHeader("Content-Type", "application/json").withBody("{\"error\":\"no such user\"}")));
    }
    runner().run(context -> {
      awaitInstances(context.getBean(ServiceDiscovery.class), 2);
      Users users = context.getBean(MeshRestClients.class).httpInterface(service, Users.class);
      assertThatThrownBy(() -> users.user("404")).isInstanceOfSatisfying(HttpClientErrorException.NotFound.class,
          e -> assertThat(e.getResponseBodyAsString()).isEqualTo("{\"error\":\"no such user\"}"));
      assertThat(backends.get(0).getAllServeEvents().size() + backends.get(1).getAllServeEvents().size())
          .as("a 404 is not retried").isEqualTo(1);
    });
  }

  @Test
  void anUnknownServiceFailsWithTheMeshsOwnException() {
    runner().withPropertyValues("mesh4j.consul.url=" + CONSUL.agent().baseUrl()).run(context -> {
      RestClient client = context.getBean(MeshRestClients.class).restClient("nobody-" + service);
      assertThatThrownBy(() -> client.get().uri("/x").retrieve().body(String.class))
          .isInstanceOf(NoInstanceAvailableException.class).hasMessageContaining("nobody-" + service);
    });
  }

  @Test
  void aUrlWithAPortIsRefusedNamingTheForm() {
    runner().run(context -> {
      RestClient client = context.getBean(MeshRestClients.class).builder(service).build();
      assertThatThrownBy(() -> client.get().uri("http://" + service + ":8080/x").retrieve().body(String.class))
          .hasStackTraceContaining("http://<service-name>/path without a port");
    });
  }
}
