package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.mesh4j.api.CallFailedException;
import io.mesh4j.api.StaticServiceDiscovery;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Headers, credentials, OAuth2, path templates and bad input, on one WireMock backend. */
class RequestAndCredentialsTest {
  Backends backends;
  StaticServiceDiscovery discovery;

  @BeforeEach
  void start() {
    backends = Backends.withJournal(1);
    backends.get(0).stubFor(any(anyUrl()).willReturn(okJson("{\"ok\":true}")));
    discovery = StaticServiceDiscovery.of("svc", backends.instances("svc"));
  }

  @AfterEach
  void stop() {
    backends.close();
  }

  private List<LoggedRequest> requests() {
    return backends.get(0).findAll(anyRequestedFor(anyUrl()));
  }

  @Test
  void requestIdIsKeptOrGeneratedAndDefaultHeadersSent() {
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery).defaultHeader("X-Caller", "tests").build()) {
      MeshResponse r = mesh.service("svc").get("/a").header("X-Request-ID", "req-123").execute();
      assertEquals("req-123", r.requestId());
      MeshResponse generated = mesh.service("svc").get("/b").execute();
      assertTrue(generated.requestId().matches("[0-9a-f-]{36}"), generated.requestId());
    }
    List<LoggedRequest> reqs = requests();
    assertEquals("req-123", reqs.get(0).getHeader("X-Request-ID"));
    assertNotNull(reqs.get(1).getHeader("X-Request-ID"));
    assertEquals("tests", reqs.get(1).getHeader("X-Caller"));
  }

  @Test
  void hopByHopHeadersAreRefused() {
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery).build()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> mesh.service("svc").get("/a").header("Connection", "close"));
      assertTrue(e.getMessage().contains("Connection"));
      assertThrows(IllegalArgumentException.class, () -> mesh.service("svc").get("/a").header("Transfer-Encoding", "chunked"));
    }
    assertThrows(IllegalArgumentException.class,
        () -> ServiceMeshClient.builder().defaultHeader("Keep-Alive", "timeout=5"));
  }

  @Test
  void pathValuesAndQueryAreEncoded() {
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery).build()) {
      mesh.service("svc").get("/users/{id}/files/{name}", 42, "a b/../c").query("q", "x&y=z").execute();
    }
    assertEquals("/users/42/files/a%20b%2F..%2Fc?q=x%26y%3Dz", requests().get(0).getUrl());
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery).build()) {
      assertMessage(IllegalArgumentException.class, "'..'", () -> mesh.service("svc").get("/users/{id}/x", "..").execute());
    }
    assertEquals(1, requests().size(), "a dot-segment value never leaves the client");
  }

  @Test
  void credentialRotationNeedsNoRestartAndIsNeverShown() {
    AtomicReference<String> token = new AtomicReference<>("token-one");
    backends.get(0).resetAll();
    backends.get(0).stubFor(any(anyUrl()).withHeader("Authorization", equalTo("Bearer token-one")).willReturn(okJson("{}")));
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery)
        .service("svc", s -> s.credentials(CredentialsProvider.bearer(token::get)).allowCleartextCredentials(true)).build()) {
      for (int i = 0; i < 5; i++) {
        mesh.service("svc").get("/me").execute();
      }
      token.set("token-two");
      CallFailedException e = assertThrows(CallFailedException.class, () -> mesh.service("svc").get("/me").execute());
      assertEquals(404, e.status());
      assertFalse(e.getMessage().contains("token-two") || e.toString().contains("token-two"));
      backends.get(0).stubFor(any(anyUrl()).withHeader("Authorization", equalTo("Bearer token-two"))
          .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Bearer").withHeader("Authorization", "Bearer token-two")));
      CallFailedException unauthorized = assertThrows(CallFailedException.class, () -> mesh.service("svc").get("/me").execute());
      assertEquals(401, unauthorized.status());
      assertFalse(unauthorized.headers().toString().contains("token-two"), unauthorized.headers().toString());
      assertFalse(unauthorized.getMessage().contains("token-two"));
    }
    List<LoggedRequest> reqs = requests();
    assertEquals(7, reqs.size());
    assertEquals("Bearer token-one", reqs.get(4).getHeader("Authorization"));
    assertEquals("Bearer token-two", reqs.get(5).getHeader("Authorization"));
  }

  @Test
  void apiKeyCredential() {
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery)
        .service("svc", s -> s.credentials(CredentialsProvider.apiKey("X-Api-Key", () -> "k-1")).allowCleartextCredentials(true)).build()) {
      mesh.service("svc").get("/a").execute();
    }
    assertEquals("k-1", requests().get(0).getHeader("X-Api-Key"));
    assertEquals("Credential{X-Api-Key: <redacted>}", Credential.header("X-Api-Key", "k-1").toString());
  }

  @Test
  void oauth2TokensAreCachedUntilShortlyBeforeExpiry() {
    backends.get(0).stubFor(post(urlEqualTo("/oauth/token"))
        .willReturn(okJson("{\"access_token\":\"tok-A\",\"token_type\":\"Bearer\",\"expires_in\":120}")));
    AtomicLong now = new AtomicLong(0);
    OAuth2ClientCredentials oauth = CredentialsProvider.oauth2ClientCredentials()
        .tokenUrl(backends.get(0).baseUrl() + "/oauth/token").clientId("mesh").clientSecret("s3cret").allowCleartextTokenUrl(true)
        .refreshBefore(Duration.ofSeconds(30)).ticker(now::get).build();
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery).service("svc", s -> s.credentials(oauth).allowCleartextCredentials(true)).build()) {
      for (int i = 0; i < 5; i++) {
        mesh.service("svc").get("/data").execute();
      }
      assertEquals(1, oauth.fetchCount());
      now.addAndGet(Duration.ofSeconds(89).toNanos());
      mesh.service("svc").get("/data").execute();
      assertEquals(1, oauth.fetchCount(), "still 31 s before expiry");
      now.addAndGet(Duration.ofSeconds(2).toNanos());
      mesh.service("svc").get("/data").execute();
      assertEquals(2, oauth.fetchCount(), "refreshed 29 s before expiry");
    }
    List<LoggedRequest> token = backends.get(0).findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(urlEqualTo("/oauth/token")));
    assertTrue(token.get(0).getBodyAsString().contains("grant_type=client_credentials"));
    assertTrue(token.get(0).getHeader("Authorization").startsWith("Basic "));
    assertFalse(oauth.toString().contains("s3cret"));
  }

  @Test
  void oauth2EndpointFailureDoesNotLeakTheSecret() {
    backends.get(0).stubFor(post(urlEqualTo("/oauth/token")).willReturn(aResponse().withStatus(500)));
    OAuth2ClientCredentials oauth = CredentialsProvider.oauth2ClientCredentials()
        .tokenUrl(backends.get(0).baseUrl() + "/oauth/token").clientId("mesh").clientSecret("s3cret").allowCleartextTokenUrl(true).build();
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery).service("svc", s -> s.credentials(oauth).allowCleartextCredentials(true)).build()) {
      RuntimeException e = assertThrows(RuntimeException.class, () -> mesh.service("svc").get("/data").execute());
      for (Throwable c = e; c != null; c = c.getCause()) {
        assertFalse(String.valueOf(c.getMessage()).contains("s3cret"), c.toString());
      }
    }
  }

  @Test
  void nonSuccessStatusBecomesCallFailedWithBoundedBody() {
    backends.get(0).stubFor(any(urlEqualTo("/missing")).willReturn(aResponse().withStatus(404).withBody("x".repeat(10_000))));
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery).build()) {
      CallFailedException e = assertThrows(CallFailedException.class, () -> mesh.service("svc").get("/missing").as(Map.class));
      assertEquals(404, e.status());
      assertEquals("svc", e.serviceName());
      assertTrue(e.bodyExcerpt().length() < 1200);
    }
  }

  @Test
  void perRequestMaxAttempts() {
    backends.get(0).stubFor(any(urlEqualTo("/busy")).willReturn(aResponse().withStatus(503)));
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery)
        .retry(r -> r.maxAttempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(2)))
        .outlierEjection(io.mesh4j.resilience.OutlierEjectionConfig.disabled())
        .circuitBreaker(io.mesh4j.resilience.CircuitBreakerConfig.disabled()).build()) {
      assertEquals(503, assertThrows(CallFailedException.class, () -> mesh.service("svc").get("/busy").execute()).status());
      assertEquals(3, requests().size(), "the policy's 3 attempts");
      assertThrows(CallFailedException.class, () -> mesh.service("svc").get("/busy").maxAttempts(1).execute());
      assertEquals(4, requests().size(), "one attempt with maxAttempts(1)");
      assertThrows(IllegalArgumentException.class, () -> mesh.service("svc").get("/busy").maxAttempts(0));
    }
  }

  @Test
  void aHungTokenEndpointFailsTheCallInsteadOfHangingIt() {
    backends.get(0).stubFor(post(urlEqualTo("/oauth/token"))
        .willReturn(okJson("{\"access_token\":\"t\",\"expires_in\":60}").withFixedDelay(5_000)));
    OAuth2ClientCredentials oauth = CredentialsProvider.oauth2ClientCredentials()
        .tokenUrl(backends.get(0).baseUrl() + "/oauth/token").clientId("mesh").clientSecret("s3cret").allowCleartextTokenUrl(true)
        .requestTimeout(Duration.ofMillis(300)).build();
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery).service("svc", s -> s.credentials(oauth).allowCleartextCredentials(true)).build()) {
      long t0 = System.nanoTime();
      assertThrows(RuntimeException.class, () -> mesh.service("svc").get("/data").execute());
      long tookMs = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(tookMs < 3_000, "failed after " + tookMs + " ms, not after the endpoint's 5 s");
    }
  }

  @Test
  void aBadCredentialValueIsRefusedWithoutShowingIt() {
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery)
        .service("svc", s -> s.credentials(CredentialsProvider.apiKey("X-My-Key", () -> "sk-SECRET-123\n")).allowCleartextCredentials(true)).build()) {
      RuntimeException e = assertThrows(RuntimeException.class, () -> mesh.service("svc").get("/a").execute());
      for (Throwable c = e; c != null; c = c.getCause()) {
        assertFalse(String.valueOf(c.getMessage()).contains("sk-SECRET"), c.toString());
      }
      IllegalArgumentException h = assertThrows(IllegalArgumentException.class,
          () -> mesh.service("svc").get("/a").header("X-Vault-Token", "hvs.SECRET\u0001"));
      assertFalse(h.getMessage().contains("hvs.SECRET"), h.getMessage());
    }
  }

  @Test
  void aSlowStreamOutlivesTheAttemptTimeout() throws Exception {
    // 20 chunks of 1,000 bytes, 75 ms apart: 1.5 s to read in all, never 500 ms without a byte.
    com.sun.net.httpserver.HttpServer slow = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 8);
    slow.createContext("/big", ex -> {
      ex.sendResponseHeaders(200, 0);
      try (java.io.OutputStream out = ex.getResponseBody()) {
        for (int i = 0; i < 20; i++) {
          out.write("x".repeat(1_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          out.flush();
          Thread.sleep(75);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    slow.start();
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(StaticServiceDiscovery.of(
            io.mesh4j.api.ServiceInstance.newBuilder().serviceName("slow").host("127.0.0.1").port(slow.getAddress().getPort()).build()))
        .build();
        java.io.InputStream in = mesh.service("slow").get("/big").timeout(Duration.ofMillis(500)).asStream()) {
      long t0 = System.nanoTime();
      assertEquals(20_000, in.readAllBytes().length);
      assertTrue(System.nanoTime() - t0 > Duration.ofMillis(900).toNanos(), "reading took longer than the attempt timeout");
    } finally {
      slow.stop(0);
    }
  }

  @Test
  void givenHttpClientRefusesSettingsOfTheCreatedOne() {
    okhttp3.OkHttpClient own = new okhttp3.OkHttpClient();
    try {
      assertMessage(IllegalStateException.class, "maxRequestsPerHost",
          () -> ServiceMeshClient.builder().discovery(discovery).httpClient(own).maxRequestsPerHost(10).build());
    } finally {
      own.dispatcher().executorService().shutdown();
    }
  }

  @Test
  void badBuilderInputNamesTheSetting() {
    assertMessage(IllegalStateException.class, "discovery", () -> ServiceMeshClient.builder().build());
    assertMessage(IllegalArgumentException.class, "maxRequestsPerHost", () -> ServiceMeshClient.builder().maxRequestsPerHost(0));
    assertMessage(IllegalArgumentException.class, "connectTimeout", () -> ServiceMeshClient.builder().connectTimeout(Duration.ZERO));
    assertMessage(NullPointerException.class, "loadBalancer", () -> ServiceMeshClient.builder().loadBalancer(null));
    assertMessage(IllegalStateException.class, "responseCache",
        () -> ServiceMeshClient.builder().discovery(discovery).cacheRoute("svc", "/users/*", Duration.ofSeconds(5)).build());
    assertMessage(IllegalArgumentException.class, "route pattern", () -> ServiceMeshClient.builder().cacheRoute("svc", "users", Duration.ofSeconds(1)));
    assertMessage(IllegalArgumentException.class, "maxAttempts",
        () -> ServiceMeshClient.builder().retry(r -> r.maxAttempts(0)));
    assertMessage(NullPointerException.class, "clientSecret",
        () -> CredentialsProvider.oauth2ClientCredentials().tokenUrl("http://127.0.0.1:1/t").clientId("a").build());
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery).build()) {
      assertMessage(IllegalArgumentException.class, "needs 1 values", () -> mesh.service("svc").get("/users/{id}"));
      assertMessage(IllegalArgumentException.class, "path", () -> mesh.service("svc").get("users"));
      assertMessage(IllegalArgumentException.class, "serviceName", () -> mesh.service(" "));
    }
  }

  static void assertMessage(Class<? extends Throwable> type, String fragment, Runnable r) {
    Throwable t = assertThrows(type, r::run);
    assertTrue(String.valueOf(t.getMessage()).contains(fragment), () -> "'" + t.getMessage() + "' should name " + fragment);
  }
}
