package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.ResilienceEvent;
import io.mesh4j.testkit.ConsulExtension;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ServiceMeshClient over a real Consul agent, with WireMock backends registered in it. */
class ConsulEndToEndTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.shared();
  private static final AtomicInteger SEQ = new AtomicInteger();

  static ConsulDiscovery discovery;
  static ConsulRegistry registry;
  Backends backends;
  String service;

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
  void register(TestInfo info) throws Exception {
    service = "e2e-" + info.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "")
        + "-" + SEQ.incrementAndGet();
    backends = Backends.withJournal(3);
    for (int i = 0; i < 3; i++) {
      backends.get(i).stubFor(any(anyUrl()).willReturn(okJson("{\"backend\":" + i + "}")));
      registry.register(ServiceRegistration.withoutHealthCheck(backends.instance(service, i)));
    }
    Backends.await("3 instances discovered", Duration.ofSeconds(10), () -> discovery.instances(service).size() == 3);
  }

  @AfterEach
  void stop() {
    for (int i = 0; i < 3; i++) {
      registry.deregister(service + "-" + i);
    }
    backends.close();
  }

  private ServiceMeshClient.Builder client() {
    return ServiceMeshClient.builder().discovery(discovery);
  }

  @Test
  void roundRobinSpreadsEvenly() {
    try (ServiceMeshClient mesh = client().build()) {
      for (int i = 0; i < 300; i++) {
        mesh.service(service).get("/users/{id}", i).as(Map.class);
      }
    }
    for (int i = 0; i < 3; i++) {
      assertEquals(100, backends.received(i), "backend " + i);
    }
  }

  @Test
  void instanceAnswering503IsEjectedAndTrafficMoves() {
    backends.get(1).resetAll();
    backends.get(1).stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503)));
    List<String> events = new ArrayList<>();
    try (ServiceMeshClient mesh = client().listener(io.mesh4j.api.MeshEventListener.of(e -> events.add(e.getClass().getSimpleName()))).build()) {
      for (int i = 0; i < 200; i++) {
        assertEquals(200, mesh.service(service).get("/ping").execute().status(), "call " + i);
      }
      ServiceInstance sick = backends.instance(service, 1);
      assertTrue(mesh.outlierDetector(service).isEjected(sick), "the 503 instance is ejected");
    }
    // Five consecutive failures eject it; round robin sends it about every third call until then.
    assertTrue(backends.received(1) <= 7, "sick backend got " + backends.received(1));
    assertEquals(200, backends.received(0) + backends.received(2) - 0, "every call answered by a healthy one");
    assertTrue(events.contains("InstanceEjected"), events.toString());
  }

  @Test
  void killedInstanceGetsStillSucceedPostsAreNotRetried() {
    backends.get(2).stop();
    try (ServiceMeshClient mesh = client().circuitBreaker(CircuitBreakerConfig.disabled()).build()) {
      for (int i = 0; i < 30; i++) {
        assertEquals(200, mesh.service(service).get("/users/{id}", i).execute().status());
      }
    }
    int getsServed = backends.received(0) + backends.received(1);
    assertEquals(30, getsServed, "every GET answered once by a live backend");
    backends.get(0).resetRequests();
    backends.get(1).resetRequests();
    int failed = 0;
    try (ServiceMeshClient mesh = client().circuitBreaker(CircuitBreakerConfig.disabled()).build()) {
      for (int i = 0; i < 6; i++) {
        try {
          mesh.service(service).post("/orders").body(Map.of("n", i)).execute();
        } catch (MeshException e) {
          failed++;
          assertTrue(hasCause(e, ConnectException.class), "a refused connection: " + e);
        }
      }
    }
    assertEquals(2, failed, "the POSTs sent to the dead instance fail");
    assertEquals(4, backends.received(0) + backends.received(1), "and were not retried elsewhere");
  }

  /**
   * Traffic runs while Consul changes under it: one instance is deregistered, then another one
   * dies (connection refused) while still registered. Every GET still succeeds, the deregistered
   * instance gets nothing once discovery dropped it, and the dead one is retried away from.
   */
  @Test
  void instancesDeregisteredAndDyingWhileTrafficRunsFailNoCall() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ok = new AtomicInteger();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    try (ServiceMeshClient mesh = client().circuitBreaker(CircuitBreakerConfig.disabled()).build()) {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<?>> traffic = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          traffic.add(pool.submit(() -> {
            for (int i = 0; !stop.get(); i++) {
              try {
                assertEquals(200, mesh.service(service).get("/users/{id}", i).execute().status());
                ok.incrementAndGet();
              } catch (Throwable e) {
                failures.add(e);
              }
            }
          }));
        }
        await("traffic on all three").atMost(Duration.ofSeconds(10))
            .until(() -> backends.received(0) > 0 && backends.received(1) > 0 && backends.received(2) > 0);

        registry.deregister(service + "-2");
        await("discovery dropped the deregistered instance").atMost(Duration.ofSeconds(10))
            .until(() -> discovery.instances(service).size() == 2);
        // Calls already on their way to it when discovery dropped it finish first.
        int dropped = ok.get();
        await("calls in flight done").atMost(Duration.ofSeconds(10)).until(() -> ok.get() >= dropped + 10);
        int toDeregistered = backends.received(2);
        int before = ok.get();
        await("traffic goes on").atMost(Duration.ofSeconds(10)).until(() -> ok.get() >= before + 200);
        assertEquals(toDeregistered, backends.received(2), "nothing sent to the deregistered instance");

        backends.get(1).stop(); // dies, still registered: every attempt on it is refused
        int afterDeath = ok.get();
        await("traffic goes on without it").atMost(Duration.ofSeconds(20)).until(() -> ok.get() >= afterDeath + 200);
        stop.set(true);
        for (Future<?> f : traffic) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        stop.set(true);
        pool.shutdownNow();
      }
    }
    assertEquals(List.of(), failures, "no failed call");
    assertTrue(ok.get() >= 400, "calls made: " + ok.get());
  }

  @Test
  void peakEwmaSendsLessTrafficToTheSlowInstance() throws Exception {
    backends.get(0).resetAll();
    backends.get(0).stubFor(get(urlPathMatching("/.*")).willReturn(okJson("{}").withFixedDelay(50)));
    try (ServiceMeshClient mesh = client().loadBalancer(LoadBalancer.peakEwma()).build()) {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<?>> f = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          f.add(pool.submit(() -> {
            for (int i = 0; i < 150; i++) {
              mesh.service(service).get("/p").execute();
            }
            return null;
          }));
        }
        for (Future<?> x : f) {
          x.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
    }
    int slow = backends.received(0);
    assertTrue(slow < 300 * 0.15, "slow instance got " + slow + " of 300 (round robin would give 100)");
  }

  @Test
  void asyncCancellationReachesTheHttpCall() throws Exception {
    for (int i = 0; i < 3; i++) {
      backends.get(i).resetAll();
      backends.get(i).stubFor(any(anyUrl()).willReturn(okJson("{}").withFixedDelay(3000)));
    }
    List<Object> retries = new CopyOnWriteArrayList<>();
    try (ServiceMeshClient mesh = client().listener(io.mesh4j.api.MeshEventListener.of(e -> {
      if (e instanceof ResilienceEvent.RetryScheduled) {
        retries.add(e);
      }
    })).build()) {
      var future = mesh.service(service).get("/slow").executeAsync();
      Backends.await("the call is running", Duration.ofSeconds(5), () -> mesh.httpClient().dispatcher().runningCallsCount() == 1);
      assertTrue(future.cancel(true));
      Backends.await("the HTTP call is cancelled", Duration.ofSeconds(2),
          () -> mesh.httpClient().dispatcher().runningCallsCount() == 0);
      // A retry would be scheduled at once and start within the longest backoff (1 s by default):
      // nothing may run, nor be scheduled, for longer than that.
      await("no retry after the cancellation").during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(3))
          .until(() -> mesh.httpClient().dispatcher().runningCallsCount() == 0
              && retries.isEmpty());
      assertTrue(future.isCancelled());
    }
  }

  @Test
  void asyncCallsReturnTypedResults() throws Exception {
    try (ServiceMeshClient mesh = client().build()) {
      Map<?, ?> m = mesh.service(service).get("/users/{id}", 7).asAsync(Map.class).get(10, TimeUnit.SECONDS);
      assertTrue(m.containsKey("backend"));
    }
  }

  @Test
  void unknownServiceFailsWithNoInstance() {
    try (ServiceMeshClient mesh = client().build()) {
      MeshException e = assertThrows(MeshException.class, () -> mesh.service("no-such-service-" + SEQ.get()).get("/").execute());
      assertTrue(e.getMessage().contains("no-such-service"), e.getMessage());
    }
  }

  @Test
  void postsReachTheBackendWithJsonBody() {
    try (ServiceMeshClient mesh = client().build()) {
      mesh.service(service).post("/orders").body(Map.of("item", "book")).execute();
    }
    int withBody = 0;
    for (int i = 0; i < 3; i++) {
      withBody += backends.get(i).findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(urlPathMatching("/orders"))
          .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.equalToJson("{\"item\":\"book\"}"))).size();
    }
    assertEquals(1, withBody);
  }

  static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }
}
