package io.mesh4j.client;

import io.mesh4j.api.ServiceInstance;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A successful (2xx) answer of a service: status, headers, body, which instance gave it, and
 * whether it came from the response cache. Immutable; the body is fully read.
 */
public final class MeshResponse {
  private final int status;
  private final Map<String, List<String>> headers;
  private final byte[] body;
  private final ServiceInstance instance;
  private final boolean fromCache;
  private final String requestId;
  private final JsonBodies json;

  MeshResponse(int status, Map<String, List<String>> headers, byte[] body, ServiceInstance instance,
      boolean fromCache, String requestId, JsonBodies json) {
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.instance = instance;
    this.fromCache = fromCache;
    this.requestId = requestId;
    this.json = json;
  }

  /** The status code (2xx). */
  public int status() {
    return status;
  }

  /** The headers, case-insensitive names; a cached answer carries {@code X-Cache: HIT}, a fresh one {@code X-Cache: MISS}. */
  public Map<String, List<String>> headers() {
    return headers;
  }

  /** The first value of header {@code name}. */
  public Optional<String> header(String name) {
    List<String> v = headers.get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  /** The body's bytes (a copy). */
  public byte[] bodyBytes() {
    return body.clone();
  }

  /** The body as UTF-8 text. */
  public String bodyString() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** The body read as JSON into {@code type}. */
  public <T> T as(Class<T> type) {
    return json.read(body, type);
  }

  /** The body read as JSON into the generic {@code type}. */
  public <T> T as(com.fasterxml.jackson.core.type.TypeReference<T> type) {
    return json.read(body, type);
  }

  /** The instance that answered; empty for a cached answer. */
  public Optional<ServiceInstance> instance() {
    return Optional.ofNullable(instance);
  }

  /** True when the answer came from the response cache. */
  public boolean fromCache() {
    return fromCache;
  }

  /** The request id the call carried ({@code X-Request-ID}). */
  public String requestId() {
    return requestId;
  }

  @Override
  public String toString() {
    return "MeshResponse{" + status + (fromCache ? " cached" : " from " + (instance == null ? "?" : instance.id()))
        + ", " + body.length + " bytes}";
  }
}
