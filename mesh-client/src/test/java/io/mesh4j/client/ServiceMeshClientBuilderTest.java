package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.resilience.BulkheadConfig;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.HedgingConfig;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.RateLimiterConfig;
import io.mesh4j.resilience.RetryBudgetConfig;
import io.mesh4j.resilience.RetryConfig;
import io.mesh4j.resilience.TimeoutConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ServiceMeshClient.Builder}: each check and its message, the OkHttp client it creates
 * (or takes and leaves open), and the settings that reach the calls.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServiceMeshClientBuilderTest {
  Backends backends;
  StaticServiceDiscovery discovery;

  @BeforeEach
  void start() {
    backends = Backends.withJournal(1);
    backends.get(0).stubFor(any(urlPathMatching("/.*")).willReturn(okJson("{\"user_name\":\"ada\"}")));
    discovery = StaticServiceDiscovery.of("svc", backends.instances("svc"));
  }

  @AfterEach
  void stop() {
    backends.close();
  }

  private ServiceMeshClient.Builder builder() {
    return ServiceMeshClient.builder().discovery(discovery);
  }

  private List<LoggedRequest> requests() {
    return backends.get(0).findAll(anyRequestedFor(anyUrl()));
  }

  @Test
  void discoveryIsRequired() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ServiceMeshClient.builder().build());
    assertEquals("discovery must be set (a ConsulDiscovery, a StaticServiceDiscovery, ...)", e.getMessage());
  }

  @Test
  void aCacheRouteNeedsAResponseCache() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> builder().cacheRoute("svc", "/x").build());
    assertEquals("cacheRoute needs responseCache(...) to be set", e.getMessage());
    assertThrows(IllegalStateException.class, () -> builder().cacheRoute("svc", "/x", Duration.ofSeconds(1)).build());
    assertThrows(IllegalArgumentException.class, () -> builder().cacheRoute(" ", "/x"));
    assertThrows(IllegalArgumentException.class, () -> builder().cacheRoute("svc", "/x", Duration.ZERO));
  }

  @Test
  void settingsOfTheCreatedClientAreRefusedBesideAGivenClient() {
    OkHttpClient given = new OkHttpClient();
    for (String setting : List.of("maxRequests", "maxRequestsPerHost", "connectTimeout")) {
      ServiceMeshClient.Builder b = builder().httpClient(given);
      switch (setting) {
        case "maxRequests" -> b.maxRequests(10);
        case "maxRequestsPerHost" -> b.maxRequestsPerHost(10);
        default -> b.connectTimeout(Duration.ofSeconds(1));
      }
      IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
      assertEquals("[" + setting + "] configure the OkHttp client the mesh creates; with httpClient(...) given,"
          + " set them on that client", e.getMessage());
    }
  }

  @Test
  void theRequestLimitsAreAtLeastOne() {
    IllegalArgumentException all = assertThrows(IllegalArgumentException.class, () -> builder().maxRequests(0));
    assertEquals("maxRequests must be >= 1, was 0", all.getMessage());
    IllegalArgumentException perHost = assertThrows(IllegalArgumentException.class,
        () -> builder().maxRequestsPerHost(0));
    assertEquals("maxRequestsPerHost must be >= 1, was 0", perHost.getMessage());
    assertThrows(IllegalArgumentException.class, () -> builder().connectTimeout(Duration.ZERO));
    try (ServiceMeshClient m = builder().maxRequests(1).maxRequestsPerHost(1).build()) {
      assertEquals(1, m.httpClient().dispatcher().getMaxRequests());
      assertEquals(1, m.httpClient().dispatcher().getMaxRequestsPerHost());
    }
  }

  @Test
  void theCreatedClientHasTheDocumentedDefaultsAndIsClosedWithTheMesh() {
    ServiceMeshClient m = builder().build();
    OkHttpClient http = m.httpClient();
    assertEquals(ServiceMeshClient.Builder.DEFAULT_MAX_REQUESTS, http.dispatcher().getMaxRequests());
    assertEquals(ServiceMeshClient.Builder.DEFAULT_MAX_REQUESTS, http.dispatcher().getMaxRequestsPerHost());
    assertEquals(500, http.connectTimeoutMillis());
    assertEquals(0, http.readTimeoutMillis());
    assertEquals(0, http.writeTimeoutMillis());
    assertEquals(0, http.callTimeoutMillis());
    assertFalse(http.retryOnConnectionFailure());
    assertFalse(http.followRedirects());
    m.close();
    assertTrue(http.dispatcher().executorService().isShutdown(), "the mesh created it: the mesh closes it");
    IllegalStateException closed = assertThrows(IllegalStateException.class, () -> m.service("svc"));
    assertEquals("ServiceMeshClient is closed", closed.getMessage());
  }

  @Test
  void theCreatedClientTakesItsSettings() {
    try (ServiceMeshClient m = builder().maxRequests(7).maxRequestsPerHost(3)
        .connectTimeout(Duration.ofMillis(1234)).build()) {
      assertEquals(7, m.httpClient().dispatcher().getMaxRequests());
      assertEquals(3, m.httpClient().dispatcher().getMaxRequestsPerHost());
      assertEquals(1234, m.httpClient().connectTimeoutMillis());
    }
  }

  @Test
  void aGivenClientIsUsedAndLeftOpen() {
    OkHttpClient given = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(3)).build();
    ServiceMeshClient m = builder().httpClient(given).build();
    assertSame(given.dispatcher(), m.httpClient().dispatcher(), "same dispatcher");
    assertSame(given.connectionPool(), m.httpClient().connectionPool(), "same pool");
    assertEquals(3000, m.httpClient().readTimeoutMillis());
    assertEquals(200, m.service("svc").get("/x").execute().status());
    m.close();
    m.close();
    assertFalse(given.dispatcher().executorService().isShutdown(), "the caller's client stays open");
    given.dispatcher().executorService().shutdown();
  }

  @Test
  void defaultHeadersGoOnEveryRequestAndARequestsOwnHeaderReplacesThem() {
    try (ServiceMeshClient m = builder().defaultHeader("X-Team", "core").defaultHeader("X-Env", "test").build()) {
      m.service("svc").get("/a").execute();
      m.service("svc").get("/b").header("X-Team", "edge").execute();
    }
    List<LoggedRequest> r = requests();
    assertEquals("core", r.get(0).getHeader("X-Team"));
    assertEquals("test", r.get(0).getHeader("X-Env"));
    assertEquals(List.of("edge"), r.get(1).header("X-Team").values(), "replaced, not added");
    assertEquals("test", r.get(1).getHeader("X-Env"));
  }

  @Test
  void defaultHeadersAreChecked() {
    IllegalArgumentException hop = assertThrows(IllegalArgumentException.class,
        () -> builder().defaultHeader("Connection", "close"));
    assertEquals("defaultHeader Connection is hop-by-hop and would be removed", hop.getMessage());
    assertThrows(IllegalArgumentException.class, () -> builder().defaultHeader(" ", "v"));
    assertThrows(NullPointerException.class, () -> builder().defaultHeader("X-A", null));
  }

  @Test
  void interceptorsRunOnEveryAttempt() {
    AtomicInteger seen = new AtomicInteger();
    try (ServiceMeshClient m = builder().interceptor(chain -> {
      seen.incrementAndGet();
      return chain.proceed(chain.request().newBuilder().header("X-Intercepted", "yes").build());
    }).build()) {
      m.service("svc").get("/a").execute();
      m.service("svc").get("/b").execute();
    }
    assertEquals(2, seen.get());
    assertEquals("yes", requests().get(0).getHeader("X-Intercepted"));
  }

  @Test
  void theObjectMapperGivenReadsTheBodies() {
    ObjectMapper snake = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    try (ServiceMeshClient m = builder().objectMapper(snake).build()) {
      assertEquals("ada", m.service("svc").get("/u").as(User.class).userName);
    }
  }

  /** A body read through a snake_case mapper. */
  public static final class User {
    public String userName;
  }

  @Test
  void allowedInstanceAddressesNeedsARangeAndDropsInstancesOutsideIt() {
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
        () -> builder().allowedInstanceAddresses());
    assertEquals("allowedInstanceAddresses needs at least one range, e.g. 10.0.0.0/8", none.getMessage());
    try (ServiceMeshClient inside = builder().allowedInstanceAddresses("127.0.0.0/8").build();
        ServiceMeshClient outside = builder().allowedInstanceAddresses("10.0.0.0/8").build()) {
      assertEquals(1, inside.service("svc").instances().size());
      assertEquals(200, inside.service("svc").get("/a").execute().status());
      assertEquals(List.of(), outside.service("svc").instances());
      assertThrows(RuntimeException.class, () -> outside.service("svc").get("/a").execute());
    }
  }

  @Test
  void everySetterChainsAndTheSettingsReachTheClient() {
    InMemoryResponseCache cache = new InMemoryResponseCache();
    ServiceMeshClient.Builder b = ServiceMeshClient.builder();
    assertSame(b, b.discovery(discovery));
    assertSame(b, b.loadBalancer(LoadBalancer.roundRobin()));
    assertSame(b, b.retry(RetryConfig.defaults()));
    assertSame(b, b.retry(r -> r.maxAttempts(2)));
    assertSame(b, b.retryBudget(RetryBudgetConfig.defaults()));
    assertSame(b, b.outlierEjection(OutlierEjectionConfig.defaults()));
    assertSame(b, b.circuitBreaker(CircuitBreakerConfig.defaults()));
    assertSame(b, b.circuitBreaker(c -> c));
    assertSame(b, b.timeouts(TimeoutConfig.defaults()));
    assertSame(b, b.bulkhead(BulkheadConfig.defaults()));
    assertSame(b, b.rateLimiter(RateLimiterConfig.disabled()));
    assertSame(b, b.hedging(HedgingConfig.disabled()));
    assertSame(b, b.maxResponseBytes(1000));
    assertSame(b, b.service("svc", s -> s.allowCleartextCredentials(true)));
    assertSame(b, b.maxRequests(9));
    assertSame(b, b.maxRequestsPerHost(9));
    assertSame(b, b.connectTimeout(Duration.ofSeconds(1)));
    assertSame(b, b.objectMapper(new ObjectMapper()));
    assertSame(b, b.defaultHeader("X-A", "b"));
    assertSame(b, b.interceptor(chain -> chain.proceed(chain.request())));
    assertSame(b, b.credentialsForAllServices(CredentialsProvider.bearer(() -> "t1")));
    @SuppressWarnings("deprecation")
    ServiceMeshClient.Builder deprecated = b.credentials(CredentialsProvider.bearer(() -> "t2"));
    assertSame(b, deprecated);
    assertSame(b, b.allowedInstanceAddresses("127.0.0.0/8"));
    assertSame(b, b.responseCache(cache, Duration.ofSeconds(1)));
    assertSame(b, b.responseCache(cache, ResponseCacheConfig.withDefaultTtl(Duration.ofSeconds(1))));
    assertSame(b, b.responseCache(cache.asTwoLevel(), Duration.ofSeconds(1)));
    assertSame(b, b.responseCache(cache.asTwoLevel(), ResponseCacheConfig.withDefaultTtl(Duration.ofSeconds(1))));
    assertSame(b, b.cacheRoute("svc", "/x"));
    assertSame(b, b.cacheRoute("svc", "/y", Duration.ofSeconds(1)));
    assertSame(b, b.listener(new io.mesh4j.api.MeshEventListener() {}));
    assertSame(b, b.observer(CallObserver.none()));
    assertSame(b, b.ticker(io.mesh4j.api.Ticker.system()));
    try (ServiceMeshClient m = b.build()) {
      assertEquals(200, m.service("svc").get("/x").execute().status());
      assertEquals("Bearer t2", requests().get(0).getHeader("Authorization"), "the last credentials set");
      assertEquals("b", requests().get(0).getHeader("X-A"));
      assertTrue(m.toString().startsWith("ServiceMeshClient{discovery="), m.toString());
      assertNotSame(m.service("svc"), m.service("other"));
      assertSame(m.service("svc"), m.service("svc"));
    }
  }

  @Test
  void theLargestResponseBodyIsTheServicesThenTheClientsThenTheDefault() {
    try (ServiceMeshClient m = builder().maxResponseBytes(100).service("small", s -> s.maxResponseBytes(5))
        .service("plain", s -> s.retry(RetryConfig.disabled())).build()) {
      assertEquals(5, m.maxResponseBytes("small"));
      assertEquals(100, m.maxResponseBytes("plain"));
      assertEquals(100, m.maxResponseBytes("svc"));
    }
    try (ServiceMeshClient m = builder().build()) {
      assertEquals(ServiceMeshClient.Builder.DEFAULT_MAX_RESPONSE_BYTES, m.maxResponseBytes("svc"));
      assertEquals(16L * 1024 * 1024, ServiceMeshClient.Builder.DEFAULT_MAX_RESPONSE_BYTES);
    }
  }

  @Test
  void hedgingIsTheServicesThenTheClientsSetting() {
    try (ServiceMeshClient m = builder().hedging(HedgingConfig.fixedDelay(Duration.ofMillis(50)))
        .service("off", s -> s.hedging(HedgingConfig.disabled()))
        .service("other", s -> s.retry(RetryConfig.disabled())).build()) {
      assertTrue(m.hedged("svc"));
      assertTrue(m.hedged("other"), "a service with other settings keeps the client's hedging");
      assertFalse(m.hedged("off"));
    }
    try (ServiceMeshClient m = builder().service("on", s -> s.hedging(HedgingConfig.fixedDelay(Duration.ofMillis(50))))
        .build()) {
      assertFalse(m.hedged("svc"), "off by default");
      assertTrue(m.hedged("on"));
    }
  }

  @Test
  void tlsIsRequiredOfServicesWithTlsMaterialOrAskingForIt() throws Exception {
    okhttp3.tls.HeldCertificate ca = new okhttp3.tls.HeldCertificate.Builder().certificateAuthority(0).build();
    okhttp3.tls.HandshakeCertificates trust = new okhttp3.tls.HandshakeCertificates.Builder()
        .addTrustedCertificate(ca.certificate()).build();
    try (ServiceMeshClient m = builder()
        .service("secure", s -> s.tls(ServiceTls.trusting(trust.trustManager())))
        .service("strict", s -> s.requireTls(true))
        .service("loose", s -> s.requireTls(false)).build()) {
      assertTrue(m.requireTls("secure"));
      assertTrue(m.requireTls("strict"));
      assertFalse(m.requireTls("loose"));
      assertFalse(m.requireTls("svc"));
      assertNotSame(m.httpClient(), m.http("secure"), "its own client for its TLS material");
      assertSame(m.httpClient().dispatcher(), m.http("secure").dispatcher());
      assertSame(m.httpClient(), m.http("strict"));
      assertSame(m.httpClient(), m.http("svc"));
    }
  }

  @Test
  void faultsAreNamedPerServiceAndBlankNamesRefused() {
    try (ServiceMeshClient m = builder().build()) {
      assertSame(m.faults("svc"), m.faults("svc"));
      assertEquals("svc", m.faults("svc").serviceName());
      assertThrows(IllegalArgumentException.class, () -> m.faults(" "));
      assertThrows(IllegalArgumentException.class, () -> m.service(""));
    }
  }

  @Test
  void aMapWithTheServicesInstancesIsWhatDiscoveryGives() {
    try (ServiceMeshClient m = ServiceMeshClient.builder()
        .discovery(StaticServiceDiscovery.of(Map.of("a", backends.instances("a")))).build()) {
      assertEquals(backends.instances("a"), m.service("a").instances());
    }
  }
}
