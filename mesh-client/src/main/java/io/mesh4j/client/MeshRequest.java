package io.mesh4j.client;

import com.fasterxml.jackson.core.type.TypeReference;
import io.mesh4j.api.CallFailedException;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.client.internal.HttpHeaders;
import io.mesh4j.client.internal.HttpOutcomes;
import io.mesh4j.client.internal.HttpResult;
import io.mesh4j.client.internal.PathTemplate;
import io.mesh4j.resilience.AttemptContext;
import io.mesh4j.resilience.CallOptions;
import io.mesh4j.resilience.ResilientExecutor;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * One call being prepared: add query parameters, headers, a body, a timeout; then run it with a
 * terminal method ({@link #as(Class)}, {@link #execute()}, {@link #asAsync(Class)}, ...).
 *
 * <p>Each attempt goes to an instance chosen among the non-ejected ones (a retry avoids those
 * already tried), with the URL built from that instance, an {@code X-Request-ID} (the caller's,
 * or a new one, the same on every attempt), no hop-by-hop headers, and the credential of the
 * moment. A non-2xx answer after the policies throws {@link CallFailedException} with the
 * status, headers (credentials redacted) and a bounded body excerpt.
 *
 * <p>Not thread safe; one instance per call.
 */
public final class MeshRequest {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  private static final HttpUrl PLACEHOLDER = HttpUrl.get("http://mesh4j.invalid/");

  private final ServiceMeshClient mesh;
  private final ServiceClient service;
  private final String method;
  private final PathTemplate path;
  private final Object[] pathValues;
  private final List<String[]> query = new ArrayList<>(2);
  private final Headers.Builder headers = new Headers.Builder();
  private byte[] body;
  private MediaType bodyType;
  private Duration attemptTimeout;
  private Duration callTimeout;
  private Boolean idempotent;
  private int maxAttempts;
  private Duration cacheTtl;
  private boolean noCache;

  MeshRequest(ServiceMeshClient mesh, ServiceClient service, String method, PathTemplate path, Object[] pathValues) {
    this.mesh = mesh;
    this.service = service;
    this.method = Checks.notBlank(method, "method");
    this.path = path;
    this.pathValues = pathValues;
    Checks.argument(pathValues.length == path.variableCount(), "path %s needs %d values, got %d",
        path, path.variableCount(), pathValues.length);
  }

  /** Adds a query parameter (encoded). */
  public MeshRequest query(String name, Object value) {
    Checks.notBlank(name, "query parameter name");
    query.add(new String[] {name, String.valueOf(Checks.notNull(value, "query parameter " + name))});
    return this;
  }

  /** Sets a header. Hop-by-hop headers are refused; {@code X-Request-ID} set here is kept. */
  public MeshRequest header(String name, String value) {
    Checks.notBlank(name, "header name");
    Checks.notNull(value, "header " + name);
    Checks.argument(!HttpHeaders.isHopByHop(name), "header %s is hop-by-hop and is not sent", name);
    try {
      headers.set(name, value);
    } catch (IllegalArgumentException e) {
      // OkHttp's message quotes the value, which may be a secret.
      throw new IllegalArgumentException("header " + name + " has a character a header cannot carry; value not shown");
    }
    return this;
  }

  /** A JSON body written by the client's ObjectMapper. */
  public MeshRequest body(Object value) {
    this.body = service.json().write(Checks.notNull(value, "body"));
    this.bodyType = JSON;
    return this;
  }

  /** A raw body with its content type. */
  public MeshRequest body(byte[] bytes, String contentType) {
    this.body = Checks.notNull(bytes, "body").clone();
    this.bodyType = MediaType.get(Checks.notBlank(contentType, "contentType"));
    return this;
  }

  /** The timeout of each attempt, replacing the policy's for this call. */
  public MeshRequest timeout(Duration attemptTimeout) {
    this.attemptTimeout = Checks.positive(attemptTimeout, "timeout");
    return this;
  }

  /** The deadline of the whole call, retries and backoff included. */
  public MeshRequest deadline(Duration callTimeout) {
    this.callTimeout = Checks.positive(callTimeout, "deadline");
    return this;
  }

  /** Overrides idempotency (GET, PUT, DELETE, HEAD, OPTIONS are by default; POST and PATCH are not). */
  public MeshRequest idempotent(boolean idempotent) {
    this.idempotent = idempotent;
    return this;
  }

  /**
   * Overrides the retry policy's attempt count for this call (1 = no retry); idempotency, backoff
   * and the retry budget still apply.
   */
  public MeshRequest maxAttempts(int maxAttempts) {
    Checks.argument(maxAttempts >= 1, "maxAttempts must be >= 1, was %d", maxAttempts);
    this.maxAttempts = maxAttempts;
    return this;
  }

  /** Caches this GET's answer for {@code ttl} (needs a response cache). */
  public MeshRequest cacheFor(Duration ttl) {
    this.cacheTtl = Checks.positive(ttl, "cacheFor");
    return this;
  }

  /** Neither reads nor writes the response cache for this call. */
  public MeshRequest noCache() {
    this.noCache = true;
    return this;
  }

  // ---- terminal operations ----

  /** Runs the call; the 2xx answer. */
  public MeshResponse execute() {
    PreparedCall p = prepare();
    MeshResponse response;
    CallObserver.Scope scope = p.observed.openScope();
    try {
      response = run(p);
    } catch (RuntimeException | Error e) {
      p.observed.end(null, e);
      throw e;
    } finally {
      scope.close();
    }
    p.observed.end(response, null);
    return response;
  }

  private MeshResponse run(PreparedCall p) {
    if (p.idempotent && mesh.hedged(service.name())) {
      // Hedged: attempts run concurrently, and a losing one must be cancellable (OkHttp's async
      // call is; a blocked sync read is not), so the sync call waits for the async one.
      return HedgedWait.await(runAsync(p), service.name());
    }
    MeshResponse hit = cached(p);
    if (hit != null) {
      return hit;
    }
    HttpResult r = executor().execute(service.name(), options(p), (instance, ctx) -> HttpAttempts.attempt(mesh, service.name(), method, p, instance, ctx, false));
    return finish(r, p);
  }

  /** Runs the call and reads the body as JSON into {@code type}. */
  public <T> T as(Class<T> type) {
    Checks.notNull(type, "type");
    return execute().as(type);
  }

  /** Runs the call and reads the body as JSON into the generic {@code type}. */
  public <T> T as(TypeReference<T> type) {
    Checks.notNull(type, "type");
    return execute().as(type);
  }

  /** Runs the call; the body as UTF-8 text. */
  public String asString() {
    return execute().bodyString();
  }

  /** Runs the call; the body's bytes. */
  public byte[] asBytes() {
    return execute().bodyBytes();
  }

  /**
   * Runs the call and returns the body as a stream, for large bodies; the caller closes it. The
   * response cache is not used.
   */
  public InputStream asStream() {
    PreparedCall p = prepare();
    HttpResult r;
    CallObserver.Scope scope = p.observed.openScope();
    try {
      r = executor().execute(service.name(), options(p),
          (instance, ctx) -> HttpAttempts.attempt(mesh, service.name(), method, p, instance, ctx, true));
    } catch (RuntimeException | Error e) {
      p.observed.end(null, e);
      throw e;
    } finally {
      scope.close();
    }
    if (!r.isSuccessful()) {
      CallFailedException e = failed(r);
      p.observed.end(null, e);
      throw e;
    }
    p.observed.end(null, null);
    ResponseBody open = r.openBody();
    return new FilterInputStream(open.byteStream()) {
      @Override
      public void close() throws IOException {
        try {
          super.close();
        } finally {
          open.close();
        }
      }
    };
  }

  /** Runs the call asynchronously; cancelling the future stops retries and cancels the HTTP call. */
  public CompletableFuture<MeshResponse> executeAsync() {
    PreparedCall p;
    try {
      p = prepare();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return p.observed.endAsync(runAsync(p));
  }

  private CompletableFuture<MeshResponse> runAsync(PreparedCall p) {
    try {
      MeshResponse hit = cached(p);
      if (hit != null) {
        return CompletableFuture.completedFuture(hit);
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<HttpResult> call = executor().executeAsync(service.name(), options(p),
        (instance, ctx) -> HttpAttempts.attemptAsync(mesh, service.name(), method, p, instance, ctx));
    return mapAsync(call, r -> finish(r, p));
  }

  /** {@link #executeAsync()} and read the body as JSON into {@code type}. */
  public <T> CompletableFuture<T> asAsync(Class<T> type) {
    Checks.notNull(type, "type");
    return mapAsync(executeAsync(), r -> r.as(type));
  }

  /** {@link #executeAsync()} and read the body as JSON into the generic {@code type}. */
  public <T> CompletableFuture<T> asAsync(TypeReference<T> type) {
    Checks.notNull(type, "type");
    return mapAsync(executeAsync(), r -> r.as(type));
  }

  /** {@code source.thenApply(f)}, where cancelling the result also cancels {@code source}. */
  private static <S, T> CompletableFuture<T> mapAsync(CompletableFuture<S> source,
      java.util.function.Function<? super S, T> f) {
    CompletableFuture<T> mapped = source.thenApply(f);
    // Cancelling what the caller holds must reach the executor (and through it the HTTP call).
    mapped.whenComplete((v, e) -> {
      if (mapped.isCancelled()) {
        source.cancel(true);
      }
    });
    return mapped;
  }

  // ---- the call ----

  private ResilientExecutor executor() {
    return mesh.executor(service.name());
  }

  private CallOptions<HttpResult> options(PreparedCall p) {
    CallOptions.Builder<HttpResult> o = CallOptions.<HttpResult>builder()
        .idempotent(p.idempotent)
        .classifier(HttpOutcomes.INSTANCE);
    if (attemptTimeout != null) {
      o.attemptTimeout(attemptTimeout);
    }
    if (callTimeout != null) {
      o.callTimeout(callTimeout);
    }
    if (maxAttempts > 0) {
      o.maxAttempts(maxAttempts);
    }
    return o.build();
  }

  private MeshResponse finish(HttpResult r, PreparedCall p) {
    if (!r.isSuccessful()) {
      throw failed(r);
    }
    if (p.cacheKey != null) {
      ResponseCacheStep.storeIfAllowed(mesh, p, r);
    }
    // The header map is built only if the caller asks for it.
    return new MeshResponse(r.status(), r.headers(), p.cacheKey != null ? "MISS" : null, r.body(), r.instance(),
        p.requestId, service.json());
  }

  /** The cached answer of this call, or null (not cacheable, a miss, or the cache unreachable). */
  private MeshResponse cached(PreparedCall p) {
    return p.cacheKey == null ? null : ResponseCacheStep.lookup(mesh, p, service.json());
  }

  private CallFailedException failed(HttpResult r) {
    // The body is at most a 64 KiB prefix: decode it whole (no UTF-8 sequence cut here), and let
    // the exception keep its first characters, flagged when cut.
    return new CallFailedException(service.name(), r.instance() == null ? null : r.instance().id(), r.status(),
        r.headers().toMultimap(), new String(r.body(), StandardCharsets.UTF_8), r.bodyTruncated());
  }


  // ---- preparation, once per call ----

  HttpUrl prepareUrl() {
    HttpUrl.Builder url = PLACEHOLDER.newBuilder();
    path.expandInto(url, pathValues);
    for (String[] q : query) {
      url.addQueryParameter(q[0], q[1]);
    }
    return url.build();
  }

  private PreparedCall prepare() {
    HttpUrl url = prepareUrl();
    Headers.Builder h = new Headers.Builder();
    Headers defaults = mesh.defaultHeaders;
    for (int i = 0; i < defaults.size(); i++) {
      h.add(defaults.name(i), defaults.value(i));
    }
    Headers own = headers.build();
    for (String name : own.names()) {
      h.removeAll(name);
    }
    for (int i = 0; i < own.size(); i++) {
      h.add(own.name(i), own.value(i));
    }
    String requestId = h.get(HttpHeaders.REQUEST_ID);
    if (requestId == null || requestId.isBlank()) {
      requestId = HttpHeaders.newRequestId();
      h.set(HttpHeaders.REQUEST_ID, requestId);
    }
    RequestBody rb = null;
    if (body != null) {
      rb = RequestBody.create(body, bodyType);
    } else if (method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
      // OkHttp refuses these without a body; send an empty one.
      rb = RequestBody.create(new byte[0], null);
    }
    boolean idem = idempotent != null ? idempotent
        : method.equals("GET") || method.equals("HEAD") || method.equals("PUT") || method.equals("DELETE")
            || method.equals("OPTIONS");
    Headers finalHeaders = h.build();
    Duration ttl = cacheTtl(url, finalHeaders);
    return new PreparedCall(url, finalHeaders, rb, requestId, idem, ttl,
        ttl == null ? null : ResponseCacheStep.key(service.name(), url, finalHeaders, mesh.responseCacheConfig.keyHeaders()),
        mesh.observer.start(service.name(), method, path.template(), requestId));
  }

  /** How long this call's answer may be cached; null when it may not be. */
  private Duration cacheTtl(HttpUrl url, Headers requestHeaders) {
    if (noCache || mesh.responseStore == null || !method.equals("GET")) {
      return null;
    }
    for (String name : requestHeaders.names()) {
      if (io.mesh4j.api.internal.Redaction.isSensitive(name)) {
        // The cache is shared and not keyed by credentials: an answer to this caller's own credentials
        // must never be served to another caller.
        return null;
      }
    }
    if (cacheTtl != null) {
      return cacheTtl;
    }
    String path = url.encodedPath();
    for (CacheRoute r : mesh.cacheRoutes) {
      if (r.service.equals(service.name()) && r.pattern.matches(path)) {
        return r.ttl != null ? r.ttl : mesh.responseCacheConfig.defaultTtl();
      }
    }
    return null;
  }
}
