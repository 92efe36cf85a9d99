package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.CallFailedException;
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

/**
 * Issue 12: the response cache's own counters ({@link ServiceMeshClient#responseCacheStats()}),
 * one outcome at a time, against a real Redis Cluster and a WireMock backend.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResponseCacheStatsTest {
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
        .namespace("stats-" + UUID.randomUUID().toString().substring(0, 8))
        .build();
    mesh = ServiceMeshClient.builder().discovery(StaticServiceDiscovery.of("pages", backends.instances("pages")))
        .responseCache(cache, ResponseCacheConfig.builder().defaultTtl(Duration.ofSeconds(60)).maxBodyBytes(100).build())
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
  void aMissStoresAndTheNextCallIsAHit() {
    backends.get(0).stubFor(get(urlEqualTo("/a")).willReturn(okJson("{\"a\":1}")));
    assertFalse(call("/a").fromCache());
    assertEquals(new ResponseCacheStats(0, 1, 0, 1, 0, 0, 0, 0), mesh.responseCacheStats());
    assertTrue(call("/a").fromCache());
    assertTrue(call("/a").fromCache());
    assertEquals(new ResponseCacheStats(2, 1, 0, 1, 0, 0, 0, 0), mesh.responseCacheStats());
  }

  @Test
  void anEntryForAnotherVaryValueIsAMismatchNotAHit() {
    backends.get(0).stubFor(get(urlEqualTo("/v")).willReturn(okJson("{}").withHeader("Vary", "X-Variant")));
    call("/v", "X-Variant", "one"); // not a key header: both calls look up the same entry
    assertFalse(call("/v", "X-Variant", "two").fromCache());
    ResponseCacheStats s = mesh.responseCacheStats();
    assertEquals(1, s.varyMismatches());
    assertEquals(0, s.hits());
    assertEquals(1, s.misses());
    assertEquals(2, s.stores(), "the second answer replaced the first");
  }

  @Test
  void eachReasonNotToStoreIsCountedOnItsOwn() {
    backends.get(0).stubFor(get(urlEqualTo("/missing")).willReturn(aResponse().withStatus(404)));
    backends.get(0).stubFor(get(urlEqualTo("/partial")).willReturn(aResponse().withStatus(203).withBody("{}")));
    backends.get(0).stubFor(get(urlEqualTo("/big")).willReturn(okJson("{\"pad\":\"" + "x".repeat(200) + "\"}")));
    backends.get(0).stubFor(get(urlEqualTo("/cookie")).willReturn(okJson("{}").withHeader("Set-Cookie", "s=1")));
    backends.get(0).stubFor(get(urlEqualTo("/nostore")).willReturn(okJson("{}").withHeader("Cache-Control", "no-store")));
    backends.get(0).stubFor(get(urlEqualTo("/star")).willReturn(okJson("{}").withHeader("Vary", "*")));
    assertThrows(CallFailedException.class, () -> call("/missing")); // a failed call: never stored, not counted
    for (String path : new String[] {"/partial", "/big", "/cookie", "/nostore", "/star"}) {
      assertTrue(call(path).status() < 300, path);
    }
    assertEquals(new ResponseCacheStats(0, 6, 0, 0, 1, 1, 1, 2), mesh.responseCacheStats());
  }

  @Test
  void aClientWithoutAResponseCacheCountsNothing() {
    try (ServiceMeshClient plain = ServiceMeshClient.builder()
        .discovery(StaticServiceDiscovery.of("pages", backends.instances("pages"))).build()) {
      assertEquals(ResponseCacheStats.NONE, plain.responseCacheStats());
    }
  }
}
