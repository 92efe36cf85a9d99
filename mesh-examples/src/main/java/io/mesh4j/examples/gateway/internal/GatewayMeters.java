package io.mesh4j.examples.gateway.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's own timer, {@code mesh.gateway.requests}: one sample per request the gateway
 * answered, tagged by route name ({@code none} when no route matched), method and status. Every
 * tag is bounded: route names come from the config, methods outside the standard ones read
 * {@code other}, and statuses are three-digit codes.
 */
public final class GatewayMeters {
  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");
  private final MeterRegistry registry;

  /** Timers on {@code registry}. */
  public GatewayMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  void record(String route, String method, int status, long nanos) {
    Timer.builder("mesh.gateway.requests")
        .description("requests answered by the gateway, by route, method and status")
        .tag("route", route == null ? "none" : route)
        .tag("http.request.method", METHODS.contains(method) ? method : "other")
        .tag("http.response.status_code", status >= 100 && status <= 599 ? Integer.toString(status) : "0")
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }
}
