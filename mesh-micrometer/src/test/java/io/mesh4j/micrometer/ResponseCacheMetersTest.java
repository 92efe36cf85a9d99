package io.mesh4j.micrometer;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.client.CachedResponse;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.testkit.RedisClusterExtension;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue 12: the response cache's lookups and stores as meters of a bound client (real Redis Cluster, WireMock). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResponseCacheMetersTest {
  @RegisterExtension
  static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  private static double count(SimpleMeterRegistry r, String name, String result) {
    FunctionCounter c = r.find(name).tag("result", result).functionCounter();
    return c == null ? Double.NaN : c.count();
  }

  @Test
  void lookupsAndStoresOfABoundClientAreCounted() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MeshMeters meters = MeshMeters.create(registry);
    try (Backends backends = new Backends(1);
        DistributedCache<CachedResponse> cache = DistributedCache.builder(CachedResponse.class)
            .seedNodes(REDIS.cluster().seedNodeStrings().toArray(new String[0]))
            .namespace("rc-meters-" + UUID.randomUUID().toString().substring(0, 8)).build();
        ServiceMeshClient mesh = ServiceMeshClient.builder()
            .discovery(StaticServiceDiscovery.of(backends.instance("pages", 0)))
            .responseCache(cache, Duration.ofSeconds(60)).cacheRoute("pages", "/**")
            .listener(meters).build()) {
      meters.bind(mesh);
      backends.get(0).stubFor(get(urlEqualTo("/a")).willReturn(okJson("{}")));
      backends.get(0).stubFor(get(urlEqualTo("/c")).willReturn(okJson("{}").withHeader("Set-Cookie", "s=1")));
      mesh.service("pages").get("/a").execute();
      mesh.service("pages").get("/a").execute();
      mesh.service("pages").get("/a").execute();
      mesh.service("pages").get("/c").execute();
      assertEquals(2, count(registry, "mesh.client.response.cache.lookups", "hit"), 0.0);
      assertEquals(2, count(registry, "mesh.client.response.cache.lookups", "miss"), 0.0);
      assertEquals(0, count(registry, "mesh.client.response.cache.lookups", "vary_mismatch"), 0.0);
      assertEquals(1, count(registry, "mesh.client.response.cache.stores", "stored"), 0.0);
      assertEquals(1, count(registry, "mesh.client.response.cache.stores", "refused_private"), 0.0);
      assertEquals(0, count(registry, "mesh.client.response.cache.stores", "refused_status"), 0.0);
    }
  }

  @Test
  void aClientWithoutAResponseCacheGetsNoneOfTheseMeters() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MeshMeters meters = MeshMeters.create(registry);
    try (Backends backends = new Backends(1);
        ServiceMeshClient mesh = ServiceMeshClient.builder()
            .discovery(StaticServiceDiscovery.of(backends.instance("pages", 0))).listener(meters).build()) {
      meters.bind(mesh);
      assertNull(registry.find("mesh.client.response.cache.lookups").meter());
      assertNull(registry.find("mesh.client.response.cache.stores").meter());
    }
  }
}
