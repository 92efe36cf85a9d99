package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.mesh4j.api.CallFailedException;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.client.internal.HttpHeaders;
import io.mesh4j.client.internal.PathTemplate;
import io.mesh4j.client.internal.RoutePattern;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.CircuitState;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.RetryConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The request and response surface of the client, and its small helpers, on one WireMock backend. */
@Timeout(60)
class ClientSurfaceTest {
  private static Backends backends;
  private static ServiceMeshClient mesh;

  @BeforeAll
  static void start() {
    backends = Backends.withJournal(1);
    mesh = ServiceMeshClient.builder()
        .discovery(StaticServiceDiscovery.of("svc", backends.instances("svc")))
        .retry(r -> r.maxAttempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(1)))
        .outlierEjection(OutlierEjectionConfig.disabled())
        .circuitBreaker(CircuitBreakerConfig.disabled())
        .service("strict", s -> s.retry(RetryConfig.disabled()))
        .build();
  }

  @AfterAll
  static void stop() {
    mesh.close();
    mesh.close(); // idempotent
    backends.close();
  }

  @BeforeEach
  void stubs() {
    backends.get(0).resetAll();
    backends.get(0).stubFor(any(urlEqualTo("/user")).willReturn(okJson("{\"name\":\"ada\",\"age\":36}")
        .withHeader("X-Extra", "one")));
    backends.get(0).stubFor(any(urlEqualTo("/user?hard=true")).willReturn(okJson("{}")));
    backends.get(0).stubFor(any(urlEqualTo("/list")).willReturn(okJson("[1,2,3]")));
    backends.get(0).stubFor(any(urlEqualTo("/busy")).willReturn(aResponse().withStatus(503)));
    backends.get(0).stubFor(any(urlEqualTo("/broken")).willReturn(okJson("{not json")));
  }

  private static List<LoggedRequest> requests() {
    return backends.get(0).findAll(anyRequestedFor(anyUrl()));
  }

  /** A JSON body type. */
  public static final class User {
    public String name;
    public int age;
  }

  @Test
  void aResponseCarriesStatusHeadersBodyAndInstance() {
    MeshResponse r = mesh.service("svc").get("/user").execute();
    assertEquals(200, r.status());
    assertEquals("one", r.header("x-extra").orElseThrow());
    assertTrue(r.header("X-Missing").isEmpty());
    assertArrayEquals(r.bodyString().getBytes(StandardCharsets.UTF_8), r.bodyBytes());
    assertEquals("ada", r.as(User.class).name);
    assertEquals(36, r.as(new TypeReference<Map<String, Object>>() {}).get("age"));
    assertEquals("svc-0", r.instance().orElseThrow().id());
    assertFalse(r.fromCache());
    assertTrue(r.toString().startsWith("MeshResponse{200 from svc-0, "), r.toString());
    assertTrue(r.headers().containsKey("X-EXTRA"), "case-insensitive header names");
    assertEquals(List.of("one"), r.headers().get("x-extra"));
    assertEquals("one", r.header("X-Extra").orElseThrow(), "the same answer once the map is built");
    assertThrows(UnsupportedOperationException.class, () -> r.headers().put("x", List.of()));
    assertFalse(r.headers().containsKey("X-Cache"), "no X-Cache without a response cache");
  }

  @Test
  void bodiesGoOutAsJsonOrAsGiven() {
    User u = new User();
    u.name = "bob";
    u.age = 7;
    mesh.service("svc").post("/user").body(u).execute();
    mesh.service("svc").put("/user").body("raw".getBytes(StandardCharsets.UTF_8), "text/plain").execute();
    mesh.service("svc").patch("/user").execute();
    mesh.service("svc").delete("/user").query("hard", true).execute();
    mesh.service("svc").request("OPTIONS", "/user").execute();
    List<LoggedRequest> sent = requests();
    assertEquals("{\"name\":\"bob\",\"age\":7}", sent.get(0).getBodyAsString());
    assertTrue(sent.get(0).getHeader("Content-Type").startsWith("application/json"));
    assertEquals("raw", sent.get(1).getBodyAsString());
    assertEquals("text/plain", sent.get(1).getHeader("Content-Type"));
    assertEquals("", sent.get(2).getBodyAsString(), "an empty body for a PATCH without one");
    assertEquals("/user?hard=true", sent.get(3).getUrl());
    assertEquals("OPTIONS", sent.get(4).getMethod().getName());
  }

  @Test
  void postIsNotRetriedUnlessMarkedIdempotentGetIs() {
    assertEquals(503, assertThrows(CallFailedException.class, () -> mesh.service("svc").post("/busy").execute()).status());
    assertEquals(1, requests().size());
    assertThrows(CallFailedException.class, () -> mesh.service("svc").post("/busy").idempotent(true).execute());
    assertEquals(4, requests().size(), "3 attempts when marked idempotent");
    assertThrows(CallFailedException.class, () -> mesh.service("svc").get("/busy").idempotent(false).execute());
    assertEquals(5, requests().size());
    assertThrows(CallFailedException.class, () -> mesh.service("svc").get("/busy").execute());
    assertEquals(8, requests().size());
    assertThrows(io.mesh4j.api.NoInstanceAvailableException.class, () -> mesh.service("strict").get("/busy").execute());
    assertEquals(8, requests().size(), "'strict' has no discovery entry: nothing sent");
  }

  @Test
  void perServiceSettingsGetTheirOwnExecutor() {
    ServiceMeshClient perService = ServiceMeshClient.builder()
        .discovery(StaticServiceDiscovery.of("svc", backends.instances("svc")))
        .outlierEjection(OutlierEjectionConfig.disabled())
        .circuitBreaker(CircuitBreakerConfig.disabled())
        .service("svc", s -> s.retry(RetryConfig.disabled()))
        .build();
    try {
      assertThrows(CallFailedException.class, () -> perService.service("svc").get("/busy").execute());
      assertEquals(1, requests().size(), "the service's own policy: no retry");
      assertEquals(CircuitState.DISABLED, perService.circuitState("svc"));
      assertTrue(perService.outlierDetector("svc").ejected("svc").isEmpty());
    } finally {
      perService.close();
    }
  }

  @Test
  void asyncTerminalsMapTheBody() throws Exception {
    assertEquals("ada", mesh.service("svc").get("/user").asAsync(User.class).get(10, TimeUnit.SECONDS).name);
    assertEquals(List.of(1, 2, 3),
        mesh.service("svc").get("/list").asAsync(new TypeReference<List<Integer>>() {}).get(10, TimeUnit.SECONDS));
    CompletionException e = assertThrows(CompletionException.class,
        () -> mesh.service("svc").post("/busy").executeAsync().orTimeout(10, TimeUnit.SECONDS).join());
    assertEquals(503, assertInstanceOf(CallFailedException.class, e.getCause()).status());
    CompletionException bad = assertThrows(CompletionException.class,
        () -> mesh.service("svc").get("/users/{id}", "..").executeAsync().join());
    assertInstanceOf(IllegalArgumentException.class, bad.getCause());
  }

  @Test
  void syncTerminalsReadTheBody() throws Exception {
    assertEquals("[1,2,3]", mesh.service("svc").get("/list").asString());
    assertArrayEquals("[1,2,3]".getBytes(StandardCharsets.UTF_8), mesh.service("svc").get("/list").asBytes());
    assertEquals(List.of(1, 2, 3), mesh.service("svc").get("/list").as(new TypeReference<List<Integer>>() {}));
    try (java.io.InputStream in = mesh.service("svc").get("/list").asStream()) {
      assertEquals("[1,2,3]", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertEquals(503, assertThrows(CallFailedException.class,
        () -> mesh.service("svc").post("/busy").asStream()).status());
  }

  @Test
  void bodiesThatAreNotTheJsonAskedForAreNamedErrors() {
    MeshException e = assertThrows(MeshException.class, () -> mesh.service("svc").get("/broken").as(User.class));
    assertTrue(e.getMessage().startsWith("response of service 'svc' cannot be read as " + User.class.getName() + " at line 1"),
        e.getMessage());
    MeshException generic = assertThrows(MeshException.class,
        () -> mesh.service("svc").get("/broken").as(new TypeReference<List<Integer>>() {}));
    assertTrue(generic.getMessage().contains("cannot be read as java.util.List<java.lang.Integer>"), generic.getMessage());
    IllegalArgumentException unwritable = assertThrows(IllegalArgumentException.class,
        () -> mesh.service("svc").post("/user").body(new Object()));
    assertTrue(unwritable.getMessage().startsWith("request body of type java.lang.Object cannot be written as JSON"),
        unwritable.getMessage());
  }

  @Test
  void headersWithForbiddenCharactersAreRefusedWithoutShowingTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> mesh.service("svc").get("/user").header("X-Token", "sec\nret"));
    assertFalse(e.getMessage().contains("sec"), e.getMessage());
    assertTrue(e.getMessage().contains("X-Token"));
    IllegalArgumentException c = assertThrows(IllegalArgumentException.class, () -> Credential.header("X-Key", "ab\u007fc"));
    assertEquals("credential for header X-Key has an invalid character (0x7f) at index 2; value not shown", c.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Credential.bearer("a\u001fb"));
    assertEquals("Bearer a\tb ~", Credential.bearer("a\tb ~").value(), "tab, space and ~ are allowed");
    assertEquals("X-Key", Credential.header("X-Key", "k").headerName());
  }

  @Test
  void clientsAreCachedAndRefusedAfterClose() {
    assertSame(mesh.service("svc"), mesh.service("svc"));
    assertEquals("svc", mesh.service("svc").name());
    assertEquals("ServiceClient{svc}", mesh.service("svc").toString());
    assertEquals(backends.instances("svc"), mesh.service("svc").instances());
    assertFalse(mesh.service("svc").invalidateCached("/user"), "no response cache");
    assertEquals(0, mesh.service("svc").invalidateCachedMatching("/*"));
    okhttp3.OkHttpClient own = new okhttp3.OkHttpClient();
    ServiceMeshClient given = ServiceMeshClient.builder().discovery(StaticServiceDiscovery.of("svc", List.of()))
        .httpClient(own).build();
    // Built on the given client: its dispatcher and pool, plus the mesh's network interceptor.
    assertSame(own.dispatcher(), given.httpClient().dispatcher());
    assertSame(own.connectionPool(), given.httpClient().connectionPool());
    given.close();
    assertFalse(own.dispatcher().executorService().isShutdown(), "a given client is not closed");
    IllegalStateException closed = assertThrows(IllegalStateException.class, () -> given.service("svc"));
    assertTrue(closed.getMessage().contains("closed"));
    own.dispatcher().executorService().shutdown();
    assertTrue(mesh.toString().startsWith("ServiceMeshClient{discovery="), mesh.toString());
  }

  @Test
  void requireTlsReachesAPlainInstanceOverHttps() {
    ServiceMeshClient tls = ServiceMeshClient.builder()
        .discovery(StaticServiceDiscovery.of("svc", backends.instances("svc")))
        .retry(RetryConfig.disabled())
        .service("svc", s -> s.requireTls(true))
        .build();
    try {
      assertThrows(MeshException.class, () -> tls.service("svc").get("/user").execute());
      assertEquals(0, requests().size(), "no plain-text request went out");
    } finally {
      tls.close();
    }
  }

  @Test
  void pathTemplatesAndRoutePatterns() {
    PathTemplate t = PathTemplate.parse("/users/{id}/files/{name}");
    assertEquals(2, t.variableCount());
    assertEquals("/users/{id}/files/{name}", t.template());
    assertEquals("/users/{id}/files/{name}", t.toString());
    HttpUrl.Builder url = HttpUrl.get("http://h/").newBuilder();
    t.expandInto(url, new Object[] {"a-Z_0.9~", "x y"});
    assertEquals("/users/a-Z_0.9~/files/x%20y", url.build().encodedPath());
    assertSame(t, PathTemplate.parse("/users/{id}/files/{name}"), "parsed once, not per call");
    // Past the cache's bound templates are still parsed, and bad ones still refused every time.
    for (int i = 0; i < 1100; i++) {
      assertEquals("/many/" + i, PathTemplate.parse("/many/" + i).template());
    }
    assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse("users"));
    assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse("users"));
    assertThrows(IllegalArgumentException.class, () -> t.expandInto(HttpUrl.get("http://h/").newBuilder(),
        new Object[] {"only one"}));
    assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse("/users/{}"));
    assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse("/users/{id"));
    assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse("/users/id}"));
    assertThrows(IllegalArgumentException.class, () -> t.expandInto(HttpUrl.get("http://h/").newBuilder(), new Object[] {"."}));
    assertThrows(IllegalArgumentException.class,
        () -> t.expandInto(HttpUrl.get("http://h/").newBuilder(), new Object[] {"1", "."}));
    HttpUrl.Builder empty = HttpUrl.get("http://h/").newBuilder();
    PathTemplate.parse("/v/{x}").expandInto(empty, new Object[] {""});
    assertEquals("/v/", empty.build().encodedPath());

    RoutePattern p = RoutePattern.parse("/users/{id}/*");
    assertTrue(p.matches("/users/42/orders"));
    assertTrue(p.matches("/users/42/orders/"));
    assertFalse(p.matches("/users/42"));
    assertFalse(p.matches("/users/42/orders/7"));
    assertFalse(p.matches("/people/42/orders"));
    RoutePattern rest = RoutePattern.parse("/static/**");
    assertTrue(rest.matches("/static/a/b/c"));
    assertTrue(rest.matches("/static"));
    assertFalse(rest.matches("/other/a"));
    assertTrue(RoutePattern.parse("/").matches("/"));
    assertFalse(RoutePattern.parse("/").matches("/a"));
    assertEquals("/static/**", rest.toString());
  }

  @Test
  void headerHelpers() {
    assertTrue(HttpHeaders.isHopByHop("Keep-Alive"));
    assertTrue(HttpHeaders.isHopByHop("TE"));
    assertFalse(HttpHeaders.isHopByHop("X-Request-ID"));
    for (int i = 0; i < 20; i++) {
      String id = HttpHeaders.newRequestId();
      assertTrue(id.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), id);
    }
  }

  @Test
  void cachedResponsesAreCheckedAndCopied() {
    byte[] body = {1, 2, 3};
    CachedResponse c = new CachedResponse(200, "text/plain", body);
    body[0] = 9;
    assertEquals(1, c.body()[0], "a copy was kept");
    c.body()[1] = 9;
    assertEquals(2, c.body()[1], "a copy is given");
    assertEquals(200, c.status());
    assertEquals("text/plain", c.contentType());
    assertEquals("CachedResponse{200, text/plain, 3 bytes}", c.toString());
    assertEquals(0, new CachedResponse(599, null, null).body().length);
    assertThrows(IllegalArgumentException.class, () -> new CachedResponse(99, null, null));
    assertThrows(IllegalArgumentException.class, () -> new CachedResponse(600, null, null));
  }
}
