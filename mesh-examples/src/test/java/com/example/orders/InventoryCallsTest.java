package com.example.orders;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.testkit.ConsulExtension;
import io.mesh4j.testkit.FaultProxy;
import io.mesh4j.testkit.FaultProxyExtension;
import io.mesh4j.testkit.RedisClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The orders service calls inventory through mesh4j, against a real Consul agent and Redis Cluster. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InventoryCallsTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();        // a real Consul agent
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared(); // 3 masters, 3 replicas
  @RegisterExtension final FaultProxyExtension proxies = new FaultProxyExtension();          // network faults

  private final List<WireMockServer> inventory = new ArrayList<>();
  private final List<FaultProxy> wires = new ArrayList<>();
  private ConsulRegistry registry;
  private ConsulDiscovery discovery;
  private ServiceMeshClient mesh;

  @BeforeEach
  void start() {
    registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build();
    for (int i = 0; i < 2; i++) {
      // Two inventory instances, each behind a fault proxy, registered in Consul at the proxy's address.
      WireMockServer backend = new WireMockServer(options().dynamicPort());
      backend.start();
      backend.stubFor(get(urlPathEqualTo("/stock/42")).willReturn(okJson("{\"sku\":42,\"count\":7}")));
      inventory.add(backend);
      FaultProxy wire = proxies.start("127.0.0.1", backend.port());
      wires.add(wire);
      registry.register(ServiceRegistration.withoutHealthCheck(ServiceInstance.newBuilder()
          .serviceName("inventory").id("inventory-" + i).host(wire.host()).port(wire.port()).build()));
    }
    discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).build();
    mesh = ServiceMeshClient.builder().discovery(discovery).build(); // default settings
  }

  @AfterEach
  void stop() {
    mesh.close();
    discovery.close();
    registry.deregister("inventory-0");
    registry.deregister("inventory-1");
    registry.close();
    inventory.forEach(WireMockServer::stop);
  }

  @Test
  void callsSurviveAnInstanceThatAcceptsAndNeverAnswers() {
    for (int i = 0; i < 100; i++) { // normal traffic first: the attempt timeout learns the service's latency
      assertEquals(200, mesh.service("inventory").get("/stock/{sku}", 42).execute().status());
    }
    wires.get(0).blackhole(); // then inventory-0 hangs: connections open, no answer
    List<Long> millis = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      long start = System.nanoTime();
      assertEquals(200, mesh.service("inventory").get("/stock/{sku}", 42).execute().status());
      millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }
    // Every call succeeds. A call whose attempt met inventory-0 waits the learned attempt timeout
    // (5 x the service's p99, at least 1 s; not the 10 s used before anything is learned) and is
    // retried on inventory-1; five such timeouts in a row eject inventory-0, and later calls go
    // straight to inventory-1.
    assertTrue(millis.stream().filter(ms -> ms >= 900).count() <= 5, "more than 5 calls waited for inventory-0: " + millis);
    assertTrue(millis.subList(10, 20).stream().allMatch(ms -> ms < 900), "inventory-0 was not ejected: " + millis);
    assertTrue(millis.stream().allMatch(ms -> ms < 5_000), "an attempt waited longer than the learned timeout: " + millis);
  }

  @Test
  void stockIsLoadedOnceAndThenServedFromTheCache() {
    AtomicInteger loads = new AtomicInteger();
    try (DistributedCache<String> l2 = DistributedCache.builder(String.class)
            .seedNodes(REDIS.cluster().seedNodeStrings().toArray(new String[0]))
            .namespace("stock-" + System.nanoTime()).defaultTtl(Duration.ofMinutes(1)).build();
        TwoLevelCache<String> stock = TwoLevelCache.builder(l2).build()) {
      for (int i = 0; i < 5; i++) {
        String body = stock.getOrLoad("42", () -> {
          loads.incrementAndGet();
          return mesh.service("inventory").get("/stock/{sku}", 42).execute().bodyString();
        });
        assertEquals("{\"sku\":42,\"count\":7}", body);
      }
    }
    assertEquals(1, loads.get());
  }
}
