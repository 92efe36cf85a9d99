package io.mesh4j.examples.gateway.internal;

import io.mesh4j.api.Ticker;
import io.mesh4j.client.MeshRequest;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.examples.gateway.Route;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles every request: route, authenticate, rate limit, forward through the
 * {@link ServiceMeshClient}, answer, and write one access log line. A blocking Jetty core
 * handler: it runs on the server's worker threads (Jetty reads request lines and headers
 * without a thread, so only complete requests reach it); thread safe.
 *
 * <p>Status codes of the gateway's own: 400 malformed request, 401 credentials, 404 no route,
 * 405 method (with {@code Allow}), 413 body too large, 429 rate limit (with {@code Retry-After}),
 * 502 bad backend answer (5xx, reset, malformed), 503 circuit open or no instance (or the
 * client's bulkhead full), 504 timeout. A backend's own 1xx-4xx answers pass through.
 *
 * <p>This class owns the order of the checks; {@link GatewayCall} holds one request and writes its
 * answer, {@link BackendForwarder} builds and sends the backend request and maps its failures,
 * {@link AccessLog} writes the access log line.
 */
public final class GatewayHandler extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class);
  private static final String REALM = "mesh4j-gateway";

  private final RouteTable<Route> routes;
  private final Authenticator authenticator;
  private final boolean jwtEnabled;
  private final SharedRateLimiter rateLimiter;
  private final BackendForwarder backend;
  private final AccessLog accessLog;
  private final GatewayMeters meters;
  private final Ticker ticker;
  private final long maxRequestBytes;
  private final TrustedProxies trustedProxies;
  private final long bodyTimeoutNanos;
  private final IpRateLimiter ipLimiter;

  /**
   * @param routes the route table
   * @param authenticator checks credentials (null when no route needs them)
   * @param jwtEnabled whether bearer JWTs are accepted (for the {@code WWW-Authenticate} challenge)
   * @param rateLimiter the shared limiter (null when no route is limited)
   * @param mesh the mesh client every backend call goes through
   * @param accessLog receives one line per request
   * @param ticker measures durations
   * @param maxRequestBytes the largest request body accepted
   * @param scheme "http" or "https", for {@code X-Forwarded-Proto}
   * @param meters records each request on a timer (null when metrics are off)
   * @param trustedProxies the socket peers whose {@code X-Forwarded-For} list is kept
   * @param bodyTimeoutNanos how long a request body may take to arrive (408 beyond)
   * @param ipLimiter the per-address limit applied before anything else (null when off)
   */
  public GatewayHandler(RouteTable<Route> routes, Authenticator authenticator, boolean jwtEnabled,
      SharedRateLimiter rateLimiter, ServiceMeshClient mesh, Consumer<String> accessLog,
      Ticker ticker, long maxRequestBytes, String scheme, GatewayMeters meters, TrustedProxies trustedProxies,
      long bodyTimeoutNanos, IpRateLimiter ipLimiter) {
    super(InvocationType.BLOCKING);
    this.ipLimiter = ipLimiter;
    this.trustedProxies = trustedProxies;
    this.bodyTimeoutNanos = bodyTimeoutNanos;
    this.meters = meters;
    this.routes = routes;
    this.authenticator = authenticator;
    this.jwtEnabled = jwtEnabled;
    this.rateLimiter = rateLimiter;
    this.backend = new BackendForwarder(mesh, trustedProxies, scheme);
    this.accessLog = new AccessLog(accessLog);
    this.ticker = ticker;
    this.maxRequestBytes = maxRequestBytes;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    long start = ticker.read();
    GatewayCall call = new GatewayCall(request, response);
    try {
      process(call);
    } catch (IOException e) {
      // The client went away mid-answer: nothing left to tell it.
      call.status = call.status == 0 ? 499 : call.status;
    } catch (RuntimeException e) {
      LOG.warn("request {} failed inside the gateway; the client gets a 500"
          + " gateway_error unless an answer had already started", call.requestId, e);
      if (!call.responded) {
        try {
          call.error(500, "gateway_error", "the gateway failed to handle the request", Map.of());
        } catch (IOException ignored) {
          call.status = 500;
        }
      }
    } finally {
      if (call.written) {
        callback.succeeded();
      } else {
        callback.failed(new IOException("the answer could not be written"));
      }
      long nanos = ticker.read() - start;
      accessLog.write(call, nanos);
      if (meters != null) {
        meters.record(call.route, call.method, call.status, nanos);
      }
    }
    return true;
  }

  private void process(GatewayCall call) throws IOException {
    if (ipLimiter != null) {
      // Before routing and authentication: floods of bad paths or bad credentials count too.
      String key = IpRateLimiter.clientKey(call.remoteAddress(), call.headers.get("X-Forwarded-For"),
          trustedProxies);
      long retry = ipLimiter.acquire(key);
      if (retry > 0) {
        call.failure = "ip_rate_limited";
        call.error(429, "ip_rate_limited", "more than " + ipLimiter.limit() + " requests per minute from one address; "
            + "retry in " + retry + " s", Map.of("Retry-After", Long.toString(retry)));
        return;
      }
    }
    String rawPath = call.rawPath;
    List<String> segments;
    try {
      segments = PathPattern.decodeSegments(rawPath == null ? "/" : rawPath);
    } catch (IllegalArgumentException e) {
      call.error(400, "bad_request", e.getMessage(), Map.of());
      return;
    }
    List<String> hosts = call.headers.get("Host");
    boolean http11 = !"HTTP/1.0".equals(call.protocol);
    if (hosts == null ? http11 : hosts.size() != 1 || !ForwardHeaders.validHost(hosts.get(0))) {
      call.error(400, "bad_request", "the request needs one Host header holding host or host:port", Map.of());
      return;
    }
    RouteTable.Lookup<Route> found = routes.find(call.method, segments);
    Route route = found.route();
    if (route == null) {
      if (found.allowed().isEmpty()) {
        call.error(404, "no_route", "no route for " + call.method + " " + AccessLog.printable(rawPath), Map.of());
      } else {
        call.error(405, "method_not_allowed", call.method + " is not allowed here",
            Map.of("Allow", String.join(", ", found.allowed())));
      }
      return;
    }
    call.route = route.name();

    Set<String> consumed = Set.of();
    if (route.authRequired()) {
      Authenticator.Result auth = authenticator.authenticate(call::first);
      if (!auth.ok()) {
        call.authFailure = auth.reason();
        String challenge = jwtEnabled
            ? "Bearer realm=\"" + REALM + "\"" + (auth.error().equals("invalid_token") ? ", error=\"invalid_token\"" : "")
            : "ApiKey realm=\"" + REALM + "\"";
        call.error(401, auth.error(), "valid credentials are required", Map.of("WWW-Authenticate", challenge));
        return;
      }
      call.client = auth.identity();
      consumed = authenticator.credentialHeaders();
    }

    String remoteIp = call.remoteIp();
    Map<String, String> limitHeaders = Map.of();
    if (route.rateLimitPerMinute() > 0) {
      String who = call.client != null ? call.client : "ip:" + remoteIp;
      SharedRateLimiter.Decision d = rateLimiter.acquire(route.name(), who, route.rateLimitPerMinute());
      if (!d.allowed()) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Retry-After", Long.toString(d.resetSeconds()));
        h.put("X-RateLimit-Limit", Integer.toString(d.limit()));
        h.put("X-RateLimit-Remaining", "0");
        call.error(429, "rate_limited", "more than " + d.limit() + " requests per minute; retry in "
            + d.resetSeconds() + " s", h);
        return;
      }
      if (d.remaining() >= 0) {
        limitHeaders = Map.of("X-RateLimit-Limit", Integer.toString(d.limit()),
            "X-RateLimit-Remaining", Long.toString(d.remaining()));
      }
    }

    byte[] body = readBody(call);
    if (body == null) {
      return;
    }

    MeshRequest request;
    try {
      request = backend.request(call, route, segments, consumed, remoteIp, body);
    } catch (IllegalArgumentException e) {
      call.error(400, "bad_request", "the request cannot be forwarded: " + e.getMessage(), Map.of());
      return;
    }
    backend.forward(call, request, limitHeaders);
  }

  /** The body, or null after answering 413. */
  private byte[] readBody(GatewayCall call) throws IOException {
    String declared = call.first("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > maxRequestBytes) {
          call.error(413, "payload_too_large", "the body is larger than " + maxRequestBytes + " bytes", Map.of());
          return null;
        }
      } catch (NumberFormatException e) {
        call.error(400, "bad_request", "Content-Length is not a number", Map.of());
        return null;
      }
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    long deadline = ticker.read() + bodyTimeoutNanos;
    try (InputStream in = Content.Source.asInputStream(call.request)) {
      int n;
      while ((n = in.read(chunk)) >= 0) {
        // Each read returns as soon as bytes arrive (a silent client meets the idle timeout), so a
        // body trickled in byte by byte is stopped here.
        if (ticker.read() - deadline > 0) {
          call.error(408, "request_timeout", "the body did not arrive within "
              + bodyTimeoutNanos / 1_000_000 + " ms", Map.of("Connection", "close"));
          return null;
        }
        if (buf.size() + n > maxRequestBytes) {
          call.error(413, "payload_too_large", "the body is larger than " + maxRequestBytes + " bytes", Map.of());
          return null;
        }
        buf.write(chunk, 0, n);
      }
    }
    return buf.toByteArray();
  }
}
