package io.mesh4j.examples.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.examples.gateway.internal.Authenticator;
import io.mesh4j.testkit.ConsulExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
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
    // (Other tests here forward /admin/by-key and such; only these attacks end in admin...users.)
    assertTrue(receivedUrls().stream().noneMatch(u -> u.contains("admin") && u.contains("users")),
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

  // ---- 4. trust headers ----

  static LoggedRequest received(String url) {
    List<LoggedRequest> found = backend.findAll(anyRequestedFor(urlEqualTo(url)));
    assertEquals(1, found.size(), "requests to " + url + " the backend received");
    return found.get(0);
  }

  @Test
  void spoofableTrustHeadersAreStrippedAndXForwardedForIsTheSocketPeer() throws Exception {
    RawHttp.Answer a = RawHttp.get(gateway.uri(), "/api/trust-1",
        "Forwarded: for=6.6.6.6;proto=https",
        "X-Real-IP: 6.6.6.6",
        "True-Client-IP: 6.6.6.6",
        "X-HTTP-Method-Override: DELETE",
        "X-Original-URL: /admin/users",
        "X-Rewrite-URL: /admin/users",
        "X-Forwarded-For: 6.6.6.6",
        "X-Custom: kept");
    assertEquals(200, a.status(), a.toString());
    LoggedRequest seen = received("/trust-1");
    List<String> leaked = new ArrayList<>();
    for (String h : List.of("Forwarded", "X-Real-IP", "True-Client-IP", "X-HTTP-Method-Override", "X-Original-URL",
        "X-Rewrite-URL")) {
      if (seen.containsHeader(h)) {
        leaked.add(h + ": " + seen.getHeader(h));
      }
    }
    assertEquals(List.of(), leaked, "client headers the backend may trust");
    assertEquals("127.0.0.1", seen.getHeader("X-Forwarded-For"), "the socket peer only, not the client's list");
    assertEquals("kept", seen.getHeader("X-Custom"));
  }

  @Test
  void aHostThatIsNotHostAndPortIs400AndAValidOneIsForwarded() throws Exception {
    List<String> wrong = new ArrayList<>();
    for (String host : List.of("evil example", "evil.example/admin", "evil.example:99999", "evil.example:80:80",
        "user@evil.example", "evil.example\\x", "[::1", "")) {
      RawHttp.Answer a = RawHttp.get(gateway.uri(), "/api/host-bad", "Host: " + host);
      if (a.status() != 400) {
        wrong.add("Host: " + host + " -> " + a);
      }
    }
    assertEquals(List.of(), wrong);
    assertTrue(backend.findAll(anyRequestedFor(urlEqualTo("/host-bad"))).isEmpty(), "nothing was forwarded");
    assertEquals(200, RawHttp.get(gateway.uri(), "/api/host-ok", "Host: api.example.com:8443").status());
    assertEquals("api.example.com:8443", received("/host-ok").getHeader("X-Forwarded-Host"));
    assertEquals(200, RawHttp.get(gateway.uri(), "/api/host-v6", "Host: [::1]:8080").status());
    assertEquals("[::1]:8080", received("/host-v6").getHeader("X-Forwarded-Host"));
  }

  @Test
  void aTrustedProxysListIsKeptAndTheClientsIsNot() throws Exception {
    ApiGateway behindProxy = newGateway(ApiGateway.builder().trustedProxies(List.of("10.0.0.0/8", "127.0.0.1")));
    assertEquals(200, RawHttp.get(behindProxy.uri(), "/api/trust-2", "X-Forwarded-For: 203.0.113.7").status());
    assertEquals("203.0.113.7, 127.0.0.1", received("/trust-2").getHeader("X-Forwarded-For"));
    ApiGateway otherProxy = newGateway(ApiGateway.builder().trustedProxies(List.of("10.1.2.3", "::1")));
    assertEquals(200, RawHttp.get(otherProxy.uri(), "/api/trust-3", "X-Forwarded-For: 203.0.113.7").status());
    assertEquals("127.0.0.1", received("/trust-3").getHeader("X-Forwarded-For"));
    IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ApiGateway.builder().trustedProxies(List.of("proxy.internal")));
    assertTrue(bad.getMessage().contains("\"proxy.internal\" is not an IP address or CIDR range"), bad.getMessage());
  }

  // ---- 5. identity ----

  @Test
  void aJwtWhoseSubjectIsAnApiKeyClientsNameIsAnotherIdentity() throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().subject("demo-app")
        .expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
    jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
    assertEquals(200, RawHttp.get(gateway.uri(), "/api/admin/by-key", "X-Api-Key: " + API_KEY).status());
    assertEquals(200, RawHttp.get(gateway.uri(), "/api/admin/by-jwt", "Authorization: Bearer " + jwt.serialize()).status());
    String byKey = received("/admin/by-key").getHeader("X-Authenticated-Client");
    String byJwt = received("/admin/by-jwt").getHeader("X-Authenticated-Client");
    assertEquals("apikey:demo-app", byKey);
    assertEquals("jwt:demo-app", byJwt);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> accessLog.stream()
        .anyMatch(l -> l.contains("path=/api/admin/by-jwt ") && l.contains(" client=jwt:demo-app")));
  }

  // ---- 3. bind, demo key, incomplete bodies ----

  @Test
  void aBodyCutShortIsNeverForwarded() throws Exception {
    String host = "Host: 127.0.0.1:" + gateway.port() + "\r\n";
    byte[] shortFixed = ("POST /api/upload-short HTTP/1.1\r\n" + host + "Content-Type: text/plain\r\n"
        + "Content-Length: 100\r\n\r\n0123456789").getBytes(StandardCharsets.US_ASCII);
    byte[] shortChunked = ("POST /api/upload-chunked HTTP/1.1\r\n" + host + "Content-Type: text/plain\r\n"
        + "Transfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n").getBytes(StandardCharsets.US_ASCII);
    RawHttp.Answer fixed = RawHttp.exchange(gateway.uri(), shortFixed, true);
    RawHttp.Answer chunked = RawHttp.exchange(gateway.uri(), shortChunked, true);
    // The gateway has finished with both once their access lines are written.
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> accessLog.stream()
        .filter(l -> l.contains("path=/api/upload-short ") || l.contains("path=/api/upload-chunked ")).count() == 2);
    List<String> forwarded = receivedUrls().stream().filter(u -> u.startsWith("/upload-")).collect(Collectors.toList());
    assertEquals(List.of(), forwarded, "answers: " + fixed + " / " + chunked);
    // A complete body is forwarded.
    byte[] whole = ("POST /api/upload-whole HTTP/1.1\r\n" + host + "Content-Type: text/plain\r\n"
        + "Content-Length: 10\r\nConnection: close\r\n\r\n0123456789").getBytes(StandardCharsets.US_ASCII);
    assertEquals(200, RawHttp.exchange(gateway.uri(), whole, false).status());
    assertEquals("0123456789", received("/upload-whole").getBodyAsString());
  }

  @Test
  void headersCutShortAreNeverForwarded() throws Exception {
    byte[] half = ("GET /api/headers-short HTTP/1.1\r\nHost: 127.0.0.1:" + gateway.port() + "\r\nX-Partial: ab")
        .getBytes(StandardCharsets.US_ASCII);
    RawHttp.Answer a = RawHttp.exchange(gateway.uri(), half, true);
    byte[] noBlankLine = ("GET /api/headers-short2 HTTP/1.1\r\nHost: 127.0.0.1:" + gateway.port() + "\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    RawHttp.Answer b = RawHttp.exchange(gateway.uri(), noBlankLine, true);
    // A complete request on a new connection is answered after both: the gateway has read them.
    assertEquals(200, RawHttp.get(gateway.uri(), "/api/headers-after").status());
    Awaitility.await("no request with cut headers reaches the backend").during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5)).until(() -> receivedUrls().stream().noneMatch(u -> u.startsWith("/headers-short")));
    assertTrue(a.status() != 200 && b.status() != 200, a + " / " + b);
  }

  @Test
  void theBundledDemoKeyIsRefused() {
    GatewayConfig bundled = GatewayConfig.fromResource("gateway/routes.json",
        Map.of("GATEWAY_JWT_SECRET", SECRET)::get);
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> ApiGateway.builder().config(bundled).discovery(discovery).port(0).build().close());
    assertTrue(e.getMessage().contains("demo key"), e.getMessage());
    assertTrue(e.getMessage().contains("GATEWAY_DEMO=true"), e.getMessage());
    assertTrue(!e.getMessage().contains("demo-key-change-me"), "the message names no key: " + e.getMessage());
  }

  @Test
  void theDemoKeyNeedsTheDemoFlag() {
    GatewayConfig withDemoKey = GatewayConfig.parse(CONFIG.replace(Authenticator.sha256Hex(API_KEY),
        ApiGateway.DEMO_KEY_SHA256), Map.of("SEC_JWT_SECRET", SECRET)::get);
    assertEquals(ApiGateway.DEMO_KEY_SHA256, Authenticator.sha256Hex("demo-key-change-me"));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> ApiGateway.builder().config(withDemoKey).discovery(discovery).port(0).build().close());
    ApiGateway demo = ApiGateway.builder().demo(true).config(withDemoKey).discovery(discovery).port(0).build().start();
    gateways.add(demo);
    assertTrue(demo.port() > 0);
  }

  @Test
  void itListensOnLoopbackUnlessToldOtherwise() {
    assertEquals("127.0.0.1", GatewayMain.bindHost(Map.<String, String>of()::get));
    assertEquals("0.0.0.0", GatewayMain.bindHost(Map.of("GATEWAY_BIND", "0.0.0.0")::get));
    assertTrue(gateway.address().getAddress().isLoopbackAddress(), gateway.address().toString());
  }

  // ---- 6. per-address limit before authentication ----

  @Test
  void aFloodFromOneAddressIsCutBeforeAuthenticationAndIpv6CountsBy64() throws Exception {
    Clock fixed = Clock.fixed(Instant.parse("2030-01-01T10:00:20Z"), ZoneOffset.UTC);
    ApiGateway limited = newGateway(ApiGateway.builder().clock(fixed).ipRateLimitPerMinute(3));
    List<Integer> statuses = new ArrayList<>();
    RawHttp.Answer last = null;
    for (int i = 0; i < 5; i++) {
      // A client's X-Forwarded-For changes nothing: the gateway trusts no proxy here.
      last = RawHttp.get(limited.uri(), "/api/admin/guess", "X-Api-Key: guess-" + i, "X-Forwarded-For: 10.9.9." + i);
      statuses.add(last.status());
    }
    assertEquals(List.of(401, 401, 401, 429, 429), statuses, "bad credentials are limited per address");
    assertTrue(last.head().contains("Retry-After: 40"), last.head());
    assertTrue(last.body().contains("\"ip_rate_limited\""), last.body());

    ApiGateway proxied = newGateway(ApiGateway.builder().clock(fixed).ipRateLimitPerMinute(2)
        .trustedProxies(List.of("127.0.0.1")));
    List<String> seen = new ArrayList<>();
    for (String client : List.of("2001:db8:1:2::1", "2001:db8:1:2::ffff", "2001:db8:1:2:aaaa::1", "2001:db8:1:3::1",
        "198.51.100.7", "198.51.100.8", "198.51.100.8", "198.51.100.8")) {
      seen.add(client + " " + RawHttp.get(proxied.uri(), "/api/limit-" + seen.size(), "X-Forwarded-For: " + client)
          .status());
    }
    assertEquals(List.of("2001:db8:1:2::1 200", "2001:db8:1:2::ffff 200", "2001:db8:1:2:aaaa::1 429",
        "2001:db8:1:3::1 200", "198.51.100.7 200", "198.51.100.8 200", "198.51.100.8 200", "198.51.100.8 429"), seen,
        "one /64 shares a budget; IPv4 addresses count one by one");
  }
}
