package io.mesh4j.examples.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.StaticServiceDiscovery;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.RedisClusterConnection;
import io.mesh4j.client.CachedResponse;
import io.mesh4j.testkit.RedisCluster;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * The gateway's shared state lives in Redis (rate limit counters, the response cache). Redis
 * going away while both are in use must cost the limit and the caching, never a request: the
 * limiter fails open (documented), the cache turns into misses.
 */
class GatewayRedisDownTest {
  private static final String SERVICE = "redis-down-users";
  /** Twenty seconds into a minute: the limit window does not roll during the test. */
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T10:00:20Z"), ZoneOffset.UTC);

  @Test
  void rateLimitFailsOpenAndTheCacheMissesWhenRedisIsDown() throws Exception {
    WireMockServer backend = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    backend.start();
    backend.stubFor(any(urlPathMatching("/.*")).willReturn(okJson("{\"ok\":true}")));
    RedisCluster redis = RedisCluster.startPrivate();
    OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false)
        .callTimeout(Duration.ofSeconds(20)).build();
    String config = "{ \"port\": 0, \"routes\": ["
        + " {\"name\": \"limited\", \"path\": \"/limited/**\", \"methods\": [\"GET\"], \"service\": \"" + SERVICE + "\","
        + "  \"rateLimitPerMinute\": 3},"
        + " {\"name\": \"cached\", \"path\": \"/cached/{id}\", \"methods\": [\"GET\"], \"service\": \"" + SERVICE + "\","
        + "  \"cacheTtl\": \"30s\"} ] }";
    ServiceInstance instance = ServiceInstance.newBuilder().serviceName(SERVICE).host("127.0.0.1")
        .port(backend.port()).build();
    List<AutoCloseable> closeables = new ArrayList<>();
    try {
      // A short retry budget per Redis command: with Redis gone, each one costs the whole budget
      // (2 s by default), which this test is not about.
      RedisClusterConnection connection = RedisClusterConnection.builder().seedNodes(redis.seedNodes())
          .connectTimeout(Duration.ofMillis(200)).socketTimeout(Duration.ofMillis(500))
          .maxTotalRetriesDuration(Duration.ofMillis(300)).build();
      closeables.add(connection);
      DistributedCache<Long> counters = DistributedCache.builder(connection, Long.class).namespace("limits").build();
      DistributedCache<CachedResponse> responses = DistributedCache.builder(connection, CachedResponse.class)
          .namespace("responses").build();
      closeables.add(0, counters);
      closeables.add(0, responses);
      ApiGateway gateway = ApiGateway.builder().config(GatewayConfig.parse(config, Map.<String, String>of()::get))
          .discovery(StaticServiceDiscovery.of(instance)).rateLimitCounters(counters).responseCache(responses)
          .clock(CLOCK).port(0).workerThreads(4).build().start();
      closeables.add(0, gateway);

      // Redis up: the limit holds, the cache answers.
      List<Integer> limited = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        limited.add(status(http, gateway, "/limited/a"));
      }
      assertEquals(List.of(200, 200, 200, 429), limited);
      assertEquals("MISS", header(http, gateway, "/cached/1", "X-Cache"));
      assertEquals("HIT", header(http, gateway, "/cached/1", "X-Cache"));
      assertEquals(1, backend.findAll(anyRequestedFor(urlPathEqualTo("/cached/1"))).size());

      redis.close();

      // Redis down: every request goes through to the backend and succeeds.
      for (int i = 0; i < 4; i++) {
        assertEquals(200, status(http, gateway, "/limited/a"), "limited request " + i + " let through");
      }
      assertEquals(3 + 4, backend.findAll(anyRequestedFor(urlPathEqualTo("/limited/a"))).size());
      for (int i = 0; i < 2; i++) {
        String xCache = header(http, gateway, "/cached/1", "X-Cache");
        assertEquals("MISS", xCache, "cached request " + i + " answered by the backend");
      }
      assertEquals(1 + 2, backend.findAll(anyRequestedFor(urlPathEqualTo("/cached/1"))).size());
      assertNull(header(http, gateway, "/limited/b", "X-RateLimit-Remaining"), "no count claimed while it cannot count");
    } finally {
      for (AutoCloseable c : closeables) {
        c.close();
      }
      redis.close();
      backend.stop();
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  private static Response call(OkHttpClient http, ApiGateway gateway, String path) throws IOException {
    return http.newCall(new Request.Builder().url(gateway.uri() + path).build()).execute();
  }

  private static int status(OkHttpClient http, ApiGateway gateway, String path) throws IOException {
    try (Response r = call(http, gateway, path)) {
      return r.code();
    }
  }

  private static String header(OkHttpClient http, ApiGateway gateway, String path, String name) throws IOException {
    try (Response r = call(http, gateway, path)) {
      assertEquals(200, r.code(), path);
      return r.header(name);
    }
  }
}
