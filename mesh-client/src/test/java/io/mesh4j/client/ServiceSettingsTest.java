package io.mesh4j.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.resilience.BulkheadConfig;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.CircuitState;
import io.mesh4j.resilience.HedgingConfig;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.RateLimiterConfig;
import io.mesh4j.resilience.RetryBudgetConfig;
import io.mesh4j.resilience.TimeoutConfig;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Per-service settings: any one resilience setting gives the service its own executor (its own
 * breaker and outlier detector), settings of another kind leave it on the shared one. No call is
 * made, so no backend is needed.
 */
@Timeout(30)
class ServiceSettingsTest {
  private static final List<ServiceInstance> ONE = List.of(ServiceInstance.newBuilder().serviceName("svc")
      .host("127.0.0.1").port(1).build());

  private static ServiceMeshClient client(Consumer<ServiceSettings> settings) {
    return ServiceMeshClient.builder().discovery(StaticServiceDiscovery.of("svc", ONE))
        .service("own", settings).build();
  }

  @Test
  void eachResilienceSettingAloneGivesTheServiceItsOwnExecutor() {
    Map<String, Consumer<ServiceSettings>> each = Map.of(
        "retry", s -> s.retry(r -> r.maxAttempts(1)),
        "retryBudget", s -> s.retryBudget(RetryBudgetConfig.disabled()),
        "outlierEjection", s -> s.outlierEjection(OutlierEjectionConfig.disabled()),
        "circuitBreaker", s -> s.circuitBreaker(b -> b.halfOpenTrials(1)),
        "timeouts", s -> s.timeouts(TimeoutConfig.defaults()),
        "bulkhead", s -> s.bulkhead(BulkheadConfig.disabled()),
        "rateLimiter", s -> s.rateLimiter(RateLimiterConfig.disabled()),
        "hedging", s -> s.hedging(HedgingConfig.disabled()));
    for (Map.Entry<String, Consumer<ServiceSettings>> e : each.entrySet()) {
      try (ServiceMeshClient mesh = client(e.getValue())) {
        assertNotSame(mesh.outlierDetector("svc"), mesh.outlierDetector("own"), e.getKey() + " alone");
      }
    }
  }

  @Test
  void settingsOtherThanResilienceKeepTheSharedExecutor() {
    try (ServiceMeshClient mesh = client(s -> s.requireTls(true).maxResponseBytes(1).allowCleartextCredentials(true))) {
      assertSame(mesh.outlierDetector("svc"), mesh.outlierDetector("own"));
    }
  }

  @Test
  void aServicesOwnBreakerSettingIsItsAlone() {
    try (ServiceMeshClient mesh = client(s -> s.circuitBreaker(CircuitBreakerConfig.disabled()))) {
      assertEquals(CircuitState.DISABLED, mesh.circuitState("own"));
      assertEquals(CircuitState.CLOSED, mesh.circuitState("svc"));
    }
  }

  @Test
  void everySetterChains() throws Exception {
    ServiceSettings s = new ServiceSettings();
    assertSame(s, s.retry(io.mesh4j.resilience.RetryConfig.disabled()));
    assertSame(s, s.retry(r -> r.maxAttempts(2)));
    assertSame(s, s.retryBudget(RetryBudgetConfig.disabled()));
    assertSame(s, s.outlierEjection(OutlierEjectionConfig.disabled()));
    assertSame(s, s.circuitBreaker(CircuitBreakerConfig.disabled()));
    assertSame(s, s.circuitBreaker(b -> b.halfOpenTrials(2)));
    assertSame(s, s.timeouts(TimeoutConfig.defaults()));
    assertSame(s, s.bulkhead(BulkheadConfig.disabled()));
    assertSame(s, s.rateLimiter(RateLimiterConfig.disabled()));
    assertSame(s, s.hedging(HedgingConfig.disabled()));
    javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((java.security.KeyStore) null);
    assertSame(s, s.tls(ServiceTls.trusting((javax.net.ssl.X509TrustManager) tmf.getTrustManagers()[0])));
    assertSame(s, s.requireTls(true));
    assertSame(s, s.credentials(() -> Credential.bearer("t")));
    assertSame(s, s.allowCleartextCredentials(true));
  }

  @Test
  void badValuesAreRefusedNamingTheSetting() {
    ServiceSettings s = new ServiceSettings();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.maxResponseBytes(0));
    assertTrue(e.getMessage().contains("maxResponseBytes"), e.getMessage());
    assertSame(s, s.maxResponseBytes(1), "1 byte is allowed");
    assertThrows(NullPointerException.class, () -> s.retry((io.mesh4j.resilience.RetryConfig) null));
    assertThrows(NullPointerException.class, () -> s.hedging(null));
    assertThrows(NullPointerException.class, () -> s.tls(null));
    assertThrows(NullPointerException.class, () -> s.credentials(null));
  }
}
