package io.mesh4j.discovery;

import static io.mesh4j.discovery.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** {@code datacenter("dc2")} through dc1's client agent reads and watches dc2's catalog over the WAN. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SecondDatacenterTest {
  @RegisterExtension static final ConsulClusterExtension CLUSTER = ConsulClusterExtension.withSecondDatacenter();
  private static final Duration T = Duration.ofSeconds(20);

  private static Set<Integer> ports(List<ServiceInstance> l) {
    return l.stream().map(ServiceInstance::port).collect(Collectors.toSet());
  }

  @Test
  void discoveryThroughTheLocalClientAgentWatchesTheOtherDatacenter() {
    ConsulCluster cluster = CLUSTER.cluster();
    String service = TestSupport.uniqueService("remote");
    TestSupport.RawConsul dc2 = new TestSupport.RawConsul(cluster.dc2Server().baseUrl());
    dc2.register(service, service + "-1", 9201, null);
    String url = cluster.clientAgent().baseUrl();
    try (ConsulDiscovery remote = ConsulDiscovery.builder().url(url).datacenter("dc2").build();
        ConsulDiscovery local = ConsulDiscovery.builder().url(url).build()) {
      await(T, "dc2's instance through dc1's client agent", () -> ports(remote.instances(service)).equals(Set.of(9201)));
      assertTrue(local.instances(service).isEmpty(), "dc1 has no such instance");
      TestSupport.Recorder rec = new TestSupport.Recorder();
      remote.subscribe(service, rec);
      dc2.register(service, service + "-2", 9202, null);
      await(T, "a change in dc2 reaches the watch", () -> rec.last() != null
          && ports(rec.last().instances()).equals(Set.of(9201, 9202)));
      assertEquals("dc2", cluster.dc2Server().datacenter());
    }
  }
}
