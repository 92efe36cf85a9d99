package io.mesh4j.examples.gateway.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.api.CallFailedException;
import io.mesh4j.api.CircuitOpenException;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.MeshTimeoutException;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.RejectedException;
import io.mesh4j.api.Ticker;
import io.mesh4j.client.MeshRequest;
import io.mesh4j.client.MeshResponse;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.examples.gateway.Route;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
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
 */
public final class GatewayHandler extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REALM = "mesh4j-gateway";

  private final RouteTable<Route> routes;
  private final Authenticator authenticator;
  private final boolean jwtEnabled;
  private final SharedRateLimiter rateLimiter;
  private final ServiceMeshClient mesh;
  private final Consumer<String> accessLog;
  private final GatewayMeters meters;
  private final Ticker ticker;
  private final long maxRequestBytes;
  private final String scheme;
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
    this.mesh = mesh;
    this.accessLog = accessLog;
    this.ticker = ticker;
    this.maxRequestBytes = maxRequestBytes;
    this.scheme = scheme;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    long start = ticker.read();
    Call call = new Call(request, response);
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
          error(call, 500, "gateway_error", "the gateway failed to handle the request", Map.of());
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
      log(call, nanos);
      if (meters != null) {
        meters.record(call.route, call.method, call.status, nanos);
      }
    }
    return true;
  }

  private void process(Call call) throws IOException {
    if (ipLimiter != null) {
      // Before routing and authentication: floods of bad paths or bad credentials count too.
      String key = IpRateLimiter.clientKey(remoteAddress(call.remote), call.headers.get("X-Forwarded-For"),
          trustedProxies);
      long retry = ipLimiter.acquire(key);
      if (retry > 0) {
        call.failure = "ip_rate_limited";
        error(call, 429, "ip_rate_limited", "more than " + ipLimiter.limit() + " requests per minute from one address; "
            + "retry in " + retry + " s", Map.of("Retry-After", Long.toString(retry)));
        return;
      }
    }
    String rawPath = call.rawPath;
    List<String> segments;
    try {
      segments = PathPattern.decodeSegments(rawPath == null ? "/" : rawPath);
    } catch (IllegalArgumentException e) {
      error(call, 400, "bad_request", e.getMessage(), Map.of());
      return;
    }
    List<String> hosts = call.headers.get("Host");
    boolean http11 = !"HTTP/1.0".equals(call.protocol);
    if (hosts == null ? http11 : hosts.size() != 1 || !ForwardHeaders.validHost(hosts.get(0))) {
      error(call, 400, "bad_request", "the request needs one Host header holding host or host:port", Map.of());
      return;
    }
    RouteTable.Lookup<Route> found = routes.find(call.method, segments);
    Route route = found.route();
    if (route == null) {
      if (found.allowed().isEmpty()) {
        error(call, 404, "no_route", "no route for " + call.method + " " + printable(rawPath), Map.of());
      } else {
        error(call, 405, "method_not_allowed", call.method + " is not allowed here",
            Map.of("Allow", String.join(", ", found.allowed())));
      }
      return;
    }
    call.route = route.name();

    Map<String, List<String>> in = call.headers;
    Set<String> consumed = Set.of();
    if (route.authRequired()) {
      Authenticator.Result auth = authenticator.authenticate(call::first);
      if (!auth.ok()) {
        call.authFailure = auth.reason();
        String challenge = jwtEnabled
            ? "Bearer realm=\"" + REALM + "\"" + (auth.error().equals("invalid_token") ? ", error=\"invalid_token\"" : "")
            : "ApiKey realm=\"" + REALM + "\"";
        error(call, 401, auth.error(), "valid credentials are required", Map.of("WWW-Authenticate", challenge));
        return;
      }
      call.client = auth.identity();
      consumed = authenticator.credentialHeaders();
    }

    String remoteIp = remoteIp(call.remote);
    Map<String, String> limitHeaders = Map.of();
    if (route.rateLimitPerMinute() > 0) {
      String who = call.client != null ? call.client : "ip:" + remoteIp;
      SharedRateLimiter.Decision d = rateLimiter.acquire(route.name(), who, route.rateLimitPerMinute());
      if (!d.allowed()) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Retry-After", Long.toString(d.resetSeconds()));
        h.put("X-RateLimit-Limit", Integer.toString(d.limit()));
        h.put("X-RateLimit-Remaining", "0");
        error(call, 429, "rate_limited", "more than " + d.limit() + " requests per minute; retry in "
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
      request = buildRequest(call, route, segments, in, consumed, remoteIp, body);
    } catch (IllegalArgumentException e) {
      error(call, 400, "bad_request", "the request cannot be forwarded: " + e.getMessage(), Map.of());
      return;
    }
    forward(call, request, limitHeaders);
  }

  private MeshRequest buildRequest(Call call, Route route, List<String> segments, Map<String, List<String>> in,
      Set<String> consumed,
      String remoteIp, byte[] body) {
    int skip = route.stripPrefix().map(p -> PathPattern.split(p).size()).orElse(0);
    List<String> forwarded = segments.subList(Math.min(skip, segments.size()), segments.size());
    StringBuilder template = new StringBuilder();
    for (int i = 0; i < forwarded.size(); i++) {
      template.append("/{s").append(i).append('}');
    }
    if (template.length() == 0) {
      template.append('/');
    }
    MeshRequest r = mesh.service(route.service()).request(call.method, template.toString(), forwarded.toArray())
        .maxAttempts(route.retries() + 1);

    String rawQuery = call.rawQuery;
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&")) {
        int eq = pair.indexOf('=');
        String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        if (!name.isBlank()) {
          r.query(name, value);
        }
      }
    }

    Set<String> listed = ForwardHeaders.connectionListed(in.get("Connection"));
    for (Map.Entry<String, List<String>> h : in.entrySet()) {
      String name = h.getKey();
      if (name != null && ForwardHeaders.forwardRequestHeader(name, listed, consumed)) {
        r.header(name, ForwardHeaders.join(name, h.getValue()));
      }
    }
    // A client's own list is believed only from a trusted proxy: anyone else could write any address there.
    List<String> xff = in.get("X-Forwarded-For");
    boolean keep = xff != null && !xff.isEmpty() && trustedProxies.contains(remoteAddress(call.remote));
    r.header("X-Forwarded-For", keep ? String.join(", ", xff) + ", " + remoteIp : remoteIp);
    r.header("X-Forwarded-Proto", scheme);
    String host = call.first("Host");
    if (host != null) {
      r.header("X-Forwarded-Host", host);
    }
    r.header(ForwardHeaders.REQUEST_ID, call.requestId);
    if (call.client != null) {
      r.header(ForwardHeaders.AUTHENTICATED_CLIENT, call.client);
    }

    boolean mayHaveBody = !call.method.equals("GET") && !call.method.equals("HEAD");
    String contentType = call.first("Content-Type");
    if (mayHaveBody && (body.length > 0 || contentType != null)) {
      r.body(body, contentType == null ? "application/octet-stream" : contentType);
    }

    r.deadline(route.timeout());
    r.timeout(route.attemptTimeout());
    if (route.cacheTtl().isPresent() && call.method.equals("GET")) {
      r.cacheFor(route.cacheTtl().get());
    } else {
      r.noCache();
    }
    return r;
  }

  private void forward(Call call, MeshRequest request, Map<String, String> extra) throws IOException {
    MeshResponse response;
    try {
      response = request.execute();
    } catch (CallFailedException e) {
      if (e.status() >= 500) {
        call.failure = "backend status " + e.status();
        error(call, 502, "bad_gateway", "the backend service answered " + e.status(), extra);
      } else {
        // The backend's own answer (a 404, a 409, a redirect...): the client's business.
        HttpFields.Mutable out = call.response.getHeaders();
        copyResponseHeaders(e.headers(), out);
        extra.forEach(out::put);
        out.put("X-Cache", "MISS");
        call.cache = "MISS";
        send(call, e.status(), e.bodyExcerpt() == null ? new byte[0] : e.bodyExcerpt().getBytes(StandardCharsets.UTF_8));
      }
      return;
    } catch (MeshException e) {
      failed(call, e, extra);
      return;
    }
    HttpFields.Mutable out = call.response.getHeaders();
    copyResponseHeaders(response.headers(), out);
    extra.forEach(out::put);
    call.cache = response.fromCache() ? "HIT" : "MISS";
    out.put("X-Cache", call.cache);
    send(call, response.status(), response.bodyBytes());
  }

  private void failed(Call call, MeshException e, Map<String, String> extra) throws IOException {
    call.failure = e.getClass().getSimpleName();
    Map<String, String> h = new LinkedHashMap<>(extra);
    CircuitOpenException open = find(e, CircuitOpenException.class);
    if (open != null) {
      long seconds = (open.remaining().toMillis() + 999) / 1000;
      if (seconds > 0) {
        h.put("Retry-After", Long.toString(seconds));
      }
      error(call, 503, "circuit_open", "the backend service is failing; its circuit breaker is open", h);
      return;
    }
    if (find(e, NoInstanceAvailableException.class) != null) {
      error(call, 503, "no_instance", "no instance of the backend service is available", h);
      return;
    }
    RejectedException rejected = find(e, RejectedException.class);
    if (rejected != null && rejected.reason() != RejectedException.Reason.RETRY_BUDGET) {
      error(call, 503, "overloaded", "the backend service's " + rejected.reason() + " limit is reached", h);
      return;
    }
    if (find(e, MeshTimeoutException.class) != null || find(e, InterruptedIOException.class) != null) {
      error(call, 504, "gateway_timeout", "the backend service did not answer in time", h);
      return;
    }
    // Resets, refused connections, malformed answers, a spent retry budget after those.
    error(call, 502, "bad_gateway", "the backend service gave no valid answer", h);
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  private static void copyResponseHeaders(Map<String, List<String>> from, HttpFields.Mutable out) {
    Set<String> listed = ForwardHeaders.connectionListed(ForwardHeaders.connectionValues(from));
    for (Map.Entry<String, List<String>> h : from.entrySet()) {
      String name = h.getKey();
      if (name == null || !ForwardHeaders.forwardResponseHeader(name, listed)) {
        continue;
      }
      for (String v : h.getValue()) {
        if (!ForwardHeaders.REDACTED.equals(v)) {
          out.add(name, v);
        }
      }
    }
  }

  /** The body, or null after answering 413. */
  private byte[] readBody(Call call) throws IOException {
    String declared = call.first("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > maxRequestBytes) {
          error(call, 413, "payload_too_large", "the body is larger than " + maxRequestBytes + " bytes", Map.of());
          return null;
        }
      } catch (NumberFormatException e) {
        error(call, 400, "bad_request", "Content-Length is not a number", Map.of());
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
          error(call, 408, "request_timeout", "the body did not arrive within "
              + bodyTimeoutNanos / 1_000_000 + " ms", Map.of("Connection", "close"));
          return null;
        }
        if (buf.size() + n > maxRequestBytes) {
          error(call, 413, "payload_too_large", "the body is larger than " + maxRequestBytes + " bytes", Map.of());
          return null;
        }
        buf.write(chunk, 0, n);
      }
    }
    return buf.toByteArray();
  }

  private void error(Call call, int status, String code, String message, Map<String, String> headers) throws IOException {
    HttpFields.Mutable out = call.response.getHeaders();
    headers.forEach(out::put);
    out.put("Content-Type", "application/json");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", status);
    body.put("error", code);
    body.put("message", message);
    body.put("requestId", call.requestId);
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      bytes = ("{\"status\":" + status + "}").getBytes(StandardCharsets.US_ASCII);
    }
    send(call, status, bytes);
  }

  private void send(Call call, int status, byte[] body) throws IOException {
    Response response = call.response;
    response.getHeaders().put(ForwardHeaders.REQUEST_ID, call.requestId);
    call.status = status;
    call.responded = true;
    boolean noBody = call.method.equals("HEAD") || status == 204 || status == 304 || (status >= 100 && status < 200);
    response.setStatus(status);
    ByteBuffer content = noBody || body.length == 0 ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body);
    if (!noBody) {
      response.getHeaders().put("Content-Length", Integer.toString(content.remaining()));
    }
    // Written before the handler returns, so the access log's status is what the client got.
    try (Blocker.Callback written = Blocker.callback()) {
      response.write(true, content, written);
      written.block();
    }
    call.written = true;
  }

  private void log(Call call, long nanos) {
    StringBuilder b = new StringBuilder(160);
    b.append("method=").append(printable(call.method))
        .append(" path=").append(printable(call.rawPath))
        .append(" status=").append(call.status)
        .append(" duration_ms=").append(String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6))
        .append(" request_id=").append(call.requestId);
    if (call.route != null) {
      b.append(" route=").append(call.route);
    }
    if (call.client != null) {
      b.append(" client=").append(printable(call.client));
    }
    if (call.cache != null) {
      b.append(" cache=").append(call.cache);
    }
    if (call.authFailure != null) {
      b.append(" auth=\"").append(printable(call.authFailure, true)).append('"');
    }
    if (call.failure != null) {
      b.append(" failure=").append(call.failure);
    }
    try {
      accessLog.accept(b.toString());
    } catch (RuntimeException e) {
      // A broken log sink must not break the gateway.
    }
  }

  /** Printable ASCII only (no log forging with CR/LF, no spaces); the rest percent-escaped. */
  static String printable(String s) {
    return printable(s, false);
  }

  /** As above; {@code spaces} keeps spaces (for quoted values). */
  static String printable(String s, boolean spaces) {
    if (s == null) {
      return "-";
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c > 32 || (spaces && c == ' ')) && c < 127 && c != '"';
      if (!ok && b == null) {
        b = new StringBuilder(s.length() + 8).append(s, 0, i);
      }
      if (b != null) {
        if (ok) {
          b.append(c);
        } else {
          b.append('%').append(String.format("%02X", (int) c & 0xFF));
        }
      }
    }
    return b == null ? s : b.toString();
  }

  private static java.net.InetAddress remoteAddress(SocketAddress remote) {
    return remote instanceof InetSocketAddress a ? a.getAddress() : null;
  }

  private static String remoteIp(SocketAddress remote) {
    java.net.InetAddress a = remoteAddress(remote);
    return a == null ? "unknown" : a.getHostAddress();
  }

  /** A random (version 4) UUID without SecureRandom's cost: an id, not a secret. */
  private static String newRequestId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return new UUID((r.nextLong() & ~0xF000L) | 0x4000L, (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L)
        .toString();
  }

  /** What is known about one request, for the answer and the access log line. */
  private static final class Call {
    final Request request;
    final Response response;
    final String method;
    final String requestId;
    final String rawPath;
    final String rawQuery;
    final String protocol;
    final SocketAddress remote;
    /** The request headers by name, case-insensitive; one entry per header line. */
    final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    int status;
    boolean responded;
    boolean written;
    String route;
    /** {@code apikey:<name>} or {@code jwt:<sub>} once authenticated. */
    String client;
    String cache;
    String authFailure;
    String failure;

    Call(Request request, Response response) {
      this.request = request;
      this.response = response;
      this.method = request.getMethod();
      for (HttpField f : request.getHeaders()) {
        headers.computeIfAbsent(f.getName(), k -> new java.util.ArrayList<>(1)).add(f.getValue());
      }
      String path = request.getHttpURI().getPath();
      this.rawPath = path == null || path.isEmpty() ? "/" : path;
      this.rawQuery = request.getHttpURI().getQuery();
      this.protocol = request.getConnectionMetaData().getProtocol();
      this.remote = request.getConnectionMetaData().getRemoteSocketAddress();
      String given = ForwardHeaders.acceptedRequestId(first(ForwardHeaders.REQUEST_ID));
      this.requestId = given != null ? given : newRequestId();
    }

    /** The first value of the request header {@code name}, or null. */
    String first(String name) {
      List<String> v = headers.get(name);
      return v == null || v.isEmpty() ? null : v.get(0);
    }
  }
}
