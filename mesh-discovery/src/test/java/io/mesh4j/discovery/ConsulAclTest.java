package io.mesh4j.discovery;

import static io.mesh4j.discovery.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.HealthCheck;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.testkit.ConsulAcl;
import io.mesh4j.testkit.ConsulExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Registry and discovery against a real agent with ACLs on and default policy deny: the right
 * token does everything; a missing, unknown or too weak token is a clear error that names the
 * cause and the setting, and never the token.
 */
@Timeout(60)
class ConsulAclTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.withAcl();

  private static final Duration T = Duration.ofSeconds(15);
  /** The first-load timeout where Consul refuses every query: the error comes after it. */
  private static final Duration SHORT = Duration.ofSeconds(2);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static ConsulAcl acl() {
    return CONSUL.agent().acl();
  }

  private static String service() {
    return TestSupport.uniqueService(ConsulAcl.SERVICE_PREFIX + "web");
  }

  private static ServiceInstance instance(String service, int port) {
    return ServiceInstance.newBuilder().serviceName(service).host("127.0.0.1").port(port).build();
  }

  private static ConsulRegistry.Builder registry() {
    return ConsulRegistry.builder().url(CONSUL.agent().baseUrl());
  }

  /**
   * A discovery whose first load may take 10 s: the first one in a JVM loads consul-client
   * (Retrofit, Jackson, OkHttp), which takes seconds on a loaded 2-core machine. Tests that expect
   * a refusal wait less ({@link #SHORT}).
   */
  private static ConsulDiscovery.Builder discovery() {
    return ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).firstLoadTimeout(Duration.ofSeconds(10))
        .minQueryInterval(Duration.ofMillis(20)).errorBackoff(Duration.ofMillis(50), Duration.ofMillis(200));
  }

  /** Registers with the master token, as an operator would, so that the service exists. */
  private static void registerAsOperator(String service, int port) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(CONSUL.agent().baseUrl()
        + "/v1/agent/service/register")).header("X-Consul-Token", acl().masterToken()).timeout(Duration.ofSeconds(5))
        .PUT(HttpRequest.BodyPublishers.ofString("{\"ID\":\"" + service + "-" + port + "\",\"Name\":\"" + service
            + "\",\"Address\":\"127.0.0.1\",\"Port\":" + port + "}")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
  }

  private static void assertNoSecret(Throwable e, String token) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertFalse(String.valueOf(t.getMessage()).contains(token), "token in " + t);
      assertFalse(t.toString().contains(token), "token in " + t);
    }
  }

  @Test
  void theServiceToken_registersDiscoversHeartbeatsAndDeregisters() {
    String service = service();
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    AtomicInteger beats = new AtomicInteger();
    try (ConsulRegistry registry = registry().token(acl().serviceToken()).eventListener(events).build();
        ConsulDiscovery discovery = discovery().token(acl().serviceToken()).build()) {
      registry.beforeHeartbeat = beats::incrementAndGet;
      ServiceInstance one = instance(service, 7001);
      registry.register(ServiceRegistration.of(one, HealthCheck.ttl(Duration.ofSeconds(1)).build()));
      await(T, "the instance, passing", () -> discovery.instances(service).size() == 1);
      // A refused heartbeat would turn the 1 s TTL check critical and drop the instance from the
      // passing list: several heartbeats later it must still be there, and none may have failed.
      int seen = beats.get();
      await(T, "three heartbeats", () -> beats.get() >= seen + 3);
      assertEquals(List.of(one), discovery.instances(service));
      assertEquals(List.of(), events.of(HeartbeatFailedEvent.class));

      registry.deregister(one.id());
      await(T, "the deregistration seen", () -> discovery.instances(service).isEmpty());
    }
  }

  @Test
  void aTokenRevokedWhileRegistered_failsTheHeartbeatWithAClearEvent() {
    String service = service();
    String token = acl().createToken("revoked during the test", ConsulAcl.SERVICE_RULES);
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    try (ConsulRegistry registry = registry().token(token).eventListener(events).build()) {
      registry.register(ServiceRegistration.of(instance(service, 7009), HealthCheck.ttl(Duration.ofSeconds(1)).build()));
      acl().deleteToken(token);
      await(T, "a failed heartbeat", () -> !events.of(HeartbeatFailedEvent.class).isEmpty());
      HeartbeatFailedEvent e = events.of(HeartbeatFailedEvent.class).get(0);
      assertTrue(e.message().contains("ACL not found"), e.message());
      assertTrue(e.message().contains("ConsulRegistry.builder().token(...)"), e.message());
      assertFalse(e.message().contains(token) || e.toString().contains(token), e.toString());
      assertEquals(List.of(), events.of(ServiceReregisteredEvent.class), "a refusal is not a forgotten instance");
    }
  }

  @Test
  void noToken_registrationIsRefused_namingTheCauseAndTheSetting() {
    try (ConsulRegistry registry = registry().build()) {
      MeshException e = assertThrows(MeshException.class,
          () -> registry.register(ServiceRegistration.withoutHealthCheck(instance(service(), 7002))));
      assertTrue(e.getMessage().contains("403"), e.getMessage());
      assertTrue(e.getMessage().contains("Permission denied"), e.getMessage());
      assertTrue(e.getMessage().contains("ACL token missing"), e.getMessage());
      assertTrue(e.getMessage().contains("ConsulRegistry.builder().token(...)"), e.getMessage());
      assertTrue(registry.registeredIds().isEmpty());
    }
  }

  @Test
  void anUnknownToken_isRefusedByRegistryAndDiscovery_withoutTheToken() throws Exception {
    String wrong = UUID.randomUUID().toString();
    String service = service();
    registerAsOperator(service, 7003);
    TestSupport.EventRecorder events = new TestSupport.EventRecorder();
    try (ConsulRegistry registry = registry().token(wrong).build();
        ConsulDiscovery discovery = discovery().token(wrong).firstLoadTimeout(SHORT).eventListener(events).build()) {
      MeshException refused = assertThrows(MeshException.class,
          () -> registry.register(ServiceRegistration.withoutHealthCheck(instance(service, 7004))));
      assertTrue(refused.getMessage().contains("ACL not found"), refused.getMessage());
      assertTrue(refused.getMessage().contains("not known to Consul"), refused.getMessage());
      assertTrue(refused.getMessage().contains("ConsulRegistry.builder().token(...)"), refused.getMessage());
      assertNoSecret(refused, wrong);

      discovery.subscribe(service, change -> { }); // starts the watch; the first load then reports its refusal
      await(T, "a refused query", () -> !events.of(WatchFailedEvent.class).isEmpty());
      NoInstanceAvailableException none = assertThrows(NoInstanceAvailableException.class,
          () -> discovery.instances(service));
      assertTrue(none.getMessage().contains("ACL not found"), none.getMessage());
      assertTrue(none.getMessage().contains("ConsulDiscovery.builder().token(...)"), none.getMessage());
      assertNoSecret(none, wrong);
      List<WatchFailedEvent> failures = events.of(WatchFailedEvent.class);
      assertFalse(failures.isEmpty());
      for (WatchFailedEvent f : failures) {
        assertEquals(WatchFailedEvent.Reason.CLIENT_ERROR, f.reason());
        assertEquals(403, f.status());
        assertFalse(f.message().contains(wrong), f.message());
        assertFalse(f.toString().contains(wrong), f.toString());
      }
      assertFalse(registry.toString().contains(wrong) || discovery.toString().contains(wrong));
    }
  }

  @Test
  void aTokenLackingThePermission_isRefused_namingThePermission() {
    String outside = TestSupport.uniqueService("not-covered");
    try (ConsulRegistry registry = registry().token(acl().serviceToken()).build()) {
      MeshException e = assertThrows(MeshException.class,
          () -> registry.register(ServiceRegistration.withoutHealthCheck(instance(outside, 7005))));
      assertTrue(e.getMessage().contains("Missing service:write on " + outside), e.getMessage());
      assertTrue(e.getMessage().contains("ACL token lacking permission"), e.getMessage());
      assertTrue(e.getMessage().contains("ConsulRegistry.builder().token(...)"), e.getMessage());
      assertNoSecret(e, acl().serviceToken());
    }
  }

  @Test
  void noToken_discoveryDoesNotPassOffAclFilteringAsNoInstances() throws Exception {
    String service = service();
    registerAsOperator(service, 7006);
    try (ConsulDiscovery withToken = discovery().token(acl().serviceToken()).build()) {
      await(T, "the instance, seen with a token", () -> withToken.instances(service).size() == 1);
    }
    // Consul 1.8 answers a token-less health query with 200 and an empty list: it filters.
    try (ConsulDiscovery anonymous = discovery().build()) {
      for (int call = 0; call < 2; call++) { // the first load and the snapshot after it
        NoInstanceAvailableException e = assertThrows(NoInstanceAvailableException.class,
            () -> anonymous.instances(service));
        assertTrue(e.getMessage().contains("enforces ACLs and this discovery sends no token"), e.getMessage());
        assertTrue(e.getMessage().contains("ConsulDiscovery.builder().token(...)"), e.getMessage());
      }
    }
  }

  @Test
  void aTokenThatMayReadButNotWrite_discoversButCannotRegister() {
    String service = service();
    String readOnly = acl().createToken("read only", "service_prefix \"\" { policy = \"read\" }\n"
        + "node_prefix \"\" { policy = \"read\" }\n");
    try (ConsulRegistry writer = registry().token(acl().serviceToken()).build();
        ConsulRegistry reader = registry().token(readOnly).build();
        ConsulDiscovery discovery = discovery().token(readOnly).build()) {
      writer.register(ServiceRegistration.withoutHealthCheck(instance(service, 7007)));
      await(T, "the instance, read with the read-only token", () -> discovery.instances(service).size() == 1);
      MeshException e = assertThrows(MeshException.class,
          () -> reader.register(ServiceRegistration.withoutHealthCheck(instance(service, 7008))));
      assertTrue(e.getMessage().contains("Permission denied"), e.getMessage());
      assertNoSecret(e, readOnly);
      // An empty answer for a token that may read is a real "none", not a hidden list.
      String nobody = service();
      await(T, "an empty list for a service nobody registered", () -> discovery.instances(nobody).isEmpty());
    }
  }
}
