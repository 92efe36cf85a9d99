package io.mesh4j.discovery;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.testkit.ConsulCluster;
import io.mesh4j.testkit.ConsulClusterExtension;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Disaster recovery (issue 15, part 3) on a real two-datacenter Consul: when the local datacenter
 * has no passing instance of a service, {@code instances} answers the failover datacenter's, read
 * through the local client agent, and the local ones again as soon as they pass; one event per
 * switch.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DatacenterFailoverTest {
  @RegisterExtension static final ConsulClusterExtension CLUSTER = ConsulClusterExtension.withSecondDatacenter();
  private static final Duration T = Duration.ofSeconds(20);

  private static Set<Integer> ports(List<ServiceInstance> l) {
    return l.stream().map(ServiceInstance::port).collect(Collectors.toSet());
  }

  @Test
  void noPassingLocalInstanceFailsOverToTheNextDatacenterAndBack() {
    ConsulCluster cluster = CLUSTER.cluster();
    String service = TestSupport.uniqueService("dr");
    String url = cluster.clientAgent().baseUrl();
    TestSupport.RawConsul local = new TestSupport.RawConsul(url);
    TestSupport.RawConsul dc2 = new TestSupport.RawConsul(cluster.dc2Server().baseUrl());
    local.register(service, service + "-local", 9301, "{\"TTL\":\"60s\",\"Status\":\"passing\"}");
    dc2.register(service, service + "-dc2", 9302, null);
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    try (ConsulDiscovery dr = ConsulDiscovery.builder().url(url).failoverDatacenters("dc2")
            .eventListener(events).build();
        ConsulDiscovery plain = ConsulDiscovery.builder().url(url).build()) {
      await().atMost(T).until(() -> ports(dr.instances(service)).equals(Set.of(9301)));
      assertTrue(events.of(DatacenterSwitchedEvent.class).isEmpty(), "no switch while local instances pass");

      // The local instance's check goes critical: no passing instance in dc1.
      assertEquals(200, local.put("/v1/agent/check/fail/service:" + service + "-local", null));
      await().atMost(T).until(() -> plain.instances(service).isEmpty());
      await().atMost(T).until(() -> ports(dr.instances(service)).equals(Set.of(9302)));
      for (int i = 0; i < 20; i++) {
        assertEquals(Set.of(9302), ports(dr.instances(service)), "served from dc2 while dc1 has none");
      }
      List<DatacenterSwitchedEvent> switched = events.of(DatacenterSwitchedEvent.class);
      assertEquals(1, switched.size(), "one event for the switch: " + switched);
      assertEquals(DatacenterSwitchedEvent.LOCAL, switched.get(0).from());
      assertEquals("dc2", switched.get(0).to());
      assertEquals(1, switched.get(0).instances());

      // It passes again: calls come back.
      assertEquals(200, local.put("/v1/agent/check/pass/service:" + service + "-local", null));
      await().atMost(T).until(() -> ports(dr.instances(service)).equals(Set.of(9301)));
      dr.instances(service);
      switched = events.of(DatacenterSwitchedEvent.class);
      assertEquals(2, switched.size(), "one more event for the way back: " + switched);
      assertTrue(switched.get(1).isFailback());
      assertEquals("dc2", switched.get(1).from());
    } finally {
      local.deregister(service + "-local");
      dc2.deregister(service + "-dc2");
    }
  }

  @Test
  void withNoInstanceAnywhereTheAnswerIsEmptyAndNoSwitchIsMade() {
    ConsulCluster cluster = CLUSTER.cluster();
    String service = TestSupport.uniqueService("nowhere");
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    try (ConsulDiscovery dr = ConsulDiscovery.builder().url(cluster.clientAgent().baseUrl())
        .failoverDatacenters("dc2").eventListener(events).build()) {
      assertTrue(dr.instances(service).isEmpty());
      assertTrue(dr.instances(service).isEmpty());
      assertTrue(events.of(DatacenterSwitchedEvent.class).isEmpty());
    }
  }

  @Test
  void badFailoverSettingsNameTheSetting() {
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
        () -> ConsulDiscovery.builder().failoverDatacenters("dc2", "dc2"));
    assertTrue(twice.getMessage().contains("failoverDatacenters") && twice.getMessage().contains("dc2"),
        twice.getMessage());
    IllegalArgumentException itself = assertThrows(IllegalArgumentException.class,
        () -> ConsulDiscovery.builder().datacenter("dc1").failoverDatacenters("dc1").build());
    assertTrue(itself.getMessage().contains("failoverDatacenters") && itself.getMessage().contains("dc1"),
        itself.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ConsulDiscovery.builder().failoverDatacenters(" "));
  }
}
