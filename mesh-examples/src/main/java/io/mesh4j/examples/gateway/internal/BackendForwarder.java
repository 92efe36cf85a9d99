package io.mesh4j.examples.gateway.internal;

import io.mesh4j.api.CallFailedException;
import io.mesh4j.api.CircuitOpenException;
import io.mesh4j.api.MeshException;
import io.mesh4j.api.MeshTimeoutException;
import io.mesh4j.api.NoInstanceAvailableException;
import io.mesh4j.api.RejectedException;
import io.mesh4j.client.MeshRequest;
import io.mesh4j.client.MeshResponse;
import io.mesh4j.client.ServiceMeshClient;
import io.mesh4j.examples.gateway.Route;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.HttpFields;

/**
 * The backend side of the gateway: turns a routed request into a {@link MeshRequest} (path,
 * query, forwarded headers, body, the route's timeouts and cache), sends it through the
 * {@link ServiceMeshClient}, and maps the answer or the failure to the client's answer (502, 503,
 * 504 with their reasons). Thread safe.
 */
final class BackendForwarder {
  private final ServiceMeshClient mesh;
  private final TrustedProxies trustedProxies;
  private final String scheme;

  BackendForwarder(ServiceMeshClient mesh, TrustedProxies trustedProxies, String scheme) {
    this.mesh = mesh;
    this.trustedProxies = trustedProxies;
    this.scheme = scheme;
  }

  /**
   * The backend request of {@code call} on {@code route}.
   *
   * @throws IllegalArgumentException when the request cannot be expressed as a backend request
   */
  MeshRequest request(GatewayCall call, Route route, List<String> segments, Set<String> consumed,
      String remoteIp, byte[] body) {
    Map<String, List<String>> in = call.headers;
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
    boolean keep = xff != null && !xff.isEmpty() && trustedProxies.contains(call.remoteAddress());
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

  /** Sends {@code request} and answers {@code call} with the backend's answer or the gateway's error. */
  void forward(GatewayCall call, MeshRequest request, Map<String, String> extra) throws IOException {
    MeshResponse response;
    try {
      response = request.execute();
    } catch (CallFailedException e) {
      if (e.status() >= 500) {
        call.failure = "backend status " + e.status();
        call.error(502, "bad_gateway", "the backend service answered " + e.status(), extra);
      } else {
        // The backend's own answer (a 404, a 409, a redirect...): the client's business.
        HttpFields.Mutable out = call.response.getHeaders();
        copyResponseHeaders(e.headers(), out);
        extra.forEach(out::put);
        out.put("X-Cache", "MISS");
        call.cache = "MISS";
        call.send(e.status(), e.bodyExcerpt() == null ? new byte[0] : e.bodyExcerpt().getBytes(StandardCharsets.UTF_8));
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
    call.send(response.status(), response.bodyBytes());
  }

  private static void failed(GatewayCall call, MeshException e, Map<String, String> extra) throws IOException {
    call.failure = e.getClass().getSimpleName();
    Map<String, String> h = new LinkedHashMap<>(extra);
    CircuitOpenException open = find(e, CircuitOpenException.class);
    if (open != null) {
      long seconds = (open.remaining().toMillis() + 999) / 1000;
      if (seconds > 0) {
        h.put("Retry-After", Long.toString(seconds));
      }
      call.error(503, "circuit_open", "the backend service is failing; its circuit breaker is open", h);
      return;
    }
    if (find(e, NoInstanceAvailableException.class) != null) {
      call.error(503, "no_instance", "no instance of the backend service is available", h);
      return;
    }
    RejectedException rejected = find(e, RejectedException.class);
    if (rejected != null && rejected.reason() != RejectedException.Reason.RETRY_BUDGET) {
      call.error(503, "overloaded", "the backend service's " + rejected.reason() + " limit is reached", h);
      return;
    }
    if (find(e, MeshTimeoutException.class) != null || find(e, InterruptedIOException.class) != null) {
      call.error(504, "gateway_timeout", "the backend service did not answer in time", h);
      return;
    }
    // Resets, refused connections, malformed answers, a spent retry budget after those.
    call.error(502, "bad_gateway", "the backend service gave no valid answer", h);
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
}
