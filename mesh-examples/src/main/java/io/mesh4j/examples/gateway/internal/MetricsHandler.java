package io.mesh4j.examples.gateway.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Answers {@code GET /metrics} (and {@code HEAD}) with the registry's scrape in Prometheus text
 * format; every other request goes to the gateway's own handler. Only the exact path is taken, so
 * {@code /metricsX} or {@code /metrics/x} stay routes like any other.
 */
public final class MetricsHandler implements HttpHandler {
  /** The path of the scrape. */
  public static final String PATH = "/metrics";
  private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry;
  private final HttpHandler next;

  /** Serves {@code registry}; everything else goes to {@code next}. */
  public MetricsHandler(PrometheusMeterRegistry registry, HttpHandler next) {
    this.registry = registry;
    this.next = next;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    if (!PATH.equals(exchange.getRequestURI().getRawPath()) || !("GET".equals(method) || "HEAD".equals(method))) {
      next.handle(exchange);
      return;
    }
    try (exchange) {
      exchange.getRequestBody().close();
      byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      if ("HEAD".equals(method)) {
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
