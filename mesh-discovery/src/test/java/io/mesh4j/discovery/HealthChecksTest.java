package io.mesh4j.discovery;

import static io.mesh4j.discovery.TestSupport.await;
import static io.mesh4j.discovery.TestSupport.uniqueService;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.ServiceChange;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.testkit.ConsulAgent;
import io.mesh4j.testkit.ConsulExtension;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** TTL and HTTP checks run by the real agent, with the shortest intervals Consul accepts (1 s). */
class HealthChecksTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();
  private static final Duration T = Duration.ofSeconds(10);

  private ConsulAgent agent;
  private ConsulDiscovery discovery;

  @BeforeEach
  void setUp() {
    agent = CONSUL.agent();
    discovery = ConsulDiscovery.builder().url(agent.baseUrl()).build();
  }

  @AfterEach
  void tearDown() {
    discovery.close();
  }

  @Test
  void unfedTtlCheck_turnsCritical_andTheInstanceLeavesDiscovery() {
    String svc = uniqueService("unfed");
    String id = svc + "-1";
    TestSupport.RawConsul raw = new TestSupport.RawConsul(agent.baseUrl());
    raw.register(svc, id, 7001, "{\"TTL\":\"1s\"}");
    assertEquals(200, raw.put("/v1/agent/check/pass/service:" + id, null));
    try {
      assertEquals(1, discovery.instances(svc).size());
      TestSupport.Recorder rec = new TestSupport.Recorder();
      discovery.subscribe(svc, rec);
      // Nobody feeds the check: after its 1 s TTL it is critical and passing-only discovery drops it.
      await(T, "instance gone from discovery", () -> discovery.instances(svc).isEmpty());
      await(T, "listener told", () -> rec.lastSize() == 0);
      ServiceChange last = rec.last();
      assertEquals(id, last.removed().get(0).id());
    } finally {
      raw.deregister(id);
    }
  }

  @Test
  void ttlCheck_keptPassingByTheHeartbeat() throws Exception {
    String svc = uniqueService("fed");
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    try (ConsulRegistry registry = ConsulRegistry.builder().url(agent.baseUrl()).eventListener(events).build()) {
      ServiceInstance i = ServiceInstance.newBuilder().serviceName(svc).host("127.0.0.1").port(7101).build();
      // A 2 s TTL fed every 500 ms: four beats per TTL, so one late beat on a loaded machine is no
      // failure, and an unfed check still turns critical within a few seconds.
      registry.register(ServiceRegistration.of(i, HealthCheck.ttl(Duration.ofSeconds(2))
          .heartbeatInterval(Duration.ofMillis(500)).build()));
      // Passing at once: register() reports the TTL check passing before it returns.
      assertEquals(1, discovery.instances(svc).size());
      TestSupport.Recorder rec = new TestSupport.Recorder();
      discovery.subscribe(svc, rec);
      await(T, "initial list", () -> rec.lastSize() == 1);
      // Real time must pass for Consul's TTL to run out (nothing to inject in the agent): over three
      // TTLs the instance must stay passing all along, and nobody hears of a removal.
      Awaitility.await("passing throughout three TTLs").during(Duration.ofSeconds(6))
          .atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(100))
          .until(() -> discovery.instances(svc).size() == 1 && rec.changes.size() == 1);
      assertTrue(events.of(HeartbeatFailedEvent.class).isEmpty());
    }
    await(T, "deregistered on close", () -> discovery.instances(svc).isEmpty());
  }

  @Test
  void httpCheck_followsAServerThatStartsFailing() throws Exception {
    AtomicBoolean healthy = new AtomicBoolean(true);
    AtomicInteger probes = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/health", ex -> {
      probes.incrementAndGet();
      int code = healthy.get() ? 200 : 503;
      ex.sendResponseHeaders(code, -1);
      ex.close();
    });
    server.start();
    String svc = uniqueService("http");
    try (ConsulRegistry registry = ConsulRegistry.builder().url(agent.baseUrl()).build()) {
      ServiceInstance i = ServiceInstance.newBuilder().serviceName(svc).host("127.0.0.1")
          .port(server.getAddress().getPort()).build();
      registry.register(ServiceRegistration.of(i, HealthCheck.http("/health")
          .interval(Duration.ofSeconds(1)).timeout(Duration.ofMillis(500)).build()));
      TestSupport.Recorder rec = new TestSupport.Recorder();
      discovery.subscribe(svc, rec);
      await(T, "passing once the agent probed it", () -> rec.lastSize() == 1);
      assertEquals(List.of(i), discovery.instances(svc));

      healthy.set(false);
      await(T, "critical after the server answers 503", () -> discovery.instances(svc).isEmpty());
      await(T, "listener told of the removal", () -> rec.lastSize() == 0);

      healthy.set(true);
      await(T, "back once the server recovers", () -> discovery.instances(svc).size() == 1);
      assertTrue(probes.get() >= 3, "the agent probed the HTTP endpoint: " + probes.get());
    } finally {
      server.stop(0);
    }
  }
}
