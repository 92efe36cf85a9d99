package io.mesh4j.client;

import io.mesh4j.api.internal.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Settings of the GET response cache: the TTL of routes that name none, the request headers
 * that are part of the cache key, and the largest body it stores. Given to
 * {@link ServiceMeshClient.Builder#responseCache(io.mesh4j.cache.DistributedCache, ResponseCacheConfig)}.
 *
 * <p>The key is the service, the path and query, and the values of the {@linkplain #keyHeaders()
 * key headers} in the request. An answer's own {@code Vary} header names are stored with it, and
 * a lookup whose values for them differ is a miss (so a header outside the key list that the
 * origin varies on still never crosses callers; two such variants then replace each other in
 * the cache instead of both being kept). Add a tenant header the backend answers by to the key
 * list ({@code addKeyHeader("X-Tenant-ID")}) when it does not send {@code Vary} for it.
 *
 * <p>Immutable and thread safe; the Builder is not.
 */
public final class ResponseCacheConfig {
  /**
   * The default key headers: {@code Accept}, {@code Accept-Encoding}, {@code Accept-Language}
   * (the content negotiation headers a backend most often varies on, so variants are kept side
   * by side), {@code Host} and {@code X-Forwarded-Host} (a caller-set host that a backend writes
   * into links must not reach callers who did not send it).
   */
  public static final List<String> DEFAULT_KEY_HEADERS =
      List.of("Accept", "Accept-Encoding", "Accept-Language", "Host", "X-Forwarded-Host");
  /**
   * The default largest body stored: {@value} bytes (1 MiB). A larger answer is returned to its
   * caller but not cached.
   */
  public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
  /**
   * The largest {@link Builder#maxBodyBytes} accepted: {@value} bytes (10 MiB). Entries are JSON
   * with the body in base64, and Jackson refuses strings over 20 million characters by default
   * (about 15 MB of body): past that every read would fail, drop the entry and reload it.
   */
  public static final long MAX_BODY_BYTES_LIMIT = 10 * 1024 * 1024;

  private final Duration defaultTtl;
  private final List<String> keyHeaders;
  private final long maxBodyBytes;

  private ResponseCacheConfig(Builder b) {
    this.defaultTtl = b.defaultTtl;
    this.keyHeaders = List.copyOf(b.keyHeaders);
    this.maxBodyBytes = b.maxBodyBytes;
  }

  /** A builder starting from the defaults; {@link Builder#defaultTtl} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The defaults with {@code defaultTtl}. */
  public static ResponseCacheConfig withDefaultTtl(Duration defaultTtl) {
    return builder().defaultTtl(defaultTtl).build();
  }

  /** A builder starting from this config. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.defaultTtl = defaultTtl;
    b.keyHeaders.clear();
    b.keyHeaders.addAll(keyHeaders);
    b.maxBodyBytes = maxBodyBytes;
    return b;
  }

  /** The TTL of cache routes that name none. */
  public Duration defaultTtl() {
    return defaultTtl;
  }

  /** The request headers whose values are part of the cache key (as given, in order). */
  public List<String> keyHeaders() {
    return keyHeaders;
  }

  /** The largest body stored, in bytes. */
  public long maxBodyBytes() {
    return maxBodyBytes;
  }

  @Override
  public String toString() {
    return "ResponseCacheConfig{defaultTtl=" + defaultTtl + ", keyHeaders=" + keyHeaders + ", maxBodyBytes="
        + maxBodyBytes + "}";
  }

  /** Builds a {@link ResponseCacheConfig}. Not thread safe. */
  public static final class Builder {
    private Duration defaultTtl;
    private final List<String> keyHeaders = new ArrayList<>(DEFAULT_KEY_HEADERS);
    private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;

    private Builder() {}

    /** The TTL of cache routes that name none (required). */
    public Builder defaultTtl(Duration defaultTtl) {
      this.defaultTtl = Checks.positive(defaultTtl, "responseCache defaultTtl");
      return this;
    }

    /** Replaces the key headers (default {@link #DEFAULT_KEY_HEADERS}); none is allowed. */
    public Builder keyHeaders(List<String> names) {
      Checks.notNull(names, "keyHeaders");
      List<String> checked = new ArrayList<>(names.size());
      for (String name : names) {
        checked.add(checkName(name));
      }
      keyHeaders.clear();
      keyHeaders.addAll(checked);
      return this;
    }

    /** Adds one key header to the current list, e.g. a tenant header. */
    public Builder addKeyHeader(String name) {
      keyHeaders.add(checkName(name));
      return this;
    }

    private static String checkName(String name) {
      Checks.notBlank(name, "keyHeader");
      for (int i = 0; i < name.length(); i++) {
        char c = name.charAt(i);
        Checks.argument(c > ' ' && c < 127 && c != ':', "keyHeader '%s' is not a header name",
            name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "?"));
      }
      return name;
    }

    /**
     * The largest body stored, in bytes (default {@link #DEFAULT_MAX_BODY_BYTES}, at most
     * {@link #MAX_BODY_BYTES_LIMIT}). A larger answer still succeeds, uncached.
     */
    public Builder maxBodyBytes(long maxBodyBytes) {
      Checks.argument(maxBodyBytes >= 1 && maxBodyBytes <= MAX_BODY_BYTES_LIMIT,
          "responseCache maxBodyBytes must be between 1 and %d (entries are base64 JSON), was %d",
          MAX_BODY_BYTES_LIMIT, maxBodyBytes);
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalStateException if defaultTtl is not set
     */
    public ResponseCacheConfig build() {
      Checks.state(defaultTtl != null, "responseCache defaultTtl must be set (the TTL of routes that name none)");
      return new ResponseCacheConfig(this);
    }
  }
}
