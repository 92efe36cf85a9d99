package io.mesh4j.spring.boot.autoconfigure;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.client.ServiceMeshClient;
import java.time.Duration;
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
 * {@code mesh4j.client.hedging.*} and {@code mesh4j.client.services.<name>.hedging.*}: a slow GET of
 * a hedged service sends a second attempt to the other instance, a service that turns hedging off
 * sends one; bad values name their property. Both instances are one WireMock answering after 400 ms.
 */
@Timeout(value = 60, unit = SECONDS)
class HedgingPropertiesTest {
  private WireMockServer backend;
  private ApplicationContextRunner runner;

  @BeforeEach
  void start() {
    backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").jettyAcceptors(1).containerThreads(10));
    backend.start();
    backend.stubFor(any(anyUrl()).willReturn(okJson("{}").withFixedDelay(400)));
    Map<String, List<ServiceInstance>> services = new HashMap<>();
    for (String name : List.of("orders", "payments")) {
      services.put(name, List.of(instance(name, 1), instance(name, 2)));
    }
    StaticServiceDiscovery discovery = StaticServiceDiscovery.of(services);
    runner = new ApplicationContextRunner().withConfiguration(Mesh4jAutoConfigurationTest.ALL)
        .withBean(ServiceDiscovery.class, () -> discovery);
  }

  private ServiceInstance instance(String service, int i) {
    return ServiceInstance.newBuilder().serviceName(service).id(service + "-" + i).host("127.0.0.1")
        .port(backend.port()).build();
  }

  @AfterEach
  void stop() {
    backend.stop();
  }

  @Test
  void aClientWideHedgeDelayHedgesSlowCallsAndAServiceCanTurnItOff() {
    runner.withPropertyValues("mesh4j.client.hedging.delay=50ms", "mesh4j.client.hedging.max-hedges=1",
            "mesh4j.client.services.payments.hedging.enabled=false")
        .run(context -> {
          assertThat(context).hasNotFailed();
          ServiceMeshClient mesh = context.getBean(ServiceMeshClient.class);

          backend.resetRequests();
          assertThat(mesh.service("orders").get("/orders/1").execute().status()).isEqualTo(200);
          await().atMost(Duration.ofSeconds(5)).until(() -> backend.getAllServeEvents().size() == 2);

          backend.resetRequests();
          assertThat(mesh.service("payments").get("/payments/1").execute().status()).isEqualTo(200);
          await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
              .until(() -> backend.getAllServeEvents().size() == 1);
        });
  }

  @Test
  void aPerServicePercentileOutOfRangeNamesTheServicesProperty() {
    FailureAnalysis a = MeshPropertyFailureAnalyzerTest.analysisOf(runner,
        "mesh4j.client.services.orders.hedging.percentile=100");
    assertThat(a.getDescription()).contains("'mesh4j.client.services.orders.hedging.percentile'")
        .contains("invalid value: 100");
    assertThat(a.getAction()).contains("above 0 and below 100");
  }

  @Test
  void aDelayAndAPercentileTogetherAreRefused() {
    FailureAnalysis a = MeshPropertyFailureAnalyzerTest.analysisOf(runner,
        "mesh4j.client.hedging.delay=50ms", "mesh4j.client.hedging.percentile=90");
    assertThat(a.getDescription()).contains("'mesh4j.client.hedging.percentile'");
    assertThat(a.getAction()).contains("mesh4j.client.hedging.delay").contains("not both");
  }

  @Test
  void zeroMaxHedgesNamesItsProperty() {
    FailureAnalysis a = MeshPropertyFailureAnalyzerTest.analysisOf(runner,
        "mesh4j.client.hedging.enabled=true", "mesh4j.client.services.payments.hedging.max-hedges=0");
    assertThat(a.getDescription()).contains("'mesh4j.client.services.payments.hedging.max-hedges'");
    assertThat(a.getAction()).contains("an integer >= 1");
  }
}
