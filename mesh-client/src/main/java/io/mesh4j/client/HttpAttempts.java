package io.mesh4j.client;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.client.internal.AttemptDeadlines;
import io.mesh4j.client.internal.BoundedBodies;
import io.mesh4j.client.internal.HttpResult;
import io.mesh4j.resilience.AttemptContext;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * One HTTP attempt of a {@link MeshRequest} on a chosen instance: the injected fault if any, the
 * request built for the instance (URL, headers, credential of the moment, timeout), the answer
 * read whole (or kept open for a stream). Sync and async.
 */
final class HttpAttempts {
  private HttpAttempts() {}

  /** The per-attempt part: build the request for this instance, run it, read the answer. */
  static HttpResult attempt(ServiceMeshClient mesh, String serviceName, String method, PreparedCall p, ServiceInstance instance, AttemptContext ctx, boolean stream) throws IOException {
    FaultInjection.Fault fault = mesh.fault(serviceName, instance, p.headers);
    if (fault != null) {
      HttpResult aborted = InjectedFaults.sync(serviceName, instance, ctx, fault);
      if (aborted != null) {
        return aborted;
      }
    }
    Call call = newCall(mesh, serviceName, method, p, instance, ctx, stream);
    long timeout = stream ? 0 : timeoutNanos(ctx);
    if (timeout == 0) {
      return read(mesh, serviceName, call.execute(), instance, stream);
    }
    // Covers the answer and the body read, as OkHttp's call timeout did.
    AttemptDeadlines.Watch watch = AttemptDeadlines.watch(call, timeout);
    try {
      return read(mesh, serviceName, call.execute(), instance, false);
    } catch (IOException e) {
      throw watch.expired() ? timedOut(watch, e) : e;
    } finally {
      watch.done();
    }
  }

  /**
   * The attempt's time limit in nanoseconds: its timeout, or what is left of the call's deadline
   * when that is shorter; 0 for none.
   */
  private static long timeoutNanos(AttemptContext ctx) {
    Duration t = ctx.timeout();
    long nanos = 0;
    if (t != null && !t.isZero() && !t.isNegative()) {
      nanos = t.toNanos();
    }
    Duration remaining = ctx.remaining();
    if (remaining != null && !remaining.isNegative() && !remaining.isZero() && (nanos == 0 || remaining.toNanos() < nanos)) {
      nanos = remaining.toNanos();
    }
    return nanos;
  }

  /** What an attempt cancelled at its deadline fails with: a timeout, as OkHttp's own would be. */
  private static InterruptedIOException timedOut(AttemptDeadlines.Watch watch, IOException cancelled) {
    InterruptedIOException e = new InterruptedIOException(
        "timeout: the attempt ran past its " + TimeUnit.NANOSECONDS.toMillis(watch.timeoutNanos()) + " ms limit");
    e.initCause(cancelled);
    return e;
  }

  static CompletableFuture<HttpResult> attemptAsync(ServiceMeshClient mesh, String serviceName, String method,
      PreparedCall p, ServiceInstance instance, AttemptContext ctx) {
    FaultInjection.Fault fault = mesh.fault(serviceName, instance, p.headers);
    if (fault != null) {
      return InjectedFaults.async(serviceName, instance, fault, () -> send(mesh, serviceName, method, p, instance, ctx));
    }
    return send(mesh, serviceName, method, p, instance, ctx);
  }

  private static CompletableFuture<HttpResult> send(ServiceMeshClient mesh, String serviceName, String method,
      PreparedCall p, ServiceInstance instance, AttemptContext ctx) {
    Call call = newCall(mesh, serviceName, method, p, instance, ctx, false);
    long timeout = timeoutNanos(ctx);
    AttemptDeadlines.Watch watch = timeout == 0 ? null : AttemptDeadlines.watch(call, timeout);
    CompletableFuture<HttpResult> f = new CompletableFuture<>();
    call.enqueue(new Callback() {
      @Override
      public void onFailure(Call c, IOException e) {
        f.completeExceptionally(watch != null && watch.expired() ? timedOut(watch, e) : e);
      }

      @Override
      public void onResponse(Call c, Response response) {
        try {
          f.complete(read(mesh, serviceName, response, instance, false));
        } catch (IOException e) {
          f.completeExceptionally(watch != null && watch.expired() ? timedOut(watch, e) : e);
        } catch (RuntimeException e) {
          f.completeExceptionally(e);
        }
      }
    });
    f.whenComplete((v, e) -> {
      if (watch != null) {
        watch.done();
      }
      if (f.isCancelled()) {
        call.cancel();
      }
    });
    return f;
  }

  private static Call newCall(ServiceMeshClient mesh, String serviceName, String method, PreparedCall p, ServiceInstance instance, AttemptContext ctx, boolean stream) {
    boolean https = instance.secure() || mesh.requireTls(serviceName);
    // The instance's base URL is built once: HttpUrl.Builder.host() runs IDNA mapping on every call.
    HttpUrl url = mesh.baseUrl(instance, https).newBuilder().encodedPath(p.url.encodedPath())
        .encodedQuery(p.url.encodedQuery()).build();
    Request.Builder rb = new Request.Builder().url(url).headers(p.headers);
    Credential c = mesh.credentials.forAttempt(serviceName, instance, https);
    if (c != null) {
      rb.header(c.headerName(), c.value());
    }
    rb.method(method, p.body);
    p.observed.attemptStarting(instance, ctx.attempt(), rb);
    Duration t = ctx.timeout();
    if (stream) {
      // A call timeout would also cover reading the body, cutting a long download short: a
      // streamed answer gets the attempt timeout per read instead.
      long perRead = t != null && !t.isZero() && !t.isNegative() ? t.toMillis() : 0;
      return mesh.http(serviceName).newBuilder().readTimeout(Duration.ofMillis(perRead)).build().newCall(rb.build());
    }
    // The attempt's time limit is kept by AttemptDeadlines, not call.timeout() (see there).
    return mesh.http(serviceName).newCall(rb.build());
  }

  /** The most bytes of a non-2xx body kept (for the failure's excerpt); the rest is not read. */
  static final long FAILURE_BODY_BYTES = 64 * 1024;

  private static HttpResult read(ServiceMeshClient mesh, String serviceName, Response response,
      ServiceInstance instance, boolean stream) throws IOException {
    if (stream && response.isSuccessful()) {
      // A stream is the caller's to read: maxResponseBytes does not apply.
      return HttpResult.streaming(response.code(), response.headers(), response.body(), instance);
    }
    try (Response r = response) {
      long max = mesh.maxResponseBytes(serviceName);
      if (!r.isSuccessful()) {
        BoundedBodies.Prefix prefix = BoundedBodies.readPrefix(r.body(), Math.min(max, FAILURE_BODY_BYTES));
        return HttpResult.withBodyPrefix(r.code(), r.headers(), prefix.bytes, prefix.truncated, instance);
      }
      // A truncated or reset body throws here, inside the attempt: a retryable failure. One over
      // the limit throws ResponseTooLargeException, a failure not retried.
      byte[] bytes = BoundedBodies.read(r.body(), max, declared -> new ResponseTooLargeException(serviceName,
          "response of service '" + serviceName + "'", "maxResponseBytes", max, declared));
      return new HttpResult(r.code(), r.headers(), bytes, instance);
    }
  }
}
