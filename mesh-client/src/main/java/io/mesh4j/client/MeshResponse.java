package io.mesh4j.client;

import io.mesh4j.api.ServiceInstance;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A successful (2xx) answer of a service: status, headers, body, which instance gave it, and
 * whether it came from the response cache. Immutable; the body is fully read.
 */
public final class MeshResponse {
  private final int status;
  /**
   * The headers as a map: given, or built from {@link #rawHeaders} on the first call of
   * {@link #headers()} (most callers read the body only; building it cost a sorted map and a
   * lower-cased copy of every name per call). Racing builders build equal maps.
   */
  private volatile Map<String, List<String>> headers;
  private final okhttp3.Headers rawHeaders;
  private final String xCache;
  private final byte[] body;
  private final ServiceInstance instance;
  private final boolean fromCache;
  private final String requestId;
  private final JsonBodies json;

  MeshResponse(int status, Map<String, List<String>> headers, byte[] body, ServiceInstance instance,
      boolean fromCache, String requestId, JsonBodies json) {
    this.status = status;
    this.headers = headers;
    this.rawHeaders = null;
    this.xCache = null;
    this.body = body;
    this.instance = instance;
    this.fromCache = fromCache;
    this.requestId = requestId;
    this.json = json;
  }

  /** An answer fresh from an instance; {@code xCache} is the X-Cache value to add, or null. */
  MeshResponse(int status, okhttp3.Headers rawHeaders, String xCache, byte[] body, ServiceInstance instance,
      String requestId, JsonBodies json) {
    this.status = status;
    this.headers = null;
    this.rawHeaders = rawHeaders;
    this.xCache = xCache;
    this.body = body;
    this.instance = instance;
    this.fromCache = false;
    this.requestId = requestId;
    this.json = json;
  }

  /** The status code (2xx). */
  public int status() {
    return status;
  }

  /** The headers, case-insensitive names; a cached answer carries {@code X-Cache: HIT}, a fresh one {@code X-Cache: MISS}. */
  public Map<String, List<String>> headers() {
    Map<String, List<String>> h = headers;
    if (h == null) {
      Map<String, List<String>> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      m.putAll(rawHeaders.toMultimap());
      if (xCache != null) {
        m.put(io.mesh4j.client.internal.HttpHeaders.CACHE, List.of(xCache));
      }
      h = Collections.unmodifiableMap(m);
      headers = h;
    }
    return h;
  }

  /** The first value of header {@code name}. */
  public Optional<String> header(String name) {
    if (headers == null) {
      if (xCache != null && io.mesh4j.client.internal.HttpHeaders.CACHE.equalsIgnoreCase(name)) {
        return Optional.of(xCache);
      }
      List<String> v = rawHeaders.values(name);
      return v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }
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
