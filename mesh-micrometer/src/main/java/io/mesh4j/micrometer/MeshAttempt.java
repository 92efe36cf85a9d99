package io.mesh4j.micrometer;

import io.mesh4j.api.ServiceInstance;

/**
 * Tagged on each attempt's OkHttp request (read it with {@code request.tag(MeshAttempt.class)}):
 * which call it belongs to, its number and its instance. Conventions for attempts read it from
 * {@link io.micrometer.core.instrument.binder.okhttp3.OkHttpContext#getOriginalRequest()}.
 */
public final class MeshAttempt {
  private final MeshCallContext call;
  private final ServiceInstance instance;
  private final int attempt;
  final io.micrometer.observation.Observation callObservation;

  MeshAttempt(MeshCallContext call, io.micrometer.observation.Observation callObservation,
      ServiceInstance instance, int attempt) {
    this.call = call;
    this.callObservation = callObservation;
    this.instance = instance;
    this.attempt = attempt;
  }

  /** The call's context. */
  public MeshCallContext call() {
    return call;
  }

  /** The instance this attempt goes to. */
  public ServiceInstance instance() {
    return instance;
  }

  /** 1 for the first attempt. */
  public int attempt() {
    return attempt;
  }

  /** {@code attempt - 1}: OpenTelemetry's {@code http.request.resend_count}. */
  public int resendCount() {
    return attempt - 1;
  }
}
