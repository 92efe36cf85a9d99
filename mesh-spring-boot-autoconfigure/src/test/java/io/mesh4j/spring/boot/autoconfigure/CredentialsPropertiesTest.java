package io.mesh4j.spring.boot.autoconfigure;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.client.CredentialsProvider;
import io.mesh4j.client.ServiceMeshClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code mesh4j.client.services.<name>.credentials}: the name of a {@code CredentialsProvider} bean,
 * whose credentials that service (only) receives; a name that is no such bean is refused naming the
 * property and the beans there are, and never shows a secret.
 */
@Timeout(value = 60, unit = SECONDS)
class CredentialsPropertiesTest {
  private static final String TOKEN = "t0k3n-never-shown";

  private WireMockServer backend;
  private ApplicationContextRunner runner;

  @BeforeEach
  void start() {
    backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").jettyAcceptors(1).containerThreads(10));
    backend.start();
    backend.stubFor(any(anyUrl()).willReturn(okJson("{}")));
    Map<String, List<ServiceInstance>> services = new HashMap<>();
    for (String name : List.of("orders", "payments")) {
      services.put(name, List.of(ServiceInstance.newBuilder().serviceName(name).id(name + "-1").host("127.0.0.1")
          .port(backend.port()).build()));
    }
    StaticServiceDiscovery discovery = StaticServiceDiscovery.of(services);
    runner = new ApplicationContextRunner().withConfiguration(Mesh4jAutoConfigurationTest.ALL)
        .withBean(ServiceDiscovery.class, () -> discovery)
        .withBean("paymentsToken", CredentialsProvider.class, () -> CredentialsProvider.bearer(() -> TOKEN));
  }

  @AfterEach
  void stop() {
    backend.stop();
  }

  @Test
  void theNamedBeansCredentialsReachThatServiceOnly() {
    runner.withPropertyValues("mesh4j.client.services.payments.credentials=paymentsToken",
            "mesh4j.client.services.payments.allow-cleartext-credentials=true",
            "mesh4j.client.services.orders.retry.max-attempts=1")
        .run(context -> {
          assertThat(context).hasNotFailed();
          ServiceMeshClient mesh = context.getBean(ServiceMeshClient.class);
          assertThat(mesh.service("payments").get("/payments/1").execute().status()).isEqualTo(200);
          assertThat(mesh.service("orders").get("/orders/1").execute().status()).isEqualTo(200);
        });
    backend.verify(1, getRequestedFor(urlPathEqualTo("/payments/1")).withHeader("Authorization", equalTo("Bearer " + TOKEN)));
    backend.verify(1, getRequestedFor(urlPathEqualTo("/orders/1")).withHeader("Authorization", absent()));
  }

  @Test
  void aNameThatIsNoCredentialsBeanIsRefusedListingTheBeans() {
    FailureAnalysis a = MeshPropertyFailureAnalyzerTest.analysisOf(runner,
        "mesh4j.client.services.payments.credentials=paymentToken");
    assertThat(a.getDescription()).contains("'mesh4j.client.services.payments.credentials'")
        .contains("invalid value: paymentToken");
    assertThat(a.getAction()).contains("CredentialsProvider bean: paymentsToken");
    assertThat(a.getDescription() + a.getAction()).doesNotContain(TOKEN);
  }

  @Test
  void cleartextIsAllowedPerServiceOnly() {
    FailureAnalysis a = MeshPropertyFailureAnalyzerTest.analysisOf(runner,
        "mesh4j.client.allow-cleartext-credentials=true");
    assertThat(a.getDescription()).contains("'mesh4j.client.allow-cleartext-credentials'");
    assertThat(a.getAction()).contains("mesh4j.client.services.<name>.allow-cleartext-credentials");
  }
}
