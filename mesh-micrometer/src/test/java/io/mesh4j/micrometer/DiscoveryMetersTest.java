package io.mesh4j.micrometer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.testkit.ConsulExtension;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Discovery meters from a real Consul agent's watch, and from a watch whose agent is gone. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DiscoveryMetersTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.shared();

  private static ServiceInstance instance(String service, int i) {
    return ServiceInstance.newBuilder().serviceName(service).id(service + "-" + i).host("127.0.0.1")
        .port(20_000 + i).build();
  }

  @Test
  void aWatchCountsInstancesChangesAndReportsItsStaleness() {
    MockClock clock = new MockClock();
    SimpleMeterRegistry meters = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    String service = "disc-meters";
    try (ConsulRegistry registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build();
        ConsulDiscovery discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl())
            .eventListener(MeshMeters.create(meters)).build()) {
      registry.register(ServiceRegistration.withoutHealthCheck(instance(service, 0)));
      await().atMost(Duration.ofSeconds(10)).until(() -> discovery.instances(service).size() == 1);
      registry.register(ServiceRegistration.withoutHealthCheck(instance(service, 1)));
      await("the gauge follows the watch").atMost(Duration.ofSeconds(10))
          .until(() -> gauge(meters, "mesh.discovery.instances", service) == 2);
      assertTrue(meters.find("mesh.discovery.changes").tag("mesh.service", service).counter().count() >= 1);
      assertEquals(0, gauge(meters, "mesh.discovery.watch.staleness", service), 0.001);
      clock.add(Duration.ofSeconds(42));
      assertEquals(42, gauge(meters, "mesh.discovery.watch.staleness", service), 0.001,
          "staleness grows while no answer comes");
      registry.register(ServiceRegistration.withoutHealthCheck(instance(service, 2)));
      await("a good answer resets the staleness").atMost(Duration.ofSeconds(10))
          .until(() -> gauge(meters, "mesh.discovery.instances", service) == 3);
      assertEquals(0, gauge(meters, "mesh.discovery.watch.staleness", service), 0.001);
      for (int i = 0; i < 3; i++) {
        registry.deregister(service + "-" + i);
      }
    }
  }

  @Test
  void aWatchWhoseAgentIsUnreachableCountsFailuresByReason() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort();
    }
    try (ConsulDiscovery discovery = ConsulDiscovery.builder().url("http://127.0.0.1:" + deadPort)
        .firstLoadTimeout(Duration.ofMillis(200))
        .errorBackoff(Duration.ofMillis(10), Duration.ofMillis(50))
        .eventListener(MeshMeters.create(meters)).build()) {
      try {
        discovery.instances("nowhere");
      } catch (RuntimeException expected) {
        // no answer before the first-load timeout
      }
      await("failures counted").atMost(Duration.ofSeconds(10)).until(() -> {
        var c = meters.find("mesh.discovery.watch.failures").tags("mesh.service", "nowhere", "reason", "unreachable")
            .counter();
        return c != null && c.count() >= 2;
      });
    }
  }

  /** A datacenter switch (raised by a discovery with failover datacenters) moves its counter. */
  @Test
  void aDatacenterSwitchIsCountedByDirection() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    MeshMeters m = MeshMeters.create(meters);
    m.onEvent(new io.mesh4j.discovery.DatacenterSwitchedEvent("orders", 0, "local", "dc2", 3));
    m.onEvent(new io.mesh4j.discovery.DatacenterSwitchedEvent("orders", 0, "dc2", "local", 2));
    assertEquals(1, meters.find("mesh.discovery.datacenter.switches")
        .tags("mesh.service", "orders", "from", "local", "to", "dc2").counter().count());
    assertEquals(1, meters.find("mesh.discovery.datacenter.switches")
        .tags("mesh.service", "orders", "from", "dc2", "to", "local").counter().count());
  }

  private static double gauge(SimpleMeterRegistry meters, String name, String service) {
    var g = meters.find(name).tag("mesh.service", service).gauge();
    return g == null ? Double.NaN : g.value();
  }
}
