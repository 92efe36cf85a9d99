package io.mesh4j.client;

import java.time.Duration;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.RequestBody;

/** What a call worked out once, before its attempts: URL, headers, body, request id, cache key. */
final class PreparedCall {
  final HttpUrl url;
  final Headers headers;
  final RequestBody body;
  final String requestId;
  final boolean idempotent;
  final Duration cacheTtl;
  final String cacheKey;
  final CallObserver.Observed observed;

  PreparedCall(HttpUrl url, Headers headers, RequestBody body, String requestId, boolean idempotent,
      Duration cacheTtl, String cacheKey, CallObserver.Observed observed) {
    this.url = url;
    this.headers = headers;
    this.body = body;
    this.requestId = requestId;
    this.idempotent = idempotent;
    this.cacheTtl = cacheTtl;
    this.cacheKey = cacheKey;
    this.observed = observed;
  }
}
