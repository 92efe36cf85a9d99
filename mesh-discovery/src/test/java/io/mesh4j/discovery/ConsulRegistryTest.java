package io.mesh4j.discovery;

import static io.mesh4j.discovery.TestSupport.threadsNamed;
import static io.mesh4j.discovery.TestSupport.uniqueService;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.testkit.ConsulExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Registry behaviour on the shared agent that the discovery tests do not already cover. */
class ConsulRegistryTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();

  private static ServiceInstance instance(String svc, int port) {
    return ServiceInstance.newBuilder().serviceName(svc).host("127.0.0.1").port(port).build();
  }

  @Test
  void heartbeatThread_existsOnlyForTtlChecks() {
    String svc = uniqueService("beats");
    TestSupport.RawConsul raw = new TestSupport.RawConsul(CONSUL.agent().baseUrl());
    List<String> before = threadsNamed("mesh4j-consul-registry-scheduler");
    try (ConsulRegistry r = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build()) {
      r.register(ServiceRegistration.withoutHealthCheck(instance(svc, 6001)));
      r.register(ServiceRegistration.of(instance(svc, 6002),
          HealthCheck.http("/health").interval(Duration.ofSeconds(30)).build()));
      assertEquals(before, threadsNamed("mesh4j-consul-registry-scheduler"), "no heartbeat without a TTL check");
      String checks = raw.get("/v1/agent/checks");
      assertTrue(checks.contains("service:" + svc + "-127.0.0.1-6002") && checks.contains("\"Type\": \"http\""),
          "HTTP check registered: " + checks);

      r.register(ServiceRegistration.of(instance(svc, 6003), HealthCheck.ttl(Duration.ofSeconds(30)).build()));
      assertEquals(before.size() + 1, threadsNamed("mesh4j-consul-registry-scheduler").size());
      assertTrue(raw.get("/v1/health/checks/" + svc).contains("\"passing\""), "TTL check passing at once");
      assertEquals(3, r.registeredIds().size());
    }
    assertEquals(before, threadsNamed("mesh4j-consul-registry-scheduler"));
    assertFalse(raw.get("/v1/agent/services").contains(svc), "close() deregistered all three");
  }

  @Test
  void reregisteringTheSameId_replacesIt_andDeregisteringAnUnknownIdIsFine() {
    String svc = uniqueService("again");
    TestSupport.RawConsul raw = new TestSupport.RawConsul(CONSUL.agent().baseUrl());
    try (ConsulRegistry r = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build()) {
      ServiceInstance i = instance(svc, 6101);
      r.register(ServiceRegistration.withoutHealthCheck(i));
      r.register(ServiceRegistration.withoutHealthCheck(i.toBuilder().tag("v2").build()));
      assertEquals(List.of(i.id()), r.registeredIds());
      assertTrue(raw.get("/v1/agent/service/" + i.id()).contains("v2"));
      r.deregister("no-such-instance");
      r.deregister(i.id());
      r.deregister(i.id());
      assertEquals(404, raw.status("/v1/agent/service/" + i.id()));
    }
  }

  @Test
  void shutdownHook_isRemovedByAnExplicitClose() {
    ConsulRegistry r = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).shutdownHook(true).build();
    r.close();
    r.close();
    assertThrows(IllegalStateException.class, () -> r.register(
        ServiceRegistration.withoutHealthCheck(instance("x", 1))));
  }

  @Test
  void localAddress_isAnIpv4Literal() {
    String a = ConsulRegistry.localAddress();
    assertTrue(a.matches("\\d+\\.\\d+\\.\\d+\\.\\d+"), a);
  }
}
