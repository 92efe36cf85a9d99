package io.mesh4j.client;

import io.mesh4j.client.internal.CacheControl;
import io.mesh4j.client.internal.HttpHeaders;
import io.mesh4j.client.internal.HttpResult;
import io.mesh4j.client.internal.ResponseCacheCounters;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import okhttp3.Headers;
import okhttp3.HttpUrl;

/**
 * The response cache's part of a call: the key (service, path and query, key header values),
 * the lookup (with the stored {@code Vary} values matched), and whether and how long an answer
 * may be stored. Stateless.
 */
final class ResponseCacheStep {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private ResponseCacheStep() {}

  /** The key's prefix for every GET answer of {@code serviceName}. */
  static String keyPrefix(String serviceName) {
    return "http:" + serviceName + ":GET:";
  }

  /** The key without its header part: service, path and query. */
  static String keyBase(String serviceName, HttpUrl url) {
    String q = url.encodedQuery();
    return keyPrefix(serviceName) + url.encodedPath() + (q == null ? "" : "?" + q);
  }

  /**
   * The key: {@link #keyBase}, then {@code #} and a hash of the key headers' values (always
   * present, so entries written before keys had it are never read).
   */
  static String key(String serviceName, HttpUrl url, Headers request, List<String> keyHeaders) {
    StringBuilder canonical = new StringBuilder("v2");
    for (String name : keyHeaders) {
      String v = joined(request, name);
      // Absent and empty differ; lengths make the encoding unambiguous.
      canonical.append('\n').append(name.toLowerCase(Locale.ROOT)).append(v == null ? "!" : "=" + v.length() + ":" + v);
    }
    return keyBase(serviceName, url) + "#" + sha256Hex(canonical.toString(), 16);
  }

  /** A glob matching every key of this path and query, whatever the header part. */
  static String variantsGlob(String serviceName, HttpUrl url) {
    String base = keyBase(serviceName, url);
    StringBuilder g = new StringBuilder(base.length() + 4);
    for (int i = 0; i < base.length(); i++) {
      char c = base.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        g.append('\\');
      }
      g.append(c);
    }
    return g.append("#*").toString();
  }

  /** The cached answer for this call, or null (a miss, a different variant, or the cache unreachable). */
  static MeshResponse lookup(ServiceMeshClient mesh, PreparedCall p, JsonBodies json) {
    ResponseCacheCounters n = mesh.responseCacheCounters;
    CachedResponse c;
    try {
      c = mesh.responseStore.get(p.cacheKey);
    } catch (RuntimeException e) {
      n.misses.increment();
      return null; // unreachable cache: a miss
    }
    if (c == null) {
      n.misses.increment();
      return null;
    }
    for (Map.Entry<String, String> v : c.vary().entrySet()) {
      if (!Objects.equals(v.getValue(), joined(p.headers, v.getKey()))) {
        n.varyMismatches.increment();
        return null; // stored for another value of a header the origin varies on
      }
    }
    n.hits.increment();
    Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    if (c.contentType() != null) {
      h.put("Content-Type", List.of(c.contentType()));
    }
    h.put(HttpHeaders.CACHE, List.of("HIT"));
    return new MeshResponse(c.status(), Collections.unmodifiableMap(h), c.bodyNoCopy(), null, true,
        p.requestId, json);
  }

  /** Stores the answer if a shared cache may keep it; a cache that is down is ignored. */
  static void storeIfAllowed(ServiceMeshClient mesh, PreparedCall p, HttpResult r) {
    ResponseCacheCounters n = mesh.responseCacheCounters;
    if (r.status() != 200) {
      n.refusedStatus.increment();
      return;
    }
    if (r.body().length > mesh.responseCacheConfig.maxBodyBytes()) {
      n.refusedSize.increment();
      return;
    }
    Headers h = r.headers();
    // An answer setting a cookie is one caller's session; one still encoded (the caller set
    // Accept-Encoding itself) cannot be stored, as the entry does not carry Content-Encoding.
    if (h.get("Set-Cookie") != null || h.get("Content-Encoding") != null) {
      n.refusedPrivate.increment();
      return;
    }
    CacheControl cc = CacheControl.parse(h.values("Cache-Control"));
    if (cc.forbidsSharedStorage()) {
      n.refusedCacheControl.increment();
      return;
    }
    Map<String, String> vary = new HashMap<>();
    for (String line : h.values("Vary")) {
      for (String name : line.split(",")) {
        String v = name.trim().toLowerCase(Locale.ROOT);
        if (v.equals("*")) {
          n.refusedCacheControl.increment();
          return; // varies on things no header shows: never reusable
        }
        if (!v.isEmpty()) {
          vary.put(v, joined(p.headers, v));
        }
      }
    }
    Duration ttl = p.cacheTtl;
    long maxAge = cc.sharedMaxAgeSeconds();
    if (maxAge > 0 && Duration.ofSeconds(maxAge).compareTo(ttl) < 0) {
      ttl = Duration.ofSeconds(maxAge); // the origin's freshness is shorter than the route's TTL
    }
    try {
      mesh.responseStore.put(p.cacheKey, new CachedResponse(r.status(), h.get("Content-Type"), r.body(), vary), ttl);
      n.stores.increment();
    } catch (RuntimeException e) {
      // The cache being down must not fail a call that succeeded.
    }
  }

  /** The request's values of header {@code name} joined by commas, or null when it has none. */
  private static String joined(Headers headers, String name) {
    List<String> values = headers.values(name);
    return values.isEmpty() ? null : values.size() == 1 ? values.get(0) : String.join(",", values);
  }

  private static String sha256Hex(String s, int bytes) {
    byte[] d;
    try {
      d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
    char[] out = new char[bytes * 2];
    for (int i = 0; i < bytes; i++) {
      out[2 * i] = HEX[(d[i] >> 4) & 0xF];
      out[2 * i + 1] = HEX[d[i] & 0xF];
    }
    return new String(out);
  }
}
