package io.mesh4j.discovery;

import static io.mesh4j.discovery.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.ServiceChange;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.testkit.ConsulAgent;
import io.mesh4j.testkit.ConsulExtension;
import io.mesh4j.testkit.FaultProxy;
import io.mesh4j.testkit.FaultProxyExtension;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Consul agent that stops answering without closing connections (a {@link FaultProxy} black
 * hole), and one cut off by a partition, between discovery and a real agent. Instances are
 * registered straight at the agent, so membership changes while discovery cannot see them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConsulChaosTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();
  @RegisterExtension final FaultProxyExtension proxies = new FaultProxyExtension();
  private static final Duration T = Duration.ofSeconds(20);

  private ConsulAgent agent;
  private TestSupport.RawConsul raw;
  private FaultProxy proxy;
  private String service;

  @BeforeEach
  void twoInstancesBehindAProxy() {
    agent = CONSUL.agent();
    raw = new TestSupport.RawConsul(agent.baseUrl());
    proxy = proxies.start("127.0.0.1", agent.httpPort());
    service = TestSupport.uniqueService("chaos");
    raw.register(service, service + "-1", 9001, null);
    raw.register(service, service + "-2", 9002, null);
  }

  /**
   * Default settings: the blocking query in flight (55 s wait, read timeout about 63 s) simply
   * hangs in the hole, so no failure is even reported; when the hole ends the proxy resets the
   * connection that lost bytes, and the query runs again on a fresh one.
   */
  @Test
  void aBlackHoledAgentLeavesTheLastKnownGoodListAndTheWatchResumesAfterClear() {
    TestSupport.Recorder rec = new TestSupport.Recorder();
    try (ConsulDiscovery discovery = ConsulDiscovery.builder().url("http://" + proxy.hostAndPort()).build()) {
      discovery.subscribe(service, rec);
      await(T, "both instances known", () -> rec.lastSize() == 2);

      proxy.blackhole();
      raw.register(service, service + "-3", 9003, null);
      // A service discovery has not seen yet cannot load: its first load gives up after the
      // first-load timeout (5 s by default) instead of hanging with the agent.
      long start = System.nanoTime();
      assertThrows(NoInstanceAvailableException.class, () -> discovery.instances(service + "-unknown"));
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(waited >= 4_500 && waited < 10_000, "first load gave up after " + waited + " ms");
      // Meanwhile the known service is served from its last known good list, at once.
      start = System.nanoTime();
      assertEquals(Set.of(9001, 9002), ports(discovery.instances(service)), "last known good");
      assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(1_000), "served from the snapshot");
      assertTrue(rec.changes.stream().noneMatch(c -> c.instances().isEmpty()), "no empty update: " + rec.changes);
      assertEquals(2, rec.lastSize());

      proxy.clear();
      start = System.nanoTime();
      await(T, "the watch resumed and saw the third instance", () -> rec.lastSize() == 3);
      assertEquals(Set.of(9001, 9002, 9003), ports(discovery.instances(service)));
      long resumed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(resumed < 10_000, "resumed " + resumed + " ms after the black hole ended");
    }
  }

  @Test
  void withAShortQueryWaitABlackHoleIsReportedWhileTheWatchKeepsTrying() {
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    TestSupport.Recorder rec = new TestSupport.Recorder();
    try (ConsulDiscovery discovery = ConsulDiscovery.builder().url("http://" + proxy.hostAndPort())
        .queryWait(Duration.ofSeconds(1)).errorBackoff(Duration.ofMillis(100), Duration.ofMillis(500))
        .eventListener(events).build()) {
      discovery.subscribe(service, rec);
      await(T, "both instances known", () -> rec.lastSize() == 2);

      proxy.blackhole();
      long connections = proxy.connections();
      // The blocking query's read timeout is its wait plus wait/16 plus a 5 s margin.
      await(T, "the watch reports the agent unreachable, serving two",
          () -> events.of(WatchFailedEvent.class).stream()
              .anyMatch(e -> e.reason() == WatchFailedEvent.Reason.UNREACHABLE && e.servingInstances() == 2));
      await(T, "the watch tries again, into the black hole", () -> proxy.connections() > connections);
      assertEquals(Set.of(9001, 9002), ports(discovery.instances(service)), "last known good");

      raw.register(service, service + "-3", 9003, null);
      proxy.clear();
      await(T, "the watch resumed and saw the third instance", () -> rec.lastSize() == 3);
      assertTrue(rec.changes.stream().noneMatch(c -> c.instances().isEmpty()), "no empty update: " + rec.changes);
    }
  }

  @Test
  void aPartitionedAgentLeavesTheLastKnownGoodListAndTheHeldAnswerArrivesAfterTheHeal() {
    TestSupport.Recorder rec = new TestSupport.Recorder();
    try (ConsulDiscovery discovery = ConsulDiscovery.builder().url("http://" + proxy.hostAndPort()).build()) {
      discovery.subscribe(service, rec);
      await(T, "both instances known", () -> rec.lastSize() == 2);

      proxy.partition();
      raw.register(service, service + "-3", 9003, null);
      assertEquals(Set.of(9001, 9002), ports(discovery.instances(service)), "last known good");
      assertEquals(2, rec.lastSize());

      proxy.clear();
      await(T, "the held answer arrived", () -> rec.lastSize() == 3);
      List<ServiceChange> changes = rec.changes;
      assertTrue(changes.stream().noneMatch(c -> c.instances().isEmpty()), "no empty update: " + changes);
    }
  }

  private static Set<Integer> ports(List<ServiceInstance> l) {
    return l.stream().map(ServiceInstance::port).collect(Collectors.toSet());
  }
}
