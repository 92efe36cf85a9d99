package io.mesh4j.micrometer;

import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.client.CallObserver;
import io.mesh4j.client.MeshResponse;
import io.mesh4j.micrometer.internal.RouteTemplates;
import io.micrometer.core.instrument.binder.okhttp3.OkHttpObservationConvention;
import io.micrometer.core.instrument.binder.okhttp3.OkHttpObservationInterceptor;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Interceptor;
import okhttp3.Request;
import org.slf4j.MDC;

/**
 * Observes every call of a {@link io.mesh4j.client.ServiceMeshClient} as one Observation per
 * logical call ({@value DefaultMeshCallObservationConvention#NAME}) with one child Observation per
 * attempt ({@value DefaultMeshAttemptObservationConvention#NAME}, OpenTelemetry HTTP client
 * semantic conventions), and puts the call's request id in the SLF4J MDC while the call is current.
 *
 * <pre>{@code
 * ServiceMeshClient mesh = ServiceMeshClient.builder()
 *     .discovery(discovery)
 *     .observer(MeshObservations.create(observationRegistry))
 *     .listener(MeshMeters.create(meterRegistry))
 *     .build();
 * }</pre>
 *
 * <p><b>Trace context.</b> Attempts are observed by Micrometer's
 * {@link OkHttpObservationInterceptor}, whose context is a sender context over the OkHttp request:
 * with Micrometer Tracing on the registry (OpenTelemetry or Brave bridge), its propagating handler
 * writes {@code traceparent}/{@code tracestate} (and {@code baggage} when configured) on every
 * attempt. Each attempt's parent is its call, passed on the request, not taken from the thread, so
 * asynchronous attempts on OkHttp's threads stay in the caller's trace, and the future an
 * asynchronous call returns is completed inside the call's scope: callbacks attached before it
 * completes see the call as current (and its trace id and request id in the MDC).
 *
 * <p><b>Cardinality.</b> Tags carry route templates ({@code /users/{id}}), never expanded paths;
 * past {@value #DEFAULT_MAX_ROUTE_TEMPLATES} distinct templates (a caller writing ids into the
 * template) the rest are tagged {@code other}. Instance tags on meters are opt-in
 * ({@link Builder#instanceTags}); spans always carry the instance.
 *
 * <p>With {@link ObservationRegistry#NOOP} nothing is created. Thread safe.
 */
public final class MeshObservations implements CallObserver {
  /** Distinct route templates tagged before the rest become {@code other}. */
  public static final int DEFAULT_MAX_ROUTE_TEMPLATES = 256;
  /** The MDC key of the request id. */
  public static final String DEFAULT_MDC_KEY = "requestId";

  private final ObservationRegistry registry;
  private final MeshCallObservationConvention callConvention;
  private final OkHttpObservationInterceptor attempts;
  private final RouteTemplates templates;
  private final String mdcKey;
  private final Interceptor interceptor;

  private MeshObservations(Builder b) {
    this.registry = b.registry;
    this.callConvention = b.callConvention;
    this.templates = new RouteTemplates(b.maxRouteTemplates);
    this.mdcKey = b.mdcKey;
    OkHttpObservationConvention attemptConvention = b.attemptConvention != null ? b.attemptConvention
        : new DefaultMeshAttemptObservationConvention(b.instanceTags);
    this.attempts = OkHttpObservationInterceptor.builder(registry, DefaultMeshAttemptObservationConvention.NAME)
        .observationConvention(attemptConvention)
        .build();
    this.interceptor = this::interceptAttempt;
  }

  /** Observations on {@code registry} with the default conventions. */
  public static MeshObservations create(ObservationRegistry registry) {
    return builder(registry).build();
  }

  /** A builder over {@code registry}. */
  public static Builder builder(ObservationRegistry registry) {
    return new Builder(Checks.notNull(registry, "observationRegistry"));
  }

  @Override
  public Observed start(String serviceName, String method, String routeTemplate, String requestId) {
    if (registry.isNoop()) {
      return Observed.NONE;
    }
    MeshCallContext context = new MeshCallContext(serviceName, method,
        templates.bound(routeTemplate), requestId);
    Observation observation = Observation.createNotStarted(callConvention,
        DefaultMeshCallObservationConvention.INSTANCE, () -> context, registry).start();
    return new ObservedCall(observation, context);
  }

  @Override
  public Interceptor attemptInterceptor() {
    return interceptor;
  }

  private okhttp3.Response interceptAttempt(Interceptor.Chain chain) throws java.io.IOException {
    MeshAttempt attempt = chain.request().tag(MeshAttempt.class);
    if (attempt == null) {
      return chain.proceed(chain.request()); // not a mesh call (an OAuth2 token request, say)
    }
    // A sync attempt runs on the caller's thread, where the call is current already (its scope is
    // open around execute()): a second scope would only repeat the tracer's context switch.
    if (registry.getCurrentObservation() == attempt.callObservation) {
      return attempts.intercept(chain);
    }
    // Elsewhere (OkHttp's threads for async calls) the call is made current here, so Micrometer's
    // interceptor takes it as the attempt's parent.
    Observation.Scope scope = attempt.callObservation.openScope();
    try {
      return attempts.intercept(chain);
    } finally {
      scope.close();
    }
  }

  private final class ObservedCall implements Observed {
    private final Observation observation;
    private final MeshCallContext context;
    private final AtomicBoolean ended = new AtomicBoolean();

    ObservedCall(Observation observation, MeshCallContext context) {
      this.observation = observation;
      this.context = context;
    }

    @Override
    public void attemptStarting(ServiceInstance instance, int attempt, Request.Builder request) {
      context.attemptStarted();
      request.tag(MeshAttempt.class, new MeshAttempt(context, observation, instance, attempt));
    }

    @Override
    public Scope openScope() {
      Observation.Scope scope = observation.openScope();
      if (mdcKey == null) {
        return scope::close;
      }
      String previous = MDC.get(mdcKey);
      MDC.put(mdcKey, context.requestId());
      return () -> {
        if (previous == null) {
          MDC.remove(mdcKey);
        } else {
          MDC.put(mdcKey, previous);
        }
        scope.close();
      };
    }

    @Override
    public void end(MeshResponse response, Throwable error) {
      if (!ended.compareAndSet(false, true)) {
        return;
      }
      if (error != null) {
        observation.error(DefaultMeshCallObservationConvention.unwrap(error));
      }
      context.response(response);
      observation.stop();
    }

    @Override
    public CompletableFuture<MeshResponse> endAsync(CompletableFuture<MeshResponse> call) {
      CompletableFuture<MeshResponse> out = new CompletableFuture<>();
      call.whenComplete((response, error) -> {
        end(response, error);
        Scope scope = openScope();
        try {
          if (error != null) {
            out.completeExceptionally(error);
          } else {
            out.complete(response);
          }
        } finally {
          scope.close();
        }
      });
      out.whenComplete((v, e) -> {
        if (out.isCancelled()) {
          call.cancel(true);
        }
      });
      return out;
    }
  }

  /** Builds {@link MeshObservations}. Not thread safe. */
  public static final class Builder {
    private final ObservationRegistry registry;
    private MeshCallObservationConvention callConvention;
    private OkHttpObservationConvention attemptConvention;
    private boolean instanceTags;
    private int maxRouteTemplates = DEFAULT_MAX_ROUTE_TEMPLATES;
    private String mdcKey = DEFAULT_MDC_KEY;

    private Builder(ObservationRegistry registry) {
      this.registry = registry;
    }

    /** Replaces the call naming; default {@link DefaultMeshCallObservationConvention}. */
    public Builder callConvention(MeshCallObservationConvention convention) {
      this.callConvention = Checks.notNull(convention, "callConvention");
      return this;
    }

    /**
     * Replaces the attempt naming; default {@link DefaultMeshAttemptObservationConvention}.
     * Overrides {@link #instanceTags}.
     */
    public Builder attemptConvention(OkHttpObservationConvention convention) {
      this.attemptConvention = Checks.notNull(convention, "attemptConvention");
      return this;
    }

    /**
     * Tags attempt meters with {@code server.address} and {@code server.port}: one time series
     * per instance, so only with few instances. Default false (spans carry them anyway).
     */
    public Builder instanceTags(boolean instanceTags) {
      this.instanceTags = instanceTags;
      return this;
    }

    /** Distinct route templates tagged before the rest become {@code other}; default {@value #DEFAULT_MAX_ROUTE_TEMPLATES}. */
    public Builder maxRouteTemplates(int maxRouteTemplates) {
      Checks.argument(maxRouteTemplates >= 1, "maxRouteTemplates must be >= 1, was %d", maxRouteTemplates);
      this.maxRouteTemplates = maxRouteTemplates;
      return this;
    }

    /** The MDC key of the request id during a call; default {@value #DEFAULT_MDC_KEY}. */
    public Builder mdcKey(String mdcKey) {
      this.mdcKey = Checks.notBlank(mdcKey, "mdcKey");
      return this;
    }

    /** Leaves the MDC alone. */
    public Builder noMdc() {
      this.mdcKey = null;
      return this;
    }

    /** Builds. */
    public MeshObservations build() {
      return new MeshObservations(this);
    }
  }
}
