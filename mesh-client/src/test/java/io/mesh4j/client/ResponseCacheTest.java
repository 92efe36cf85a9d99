package io.mesh4j.client;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.RedisClusterConnection;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.cache.TwoLevelCacheStats;
import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The GET response cache on the real Redis Cluster: hit, miss, expiry, invalidation. */
class ResponseCacheTest {
  @RegisterExtension
  static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  Backends backends;
  StaticServiceDiscovery discovery;
  DistributedCache<CachedResponse> cache;

  @BeforeEach
  void start() {
    backends = Backends.withJournal(1);
    backends.get(0).stubFor(any(anyUrl()).willReturn(okJson("{\"name\":\"Ada\"}")));
    discovery = StaticServiceDiscovery.of("users", backends.instances("users"));
    cache = DistributedCache.builder(CachedResponse.class)
        .seedNodes(REDIS.cluster().seedNodeStrings().toArray(new String[0]))
        .namespace("responses-" + UUID.randomUUID().toString().substring(0, 8))
        .build();
  }

  @AfterEach
  void stop() {
    cache.close();
    backends.close();
  }

  @Test
  void hitMissExpiryAndInvalidation() {
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery)
        .responseCache(cache, Duration.ofSeconds(60))
        .cacheRoute("users", "/users/{id}", Duration.ofSeconds(60))
        .build()) {
      MeshResponse first = mesh.service("users").get("/users/{id}", 1).execute();
      assertEquals("MISS", first.header("X-Cache").orElseThrow());
      assertEquals(java.util.List.of("MISS"), first.headers().get("x-cache"), "in the header map too");
      MeshResponse second = mesh.service("users").get("/users/{id}", 1).execute();
      assertEquals("HIT", second.header("X-Cache").orElseThrow());
      assertTrue(second.fromCache());
      assertEquals("Ada", second.as(Map.class).get("name"));
      assertEquals(1, backends.received(0), "the second GET never reached the backend");

      // Not opted in: never cached.
      mesh.service("users").get("/teams/{id}", 1).execute();
      MeshResponse uncached = mesh.service("users").get("/teams/{id}", 1).execute();
      assertFalse(uncached.header("X-Cache").isPresent());
      assertEquals(3, backends.received(0));

      // Invalidation: the next GET goes to the backend again.
      assertTrue(mesh.service("users").invalidateCached("/users/{id}", 1));
      assertEquals("MISS", mesh.service("users").get("/users/{id}", 1).execute().header("X-Cache").orElseThrow());
      assertEquals(4, backends.received(0));

      // Pattern invalidation over every master.
      mesh.service("users").get("/users/{id}", 2).execute();
      assertTrue(mesh.service("users").invalidateCachedMatching("/users/*") >= 2);
      assertEquals("MISS", mesh.service("users").get("/users/{id}", 2).execute().header("X-Cache").orElseThrow());

      // Expiry: a per-request TTL of one second. It is Redis's own PX expiry, on the server's
      // clock, which no ticker of ours moves: poll for the miss instead of sleeping past it.
      mesh.service("users").get("/users/{id}", 3).cacheFor(Duration.ofSeconds(1)).execute();
      assertEquals("HIT", mesh.service("users").get("/users/{id}", 3).cacheFor(Duration.ofSeconds(1)).execute()
          .header("X-Cache").orElseThrow());
      long stored = System.nanoTime();
      await("the 1 s entry expired").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
          .until(() -> mesh.service("users").get("/users/{id}", 3).cacheFor(Duration.ofSeconds(1)).execute()
              .header("X-Cache").orElseThrow(), "MISS"::equals);
      assertTrue(System.nanoTime() - stored < Duration.ofSeconds(10).toNanos());

      // noCache bypasses it, POSTs are never cached.
      int before = backends.received(0);
      mesh.service("users").get("/users/{id}", 1).noCache().execute();
      mesh.service("users").post("/users/{id}", 1).execute();
      assertEquals(before + 2, backends.received(0));
    }
  }

  @Test
  void answersToACallersOwnCredentialsOrMarkedPrivateAreNeverShared() {
    backends.get(0).stubFor(any(com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo("/private/1"))
        .willReturn(okJson("{}").withHeader("Cache-Control", "private, max-age=60")));
    try (ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery)
        .responseCache(cache, Duration.ofSeconds(60))
        .cacheRoute("users", "/**")
        .build()) {
      MeshResponse alice = mesh.service("users").get("/me").header("Authorization", "Bearer alice").execute();
      MeshResponse bob = mesh.service("users").get("/me").header("Authorization", "Bearer bob").execute();
      assertFalse(alice.header("X-Cache").isPresent());
      assertFalse(bob.fromCache(), "bob never gets alice's cached answer");
      assertEquals(2, backends.received(0));
      mesh.service("users").get("/private/1").execute();
      assertEquals("MISS", mesh.service("users").get("/private/1").execute().header("X-Cache").orElseThrow(),
          "Cache-Control: private is not stored");
      assertEquals(4, backends.received(0));
    }
  }

  @Test
  void twoLevelCacheServesRepeatsFromMemory() {
    try (TwoLevelCache<CachedResponse> twoLevel = TwoLevelCache.builder(cache).l1MaximumSize(1000).recordStats().build();
        ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery)
            .responseCache(twoLevel, Duration.ofSeconds(30))
            .cacheRoute("users", "/users/**")
            .build()) {
      // L1 is bypassed until the invalidation channel is subscribed: only then can it hit.
      await("L1 in use").atMost(Duration.ofSeconds(10)).until(twoLevel::isL1Active);
      assertEquals("MISS", mesh.service("users").get("/users/{id}/profile", 9).execute().header("X-Cache").orElseThrow());
      // The store published an invalidation of the key, which comes back to this cache too.
      await("own invalidation applied").atMost(Duration.ofSeconds(10))
          .until(() -> twoLevel.stats().invalidationsReceived() >= 1);
      for (int i = 0; i < 19; i++) {
        assertEquals("HIT", mesh.service("users").get("/users/{id}/profile", 9).execute().header("X-Cache").orElseThrow());
      }
      assertEquals(1, backends.received(0));
      TwoLevelCacheStats stats = twoLevel.stats();
      assertEquals(18, stats.l1Hits(), "the first repeat from L2, the 18 after it from memory: " + stats);
      assertEquals(1, stats.l2().hits(), stats.toString());
    }
  }

  /**
   * Redis goes away (every node killed) while the response cache is in use: calls keep
   * succeeding, answered by the backend, never from a cache that can no longer be invalidated.
   */
  @Test
  void redisDownWhileInUseCostsCachingNotCalls() {
    RedisCluster own = RedisCluster.startPrivate();
    // A short retry budget per Redis command: with Redis gone, each lookup and store costs the whole
    // budget (2 s by default), which this test is not about.
    try (RedisClusterConnection connection = RedisClusterConnection.builder().seedNodes(own.seedNodes())
            .connectTimeout(Duration.ofMillis(200)).socketTimeout(Duration.ofMillis(500))
            .maxTotalRetriesDuration(Duration.ofMillis(300)).build();
        TwoLevelCache<CachedResponse> twoLevel = TwoLevelCache.builder(DistributedCache.builder(connection,
            CachedResponse.class).namespace("down").build()).sequenceCheckInterval(Duration.ofMillis(100)).build();
        ServiceMeshClient mesh = ServiceMeshClient.builder().discovery(discovery)
            .responseCache(twoLevel, Duration.ofSeconds(60))
            .cacheRoute("users", "/users/**")
            .build()) {
      await("L1 in use").atMost(Duration.ofSeconds(10)).until(twoLevel::isL1Active);
      mesh.service("users").get("/users/{id}", 1).execute();
      assertEquals("HIT", mesh.service("users").get("/users/{id}", 1).execute().header("X-Cache").orElseThrow());
      assertEquals(1, backends.received(0));

      own.close();
      await("L1 bypassed once the channel is gone").atMost(Duration.ofSeconds(10)).until(() -> !twoLevel.isL1Active());
      for (int i = 0; i < 5; i++) {
        MeshResponse r = mesh.service("users").get("/users/{id}", 1).execute();
        assertEquals(200, r.status());
        assertEquals("Ada", r.as(Map.class).get("name"));
        assertFalse(r.fromCache(), "call " + i + " answered by the backend");
      }
      assertEquals(6, backends.received(0));
      assertTrue(twoLevel.stats().l2().redisErrors() >= 5, twoLevel.stats().toString());
    } finally {
      own.close();
    }
  }
}
