package io.mesh4j.examples.gateway.internal;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Answers {@code GET /metrics} (and {@code HEAD}) with the registry's scrape in Prometheus text
 * format; every other request goes to the gateway's own handler. Only the exact path is taken, so
 * {@code /metricsX} or {@code /metrics/x} stay routes like any other.
 */
public final class MetricsHandler extends Handler.Wrapper {
  /** The path of the scrape. */
  public static final String PATH = "/metrics";
  private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry;

  /** Serves {@code registry}; everything else goes to {@code next}. */
  public MetricsHandler(PrometheusMeterRegistry registry, Handler next) {
    super(next);
    this.registry = registry;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String method = request.getMethod();
    if (!PATH.equals(request.getHttpURI().getPath()) || !("GET".equals(method) || "HEAD".equals(method))) {
      return super.handle(request, response, callback);
    }
    byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
    response.setStatus(200);
    response.getHeaders().put("Content-Type", CONTENT_TYPE);
    response.getHeaders().put("Cache-Control", "no-store");
    response.getHeaders().put("Content-Length", Integer.toString(body.length));
    response.write(true, "HEAD".equals(method) ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body), callback);
    return true;
  }
}
