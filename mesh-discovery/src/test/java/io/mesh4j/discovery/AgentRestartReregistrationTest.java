package io.mesh4j.discovery;

import static io.mesh4j.discovery.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.testkit.ConsulAgent;
import io.mesh4j.testkit.ConsulExtension;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A registry built with the defaults survives an agent restart (a dev agent forgets every
 * registration): the TTL registration's heartbeat notices at once, and the HTTP-check registration,
 * which has no heartbeat, is checked in the same moment instead of waiting for the 30 s round.
 */
class AgentRestartReregistrationTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.privateInstance();
  private static final Duration FEW_SECONDS = Duration.ofSeconds(8);

  @Test
  void theDefaultReconcileIntervalIsThirtySeconds() {
    assertEquals(Duration.ofSeconds(30), ConsulRegistry.Builder.DEFAULT_RECONCILE_INTERVAL);
  }

  @Test
  @Timeout(60)
  void byDefault_bothTtlAndHttpCheckRegistrationsAreBackWithinSecondsOfARestart() {
    ConsulAgent agent = CONSUL.agent();
    TestSupport.RawConsul raw = new TestSupport.RawConsul(agent.baseUrl());
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    ServiceInstance ttlInstance = ServiceInstance.newBuilder().serviceName("orders")
        .host("127.0.0.1").port(8101).build();
    ServiceInstance httpInstance = ServiceInstance.newBuilder().serviceName("billing")
        .host("127.0.0.1").port(8102).build();
    try (ConsulRegistry registry = ConsulRegistry.builder().url(agent.baseUrl())
        .eventListener(events).build()) {
      registry.register(ServiceRegistration.of(ttlInstance,
          HealthCheck.ttl(Duration.ofSeconds(3)).heartbeatInterval(Duration.ofMillis(300)).build()));
      registry.register(ServiceRegistration.of(httpInstance,
          HealthCheck.http("/health").interval(Duration.ofSeconds(10)).build()));
      assertEquals(200, raw.status("/v1/agent/service/" + httpInstance.id()));

      // The restarted dev agent starts with no registration; the heartbeat may already have put
      // them back by the time restart() returns (it waits for a leader), hence the events below.
      agent.restart();

      await(FEW_SECONDS, "both registered again on the restarted agent", () ->
          raw.status("/v1/agent/service/" + ttlInstance.id()) == 200
              && raw.status("/v1/agent/service/" + httpInstance.id()) == 200);
      await(FEW_SECONDS, "one ServiceReregisteredEvent for each", () ->
          events.of(ServiceReregisteredEvent.class).stream().map(ServiceReregisteredEvent::instanceId)
              .collect(Collectors.toSet()).equals(Set.of(ttlInstance.id(), httpInstance.id())));
    }
  }
}
