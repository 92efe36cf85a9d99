package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.testkit.RedisClusterExtension;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 11, item 7: the shared response cache must not hand one caller's variant or session to
 * another. Real Redis Cluster, WireMock backend.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResponseCachePoisoningTest {
  @RegisterExtension
  static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  Backends backends;
  DistributedCache<CachedResponse> cache;
  ServiceMeshClient mesh;

  @BeforeEach
  void start() {
    backends = Backends.withJournal(1);
    cache = DistributedCache.builder(CachedResponse.class)
        .seedNodes(REDIS.cluster().seedNodeStrings().toArray(new String[0]))
        .namespace("poison-" + UUID.randomUUID().toString().substring(0, 8))
        .build();
    mesh = ServiceMeshClient.builder().discovery(StaticServiceDiscovery.of("pages", backends.instances("pages")))
        .responseCache(cache, Duration.ofSeconds(60))
        .cacheRoute("pages", "/**")
        .build();
  }

  @AfterEach
  void stop() {
    mesh.close();
    cache.close();
    backends.close();
  }

  private MeshResponse call(String path, String... headers) {
    MeshRequest r = mesh.service("pages").get(path);
    for (int i = 0; i < headers.length; i += 2) {
      r.header(headers[i], headers[i + 1]);
    }
    return r.execute();
  }

  @Test
  void anEvilHostAndFrenchAnswerIsNotServedToTheNextPlainCaller() {
    backends.get(0).stubFor(get(urlEqualTo("/home")).withHeader("Accept-Language", equalTo("fr"))
        .willReturn(okJson("{\"greeting\":\"bonjour, see http://evil.example/login\"}").withHeader("Vary", "Accept-Language")));
    backends.get(0).stubFor(get(urlEqualTo("/home")).withHeader("Accept-Language", absent())
        .willReturn(okJson("{\"greeting\":\"hello\"}").withHeader("Vary", "Accept-Language")));
    MeshResponse attacker = call("/home", "Host", "evil.example", "Accept-Language", "fr");
    assertTrue(attacker.bodyString().contains("bonjour"), attacker.bodyString());
    MeshResponse plain = call("/home");
    assertEquals("{\"greeting\":\"hello\"}", plain.bodyString(), "the plain caller gets the plain answer");
    assertFalse(plain.fromCache());
    // And each variant is then served from the cache to callers that ask for it.
    call("/home");
    assertTrue(call("/home").fromCache());
    assertTrue(call("/home", "Host", "evil.example", "Accept-Language", "fr").bodyString().contains("bonjour"));
  }

  @Test
  void theAnswersVaryHeaderIsHonouredForHeadersOutsideTheKey() {
    backends.get(0).stubFor(get(urlEqualTo("/tenant")).withHeader("X-Tenant", equalTo("a"))
        .willReturn(okJson("{\"tenant\":\"a\"}").withHeader("Vary", "Accept, X-Tenant")));
    backends.get(0).stubFor(get(urlEqualTo("/tenant")).withHeader("X-Tenant", equalTo("b"))
        .willReturn(okJson("{\"tenant\":\"b\"}").withHeader("Vary", "accept").withHeader("Vary", "x-tenant")));
    assertEquals("{\"tenant\":\"a\"}", call("/tenant", "X-Tenant", "a").bodyString());
    MeshResponse b = call("/tenant", "X-Tenant", "b");
    assertEquals("{\"tenant\":\"b\"}", b.bodyString(), "tenant b never gets tenant a's answer");
    assertFalse(b.fromCache());
    MeshResponse bAgain = call("/tenant", "X-Tenant", "b");
    assertTrue(bAgain.fromCache(), "the same tenant hits");
    assertEquals("{\"tenant\":\"b\"}", bAgain.bodyString());
  }

  @Test
  void anAnswerSettingACookieIsNeverStored() {
    backends.get(0).stubFor(get(urlEqualTo("/login")).willReturn(okJson("{\"user\":\"caller-1\"}")
        .withHeader("Set-Cookie", "session=caller-1-secret; HttpOnly")));
    call("/login");
    MeshResponse second = call("/login");
    assertFalse(second.fromCache(), "caller 2 never gets caller 1's session answer");
    assertEquals("MISS", second.header("X-Cache").orElseThrow());
    assertEquals(2, backends.received(0));
  }

  @Test
  void varyStarIsNeverStored() {
    backends.get(0).stubFor(get(urlEqualTo("/star")).willReturn(okJson("{}").withHeader("Vary", "Accept-Encoding, *")));
    call("/star");
    assertFalse(call("/star").fromCache());
  }

  @ParameterizedTest
  @ValueSource(strings = {"no-cache", "max-age=0", "s-maxage=0", "no-store", "private", "NO-STORE",
      "Private", "public, max-age=60, s-maxage=0", "max-age=60, no-cache=\"Set-Cookie\"",
      "private=\"X-User\", max-age=60", "max-age=\"0\"", "max-age=-1", "max-age=soon", "public,NO-CACHE"})
  void anAnswerWhoseCacheControlForbidsASharedCacheIsNotStored(String cacheControl) {
    backends.get(0).stubFor(get(urlPathEqualTo("/cc")).willReturn(okJson("{}").withHeader("Cache-Control", cacheControl)));
    call("/cc");
    assertFalse(call("/cc").fromCache(), cacheControl);
  }

  @ParameterizedTest
  @ValueSource(strings = {"public, max-age=60", "max-age=0, s-maxage=60", "s-maxage=60,max-age=0",
      "max-age=60, community=\"no-store, private\"", "must-revalidate, max-age=60", "max-age=\"60\""})
  void anAnswerASharedCacheMayKeepIsStored(String cacheControl) {
    backends.get(0).stubFor(get(urlPathEqualTo("/ok")).willReturn(okJson("{}").withHeader("Cache-Control", cacheControl)));
    call("/ok");
    assertTrue(call("/ok").fromCache(), cacheControl);
  }

  @Test
  void theOriginsMaxAgeShortensTheRoutesTtl() {
    backends.get(0).stubFor(get(urlEqualTo("/short")).willReturn(okJson("{}").withHeader("Cache-Control", "s-maxage=1, max-age=600")));
    call("/short");
    assertTrue(call("/short").fromCache());
    long stored = System.nanoTime();
    // Redis expires the entry on its own clock: poll for the miss.
    await("the 1 s entry expired").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> !call("/short").fromCache());
    assertTrue(System.nanoTime() - stored < Duration.ofSeconds(10).toNanos());
  }

  @Test
  void anAnswerStillEncodedForItsCallerIsNotStored() {
    // A caller that sets Accept-Encoding itself gets the encoded bytes; the entry could not carry
    // Content-Encoding, so a later caller would get gzip it did not ask for.
    backends.get(0).stubFor(get(urlEqualTo("/enc")).willReturn(okJson("{}").withHeader("Content-Encoding", "identity")));
    call("/enc", "Accept-Encoding", "identity");
    assertFalse(call("/enc", "Accept-Encoding", "identity").fromCache());
  }

  private ServiceMeshClient meshWith(ResponseCacheConfig config) {
    return ServiceMeshClient.builder().discovery(StaticServiceDiscovery.of("pages", backends.instances("pages")))
        .responseCache(cache, config).cacheRoute("pages", "/**").build();
  }

  @Test
  void aConfiguredTenantHeaderIsPartOfTheKeyWithoutAnyVary() {
    backends.get(0).stubFor(get(urlEqualTo("/t")).withHeader("X-Tenant-ID", equalTo("a")).willReturn(okJson("{\"t\":\"a\"}")));
    backends.get(0).stubFor(get(urlEqualTo("/t")).withHeader("X-Tenant-ID", equalTo("b")).willReturn(okJson("{\"t\":\"b\"}")));
    try (ServiceMeshClient tenants = meshWith(ResponseCacheConfig.builder().defaultTtl(Duration.ofSeconds(60))
        .addKeyHeader("X-Tenant-ID").build())) {
      for (int round = 0; round < 2; round++) {
        for (String t : new String[] {"a", "b"}) {
          MeshResponse r = tenants.service("pages").get("/t").header("X-Tenant-ID", t).execute();
          assertEquals("{\"t\":\"" + t + "\"}", r.bodyString());
          assertEquals(round == 1, r.fromCache(), "tenant " + t + ", round " + round);
        }
      }
      assertEquals(2, backends.received(0), "both variants kept side by side");
      assertTrue(tenants.service("pages").invalidateCached("/t"), "invalidation removes every variant");
      assertFalse(tenants.service("pages").get("/t").header("X-Tenant-ID", "a").execute().fromCache());
      assertFalse(tenants.service("pages").get("/t").header("X-Tenant-ID", "b").execute().fromCache());
    }
  }

  @Test
  void withNoKeyHeadersTheAnswersVaryStillKeepsCallersApart() {
    backends.get(0).stubFor(get(urlEqualTo("/lang")).withHeader("Accept-Language", equalTo("fr"))
        .willReturn(okJson("{\"l\":\"fr\"}").withHeader("Vary", "Accept-Language")));
    backends.get(0).stubFor(get(urlEqualTo("/lang")).withHeader("Accept-Language", absent())
        .willReturn(okJson("{\"l\":\"en\"}").withHeader("Vary", "Accept-Language")));
    try (ServiceMeshClient bare = meshWith(ResponseCacheConfig.builder().defaultTtl(Duration.ofSeconds(60))
        .keyHeaders(java.util.List.of()).build())) {
      bare.service("pages").get("/lang").header("Accept-Language", "fr").execute();
      MeshResponse plain = bare.service("pages").get("/lang").execute();
      assertEquals("{\"l\":\"en\"}", plain.bodyString());
      assertFalse(plain.fromCache());
    }
  }

  @Test
  void aBodyOverTheCachesCapSucceedsUncached() {
    String big = "{\"pad\":\"" + "x".repeat(2000) + "\"}";
    backends.get(0).stubFor(get(urlEqualTo("/big")).willReturn(okJson(big)));
    backends.get(0).stubFor(get(urlEqualTo("/small")).willReturn(okJson("{}")));
    try (ServiceMeshClient capped = meshWith(ResponseCacheConfig.builder().defaultTtl(Duration.ofSeconds(60))
        .maxBodyBytes(1000).build())) {
      assertEquals(big, capped.service("pages").get("/big").execute().bodyString());
      MeshResponse again = capped.service("pages").get("/big").execute();
      assertEquals(big, again.bodyString());
      assertFalse(again.fromCache(), "over maxBodyBytes: not stored");
      capped.service("pages").get("/small").execute();
      assertTrue(capped.service("pages").get("/small").execute().fromCache());
    }
  }

  @Test
  void theConfigChecksItsSettings() {
    IllegalArgumentException tooBig = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ResponseCacheConfig.builder().maxBodyBytes(ResponseCacheConfig.MAX_BODY_BYTES_LIMIT + 1));
    assertTrue(tooBig.getMessage().contains("maxBodyBytes"), tooBig.getMessage());
    IllegalStateException noTtl = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> ResponseCacheConfig.builder().build());
    assertTrue(noTtl.getMessage().contains("defaultTtl"), noTtl.getMessage());
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ResponseCacheConfig.builder().addKeyHeader("X-Bad: header"));
    ResponseCacheConfig c = ResponseCacheConfig.withDefaultTtl(Duration.ofSeconds(5));
    assertEquals(ResponseCacheConfig.DEFAULT_KEY_HEADERS, c.keyHeaders());
    assertEquals(ResponseCacheConfig.DEFAULT_MAX_BODY_BYTES, c.maxBodyBytes());
    assertEquals(c.toString(), c.toBuilder().build().toString());
  }
}
