package io.mesh4j.examples.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.ServiceRegistration;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.client.CachedResponse;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.discovery.ConsulRegistry;
import io.mesh4j.examples.gateway.internal.Authenticator;
import io.mesh4j.testkit.ConsulExtension;
import io.mesh4j.testkit.RedisClusterExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gateway over HTTP, with the real Consul agent and Redis Cluster, and WireMock backends
 * registered in Consul: every status it answers, header handling, the access log, and two
 * gateway instances sharing one rate limit.
 */
class ApiGatewayTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.shared();
  @RegisterExtension
  static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  static final String SECRET = "gateway-test-secret-of-more-than-32-bytes";
  static final String API_KEY = "alice-key-7f3c9a";
  static final String ISSUER = "https://auth.test";
  // 20 s into a minute: a rate limit window ends in 40 s. JWT expiry is judged at this time too.
  static final Instant NOW = Instant.parse("2030-01-01T10:00:20Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final ObjectMapper JSON = new ObjectMapper();
  static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  static final String USERS = "gw-users-" + RUN;
  static final String FLAKY = "gw-flaky-" + RUN;
  static final String BROKEN = "gw-broken-" + RUN;
  static final String SLOW = "gw-slow-" + RUN;
  static final String MISSING = "gw-missing-" + RUN;

  static final List<WireMockServer> backends = new ArrayList<>();
  static ConsulDiscovery discovery;
  static ConsulRegistry registry;
  static final List<String> registered = new ArrayList<>();
  static final List<AutoCloseable> closeables = new ArrayList<>();
  static final Queue<String> accessLog = new ConcurrentLinkedQueue<>();
  static ApiGateway gateway;
  static OkHttpClient http;

  static String config(String limitedRoute) {
    return "{ \"port\": 0,"
        + " \"auth\": { \"apiKeys\": [ {\"client\": \"alice\", \"sha256\": \"" + Authenticator.sha256Hex(API_KEY) + "\"} ],"
        + "   \"jwt\": { \"secretEnv\": \"TEST_JWT_SECRET\", \"issuer\": \"" + ISSUER + "\", \"clockSkew\": \"10s\" } },"
        + " \"circuitBreaker\": { \"failureRatePercent\": 50, \"minimumCalls\": 4, \"window\": \"30s\", \"openFor\": \"60s\" },"
        + " \"routes\": ["
        + "  {\"name\": \"user\", \"path\": \"/users/{id}\", \"methods\": [\"GET\"], \"service\": \"" + USERS + "\", \"retries\": 1},"
        + "  {\"name\": \"me\", \"path\": \"/users/me\", \"methods\": [\"GET\"], \"service\": \"" + USERS + "\"},"
        + "  {\"name\": \"user-delete\", \"path\": \"/users/{id}\", \"methods\": [\"DELETE\"], \"service\": \"" + USERS + "\"},"
        + "  {\"name\": \"api\", \"path\": \"/api/**\", \"methods\": [\"GET\", \"POST\"], \"service\": \"" + USERS + "\","
        + "   \"stripPrefix\": \"/api\"},"
        + "  {\"name\": \"private\", \"path\": \"/private/**\", \"methods\": [\"GET\"], \"service\": \"" + USERS + "\","
        + "   \"auth\": true},"
        + "  {\"name\": \"cached\", \"path\": \"/cached/{id}\", \"methods\": [\"GET\"], \"service\": \"" + USERS + "\","
        + "   \"cacheTtl\": \"30s\"},"
        + limitedRoute
        + "  {\"name\": \"flaky\", \"path\": \"/flaky\", \"methods\": [\"GET\"], \"service\": \"" + FLAKY + "\", \"retries\": 0},"
        + "  {\"name\": \"broken\", \"path\": \"/broken/*\", \"methods\": [\"GET\"], \"service\": \"" + BROKEN + "\", \"retries\": 0},"
        + "  {\"name\": \"slow\", \"path\": \"/slow\", \"methods\": [\"GET\"], \"service\": \"" + SLOW + "\","
        + "   \"timeout\": \"300ms\", \"retries\": 0},"
        + "  {\"name\": \"missing\", \"path\": \"/missing\", \"methods\": [\"GET\"], \"service\": \"" + MISSING + "\"}"
        + " ] }";
  }

  static final String LIMITED = "  {\"name\": \"limited\", \"path\": \"/limited/**\", \"methods\": [\"GET\"], \"service\": \""
      + USERS + "\", \"rateLimitPerMinute\": 3},";

  static GatewayConfig parse(String json) {
    return GatewayConfig.parse(json, Map.of("TEST_JWT_SECRET", SECRET)::get);
  }

  @BeforeAll
  static void start() throws Exception {
    for (int i = 0; i < 2; i++) {
      WireMockServer s = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").containerThreads(20)
          .jettyAcceptors(1));
      s.start();
      backends.add(s);
      String name = "b" + i;
      s.stubFor(any(urlPathMatching("/.*")).atPriority(10).willReturn(okJson("{\"backend\":\"" + name + "\"}")
          .withHeader("X-Backend", name)
          .withHeader("Proxy-Authenticate", "Basic realm=\"backend\"")
          .withHeader("Keep-Alive", "timeout=5")));
      s.stubFor(get(urlPathEqualTo("/users/404")).willReturn(aResponse().withStatus(404)
          .withHeader("Content-Type", "application/json").withBody("{\"error\":\"no such user\"}")));
      s.stubFor(post(urlPathEqualTo("/orders")).willReturn(aResponse().withStatus(201)
          .withHeader("Content-Type", "application/json").withHeader("Location", "/orders/9").withBody("{\"id\":9}")));
      s.stubFor(get(urlPathEqualTo("/flaky")).willReturn(aResponse().withStatus(500).withBody("boom")));
      s.stubFor(get(urlPathEqualTo("/broken/status")).willReturn(aResponse().withStatus(500).withBody("internal")));
      s.stubFor(get(urlPathEqualTo("/broken/malformed")).willReturn(aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK)));
      s.stubFor(get(urlPathEqualTo("/slow")).willReturn(okJson("{}").withFixedDelay(2000)));
    }
    discovery = ConsulDiscovery.builder().url(CONSUL.agent().baseUrl()).build();
    registry = ConsulRegistry.builder().url(CONSUL.agent().baseUrl()).build();
    register(USERS, 0);
    register(USERS, 1);
    register(FLAKY, 0);
    register(BROKEN, 0);
    register(SLOW, 0);
    await("instances discovered", () -> discovery.instances(USERS).size() == 2 && discovery.instances(FLAKY).size() == 1
        && discovery.instances(BROKEN).size() == 1 && discovery.instances(SLOW).size() == 1);
    gateway = newGateway(parse(config(LIMITED)), "gw-limits-" + RUN, accessLog::add);
    http = new OkHttpClient.Builder().retryOnConnectionFailure(false).followRedirects(false)
        .callTimeout(Duration.ofSeconds(20)).build();
  }

  static void register(String service, int backend) {
    ServiceInstance instance = ServiceInstance.newBuilder().serviceName(service).id(service + "-" + backend)
        .host("127.0.0.1").port(backends.get(backend).port()).build();
    registry.register(ServiceRegistration.withoutHealthCheck(instance));
    registered.add(instance.id());
  }

  static ApiGateway newGateway(GatewayConfig config, String limitNamespace, java.util.function.Consumer<String> log) {
    String[] seeds = REDIS.cluster().seedNodeStrings().toArray(new String[0]);
    DistributedCache<Long> counters = DistributedCache.builder(Long.class).seedNodes(seeds).namespace(limitNamespace).build();
    DistributedCache<CachedResponse> responses = DistributedCache.builder(CachedResponse.class).seedNodes(seeds)
        .namespace("gw-responses-" + RUN).build();
    closeables.add(counters);
    closeables.add(responses);
    ApiGateway g = ApiGateway.builder().config(config).discovery(discovery).rateLimitCounters(counters)
        .responseCache(responses).clock(CLOCK).port(0).accessLog(log).workerThreads(8).build().start();
    closeables.add(0, g);
    return g;
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    for (String id : registered) {
      registry.deregister(id);
    }
    registry.close();
    discovery.close();
    for (WireMockServer s : backends) {
      s.stop();
    }
    if (http != null) {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  // ---- helpers ----

  static final class Answer {
    final int status;
    final okhttp3.Headers headers;
    final String body;

    Answer(int status, okhttp3.Headers headers, String body) {
      this.status = status;
      this.headers = headers;
      this.body = body;
    }

    String header(String name) {
      return headers.get(name);
    }

    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  static Answer call(ApiGateway g, Request.Builder request) throws IOException {
    Request r = request.build();
    Request withBase = r.newBuilder().url(g.uri() + r.url().encodedPath()
        + (r.url().encodedQuery() == null ? "" : "?" + r.url().encodedQuery())).build();
    try (Response response = http.newCall(withBase).execute()) {
      return new Answer(response.code(), response.headers(), response.body().string());
    }
  }

  static Answer fetch(String path, String... headers) throws IOException {
    return call(gateway, req(path, headers));
  }

  static Request.Builder req(String path, String... headers) {
    Request.Builder b = new Request.Builder().url("http://placeholder" + path);
    for (int i = 0; i < headers.length; i += 2) {
      b.addHeader(headers[i], headers[i + 1]);
    }
    return b;
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  static int received(String urlPath) {
    int n = 0;
    for (WireMockServer s : backends) {
      n += s.findAll(getRequestedFor(urlPathEqualTo(urlPath))).size();
    }
    return n;
  }

  static LoggedRequest lastReceived(String url) {
    for (WireMockServer s : backends) {
      List<LoggedRequest> found = s.findAll(com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(urlEqualTo(url)));
      if (!found.isEmpty()) {
        return found.get(found.size() - 1);
      }
    }
    throw new AssertionError("no backend received " + url);
  }

  static String jwt(String subject, Instant expires, String issuer, byte[] key) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
        .subject(subject).issuer(issuer).expirationTime(Date.from(expires)).build());
    jwt.sign(new MACSigner(key));
    return jwt.serialize();
  }

  static String validJwt(String subject) throws Exception {
    return jwt(subject, NOW.plusSeconds(300), ISSUER, SECRET.getBytes(StandardCharsets.UTF_8));
  }

  // ---- tests ----

  @Test
  void routesToTheBackendWith200AndMostSpecificRouteWins() throws Exception {
    Answer a = fetch("/users/42", "X-Request-ID", "req-user-42");
    assertEquals(200, a.status, a.toString());
    assertTrue(a.json().get("backend").asText().startsWith("b"));
    assertEquals("application/json", a.header("Content-Type"));
    assertEquals("MISS", a.header("X-Cache"));
    assertEquals("req-user-42", a.header("X-Request-ID"));
    assertNotNull(a.header("X-Backend"), "the backend's own headers pass");

    assertEquals(200, fetch("/users/me", "X-Request-ID", "req-me").status);
    await("access lines", () -> line("req-me") != null && line("req-user-42") != null);
    assertTrue(line("req-me").contains(" route=me "), line("req-me"));
    assertTrue(line("req-user-42").contains(" route=user "), line("req-user-42"));

    // A backend's own 4xx passes through: not the gateway's 404.
    Answer notFound = fetch("/users/404");
    assertEquals(404, notFound.status);
    assertEquals("no such user", notFound.json().get("error").asText());
  }

  @Test
  void noRouteIs404AndWrongMethodIs405WithAllow() throws Exception {
    Answer none = fetch("/nowhere/at/all");
    assertEquals(404, none.status);
    assertEquals("no_route", none.json().get("error").asText());
    assertNotNull(none.json().get("requestId").asText());
    assertEquals(none.json().get("requestId").asText(), none.header("X-Request-ID"));
    assertEquals(404, fetch("/users/1/extra").status, "no pattern matches a longer path");

    Answer wrong = call(gateway, req("/users/1").post(RequestBody.create(new byte[0], null)));
    assertEquals(405, wrong.status);
    assertEquals("DELETE, GET", wrong.header("Allow"));
    assertEquals("method_not_allowed", wrong.json().get("error").asText());
    assertEquals(0, received("/nowhere/at/all") + received("/users/1/extra"), "nothing reached a backend");
  }

  @Test
  void forwardsPathQueryAndBodyWithStripPrefix() throws Exception {
    Answer created = call(gateway, req("/api/orders?source=web").post(
        RequestBody.create("{\"item\":\"book\"}", MediaType.get("application/json"))));
    assertEquals(201, created.status, created.toString());
    assertEquals("/orders/9", created.header("Location"));
    assertEquals(9, created.json().get("id").asInt());
    LoggedRequest seen = lastReceived("/orders?source=web");
    assertEquals("{\"item\":\"book\"}", seen.getBodyAsString());
    assertTrue(seen.getHeader("Content-Type").startsWith("application/json"), seen.getHeader("Content-Type"));

    // The query is re-encoded faithfully.
    assertEquals(200, fetch("/api/files/a-b?q=two+words&x=1").status);
    lastReceived("/files/a-b?q=two%20words&x=1");
    // An encoded slash is refused: a backend that decodes it would read another path.
    assertEquals(400, fetch("/api/files/a%2Fb").status);
  }

  @Test
  void dotSegmentsAreRefusedSoNoRouteCanBeEscaped() throws Exception {
    HttpClient jdk = HttpClient.newHttpClient();
    HttpResponse<String> r = jdk.send(HttpRequest.newBuilder(URI.create(gateway.uri() + "/api/%2e%2e/private/x")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("'.' or '..'"), r.body());
  }

  @Test
  void headersAreAddedAndHopByHopHeadersRemovedBothWays() throws Exception {
    Answer a = fetch("/api/echo",
        "X-Request-ID", "hdr-test-1",
        "X-Forwarded-For", "10.0.0.1",
        "Connection", "keep-alive, X-Hop-Only",
        "X-Hop-Only", "for this connection",
        "Keep-Alive", "timeout=5",
        "Proxy-Authorization", "Basic dXNlcjpwYXNz",
        "TE", "trailers",
        "X-Authenticated-Client", "forged-admin",
        "X-Custom", "kept");
    assertEquals(200, a.status, a.toString());
    LoggedRequest seen = lastReceived("/echo");
    assertEquals("hdr-test-1", seen.getHeader("X-Request-ID"));
    assertEquals("127.0.0.1", seen.getHeader("X-Forwarded-For"), "the client's list is not believed");
    assertEquals("http", seen.getHeader("X-Forwarded-Proto"));
    assertTrue(seen.getHeader("X-Forwarded-Host").startsWith("127.0.0.1:"), seen.getHeader("X-Forwarded-Host"));
    assertEquals("kept", seen.getHeader("X-Custom"));
    for (String dropped : List.of("X-Hop-Only", "Keep-Alive", "Proxy-Authorization", "TE", "X-Authenticated-Client")) {
      assertFalse(seen.containsHeader(dropped), dropped + " must not reach the backend");
    }
    // The backend's hop-by-hop headers stop at the gateway too.
    assertEquals("hdr-test-1", a.header("X-Request-ID"));
    assertNotNull(a.header("X-Backend"));
    assertNull(a.header("Proxy-Authenticate"));
    assertNull(a.header("Keep-Alive"));
    assertEquals("MISS", a.header("X-Cache"));

    // Without a usable request id the gateway makes one, the same for the backend and the client.
    Answer generated = fetch("/api/echo2", "X-Request-ID", "bad id with spaces");
    String id = generated.header("X-Request-ID");
    assertTrue(id.matches("[0-9a-f-]{36}"), id);
    assertEquals(id, lastReceived("/echo2").getHeader("X-Request-ID"));
    assertEquals("127.0.0.1", lastReceived("/echo2").getHeader("X-Forwarded-For"));
  }

  @Test
  void credentialsAreCheckedAnd401sAreAnswered() throws Exception {
    Answer missing = fetch("/private/a");
    assertEquals(401, missing.status);
    assertEquals("missing_credentials", missing.json().get("error").asText());
    assertEquals("Bearer realm=\"mesh4j-gateway\"", missing.header("WWW-Authenticate"));

    Answer badKey = fetch("/private/a", "X-Api-Key", "not-a-key");
    assertEquals(401, badKey.status);
    assertEquals("invalid_key", badKey.json().get("error").asText());

    byte[] otherKey = "another-secret-of-more-than-32-bytes!!".getBytes(StandardCharsets.UTF_8);
    Answer badSignature = fetch("/private/a", "Authorization", "Bearer " + jwt("bob", NOW.plusSeconds(300), ISSUER, otherKey));
    assertEquals(401, badSignature.status);
    assertEquals("invalid_token", badSignature.json().get("error").asText());
    assertTrue(badSignature.header("WWW-Authenticate").contains("error=\"invalid_token\""));

    Answer expired = fetch("/private/a", "Authorization", "Bearer "
        + jwt("bob", NOW.minusSeconds(60), ISSUER, SECRET.getBytes(StandardCharsets.UTF_8)));
    assertEquals(401, expired.status);
    assertEquals("invalid_token", expired.json().get("error").asText());

    Answer wrongIssuer = fetch("/private/a", "Authorization", "Bearer "
        + jwt("bob", NOW.plusSeconds(60), "https://evil.test", SECRET.getBytes(StandardCharsets.UTF_8)));
    assertEquals(401, wrongIssuer.status);
    String unsigned = new PlainJWT(new JWTClaimsSet.Builder().subject("bob").issuer(ISSUER)
        .expirationTime(Date.from(NOW.plusSeconds(60))).build()).serialize();
    assertEquals(401, fetch("/private/a", "Authorization", "Bearer " + unsigned).status, "alg none is refused");
    assertEquals(0, received("/private/a"), "no refused request reached a backend");

    Answer byKey = fetch("/private/by-key", "X-Api-Key", API_KEY);
    assertEquals(200, byKey.status, byKey.toString());
    LoggedRequest seenKey = lastReceived("/private/by-key");
    assertEquals("apikey:alice", seenKey.getHeader("X-Authenticated-Client"));
    assertFalse(seenKey.containsHeader("X-Api-Key"), "the gateway's credential is not passed on");

    Answer byJwt = fetch("/private/by-jwt", "Authorization", "Bearer " + validJwt("bob"));
    assertEquals(200, byJwt.status, byJwt.toString());
    LoggedRequest seenJwt = lastReceived("/private/by-jwt");
    assertEquals("jwt:bob", seenJwt.getHeader("X-Authenticated-Client"));
    assertFalse(seenJwt.containsHeader("Authorization"));
  }

  @Test
  void accessLogHasOneLinePerRequestAndNoCredentials() throws Exception {
    String token = validJwt("carol");
    fetch("/private/log-1", "X-Request-ID", "log-1", "X-Api-Key", API_KEY);
    fetch("/private/log-2", "X-Request-ID", "log-2", "Authorization", "Bearer " + token);
    fetch("/private/log-3", "X-Request-ID", "log-3", "X-Api-Key", "wrong-key-value-123");
    fetch("/private/log-4?api_key=" + API_KEY, "X-Request-ID", "log-4");
    await("four access lines", () -> line("log-1") != null && line("log-2") != null && line("log-3") != null
        && line("log-4") != null);
    assertTrue(line("log-1").matches("method=GET path=/private/log-1 status=200 duration_ms=\\d+\\.\\d request_id=log-1 "
        + "route=private client=apikey:alice cache=MISS"), line("log-1"));
    assertTrue(line("log-2").contains(" status=200 ") && line("log-2").contains(" client=jwt:carol"), line("log-2"));
    assertTrue(line("log-3").startsWith("method=GET path=/private/log-3 status=401 "), line("log-3"));
    assertTrue(line("log-3").contains("auth=\"unknown API key\""), line("log-3"));
    assertTrue(line("log-4").contains("path=/private/log-4 status=401"), "no query string: " + line("log-4"));
    for (String l : accessLog) {
      assertFalse(l.contains(API_KEY) || l.contains(token) || l.contains("wrong-key-value-123") || l.contains("Bearer"),
          "a credential in the access log: " + l);
    }
    assertEquals(1, accessLog.stream().filter(l -> l.contains("request_id=log-1 ")).count(), "one line per request");
  }

  @Test
  void responseCacheAnswersHitsWithoutTheBackend() throws Exception {
    Answer first = fetch("/cached/7");
    assertEquals(200, first.status);
    assertEquals("MISS", first.header("X-Cache"));
    Answer second = fetch("/cached/7");
    assertEquals(200, second.status);
    assertEquals("HIT", second.header("X-Cache"));
    assertEquals(first.body, second.body);
    assertEquals("application/json", second.header("Content-Type"));
    assertEquals(1, received("/cached/7"), "the hit never reached a backend");
    assertEquals("MISS", fetch("/cached/8").header("X-Cache"), "another URL is another entry");
  }

  @Test
  void overTheLimitIs429WithRetryAfter() throws Exception {
    for (int i = 0; i < 3; i++) {
      Answer ok = fetch("/limited/a");
      assertEquals(200, ok.status, "request " + i);
      assertEquals(Integer.toString(2 - i), ok.header("X-RateLimit-Remaining"));
    }
    Answer over = fetch("/limited/b");
    assertEquals(429, over.status);
    assertEquals("40", over.header("Retry-After"), "the window ends at the next minute of the clock");
    assertEquals("0", over.header("X-RateLimit-Remaining"));
    assertEquals("rate_limited", over.json().get("error").asText());
    assertEquals(0, received("/limited/b"));
  }

  @Test
  void twoGatewayInstancesShareOneRateLimit() throws Exception {
    String shared = "gw-shared-limit-" + RUN;
    String route = "  {\"name\": \"limited\", \"path\": \"/limited/**\", \"methods\": [\"GET\"], \"service\": \""
        + USERS + "\", \"rateLimitPerMinute\": 4},";
    ApiGateway one = newGateway(parse(config(route)), shared, l -> { });
    ApiGateway two = newGateway(parse(config(route)), shared, l -> { });
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      statuses.add(call(i % 2 == 0 ? one : two, req("/limited/shared")).status);
    }
    assertEquals(List.of(200, 200, 200, 200, 429, 429), statuses, "4 per minute across both instances");
    assertEquals(4, received("/limited/shared"));
  }

  @Test
  void noInstanceIs503() throws Exception {
    Answer a = fetch("/missing");
    assertEquals(503, a.status, a.toString());
    assertEquals("no_instance", a.json().get("error").asText());
  }

  @Test
  void openCircuitIs503AndStopsCallingTheBackend() throws Exception {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 8 && !statuses.contains(503); i++) {
      statuses.add(fetch("/flaky").status);
    }
    assertEquals(502, statuses.get(0), statuses.toString());
    assertTrue(statuses.contains(503), "the breaker opened: " + statuses);
    int calls = received("/flaky");
    assertTrue(calls >= 4 && calls <= 5, "minimumCalls 4 then open, backend got " + calls);
    Answer open = fetch("/flaky");
    assertEquals(503, open.status);
    assertEquals("circuit_open", open.json().get("error").asText());
    long retryAfter = Long.parseLong(open.header("Retry-After"));
    assertTrue(retryAfter > 0 && retryAfter <= 90, "Retry-After " + retryAfter + " (openFor 60 s plus jitter)");
    assertEquals(calls, received("/flaky"), "an open circuit sends nothing to the backend");
  }

  @Test
  void slowBackendIs504() throws Exception {
    long start = System.nanoTime();
    Answer a = fetch("/slow");
    long took = (System.nanoTime() - start) / 1_000_000;
    assertEquals(504, a.status, a.toString());
    assertEquals("gateway_timeout", a.json().get("error").asText());
    assertTrue(took < 1500, "answered at the route's 300 ms timeout, not the backend's 2 s: " + took + " ms");
  }

  @Test
  void badBackendAnswersAre502() throws Exception {
    Answer status = fetch("/broken/status");
    assertEquals(502, status.status);
    assertEquals("bad_gateway", status.json().get("error").asText());
    assertFalse(status.body.contains("internal"), "the backend's error body is not leaked");
    Answer malformed = fetch("/broken/malformed");
    assertEquals(502, malformed.status, malformed.toString());
  }

  static String line(String requestId) {
    return accessLog.stream().filter(l -> l.contains("request_id=" + requestId + " ") || l.endsWith("request_id=" + requestId))
        .collect(Collectors.collectingAndThen(Collectors.toList(), l -> l.isEmpty() ? null : l.get(0)));
  }
}
