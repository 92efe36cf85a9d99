package io.mesh4j.examples.gateway;

import io.mesh4j.cache.DistributedCache;
import io.mesh4j.client.CachedResponse;
import io.mesh4j.discovery.ConsulDiscovery;
import io.mesh4j.micrometer.MeshMeters;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ApiGateway#main}: reads the environment, opens discovery, the Redis caches and the
 * metrics registry, starts the gateway and waits for SIGTERM / Ctrl-C. Kept apart from
 * {@link ApiGateway} so the server class holds only the server.
 */
final class GatewayMain {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayMain.class);

  private GatewayMain() {}

  static void run(String[] args) throws InterruptedException {
    List<AutoCloseable> opened = new ArrayList<>();
    ApiGateway gateway;
    try {
      String file = args.length > 0 ? args[0] : System.getenv("GATEWAY_CONFIG");
      GatewayConfig config = file == null || file.isBlank()
          ? GatewayConfig.fromResource("gateway/routes.json", System::getenv)
          : GatewayConfig.load(Path.of(file));
      String consul = env("CONSUL_HTTP_ADDR", "http://127.0.0.1:8500");
      // One MeshMeters feeds the registry from discovery and from the mesh client alike.
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      MeshMeters meters = MeshMeters.create(registry);
      ConsulDiscovery discovery = ConsulDiscovery.builder()
          .url(consul.startsWith("http") ? consul : "http://" + consul).eventListener(meters).build();
      opened.add(discovery);
      ApiGateway.Builder b = ApiGateway.builder().config(config).discovery(discovery).bindHost(bindHost(System::getenv))
          .demo("true".equalsIgnoreCase(env(ApiGateway.DEMO_ENV, "false")));
      if (!"false".equalsIgnoreCase(env("GATEWAY_METRICS", "true"))) {
        b.metrics(registry, meters);
      }
      String proxies = System.getenv("GATEWAY_TRUSTED_PROXIES");
      if (proxies != null && !proxies.isBlank()) {
        b.trustedProxies(List.of(proxies.trim().split("\\s*,\\s*")));
      }
      String ipLimit = System.getenv("GATEWAY_IP_RATE_LIMIT");
      if (ipLimit != null && !ipLimit.isBlank()) {
        b.ipRateLimitPerMinute(Integer.parseInt(ipLimit.trim()));
      }
      String port = System.getenv("GATEWAY_PORT");
      if (port != null && !port.isBlank()) {
        b.port(Integer.parseInt(port.trim()));
      }
      boolean limits = config.routes().stream().anyMatch(r -> r.rateLimitPerMinute() > 0);
      boolean caching = config.routes().stream().anyMatch(r -> r.cacheTtl().isPresent());
      if (limits || caching) {
        String nodes = System.getenv("REDIS_CLUSTER_NODES");
        if (nodes == null || nodes.isBlank()) {
          throw new IllegalStateException("REDIS_CLUSTER_NODES (host:port,...) must be set: routes are "
              + (limits ? "rate limited" : "cached") + " in Redis Cluster");
        }
        String[] seeds = nodes.trim().split("\\s*,\\s*");
        if (limits) {
          DistributedCache<Long> counters = DistributedCache.builder(Long.class).seedNodes(seeds)
              .namespace("gateway-ratelimit").build();
          opened.add(counters);
          b.rateLimitCounters(counters);
        }
        if (caching) {
          DistributedCache<CachedResponse> responses = DistributedCache.builder(CachedResponse.class)
              .seedNodes(seeds).namespace("gateway-responses").build();
          opened.add(responses);
          b.responseCache(responses);
        }
      }
      gateway = b.build().start();
    } catch (GatewayConfigException e) {
      System.err.println(e.getMessage());
      closeAll(opened);
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      System.err.println("gateway failed to start: " + e.getMessage());
      closeAll(opened);
      System.exit(1);
      return;
    }
    System.out.println("mesh4j gateway listening on " + gateway.uri() + " (" + gateway.config().routes().size()
        + " routes); Ctrl-C to stop");
    CountDownLatch stopped = new CountDownLatch(1);
    ApiGateway running = gateway;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      running.close();
      closeAll(opened);
      stopped.countDown();
    }, "mesh4j-gateway-shutdown"));
    stopped.await();
  }

  /** {@code GATEWAY_BIND}, else loopback: every interface only when asked for. */
  static String bindHost(java.util.function.Function<String, String> env) {
    String v = env.apply("GATEWAY_BIND");
    return v == null || v.isBlank() ? "127.0.0.1" : v.trim();
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  private static void closeAll(List<AutoCloseable> opened) {
    for (int i = opened.size() - 1; i >= 0; i--) {
      try {
        opened.get(i).close();
      } catch (Exception e) {
        LOG.debug("closing {} failed", opened.get(i), e);
      }
    }
  }
}
