package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.CallFailedException;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.resilience.HedgingConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The response cache's paths through {@link MeshRequest} and {@link ResponseCacheStep} over an
 * {@link InMemoryResponseCache}, so no Redis is needed: what is looked up, stored (and for how
 * long), refused and counted, and what a cache that fails does to calls.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResponseCacheInMemoryTest {
  private static final Duration DEFAULT_TTL = Duration.ofSeconds(60);

  Backends backends;
  InMemoryResponseCache cache;
  ServiceMeshClient mesh;

  @BeforeEach
  void start() {
    backends = Backends.withJournal(1);
    backends.get(0).stubFor(any(urlPathMatching("/.*")).willReturn(okJson("{\"a\":1}")));
    cache = new InMemoryResponseCache();
    mesh = ServiceMeshClient.builder()
        .discovery(StaticServiceDiscovery.of(Map.of("pages", backends.instances("pages"),
            "other", backends.instances("other"), "hedged", backends.instances("hedged"))))
        .responseCache(cache, ResponseCacheConfig.builder().defaultTtl(DEFAULT_TTL).maxBodyBytes(100).build())
        .cacheRoute("pages", "/**")
        .cacheRoute("other", "/fixed/{id}", Duration.ofSeconds(7))
        .cacheRoute("hedged", "/**")
        .service("hedged", s -> s.hedging(HedgingConfig.fixedDelay(Duration.ofSeconds(5))))
        .build();
  }

  @AfterEach
  void stop() {
    mesh.close();
    backends.close();
  }

  private MeshResponse callOn(String service, String path, String... headers) {
    MeshRequest r = mesh.service(service).get(path);
    for (int i = 0; i < headers.length; i += 2) {
      r.header(headers[i], headers[i + 1]);
    }
    return r.execute();
  }

  private MeshResponse call(String path, String... headers) {
    return callOn("pages", path, headers);
  }

  private int received() {
    return backends.received(0);
  }

  @Test
  void aMissIsStoredWithItsStatusTypeAndBodyAndTheNextCallIsAHitThatNeverReachesTheBackend() {
    backends.get(0).stubFor(get(urlEqualTo("/doc")).willReturn(okJson("{\"doc\":7}")));
    MeshResponse first = call("/doc");
    assertFalse(first.fromCache());
    assertEquals("MISS", first.header("X-Cache").orElseThrow());
    assertEquals(1, cache.entries.size());
    String key = cache.entries.keySet().iterator().next();
    assertTrue(key.startsWith("http:pages:GET:/doc#"), key);
    CachedResponse stored = cache.entries.get(key);
    assertEquals(200, stored.status());
    assertEquals("application/json", stored.contentType());
    assertEquals("{\"doc\":7}", new String(stored.body(), StandardCharsets.UTF_8));
    assertEquals(Map.of(), stored.vary());
    assertEquals(DEFAULT_TTL, cache.ttls.get(key), "a route without a TTL takes the config's default");
    assertEquals(new ResponseCacheStats(0, 1, 0, 1, 0, 0, 0, 0), mesh.responseCacheStats());

    MeshResponse hit = call("/doc", "X-Request-ID", "req-42");
    assertTrue(hit.fromCache());
    assertEquals(200, hit.status());
    assertEquals("HIT", hit.header("X-Cache").orElseThrow());
    assertEquals("application/json", hit.header("content-type").orElseThrow(), "looked up without regard to case");
    assertEquals("{\"doc\":7}", hit.bodyString());
    assertEquals(7, hit.as(Map.class).get("doc"));
    assertEquals("req-42", hit.requestId());
    assertTrue(hit.instance().isEmpty(), "no instance answered it");
    assertEquals(1, received());
    assertEquals(new ResponseCacheStats(1, 1, 0, 1, 0, 0, 0, 0), mesh.responseCacheStats());
  }

  @Test
  void aHitOfAnEntryWithoutContentTypeHasOnlyTheCacheHeader() {
    MeshRequest probe = mesh.service("pages").get("/raw");
    call("/raw"); // learn the key
    String key = cache.entries.keySet().iterator().next();
    cache.entries.put(key, new CachedResponse(200, null, new byte[] {1, 2, 3}));
    MeshResponse hit = probe.execute();
    assertTrue(hit.fromCache());
    assertEquals(Map.of("X-Cache", List.of("HIT")), hit.headers());
    assertArrayEquals(new byte[] {1, 2, 3}, hit.bodyBytes());
  }

  @Test
  void theTtlIsTheRequestsThenTheRoutesThenTheDefault() {
    callOn("other", "/fixed/1");
    assertEquals(List.of(Duration.ofSeconds(7)), List.copyOf(cache.ttls.values()), "the route's own TTL");
    cache.invalidateAll();
    mesh.service("other").get("/fixed/{id}", 2).cacheFor(Duration.ofSeconds(3)).execute();
    assertEquals(List.of(Duration.ofSeconds(3)), List.copyOf(cache.ttls.values()), "cacheFor wins over the route");
    cache.invalidateAll();
    mesh.service("other").get("/unrouted").cacheFor(Duration.ofSeconds(4)).execute();
    assertEquals(List.of(Duration.ofSeconds(4)), List.copyOf(cache.ttls.values()), "cacheFor alone opts a GET in");
  }

  @Test
  void onlyGetsOfAMatchingRouteOfTheSameServiceAreCachedAndNoCacheBypassesBoth() {
    callOn("other", "/fixed/1/more"); // the other service's route does not match this path
    callOn("other", "/elsewhere");
    mesh.service("pages").post("/p").execute();
    mesh.service("pages").put("/p").execute();
    mesh.service("pages").delete("/p").execute();
    mesh.service("pages").request("HEAD", "/p").execute();
    assertEquals(0, cache.entries.size());
    assertEquals(ResponseCacheStats.NONE, mesh.responseCacheStats(), "no lookup either");

    call("/p");
    MeshResponse bypass = mesh.service("pages").get("/p").noCache().execute();
    assertFalse(bypass.fromCache());
    assertFalse(bypass.header("X-Cache").isPresent(), "not a cached call: no X-Cache");
    assertEquals(8, received());
    assertEquals(new ResponseCacheStats(0, 1, 0, 1, 0, 0, 0, 0), mesh.responseCacheStats());
  }

  @Test
  void aRouteOfOneServiceDoesNotCacheTheSamePathOfAnother() {
    try (ServiceMeshClient two = ServiceMeshClient.builder()
        .discovery(StaticServiceDiscovery.of(Map.of("a", backends.instances("a"), "b", backends.instances("b"))))
        .responseCache(cache, DEFAULT_TTL)
        .cacheRoute("a", "/x")
        .build()) {
      two.service("b").get("/x").execute();
      assertEquals(0, cache.entries.size());
      two.service("a").get("/x").execute();
      assertEquals(1, cache.entries.size());
      assertTrue(two.service("a").get("/x").execute().fromCache());
    }
  }

  @Test
  void aRequestCarryingCredentialsIsNeitherLookedUpNorStored() {
    call("/me", "Authorization", "Bearer alice");
    call("/me", "Cookie", "s=1");
    assertEquals(0, cache.entries.size());
    assertEquals(ResponseCacheStats.NONE, mesh.responseCacheStats());
    call("/me");
    assertEquals(1, cache.entries.size(), "the same path without credentials is cached");
  }

  @Test
  void theOriginsShorterMaxAgeShortensTheTtlAndALongerOneDoesNot() {
    backends.get(0).stubFor(get(urlEqualTo("/short")).willReturn(okJson("{}").withHeader("Cache-Control", "max-age=5")));
    backends.get(0).stubFor(get(urlEqualTo("/shared")).willReturn(okJson("{}")
        .withHeader("Cache-Control", "max-age=1000, s-maxage=9")));
    backends.get(0).stubFor(get(urlEqualTo("/long")).willReturn(okJson("{}").withHeader("Cache-Control", "max-age=120")));
    backends.get(0).stubFor(get(urlEqualTo("/equal")).willReturn(okJson("{}").withHeader("Cache-Control", "max-age=60")));
    assertEquals(Duration.ofSeconds(5), ttlOf("/short"));
    assertEquals(Duration.ofSeconds(9), ttlOf("/shared"));
    assertEquals(DEFAULT_TTL, ttlOf("/long"));
    assertEquals(DEFAULT_TTL, ttlOf("/equal"));
    assertEquals(DEFAULT_TTL, ttlOf("/none"));
  }

  private Duration ttlOf(String path) {
    cache.invalidateAll();
    call(path);
    assertEquals(1, cache.ttls.size(), path);
    return cache.ttls.values().iterator().next();
  }

  @Test
  void eachReasonNotToStoreIsCountedOnItsOwnAndAnswersTheCallUncached() {
    backends.get(0).stubFor(get(urlEqualTo("/partial")).willReturn(aResponse().withStatus(203).withBody("{}")));
    backends.get(0).stubFor(get(urlEqualTo("/created")).willReturn(aResponse().withStatus(201).withBody("{}")));
    backends.get(0).stubFor(get(urlEqualTo("/big")).willReturn(aResponse().withStatus(200).withBody("x".repeat(101))));
    backends.get(0).stubFor(get(urlEqualTo("/cookie")).willReturn(okJson("{}").withHeader("Set-Cookie", "s=1")));
    backends.get(0).stubFor(get(urlEqualTo("/enc")).willReturn(aResponse().withStatus(200).withBody("plain")
        .withHeader("Content-Encoding", "identity")));
    backends.get(0).stubFor(get(urlEqualTo("/nostore")).willReturn(okJson("{}").withHeader("Cache-Control", "no-store")));
    backends.get(0).stubFor(get(urlEqualTo("/star")).willReturn(okJson("{}").withHeader("Vary", "Accept, *")));
    backends.get(0).stubFor(get(urlEqualTo("/missing")).willReturn(aResponse().withStatus(404)));
    assertThrows(CallFailedException.class, () -> call("/missing"));
    assertEquals(new ResponseCacheStats(0, 1, 0, 0, 0, 0, 0, 0), mesh.responseCacheStats(), "failed: not counted");

    assertEquals(203, call("/partial").status());
    assertEquals(new ResponseCacheStats(0, 2, 0, 0, 1, 0, 0, 0), mesh.responseCacheStats());
    assertEquals(201, call("/created").status());
    assertEquals(new ResponseCacheStats(0, 3, 0, 0, 2, 0, 0, 0), mesh.responseCacheStats());
    assertEquals(101, call("/big").bodyBytes().length);
    assertEquals(new ResponseCacheStats(0, 4, 0, 0, 2, 1, 0, 0), mesh.responseCacheStats());
    call("/cookie");
    assertEquals(new ResponseCacheStats(0, 5, 0, 0, 2, 1, 1, 0), mesh.responseCacheStats());
    call("/enc", "Accept-Encoding", "identity");
    assertEquals(new ResponseCacheStats(0, 6, 0, 0, 2, 1, 2, 0), mesh.responseCacheStats());
    call("/nostore");
    assertEquals(new ResponseCacheStats(0, 7, 0, 0, 2, 1, 2, 1), mesh.responseCacheStats());
    call("/star");
    assertEquals(new ResponseCacheStats(0, 8, 0, 0, 2, 1, 2, 2), mesh.responseCacheStats());
    assertEquals(0, cache.entries.size());
  }

  @Test
  void aBodyOfExactlyTheLargestSizeIsStored() {
    backends.get(0).stubFor(get(urlEqualTo("/edge")).willReturn(aResponse().withStatus(200).withBody("y".repeat(100))));
    call("/edge");
    assertEquals(1, cache.entries.size());
    assertTrue(call("/edge").fromCache());
  }

  @Test
  void theVaryHeadersAreStoredWithTheRequestsValuesAndALookupMustMatchThemAll() {
    backends.get(0).stubFor(get(urlEqualTo("/v")).willReturn(okJson("{}")
        .withHeader("Vary", "X-Tenant, ,X-Region").withHeader("Vary", "x-plan")));
    MeshRequest first = mesh.service("pages").get("/v").header("X-Tenant", "a").header("X-Region", "eu");
    first.execute();
    CachedResponse stored = cache.entries.values().iterator().next();
    java.util.HashMap<String, String> expected = new java.util.HashMap<>();
    expected.put("x-tenant", "a");
    expected.put("x-region", "eu");
    expected.put("x-plan", null);
    assertEquals(expected, stored.vary(), "lower-case names, blanks skipped, an absent header kept as null");

    assertTrue(call("/v", "X-Tenant", "a", "X-Region", "eu").fromCache());
    assertFalse(call("/v", "X-Tenant", "a", "X-Region", "us").fromCache(), "the second value differs");
    assertEquals(new ResponseCacheStats(1, 1, 1, 2, 0, 0, 0, 0), mesh.responseCacheStats());
    assertFalse(call("/v", "X-Tenant", "a", "X-Region", "us", "X-Plan", "gold").fromCache(),
        "a header the entry was stored without");
    assertEquals(2, mesh.responseCacheStats().varyMismatches());
  }

  @Test
  void anEntryStoredForTwoValuesDoesNotMatchOne() {
    backends.get(0).stubFor(get(urlEqualTo("/multi")).willReturn(okJson("{}").withHeader("Vary", "X-Tag")));
    mesh.service("pages").get("/multi").header("X-Tag", "a").execute();
    String key = cache.entries.keySet().iterator().next();
    cache.entries.put(key, new CachedResponse(200, null, new byte[0], Map.of("x-tag", "a,b")));
    assertFalse(call("/multi", "X-Tag", "a").fromCache(), "one value is not two");
    assertEquals(1, mesh.responseCacheStats().varyMismatches());
  }

  @Test
  void keyHeadersKeepVariantsApartAndInvalidationRemovesEveryVariant() {
    call("/k", "Accept-Language", "fr");
    call("/k", "Accept-Language", "en");
    call("/k");
    assertEquals(3, cache.entries.size(), "three variants side by side");
    assertTrue(call("/k", "Accept-Language", "fr").fromCache());
    assertTrue(call("/k").fromCache());
    assertEquals(3, received());

    assertTrue(mesh.service("pages").invalidateCached("/k"));
    assertEquals(0, cache.entries.size());
    assertFalse(mesh.service("pages").invalidateCached("/k"), "nothing left to remove");
    assertEquals("http:pages:GET:/k#*", cache.invalidations.get(0));
  }

  @Test
  void anEmptyKeyHeaderValueIsAVariantOfItsOwn() {
    call("/e", "Accept", "");
    call("/e");
    assertEquals(2, cache.entries.size(), "absent and empty differ");
  }

  @Test
  void theKeyCarriesTheQuery() {
    mesh.service("pages").get("/q").query("a", "1").execute();
    mesh.service("pages").get("/q").execute();
    assertEquals(2, cache.entries.size());
    assertTrue(cache.entries.keySet().stream().anyMatch(k -> k.startsWith("http:pages:GET:/q?a=1#")),
        cache.entries.keySet().toString());
    assertTrue(mesh.service("pages").get("/q").query("a", "1").execute().fromCache());
  }

  @Test
  void theVariantsGlobEscapesEachGlobCharacter() {
    okhttp3.HttpUrl url = new okhttp3.HttpUrl.Builder().scheme("http").host("h")
        .addEncodedPathSegment("a*b[c]d\\e").encodedQuery("x?").build();
    String base = ResponseCacheStep.keyBase("s", url);
    String glob = ResponseCacheStep.variantsGlob("s", url);
    StringBuilder expected = new StringBuilder();
    for (char c : base.toCharArray()) {
      if ("*?[]\\".indexOf(c) >= 0) {
        expected.append('\\');
      }
      expected.append(c);
    }
    assertEquals(expected + "#*", glob);
    assertTrue(InMemoryResponseCache.globToRegex(glob).matcher(base + "#0123").matches());
    assertFalse(InMemoryResponseCache.globToRegex(glob).matcher(base.replace("a*b", "aXb") + "#0").matches());
  }

  @Test
  void invalidateCachedMatchingRemovesThePathsOfThisServiceOnly() {
    call("/users/1");
    call("/users/2");
    call("/teams/1");
    callOn("other", "/fixed/1");
    assertEquals(2, mesh.service("pages").invalidateCachedMatching("/users/*"));
    assertEquals(2, cache.entries.size());
    assertEquals("http:pages:GET:/users/*#*", cache.invalidations.get(0));
    assertEquals(0, mesh.service("pages").invalidateCachedMatching("/users/*"));
  }

  @Test
  void withoutAResponseCacheInvalidationDoesNothing() {
    try (ServiceMeshClient plain = ServiceMeshClient.builder()
        .discovery(StaticServiceDiscovery.of("pages", backends.instances("pages"))).build()) {
      assertFalse(plain.service("pages").invalidateCached("/x"));
      assertEquals(0, plain.service("pages").invalidateCachedMatching("/*"));
      assertFalse(plain.service("pages").get("/x").cacheFor(Duration.ofSeconds(1)).execute().header("X-Cache").isPresent());
      assertEquals(ResponseCacheStats.NONE, plain.responseCacheStats());
    }
  }

  @Test
  void aCacheThatFailsCostsCachingNotCalls() throws Exception {
    call("/down");
    cache.down(true);
    MeshResponse r = call("/down");
    assertEquals(200, r.status());
    assertFalse(r.fromCache());
    assertEquals("{\"a\":1}", r.bodyString());
    assertEquals(new ResponseCacheStats(0, 2, 0, 1, 0, 0, 0, 0), mesh.responseCacheStats(),
        "the failed lookup is a miss, the failed store is not a store");
    assertEquals(2, received());
    assertEquals(200, mesh.service("pages").get("/down").executeAsync().get(10, TimeUnit.SECONDS).status());
    cache.down(false);
    assertTrue(call("/down").fromCache());
  }

  @Test
  void asyncCallsAndHedgedSyncCallsUseTheCacheToo() throws Exception {
    MeshResponse miss = mesh.service("pages").get("/async").executeAsync().get(10, TimeUnit.SECONDS);
    assertEquals("MISS", miss.header("X-Cache").orElseThrow());
    MeshResponse hit = mesh.service("pages").get("/async").executeAsync().get(10, TimeUnit.SECONDS);
    assertTrue(hit.fromCache());
    assertEquals(1, received());

    assertEquals("MISS", callOn("hedged", "/h").header("X-Cache").orElseThrow());
    assertTrue(callOn("hedged", "/h").fromCache());
    assertEquals(2, received());
  }

  @Test
  void aTwoLevelCacheIsUsedTheSameWay() {
    try (ServiceMeshClient two = ServiceMeshClient.builder()
        .discovery(StaticServiceDiscovery.of("pages", backends.instances("pages")))
        .responseCache(cache.asTwoLevel(), Duration.ofSeconds(11))
        .cacheRoute("pages", "/**")
        .build()) {
      two.service("pages").get("/two").execute();
      assertEquals(List.of(Duration.ofSeconds(11)), List.copyOf(cache.ttls.values()));
      assertTrue(two.service("pages").get("/two").execute().fromCache());
      assertTrue(two.service("pages").invalidateCached("/two"));
      assertFalse(two.service("pages").get("/two").execute().fromCache());
      assertEquals(1, two.service("pages").invalidateCachedMatching("/t*"));
    }
  }

  @Test
  void aTwoLevelCacheTakesAWholeConfig() {
    try (ServiceMeshClient two = ServiceMeshClient.builder()
        .discovery(StaticServiceDiscovery.of("pages", backends.instances("pages")))
        .responseCache(cache.asTwoLevel(), ResponseCacheConfig.builder().defaultTtl(Duration.ofSeconds(12))
            .keyHeaders(List.of()).build())
        .cacheRoute("pages", "/**")
        .build()) {
      two.service("pages").get("/c").header("Accept-Language", "fr").execute();
      assertEquals(List.of(Duration.ofSeconds(12)), List.copyOf(cache.ttls.values()));
      assertTrue(two.service("pages").get("/c").header("Accept-Language", "en").execute().fromCache(),
          "no key headers: one entry for both");
    }
  }

  @Test
  void theKeyDependsOnEachKeyHeaderAndItsValueOnly() {
    okhttp3.HttpUrl url = okhttp3.HttpUrl.get("http://h/p");
    okhttp3.Headers none = okhttp3.Headers.of();
    List<String> names = List.of("A", "B");
    String k0 = ResponseCacheStep.key("s", url, none, names);
    assertEquals(k0, ResponseCacheStep.key("s", url, okhttp3.Headers.of("C", "x"), names), "other headers ignored");
    assertNotEquals(k0, ResponseCacheStep.key("s", url, okhttp3.Headers.of("A", "x"), names));
    assertNotEquals(ResponseCacheStep.key("s", url, okhttp3.Headers.of("A", "x"), names),
        ResponseCacheStep.key("s", url, okhttp3.Headers.of("B", "x"), names), "the name is part of it");
    assertEquals(ResponseCacheStep.key("s", url, okhttp3.Headers.of("a", "x"), names),
        ResponseCacheStep.key("s", url, okhttp3.Headers.of("A", "x"), List.of("a", "b")), "names without case");
    assertEquals(ResponseCacheStep.key("s", url, okhttp3.Headers.of("A", "x,y"), names),
        ResponseCacheStep.key("s", url, new okhttp3.Headers.Builder().add("A", "x").add("A", "y").build(), names),
        "two values are joined by a comma");
    String k = ResponseCacheStep.key("s", url, none, names);
    assertTrue(k.matches("http:s:GET:/p#[0-9a-f]{32}"), k);
  }
}
