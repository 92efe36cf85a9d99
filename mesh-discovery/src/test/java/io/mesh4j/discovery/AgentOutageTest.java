package io.mesh4j.discovery;

import static io.mesh4j.discovery.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.ServiceChange;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.testkit.ConsulAgent;
import io.mesh4j.testkit.ConsulExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A private agent that is stopped and started again: discovery serves the last known good list
 * and tells nobody of an empty list meanwhile; the registry notices the agent forgot it and
 * registers again; changes flow once the agent is back.
 */
class AgentOutageTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.privateInstance();
  private static final Duration T = Duration.ofSeconds(15);
  private static final String TOKEN = "0f1e2d3c-s3cr3t-token-4b5a";

  private static ServiceInstance instance(int port) {
    return ServiceInstance.newBuilder().serviceName("orders").host("127.0.0.1").port(port).build();
  }

  private static Set<Integer> ports(List<ServiceInstance> l) {
    return l.stream().map(ServiceInstance::port).collect(Collectors.toSet());
  }

  @Test
  void agentStoppedThenBack_lastKnownGood_reregistration_changesFlowAgain() {
    ConsulAgent agent = CONSUL.agent();
    TestSupport.EventRecorder discoveryEvents = new TestSupport.EventRecorder();
    TestSupport.EventRecorder registryEvents = new TestSupport.EventRecorder();
    HealthCheck ttl = HealthCheck.ttl(Duration.ofSeconds(3)).heartbeatInterval(Duration.ofMillis(500)).build();
    try (ConsulRegistry registry = ConsulRegistry.builder().url(agent.baseUrl()).token(TOKEN)
            .reconcileInterval(Duration.ofMillis(500)).eventListener(registryEvents).build();
        ConsulDiscovery discovery = ConsulDiscovery.builder().url(agent.baseUrl()).token(TOKEN)
            .errorBackoff(Duration.ofMillis(100), Duration.ofMillis(400))
            .eventListener(discoveryEvents).build()) {
      registry.register(ServiceRegistration.of(instance(8001), ttl));
      registry.register(ServiceRegistration.of(instance(8002), ttl));
      // No TTL check, so no heartbeat: only the reconciliation round can notice the agent forgot it.
      registry.register(ServiceRegistration.withoutHealthCheck(
          ServiceInstance.newBuilder().serviceName("billing").host("127.0.0.1").port(8005).build()));
      TestSupport.Recorder rec = new TestSupport.Recorder();
      discovery.subscribe("orders", rec);
      await(T, "both instances known", () -> rec.lastSize() == 2);
      assertEquals(Set.of(8001, 8002), ports(discovery.instances("orders")));

      // --- outage -------------------------------------------------------------------------
      agent.stop();
      await(T, "watch reports the agent unreachable",
          () -> discoveryEvents.of(WatchFailedEvent.class).stream()
              .anyMatch(e -> e.reason() == WatchFailedEvent.Reason.UNREACHABLE && e.servingInstances() == 2));
      await(T, "heartbeat reports failures", () -> !registryEvents.of(HeartbeatFailedEvent.class).isEmpty());
      assertEquals(Set.of(8001, 8002), ports(discovery.instances("orders")), "last known good list served");
      List<ServiceChange> duringOutage = new ArrayList<>(rec.changes);
      assertTrue(duringOutage.stream().noneMatch(c -> c.instances().isEmpty()), "no empty update: " + duringOutage);
      MeshException down = assertThrows(MeshException.class,
          () -> registry.register(ServiceRegistration.of(instance(8003), ttl)));
      assertFalse(down.getMessage().contains(TOKEN), down.getMessage());
      assertTrue(down.getMessage().contains("UNREACHABLE"), down.getMessage());
      for (WatchFailedEvent e : discoveryEvents.of(WatchFailedEvent.class)) {
        assertFalse(e.message().contains(TOKEN) || e.toString().contains(TOKEN), e.toString());
      }

      // --- the agent is back, with no memory of us ---------------------------------------
      // The last known good list already holds 8001 and 8002, so only an answer synced after the
      // restart shows that discovery reads the agent again.
      int syncsBeforeRestart = discoveryEvents.of(WatchSyncedEvent.class).size();
      agent.start();
      await(T, "registry registered all three again",
          () -> registryEvents.of(ServiceReregisteredEvent.class).stream()
              .map(ServiceReregisteredEvent::instanceId).collect(Collectors.toSet())
              .equals(Set.of("orders-127.0.0.1-8001", "orders-127.0.0.1-8002", "billing-127.0.0.1-8005")));
      await(T, "a fresh answer from the restarted agent lists both again", () -> {
        List<WatchSyncedEvent> synced = discoveryEvents.of(WatchSyncedEvent.class);
        return synced.subList(syncsBeforeRestart, synced.size()).stream()
            .anyMatch(e -> e.serviceName().equals("orders") && e.instanceCount() == 2);
      });
      assertEquals(Set.of(8001, 8002), ports(discovery.instances("orders")));

      registry.register(ServiceRegistration.of(instance(8003), ttl));
      await(T, "a new change flows to the listener", () -> rec.lastSize() == 3);
      assertEquals(Set.of(8001, 8002, 8003), ports(rec.last().instances()));
      assertEquals(Set.of(8005), ports(discovery.instances("billing")));
    }
  }
}
