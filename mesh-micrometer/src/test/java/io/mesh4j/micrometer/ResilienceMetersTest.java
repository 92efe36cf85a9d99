package io.mesh4j.micrometer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.MeshException;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.RetryBudgetConfig;
import io.mesh4j.resilience.TimeoutConfig;
import io.mesh4j.testkit.ConsulExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Budget refusals, ejections, breaker transitions and timeouts move their meters (real Consul, WireMock backends). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ResilienceMetersTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.shared();
  private static final AtomicInteger SEQ = new AtomicInteger();

  static ConsulDiscovery discovery;
  static ConsulRegistry registry;
  Backends backends;
  String service;
  SimpleMeterRegistry meters;

  @BeforeAll
  static void connect() {
    discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).build();
    registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build();
  }

  @AfterAll
  static void disconnect() {
    registry.close();
    discovery.close();
  }

  @BeforeEach
  void register() {
    service = "meters-" + SEQ.incrementAndGet();
    meters = new SimpleMeterRegistry();
    backends = new Backends(2);
    for (int i = 0; i < 2; i++) {
      backends.get(i).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("ok")));
      registry.register(ServiceRegistration.withoutHealthCheck(backends.instance(service, i)));
    }
    await("2 instances discovered").atMost(Duration.ofSeconds(10))
        .until(() -> discovery.instances(service).size() == 2);
  }

  @AfterEach
  void deregister() {
    for (int i = 0; i < 2; i++) {
      registry.deregister(service + "-" + i);
    }
    backends.close();
  }

  private ServiceMeshClient.Builder client() {
    return client(MeshMeters.create(meters));
  }

  private ServiceMeshClient.Builder client(MeshMeters meshMeters) {
    return ServiceMeshClient.builder()
        .discovery(discovery)
        .listener(meshMeters)
        .circuitBreaker(CircuitBreakerConfig.disabled())
        .outlierEjection(OutlierEjectionConfig.disabled())
        .retry(r -> r.maxAttempts(2).backoff(Duration.ofMillis(1), Duration.ofMillis(2)));
  }

  private void failing(int i, int status) {
    backends.get(i).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(status)));
  }

  private double count(String name, String... tags) {
    var c = meters.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  private double gauge(String name, String... tags) {
    var g = meters.find(name).tags(tags).gauge();
    return g == null ? Double.NaN : g.value();
  }

  @Test
  void retriesOverBudgetAreRefusedAndCounted() {
    failing(0, 503);
    failing(1, 503);
    RetryBudgetConfig tiny = RetryBudgetConfig.builder().ratio(0.1).minRetriesPerSecond(0).build();
    try (ServiceMeshClient mesh = client().retryBudget(tiny).build()) {
      for (int i = 0; i < 30; i++) {
        assertThrows(MeshException.class, () -> mesh.service(service).get("/x").execute());
      }
    }
    double retries = count("mesh.client.retries", "mesh.service", service, "reason", "status");
    double refusals = count("mesh.client.retry.budget.refusals", "mesh.service", service);
    assertTrue(retries >= 1, "some retries were allowed: " + retries);
    assertTrue(refusals >= 20, "most retries were refused: " + refusals);
    assertEquals(30, retries + refusals, 0.0, "every failed first attempt was either retried or refused");
    assertEquals(30 + retries, count("mesh.client.attempts", "mesh.service", service,
        "outcome", "retryable_failure", "error.type", "none"), 0.0);
  }

  @Test
  void theBudgetGaugeOfABoundClientFallsAsRetriesSpendIt() {
    failing(0, 503);
    failing(1, 503);
    // 10 calls x 0.5 = 5 retries, no floor; a 60 s window outlives the test, so nothing rolls out.
    RetryBudgetConfig budget = RetryBudgetConfig.builder().ratio(0.5).minRetriesPerSecond(0)
        .window(Duration.ofSeconds(60)).build();
    MeshMeters meshMeters = MeshMeters.create(meters);
    try (ServiceMeshClient mesh = client(meshMeters).retryBudget(budget).build()) {
      meshMeters.bind(mesh);
      assertTrue(Double.isNaN(gauge("mesh.client.retry.budget.remaining", "mesh.service", service)),
          "no gauge before the service's first attempt");
      for (int i = 0; i < 10; i++) {
        assertThrows(MeshException.class, () -> mesh.service(service).get("/x").execute());
      }
      double retries = count("mesh.client.retries", "mesh.service", service, "reason", "status");
      var state = mesh.retryBudget(service);
      assertEquals(10, state.calls());
      assertEquals((long) retries, state.retries());
      assertEquals(0, state.remaining(), "the budget is spent: " + state);
      assertEquals(0, gauge("mesh.client.retry.budget.remaining", "mesh.service", service), 0.0);
      assertTrue(retries >= 4 && retries <= 5, "about half the calls retried: " + retries);
    }
  }

  @Test
  void anEjectedInstanceMovesTheEjectionCounterAndTheEjectedGauge() {
    failing(0, 503);
    OutlierEjectionConfig eject = OutlierEjectionConfig.builder().consecutiveFailures(2)
        .ejectionTime(Duration.ofMinutes(1), Duration.ofMinutes(2)).build();
    try (ServiceMeshClient mesh = client().outlierEjection(eject).build()) {
      for (int i = 0; i < 10; i++) {
        assertEquals("ok", mesh.service(service).get("/x").asString());
      }
      assertTrue(mesh.outlierDetector(service).ejected(service).size() == 1);
    }
    assertEquals(1, count("mesh.outlier.ejections", "mesh.service", service, "reason", "consecutive_failures"));
    assertEquals(1, gauge("mesh.outlier.ejected", "mesh.service", service));
  }

  @Test
  void anOpeningBreakerMovesTheTransitionCounterTheStateGaugeAndTheRejections() {
    failing(0, 503);
    failing(1, 503);
    CircuitBreakerConfig breaker = CircuitBreakerConfig.builder().failureRate(50, 4, Duration.ofSeconds(30))
        .openFor(Duration.ofMinutes(1)).build();
    try (ServiceMeshClient mesh = client().circuitBreaker(breaker).retry(r -> r.maxAttempts(1)).build()) {
      for (int i = 0; i < 10; i++) {
        assertThrows(MeshException.class, () -> mesh.service(service).get("/x").execute());
      }
    }
    assertEquals(1, count("mesh.circuit.transitions", "mesh.service", service, "from", "closed", "to", "open"));
    assertEquals(1, gauge("mesh.circuit.state", "mesh.service", service, "state", "open"));
    assertEquals(0, gauge("mesh.circuit.state", "mesh.service", service, "state", "closed"));
    assertTrue(count("mesh.client.rejections", "mesh.service", service, "reason", "circuit_open") >= 5);
  }

  @Test
  void aSlowInstanceMovesTheTimeoutCounterAndRetriesForTimeout() {
    backends.get(0).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withFixedDelay(2_000)));
    backends.get(1).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withFixedDelay(2_000)));
    TimeoutConfig fast = TimeoutConfig.builder().attemptTimeout(Duration.ofMillis(100)).build();
    try (ServiceMeshClient mesh = client().timeouts(fast).build()) {
      assertThrows(MeshException.class, () -> mesh.service(service).get("/x").execute());
    }
    assertEquals(2, count("mesh.client.timeouts", "mesh.service", service, "kind", "attempt"));
    assertEquals(1, count("mesh.client.retries", "mesh.service", service, "reason", "timeout"));
  }

  /**
   * Attempts cut by their timeout use up the call's deadline until no time is left for the next
   * one: the call ends (with its last attempt's failure) and is counted as a call timeout
   * ({@code kind=call}) beside the attempt timeouts, sync and async alike.
   */
  @Test
  void aCallThatRunsOutOfItsDeadlineMovesTheCallTimeoutCounter() throws Exception {
    backends.get(0).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withFixedDelay(2_000)));
    backends.get(1).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withFixedDelay(2_000)));
    TimeoutConfig deadline = TimeoutConfig.builder().attemptTimeout(Duration.ofMillis(100))
        .callTimeout(Duration.ofMillis(250)).build();
    try (ServiceMeshClient mesh = client().timeouts(deadline)
        .retry(r -> r.maxAttempts(10).backoff(Duration.ofMillis(1), Duration.ofMillis(2))).build()) {
      assertThrows(MeshException.class, () -> mesh.service(service).get("/x").execute());
      assertEquals(1, count("mesh.client.timeouts", "mesh.service", service, "kind", "call"));
      var async = mesh.service(service).get("/x").executeAsync();
      assertThrows(java.util.concurrent.ExecutionException.class, () -> async.get(5, TimeUnit.SECONDS));
    }
    assertEquals(2, count("mesh.client.timeouts", "mesh.service", service, "kind", "call"));
    assertTrue(count("mesh.client.timeouts", "mesh.service", service, "kind", "attempt") >= 4,
        "each call's attempts were cut by their timeout before the deadline ended it");
  }

  /** A hedge sent to the other instance moves {@code mesh.client.hedges}. */
  @Test
  void aHedgeMovesTheHedgeCounter() {
    backends.get(0).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("slow")
        .withFixedDelay(3_000)));
    try (ServiceMeshClient mesh = client().loadBalancer(io.mesh4j.api.LoadBalancer.roundRobin())
        .service(service, s -> s.hedging(io.mesh4j.resilience.HedgingConfig.fixedDelay(Duration.ofMillis(30))))
        .build()) {
      for (int i = 0; i < 4; i++) {
        assertEquals("ok", mesh.service(service).get("/x").asString());
      }
    }
    assertTrue(count("mesh.client.hedges", "mesh.service", service) >= 1,
        "the calls whose first attempt went to the slow instance were hedged");
  }
}
