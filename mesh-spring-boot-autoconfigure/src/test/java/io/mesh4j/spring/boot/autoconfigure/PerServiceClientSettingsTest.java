package io.mesh4j.spring.boot.autoconfigure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.mesh4j.api.CallFailedException;
import io.mesh4j.api.ServiceDiscovery;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.resilience.CircuitState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code mesh4j.client.services.<name>.*}: per-service overrides reach that service only, an unset
 * value falls back to the client-wide one value by value, and a bad value names its property.
 * Backends are WireMock instances answering 503, so the attempts each service makes are counted.
 */
@Timeout(value = 60, unit = SECONDS)
class PerServiceClientSettingsTest {
  private WireMockServer backend;
  private ApplicationContextRunner runner;

  @BeforeEach
  void start() {
    backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").jettyAcceptors(1).containerThreads(10));
    backend.start();
    backend.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503)));
    Map<String, List<ServiceInstance>> services = new java.util.HashMap<>();
    for (String name : List.of("orders", "payments", "legacy")) {
      services.put(name, List.of(ServiceInstance.newBuilder().serviceName(name).id(name + "-1").host("127.0.0.1")
          .port(backend.port()).build()));
    }
    StaticServiceDiscovery discovery = StaticServiceDiscovery.of(services);
    runner = new ApplicationContextRunner().withConfiguration(Mesh4jAutoConfigurationTest.ALL)
        .withBean(ServiceDiscovery.class, () -> discovery);
  }

  @AfterEach
  void stop() {
    backend.stop();
  }

  private int attemptsOf(ServiceMeshClient mesh, String service) {
    backend.resetRequests();
    assertThatThrownBy(() -> mesh.service(service).get("/x").execute()).isInstanceOf(CallFailedException.class);
    return backend.getAllServeEvents().size();
  }

  @Test
  void aServiceOverrideAppliesToThatServiceOnlyAndTheRestInheritsValueByValue() {
    runner.withPropertyValues("mesh4j.client.retry.max-attempts=2", "mesh4j.client.retry.backoff-base=1ms",
            "mesh4j.client.retry.backoff-max=2ms",
            "mesh4j.client.services.payments.retry.max-attempts=1",
            "mesh4j.client.services.orders.retry.backoff-max=5ms",
            "mesh4j.client.services.legacy.breaker.enabled=false")
        .run(context -> {
          assertThat(context).hasNotFailed();
          ServiceMeshClient mesh = context.getBean(ServiceMeshClient.class);
          assertThat(attemptsOf(mesh, "payments")).as("payments' own max-attempts").isEqualTo(1);
          assertThat(attemptsOf(mesh, "orders")).as("orders set only a backoff: the client's 2 attempts stay")
              .isEqualTo(2);
          assertThat(attemptsOf(mesh, "legacy")).as("the client-wide value").isEqualTo(2);
          assertThat(mesh.circuitState("legacy")).isEqualTo(CircuitState.DISABLED);
          assertThat(mesh.circuitState("orders")).isEqualTo(CircuitState.CLOSED);
        });
  }

  @Test
  void everyClientSettingIsAcceptedClientWideAndPerService() {
    runner.withPropertyValues("mesh4j.client.call-timeout=20s", "mesh4j.client.retry-budget.ratio=0.3",
            "mesh4j.client.retry-budget.min-retries-per-second=5", "mesh4j.client.breaker.failure-rate=60",
            "mesh4j.client.breaker.minimum-calls=10", "mesh4j.client.breaker.window=5s",
            "mesh4j.client.breaker.open-for=10s", "mesh4j.client.outlier-ejection.consecutive-failures=3",
            "mesh4j.client.outlier-ejection.max-ejection-percent=30", "mesh4j.client.bulkhead.max-concurrent-calls=50",
            "mesh4j.client.bulkhead.max-wait=10ms", "mesh4j.client.max-response-bytes=1048576",
            "mesh4j.client.services.payments.rate-limit.permits=100", "mesh4j.client.services.payments.rate-limit.period=1s",
            "mesh4j.client.services.payments.attempt-timeout=300ms", "mesh4j.client.services.payments.bulkhead.enabled=false",
            "mesh4j.client.services.payments.retry-budget.enabled=false",
            "mesh4j.client.services.payments.outlier-ejection.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(ServiceMeshClient.class));
  }

  private FailureAnalysis analysisOf(String... properties) {
    return MeshPropertyFailureAnalyzerTest.analysisOf(runner, properties);
  }

  @Test
  void aBadPerServiceValueNamesTheServicesProperty() {
    FailureAnalysis a = analysisOf("mesh4j.client.services.payments.retry.max-attempts=0");
    assertThat(a.getDescription()).contains("'mesh4j.client.services.payments.retry.max-attempts'")
        .contains("invalid value: 0");
    assertThat(a.getAction()).contains("an integer >= 1");

    FailureAnalysis rate = analysisOf("mesh4j.client.services.orders.breaker.failure-rate=150");
    assertThat(rate.getDescription()).contains("'mesh4j.client.services.orders.breaker.failure-rate'");
    assertThat(rate.getAction()).contains("1-100");
  }

  @Test
  void aClientWideValueInheritedByAServiceIsReportedUnderItsOwnName() {
    FailureAnalysis a = analysisOf("mesh4j.client.retry.backoff-base=2s", "mesh4j.client.retry.backoff-max=1s");
    assertThat(a.getDescription()).contains("'mesh4j.client.retry.backoff-base'");
    assertThat(a.getAction()).contains("retry.backoff-base <= retry.backoff-max");
  }

  @Test
  void aHalfSetRateLimitNamesTheMissingHalf() {
    FailureAnalysis a = analysisOf("mesh4j.client.services.payments.rate-limit.permits=10");
    assertThat(a.getDescription()).contains("'mesh4j.client.services.payments.rate-limit.period'");
    assertThat(a.getAction()).contains("rate-limit.permits and rate-limit.period");
  }
}
