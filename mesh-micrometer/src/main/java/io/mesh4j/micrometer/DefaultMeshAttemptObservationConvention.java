package io.mesh4j.micrometer;

import io.mesh4j.micrometer.internal.BoundedMemo;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.binder.okhttp3.OkHttpContext;
import io.micrometer.core.instrument.binder.okhttp3.OkHttpObservationConvention;
import okhttp3.HttpUrl;
import okhttp3.Response;

/**
 * The default names of an attempt Observation, after the OpenTelemetry HTTP client semantic
 * conventions: timer {@value #NAME}, span {@code "<method> <route template>"}. Low-cardinality tags:
 * {@code mesh.service}, {@code http.request.method}, {@code url.template}, {@code url.scheme},
 * {@code http.response.status_code} ({@code 0} without an answer), {@code error.type}
 * ({@code none}, the status of a 4xx/5xx answer, or the exception's simple class name), and only
 * when per-instance tags are on, {@code server.address} and {@code server.port}. High-cardinality
 * (spans only): {@code server.address}, {@code server.port}, {@code mesh.instance.id}, and
 * {@code http.request.resend_count} on a retry.
 *
 * <p>It is an {@link OkHttpObservationConvention} because attempts are observed by Micrometer's
 * own {@link io.micrometer.core.instrument.binder.okhttp3.OkHttpObservationInterceptor}; give
 * {@link io.micrometer.core.instrument.binder.okhttp3.DefaultOkHttpObservationConvention} to
 * {@link MeshObservations.Builder#attemptConvention} for Micrometer's {@code okhttp.requests} names.
 */
public class DefaultMeshAttemptObservationConvention implements OkHttpObservationConvention {
  /** The name of the attempt Observation (and its timer). */
  public static final String NAME = "http.client.request.duration";

  private final boolean instanceTags;

  /** Per-instance tags on the meters ({@code server.address}, {@code server.port}) when {@code instanceTags}. */
  public DefaultMeshAttemptObservationConvention(boolean instanceTags) {
    this.instanceTags = instanceTags;
  }

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public String getContextualName(OkHttpContext context) {
    MeshAttempt a = attempt(context);
    String method = context.getOriginalRequest().method();
    return a == null ? method : method + " " + a.call().routeTemplate();
  }

  @Override
  public KeyValues getLowCardinalityKeyValues(OkHttpContext context) {
    MeshAttempt a = attempt(context);
    Response response = context.getResponse();
    int status = response == null ? 0 : response.code();
    String errorType = context.getError() != null ? DefaultMeshCallObservationConvention.errorType(context.getError())
        : status >= 400 ? Integer.toString(status) : "none";
    HttpUrl url = context.getOriginalRequest().url();
    return tagSets.get(new Tags(a == null ? "unknown" : a.call().serviceName(), context.getOriginalRequest().method(),
        a == null ? "unknown" : a.call().routeTemplate(), url.scheme(), status, errorType,
        instanceTags ? url.host() : null, instanceTags ? url.port() : 0), DefaultMeshAttemptObservationConvention::tagSet);
  }

  private static KeyValues tagSet(Tags key) {
    KeyValues kv = KeyValues.of(
        KeyValue.of("mesh.service", key.service),
        KeyValue.of("http.request.method", key.method),
        KeyValue.of("url.template", key.route),
        KeyValue.of("url.scheme", key.scheme),
        KeyValue.of("http.response.status_code", Integer.toString(key.status)),
        KeyValue.of("error.type", key.errorType));
    return key.host == null ? kv : kv.and(server(key.host, key.port));
  }

  /** The tag sets built so far, one per distinct key (see {@link BoundedMemo}). */
  private final BoundedMemo<Tags, KeyValues> tagSets = new BoundedMemo<>(MAX_CACHED_TAG_SETS);
  private static final int MAX_CACHED_TAG_SETS = 4096;

  private record Tags(String service, String method, String route, String scheme, int status, String errorType,
      String host, int port) {}

  @Override
  public KeyValues getHighCardinalityKeyValues(OkHttpContext context) {
    MeshAttempt a = attempt(context);
    HttpUrl url = context.getOriginalRequest().url();
    return spanTagSets.get(new SpanTags(instanceTags ? null : url.host(), instanceTags ? 0 : url.port(),
        a == null ? null : a.instance().id(), a == null ? 0 : a.resendCount()),
        DefaultMeshAttemptObservationConvention::spanTagSet);
  }

  private static KeyValues spanTagSet(SpanTags key) {
    KeyValues kv = key.host == null ? KeyValues.empty() : server(key.host, key.port);
    if (key.instanceId != null) {
      kv = kv.and(KeyValue.of("mesh.instance.id", key.instanceId));
      if (key.resendCount > 0) {
        kv = kv.and(KeyValue.of("http.request.resend_count", Integer.toString(key.resendCount)));
      }
    }
    return kv;
  }

  /** The spans' tag sets, one per instance and resend count (bounded by the fleet and the retries). */
  private final BoundedMemo<SpanTags, KeyValues> spanTagSets = new BoundedMemo<>(MAX_CACHED_TAG_SETS);

  private record SpanTags(String host, int port, String instanceId, int resendCount) {}

  private static KeyValues server(String host, int port) {
    return KeyValues.of(KeyValue.of("server.address", host), KeyValue.of("server.port", Integer.toString(port)));
  }

  private static MeshAttempt attempt(OkHttpContext context) {
    return context.getOriginalRequest().tag(MeshAttempt.class);
  }
}
