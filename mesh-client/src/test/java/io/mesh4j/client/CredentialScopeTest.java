package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.testkit.ConsulExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11 item 9: credentials go to the services they are for, never over cleartext http unless
 * that service allows it, and instances registered outside the allowed address ranges are never
 * called. Instances come from a real Consul agent where the registration is the attack.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CredentialScopeTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.shared();
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final String TOKEN = "tok-SECRET-42";

  static ConsulDiscovery discovery;
  static ConsulRegistry registry;
  Backends backends;

  @BeforeAll
  static void connect() {
    discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).build();
    registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build();
  }

  @AfterAll
  static void disconnect() {
    registry.close();
    discovery.close();
  }

  @BeforeEach
  void start() {
    backends = Backends.withJournal(2);
    for (int i = 0; i < 2; i++) {
      backends.get(i).stubFor(any(anyUrl()).willReturn(okJson("{\"backend\":" + i + "}")));
    }
  }

  @AfterEach
  void stop() {
    backends.close();
  }

  private List<LoggedRequest> received(int i) {
    return backends.get(i).findAll(anyRequestedFor(anyUrl()));
  }

  private String register(ServiceInstance... instances) {
    for (ServiceInstance i : instances) {
      registry.register(ServiceRegistration.withoutHealthCheck(i));
    }
    String service = instances[0].serviceName();
    await().atMost(Duration.ofSeconds(10)).until(() -> discovery.instances(service).size() == instances.length);
    return service;
  }

  @Test
  @SuppressWarnings("deprecation") // the old client-wide credentials(...) is what users have today
  void anHttpRegistrationInConsulNeverReceivesTheToken() {
    String service = "orders-" + SEQ.incrementAndGet();
    ServiceInstance attacker = backends.instance(service, 0); // plain http, as anyone who can write to Consul registers it
    register(attacker);
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery)
        .credentials(CredentialsProvider.bearer(() -> TOKEN)).build()) {
      CleartextCredentialsException e = assertThrows(CleartextCredentialsException.class,
          () -> mesh.service(service).get("/orders").execute());
      String m = e.getMessage();
      assertTrue(m.contains("'" + service + "'") && m.contains(attacker.id()) && m.contains("127.0.0.1:" + attacker.port())
          && m.contains("allowCleartextCredentials(true)") && m.contains("requireTls(true)"), m);
      assertFalse(m.contains(TOKEN), m);
      assertEquals(attacker.id(), e.instanceId());
    } finally {
      registry.deregister(attacker.id());
    }
    assertEquals(0, received(0).size(), "nothing was sent to the cleartext instance");
  }

  @Test
  void cleartextIsAllowedOnlyForTheServiceThatSaysSo() {
    StaticServiceDiscovery both = StaticServiceDiscovery.of(Map.of(
        "loopback-sidecar", List.of(backends.instance("loopback-sidecar", 0)),
        "billing", List.of(backends.instance("billing", 1))));
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(both)
        .credentialsForAllServices(CredentialsProvider.bearer(() -> TOKEN))
        .service("loopback-sidecar", s -> s.allowCleartextCredentials(true)).build()) {
      mesh.service("loopback-sidecar").get("/a").execute();
      assertThrows(CleartextCredentialsException.class, () -> mesh.service("billing").get("/b").execute());
      ExecutionException async = assertThrows(ExecutionException.class,
          () -> mesh.service("billing").get("/b").executeAsync().get(10, TimeUnit.SECONDS));
      assertTrue(async.getCause() instanceof CleartextCredentialsException, async.getCause().toString());
    }
    assertEquals("Bearer " + TOKEN, received(0).get(0).getHeader("Authorization"));
    assertEquals(0, received(1).size());
  }

  @Test
  void serviceCredentialsGoToTheirServiceOnly() {
    StaticServiceDiscovery both = StaticServiceDiscovery.of(Map.of(
        "orders", List.of(backends.instance("orders", 0)),
        "catalog", List.of(backends.instance("catalog", 1))));
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(both)
        .service("orders", s -> s.credentials(CredentialsProvider.bearer(() -> TOKEN)).allowCleartextCredentials(true))
        .service("catalog", s -> s.allowCleartextCredentials(true)).build()) {
      mesh.service("orders").get("/o").execute();
      mesh.service("catalog").get("/c").execute();
    }
    assertEquals("Bearer " + TOKEN, received(0).get(0).getHeader("Authorization"));
    assertNull(received(1).get(0).getHeader("Authorization"), "catalog gets no credentials");
  }

  @Test
  void aServiceOwnCredentialsWinOverTheClientWideOnes() {
    StaticServiceDiscovery both = StaticServiceDiscovery.of(Map.of(
        "orders", List.of(backends.instance("orders", 0)),
        "catalog", List.of(backends.instance("catalog", 1))));
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(both)
        .credentialsForAllServices(CredentialsProvider.apiKey("X-Api-Key", () -> "k-all"))
        .service("orders", s -> s.credentials(CredentialsProvider.apiKey("X-Api-Key", () -> "k-orders"))
            .allowCleartextCredentials(true))
        .service("catalog", s -> s.allowCleartextCredentials(true)).build()) {
      mesh.service("orders").get("/o").execute();
      mesh.service("catalog").get("/c").execute();
    }
    assertEquals("k-orders", received(0).get(0).getHeader("X-Api-Key"));
    assertEquals("k-all", received(1).get(0).getHeader("X-Api-Key"));
  }

  @Test
  void instancesOutsideTheAllowedRangesAreDroppedWithAnEventNamingThem() {
    String service = "payments-" + SEQ.incrementAndGet();
    ServiceInstance good = backends.instance(service, 0);
    ServiceInstance metadata = ServiceInstance.newBuilder().serviceName(service).id(service + "-metadata")
        .host("169.254.169.254").port(80).build();
    ServiceInstance byName = ServiceInstance.newBuilder().serviceName(service).id(service + "-byname")
        .host("attacker.example").port(backends.get(1).port()).build();
    register(good, metadata, byName);
    List<InstanceDroppedEvent> events = new CopyOnWriteArrayList<>();
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery)
        .allowedInstanceAddresses("127.0.0.0/8", "::1/128")
        .listener(MeshEventListener.of(e -> {
          if (e instanceof InstanceDroppedEvent) {
            events.add((InstanceDroppedEvent) e);
          }
        })).build()) {
      for (int i = 0; i < 20; i++) {
        assertEquals(200, mesh.service(service).get("/pay/{i}", i).execute().status());
      }
      assertEquals(List.of(good), mesh.service(service).instances());
    } finally {
      registry.deregister(good.id());
      registry.deregister(metadata.id());
      registry.deregister(byName.id());
    }
    assertEquals(20, received(0).size(), "every call went to the allowed instance");
    assertEquals(2, events.size(), "one event per dropped instance, not one per call: " + events);
    assertEquals(List.of(metadata.id(), byName.id()).stream().sorted().toList(),
        events.stream().map(e -> e.instance().id()).sorted().toList());
    assertTrue(events.get(0).toString().contains("allowedInstanceAddresses"), events.get(0).toString());
  }

  @Test
  void theAllowListRefusesEntriesThatAreNotRanges() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ServiceMeshClient.builder().allowedInstanceAddresses("10.0.0.0/33"));
    assertTrue(e.getMessage().contains("10.0.0.0/33") && e.getMessage().contains("allowedInstanceAddresses"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ServiceMeshClient.builder().allowedInstanceAddresses("internal.example/8"));
    assertTrue(e.getMessage().contains("internal.example/8"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ServiceMeshClient.builder().allowedInstanceAddresses());
  }
}
