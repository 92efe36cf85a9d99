package io.mesh4j.examples.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.examples.gateway.internal.Authenticator;
import io.mesh4j.testkit.ConsulExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The attacks of issue 11 sent to the running gateway over real sockets, with the real Consul
 * agent and a WireMock backend: path forms that a lenient backend would read as a protected
 * path, spoofed trust headers, identities that look alike, bodies cut short.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewaySecurityTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.shared();

  static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  static final String SERVICE = "gw-sec-" + RUN;
  static final String API_KEY = "demo-app-key-5d1e";
  static final String SECRET = "security-test-secret-of-more-than-32-bytes";

  static WireMockServer backend;
  static ConsulRegistry registry;
  static ConsulDiscovery discovery;
  static ApiGateway gateway;
  static final List<ApiGateway> gateways = new ArrayList<>();
  static final Queue<String> accessLog = new ConcurrentLinkedQueue<>();

  static final String CONFIG = "{ \"port\": 0,"
      + " \"auth\": { \"apiKeys\": [ {\"client\": \"demo-app\", \"sha256\": \"" + Authenticator.sha256Hex(API_KEY) + "\"} ],"
      + "   \"jwt\": { \"secretEnv\": \"SEC_JWT_SECRET\" } },"
      + " \"routes\": ["
      + "  {\"name\": \"public\", \"path\": \"/api/**\", \"methods\": [\"GET\", \"POST\"], \"service\": \"" + SERVICE + "\","
      + "   \"stripPrefix\": \"/api\", \"retries\": 0},"
      + "  {\"name\": \"admin\", \"path\": \"/api/admin/**\", \"methods\": [\"GET\", \"POST\"], \"service\": \"" + SERVICE + "\","
      + "   \"stripPrefix\": \"/api\", \"auth\": true, \"retries\": 0}"
      + " ] }";

  static GatewayConfig config() {
    return GatewayConfig.parse(CONFIG, Map.of("SEC_JWT_SECRET", SECRET)::get);
  }

  @BeforeAll
  static void start() {
    backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    backend.start();
    backend.stubFor(any(urlPathMatching("/.*")).willReturn(okJson("{\"backend\":true}")));
    registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build();
    registry.register(ServiceRegistration.withoutHealthCheck(ServiceInstance.newBuilder().serviceName(SERVICE)
        .id(SERVICE + "-0").host("127.0.0.1").port(backend.port()).build()));
    discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).build();
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> discovery.instances(SERVICE).size() == 1);
    gateway = newGateway(ApiGateway.builder());
  }

  static ApiGateway newGateway(ApiGateway.Builder b) {
    ApiGateway g = b.config(config()).discovery(discovery).port(0).workerThreads(8).accessLog(accessLog::add)
        .build().start();
    gateways.add(g);
    return g;
  }

  @AfterAll
  static void stop() {
    gateways.forEach(ApiGateway::close);
    if (discovery != null) {
      discovery.close();
    }
    if (registry != null) {
      registry.deregister(SERVICE + "-0");
      registry.close();
    }
    if (backend != null) {
      backend.stop();
    }
  }

  static List<String> receivedUrls() {
    return backend.findAll(anyRequestedFor(urlPathMatching("/.*"))).stream().map(LoggedRequest::getUrl)
        .collect(Collectors.toList());
  }

  // ---- 1. one canonical path ----

  @Test
  void pathFormsOfTheProtectedPrefixAre400AndNeverReachTheBackend() throws Exception {
    List<String> attacks = List.of(
        "/api//admin/users",
        "/api/admin;x/users",
        "/api/admin%2Fusers",
        "/api/x/..%2Fadmin/users",
        "/api/x%2F..%2Fadmin/users",
        "/api/%2F..%2Fadmin/users");
    List<String> wrong = new ArrayList<>();
    for (String path : attacks) {
      RawHttp.Answer a = RawHttp.get(gateway.uri(), path);
      if (a.status() != 400) {
        wrong.add(path + " -> " + a);
      }
    }
    assertEquals(List.of(), wrong, "every form of /api/admin/users without credentials must be refused");
    assertTrue(receivedUrls().stream().noneMatch(u -> u.toLowerCase().contains("admin")),
        "the backend received " + receivedUrls());
    // The canonical paths still work: the public one is forwarded, the protected one wants credentials.
    assertEquals(401, RawHttp.get(gateway.uri(), "/api/admin/users").status());
    assertEquals(200, RawHttp.get(gateway.uri(), "/api/users").status());
  }

  @Test
  void emptyDotAndOddSegmentsAre400() throws Exception {
    for (String path : List.of("/api/a/", "/api/a//b", "/api/.", "/api/a/%2e/b", "/api/a%5Cb", "/api/a%3Bb",
        "/api/a%00b", "/api/a%7Fb", "/api/a%0Ab")) {
      RawHttp.Answer a = RawHttp.get(gateway.uri(), path);
      assertEquals(400, a.status(), path + " -> " + a);
    }
  }
}
