package io.mesh4j.examples.gateway;

import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.examples.gateway.internal.Args;
import io.mesh4j.examples.gateway.internal.Authenticator;
import io.mesh4j.examples.gateway.internal.GatewayHandler;
import io.mesh4j.examples.gateway.internal.GatewayMeters;
import io.mesh4j.examples.gateway.internal.IpRateLimiter;
import io.mesh4j.examples.gateway.internal.MetricsHandler;
import io.mesh4j.examples.gateway.internal.RouteTable;
import io.mesh4j.examples.gateway.internal.SharedRateLimiter;
import io.mesh4j.micrometer.MeshCacheMetrics;
import io.mesh4j.micrometer.MeshMeterObservationHandler;
import io.mesh4j.micrometer.MeshObservations;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of an {@link ApiGateway} built from its {@link ApiGateway.Builder}: checks the config
 * against the other settings (demo key, rate limit counters, response cache, {@code /metrics}),
 * then wires the route table, the mesh client, authentication, rate limits, metrics and the
 * request handler. Used once, by {@link ApiGateway.Builder#build()}.
 */
final class GatewayAssembly {
  private final ServiceMeshClient mesh;
  private final Handler handler;

  /**
   * @throws IllegalStateException naming the setting a route needs, or the demo key
   */
  GatewayAssembly(ApiGateway.Builder b) {
    GatewayConfig config = b.config;
    String demoClient = config.apiKeyClientsBySha256().get(ApiGateway.DEMO_KEY_SHA256);
    Args.state(b.demo || demoClient == null, "auth.apiKeys gives client '%s' the bundled demo key, which is published "
        + "in the docs: replace its sha256 with the hash of a secret key (printf %%s \"$KEY\" | sha256sum), or, for "
        + "the demo only, set %s=true (ApiGateway.Builder.demo(true))", demoClient, ApiGateway.DEMO_ENV);
    List<String> limited = new ArrayList<>();
    List<String> cached = new ArrayList<>();
    RouteTable.Builder<Route> table = RouteTable.builder();
    boolean auth = false;
    for (Route r : config.routes()) {
      table.add(r.path(), r.methods(), r);
      auth |= r.authRequired();
      if (r.rateLimitPerMinute() > 0) {
        limited.add(r.name());
      }
      if (r.cacheTtl().isPresent()) {
        cached.add(r.name());
      }
    }
    Args.state(limited.isEmpty() || b.rateLimitCounters != null,
        "rateLimitCounters must be set: routes %s have a rateLimitPerMinute", limited);
    Args.state(cached.isEmpty() || b.responseCache != null,
        "responseCache must be set: routes %s have a cacheTtl", cached);

    if (b.metricsRegistry != null) {
      RouteTable<Route> routes = table.build();
      for (String method : List.of("GET", "HEAD")) {
        Route shadowed = routes.find(method, List.of(MetricsHandler.PATH.substring(1))).route();
        Args.state(shadowed == null, "route '%s' matches %s %s, which the gateway answers itself when metrics "
            + "are on: move the route or leave metrics off", shadowed == null ? "" : shadowed.name(), method,
            MetricsHandler.PATH);
      }
    }

    this.mesh = meshClient(b, config);
    Authenticator authenticator = auth
        ? new Authenticator(config.apiKeyHeader(), config.apiKeyClientsBySha256(), config.jwtSecret(),
            config.jwtIssuer(), config.jwtAudience(), config.jwtClockSkew(), b.clock)
        : null;
    SharedRateLimiter limiter = limited.isEmpty() ? null : new SharedRateLimiter(b.rateLimitCounters, b.clock);
    Consumer<String> log = b.accessLog;
    if (log == null) {
      Logger access = LoggerFactory.getLogger(ApiGateway.ACCESS_LOGGER);
      log = access::info;
    }
    Handler h = new GatewayHandler(table.build(), authenticator, config.jwtEnabled(), limiter,
        mesh, log, b.ticker, b.maxRequestBytes, "http",
        b.metricsRegistry == null ? null : new GatewayMeters(b.metricsRegistry),
        b.trustedProxies, b.bodyTimeout.toNanos(),
        b.ipRateLimitPerMinute > 0 ? new IpRateLimiter(b.ipRateLimitPerMinute, b.clock) : null);
    if (b.metricsRegistry != null) {
      h = new MetricsHandler(b.metricsRegistry, h);
    }
    this.handler = h;
  }

  /** The one mesh client of every route: the user's settings first, then the gateway's own. */
  private static ServiceMeshClient meshClient(ApiGateway.Builder b, GatewayConfig config) {
    ServiceMeshClient.Builder m = ServiceMeshClient.builder();
    b.meshSettings.accept(m);
    if (b.metricsRegistry != null) {
      ObservationRegistry observations = ObservationRegistry.create();
      observations.observationConfig().observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
          new MeshMeterObservationHandler(b.metricsRegistry), new DefaultMeterObservationHandler(b.metricsRegistry)));
      m.observer(MeshObservations.create(observations)).listener(b.meters);
      if (b.responseCache != null) {
        MeshCacheMetrics.monitor(b.metricsRegistry, b.responseCache);
      }
    }
    // Each request sets its route's attempt count; this is only the policy's fallback.
    m.discovery(b.discovery).ticker(b.ticker);
    config.circuitBreaker().ifPresent(m::circuitBreaker);
    if (b.responseCache != null) {
      // Every request names its route's TTL; this default is never used.
      m.responseCache(b.responseCache, Duration.ofMinutes(1));
    }
    ServiceMeshClient mesh = m.build();
    if (b.metricsRegistry != null) {
      b.meters.bind(mesh); // the retry budget gauges
    }
    return mesh;
  }

  ServiceMeshClient mesh() {
    return mesh;
  }

  Handler handler() {
    return handler;
  }
}
