package io.mesh4j.micrometer;

import io.mesh4j.api.CallFailedException;
import io.mesh4j.client.MeshResponse;
import io.mesh4j.micrometer.internal.BoundedMemo;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import java.util.concurrent.CompletionException;

/**
 * The default names of a call Observation: timer {@value #NAME}, span
 * {@code "<method> <route template>"}. Low-cardinality tags (metrics and spans):
 * {@code mesh.service}, {@code http.request.method}, {@code url.template},
 * {@code http.response.status_code} ({@code 0} when there was no answer), {@code error.type}
 * ({@code none}, the status of a non-2xx answer, or the exception's simple class name),
 * {@code mesh.cache} ({@code hit} or {@code miss}). High-cardinality (spans only):
 * {@code mesh.attempts}, {@code mesh.request_id}. Every tag is always present, so one meter name
 * keeps one tag set (Prometheus needs that).
 */
public class DefaultMeshCallObservationConvention implements MeshCallObservationConvention {
  /** The name of the call Observation (and its timer). */
  public static final String NAME = "mesh.client.call.duration";

  /** The shared instance. */
  public static final DefaultMeshCallObservationConvention INSTANCE = new DefaultMeshCallObservationConvention();

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public String getContextualName(MeshCallContext context) {
    return context.method() + " " + context.routeTemplate();
  }

  @Override
  public KeyValues getLowCardinalityKeyValues(MeshCallContext context) {
    MeshResponse response = context.response();
    Throwable error = unwrap(context.getError());
    int status = response != null ? response.status()
        : error instanceof CallFailedException ? ((CallFailedException) error).status() : 0;
    return tagSets.get(new Tags(context.serviceName(), context.method(), context.routeTemplate(), status,
        errorType(error), response != null && response.fromCache()), DefaultMeshCallObservationConvention::tagSet);
  }

  private static KeyValues tagSet(Tags key) {
    return KeyValues.of(
        KeyValue.of("mesh.service", key.service),
        KeyValue.of("http.request.method", key.method),
        KeyValue.of("url.template", key.route),
        KeyValue.of("http.response.status_code", Integer.toString(key.status)),
        KeyValue.of("error.type", key.errorType),
        KeyValue.of("mesh.cache", key.cacheHit ? "hit" : "miss"));
  }

  /** Each tag set is asked for at a call's start and at its end: built once per distinct key. */
  private final BoundedMemo<Tags, KeyValues> tagSets = new BoundedMemo<>(MAX_CACHED_TAG_SETS);
  private static final int MAX_CACHED_TAG_SETS = 4096;

  private record Tags(String service, String method, String route, int status, String errorType, boolean cacheHit) {}

  @Override
  public KeyValues getHighCardinalityKeyValues(MeshCallContext context) {
    return KeyValues.of(
        KeyValue.of("mesh.attempts", Integer.toString(context.attempts())),
        KeyValue.of("mesh.request_id", context.requestId()));
  }

  /** {@code none}, the HTTP status of a {@link CallFailedException}, or the simple class name. */
  static String errorType(Throwable error) {
    if (error == null) {
      return "none";
    }
    if (error instanceof CallFailedException) {
      return Integer.toString(((CallFailedException) error).status());
    }
    return error.getClass().getSimpleName();
  }

  static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }
}
