package io.mesh4j.discovery;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.mesh4j.discovery.TestSupport.await;
import static io.mesh4j.discovery.TestSupport.threadsNamed;
import static io.mesh4j.discovery.TestSupport.uniqueService;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.ServiceChange;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.api.Subscription;
import io.mesh4j.testkit.ConsulAgent;
import io.mesh4j.testkit.ConsulExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Discovery and registration against the shared real Consul agent. */
class ConsulDiscoveryTest {
  @RegisterExtension static final ConsulExtension CONSUL = ConsulExtension.shared();
  private static final Duration T = Duration.ofSeconds(10);

  private ConsulAgent agent;
  private ConsulRegistry registry;
  private ConsulDiscovery discovery;

  @BeforeEach
  void setUp() {
    agent = CONSUL.agent();
    registry = ConsulRegistry.builder().url(agent.baseUrl()).build();
    discovery = ConsulDiscovery.builder().url(agent.baseUrl()).build();
  }

  @AfterEach
  void tearDown() {
    discovery.close();
    registry.close();
  }

  private static ServiceInstance instance(String service, int port, String... tags) {
    ServiceInstance.Builder b = ServiceInstance.newBuilder().serviceName(service).host("127.0.0.1").port(port);
    for (String t : tags) {
      b.tag(t);
    }
    return b.build();
  }

  private static Set<Integer> ports(List<ServiceInstance> l) {
    return l.stream().map(ServiceInstance::port).collect(Collectors.toSet());
  }

  @Test
  void register_discover_deregister() {
    String svc = uniqueService("users");
    ServiceInstance a = ServiceInstance.newBuilder().serviceName(svc).host("127.0.0.1").port(9001)
        .tag("v2").metadata("zone", "a").secure(true).build();
    registry.register(ServiceRegistration.withoutHealthCheck(a));
    registry.register(ServiceRegistration.withoutHealthCheck(instance(svc, 9002)));

    List<ServiceInstance> found = discovery.instances(svc);
    assertEquals(Set.of(9001, 9002), ports(found));
    ServiceInstance got = found.stream().filter(i -> i.port() == 9001).findFirst().orElseThrow();
    assertEquals(a.id(), got.id());
    assertEquals(Set.of("v2"), got.tags());
    assertEquals("a", got.metadata().get("zone"));
    assertTrue(got.secure(), "secure flag survives the round trip through Consul metadata");

    TestSupport.Recorder rec = new TestSupport.Recorder();
    discovery.subscribe(svc, rec);
    await(T, "initial list delivered", () -> rec.lastSize() == 2);

    registry.deregister(a.id());
    await(T, "deregistration seen", () -> discovery.instances(svc).size() == 1);
    await(T, "listener told of removal", () -> rec.lastSize() == 1);
    ServiceChange c = rec.last();
    assertEquals(List.of(a), c.removed());
    assertTrue(c.added().isEmpty());
    assertTrue(rec.threads.stream().allMatch(n -> n.startsWith("mesh4j-consul-discovery-listener")),
        "listeners run on the listener executor, never the watch thread: " + rec.threads);
  }

  @Test
  void unknownService_isEmpty_notAnError() {
    assertEquals(List.of(), discovery.instances(uniqueService("nobody")));
  }

  @Test
  void filters_tagsAllOf_andPassingOnly() {
    String svc = uniqueService("tagged");
    registry.register(ServiceRegistration.withoutHealthCheck(instance(svc, 9101, "blue", "v2")));
    registry.register(ServiceRegistration.withoutHealthCheck(instance(svc, 9102, "blue")));
    // A TTL check that is never fed stays critical: passing-only discovery must not see it.
    TestSupport.RawConsul raw = new TestSupport.RawConsul(agent.baseUrl());
    raw.register(svc, svc + "-critical", 9103, "{\"TTL\":\"30s\"}");

    try (ConsulDiscovery tagged = ConsulDiscovery.builder().url(agent.baseUrl()).tags("blue", "v2").build();
        ConsulDiscovery all = ConsulDiscovery.builder().url(agent.baseUrl()).passingOnly(false).build()) {
      assertEquals(Set.of(9101), ports(tagged.instances(svc)));
      assertEquals(Set.of(9101, 9102), ports(discovery.instances(svc)));
      assertEquals(Set.of(9101, 9102, 9103), ports(all.instances(svc)));
    } finally {
      raw.deregister(svc + "-critical");
    }
  }

  @Test
  void consistencyModes_andNearSort_areAccepted() {
    String svc = uniqueService("modes");
    registry.register(ServiceRegistration.withoutHealthCheck(instance(svc, 9201)));
    for (ConsistencyMode m : ConsistencyMode.values()) {
      try (ConsulDiscovery d = ConsulDiscovery.builder().url(agent.baseUrl()).consistency(m).nearAgent(true)
          .datacenter("dc1").build()) {
        assertEquals(Set.of(9201), ports(d.instances(svc)), m.name());
      }
    }
  }

  @Test
  void hundredCallers_shareOneWatch() throws Exception {
    String svc = uniqueService("shared");
    registry.register(ServiceRegistration.withoutHealthCheck(instance(svc, 9301)));
    String prefix = "mesh4j-consul-watch-" + svc;
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<ServiceInstance>>> results = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        results.add(pool.submit(() -> {
          assertTrue(go.await(30, TimeUnit.SECONDS), "started");
          return discovery.instances(svc);
        }));
      }
      go.countDown();
      for (Future<List<ServiceInstance>> f : results) {
        assertEquals(Set.of(9301), ports(f.get(30, TimeUnit.SECONDS)));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, threadsNamed(prefix).size(), "one watch thread for 100 callers: " + threadsNamed(prefix));
    assertEquals(Set.of(svc), discovery.watchedServices());
  }

  @Test
  void healthQueries_askForUncompressedAnswers() {
    // The agent is local: a gzip answer would cost CPU on both sides for nothing.
    String svc = uniqueService("identity");
    registry.register(ServiceRegistration.withoutHealthCheck(instance(svc, 9801)));
    WireMockServer proxy = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    proxy.start();
    try (ConsulDiscovery d = ConsulDiscovery.builder().url(proxy.baseUrl()).build()) {
      proxy.stubFor(any(anyUrl()).willReturn(aResponse().proxiedFrom(CONSUL.agent().baseUrl())));
      assertEquals(1, d.instances(svc).size());
      List<LoggedRequest> reads = proxy.findAll(getRequestedFor(urlPathEqualTo("/v1/health/service/" + svc)));
      assertFalse(reads.isEmpty());
      for (LoggedRequest r : reads) {
        assertEquals("identity", r.getHeader("Accept-Encoding"), r.getUrl());
      }
    } finally {
      proxy.stop();
    }
  }

  @Test
  void twentyServices_watchedAtOnce_allSeeChanges() {
    List<String> services = new ArrayList<>();
    List<TestSupport.Recorder> recorders = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String svc = uniqueService("many" + i);
      services.add(svc);
      registry.register(ServiceRegistration.withoutHealthCheck(instance(svc, 9400 + i)));
      TestSupport.Recorder r = new TestSupport.Recorder();
      recorders.add(r);
      discovery.subscribe(svc, r);
    }
    for (int i = 0; i < 20; i++) {
      TestSupport.Recorder r = recorders.get(i);
      await(T, "first list of service " + i, () -> r.lastSize() == 1);
    }
    // Now change every one of them while all 20 long polls are parked in Consul.
    for (int i = 0; i < 20; i++) {
      registry.register(ServiceRegistration.withoutHealthCheck(instance(services.get(i), 9500 + i)));
    }
    for (int i = 0; i < 20; i++) {
      TestSupport.Recorder r = recorders.get(i);
      String svc = services.get(i);
      await(T, "second instance of service " + i, () -> r.lastSize() == 2 && discovery.instances(svc).size() == 2);
    }
    // The first services poll on their own; the rest share one view of the datacenter (issue 15).
    assertEquals(ConsulDiscovery.Builder.DEFAULT_SHARED_VIEW_ABOVE, threadsNamed("mesh4j-consul-watch-many").stream()
        .filter(n -> services.stream().anyMatch(n::contains)).count());
    assertTrue(threadsNamed("mesh4j-consul-watch-").size() <= 7, threadsNamed("mesh4j-consul-watch-").toString());
  }

  @Test
  void throwingListener_harmsNoOtherListener() {
    String svc = uniqueService("throwing");
    registry.register(ServiceRegistration.withoutHealthCheck(instance(svc, 9601)));
    TestSupport.Recorder good = new TestSupport.Recorder();
    Subscription bad = discovery.subscribe(svc, c -> {
      throw new IllegalStateException("listener bug");
    });
    discovery.subscribe(svc, good);
    registry.register(ServiceRegistration.withoutHealthCheck(instance(svc, 9602)));
    await(T, "good listener sees both instances", () -> good.lastSize() == 2);
    registry.register(ServiceRegistration.withoutHealthCheck(instance(svc, 9603)));
    await(T, "and keeps hearing after the bad one threw again", () -> good.lastSize() == 3);
    bad.close();
    bad.close(); // idempotent
  }

  @Test
  void closedSubscription_hearsNothingMore() {
    String svc = uniqueService("unsub");
    registry.register(ServiceRegistration.withoutHealthCheck(instance(svc, 9701)));
    TestSupport.Recorder stays = new TestSupport.Recorder();
    TestSupport.Recorder leaves = new TestSupport.Recorder();
    discovery.subscribe(svc, stays);
    Subscription s = discovery.subscribe(svc, leaves);
    await(T, "both heard the first list", () -> stays.lastSize() == 1 && leaves.lastSize() == 1);
    s.close();
    registry.register(ServiceRegistration.withoutHealthCheck(instance(svc, 9702)));
    await(T, "remaining listener heard the change", () -> stays.lastSize() == 2);
    assertEquals(1, leaves.changes.size());
  }

  @Test
  void firstLoad_timesOut_withTheServiceNamed() {
    try (ConsulDiscovery dead = ConsulDiscovery.builder().url("http://127.0.0.1:1")
        .firstLoadTimeout(Duration.ofMillis(300)).errorBackoff(Duration.ofMillis(50), Duration.ofMillis(100)).build()) {
      NoInstanceAvailableException e = assertThrows(NoInstanceAvailableException.class,
          () -> dead.instances("orders"));
      assertEquals("orders", e.serviceName());
      assertTrue(e.getMessage().contains("'orders'") && e.getMessage().contains("UNREACHABLE"), e.getMessage());
    }
  }

  @Test
  void events_reportSyncTimeAndInstanceCounts() {
    String svc = uniqueService("metrics");
    registry.register(ServiceRegistration.withoutHealthCheck(instance(svc, 9801)));
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    try (ConsulDiscovery d = ConsulDiscovery.builder().url(agent.baseUrl()).eventListener(events).build()) {
      long before = System.currentTimeMillis();
      d.instances(svc);
      registry.register(ServiceRegistration.withoutHealthCheck(instance(svc, 9802)));
      await(T, "a synced event with 2 instances",
          () -> events.of(WatchSyncedEvent.class).stream().anyMatch(e -> e.instanceCount() == 2 && e.changed()));
      WatchSyncedEvent first = events.of(WatchSyncedEvent.class).get(0);
      assertEquals(svc, first.serviceName());
      assertEquals(1, first.instanceCount());
      assertTrue(first.timestampMillis() >= before && first.index() > 0);
      assertTrue(events.of(WatchFailedEvent.class).isEmpty());
    }
  }

  @Test
  void close_leavesNoThreadAndNoConnection() {
    List<String> before = threadsNamed("mesh4j-consul-");
    List<String> clientBefore = threadsNamed("Consul-Client");
    ConsulDiscovery d = ConsulDiscovery.builder().url(agent.baseUrl()).build();
    ConsulRegistry r = ConsulRegistry.builder().url(agent.baseUrl()).build();
    List<String> svcs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String svc = uniqueService("closing" + i);
      svcs.add(svc);
      r.register(ServiceRegistration.of(instance(svc, 9900 + i),
          io.mesh4j.api.HealthCheck.ttl(Duration.ofSeconds(5)).build()));
      d.subscribe(svc, new TestSupport.Recorder());
      assertEquals(1, d.instances(svc).size());
    }
    assertTrue(threadsNamed("mesh4j-consul-").size() > before.size(), "threads were started");
    assertTrue(d.connectionCount() > 0, "long polls hold connections");

    d.close();
    r.close();
    assertEquals(0, d.connectionCount(), "pooled connections evicted");
    await(Duration.ofSeconds(5), "no mesh4j thread left",
        () -> threadsNamed("mesh4j-consul-").equals(before));
    assertEquals(clientBefore, threadsNamed("Consul-Client"));
    // close() deregistered what the registry had registered
    TestSupport.RawConsul raw = new TestSupport.RawConsul(agent.baseUrl());
    for (String svc : svcs) {
      assertFalse(raw.get("/v1/agent/services").contains(svc), svc + " still registered");
    }
    assertThrows(IllegalStateException.class, () -> d.instances(svcs.get(0)));
  }
}
