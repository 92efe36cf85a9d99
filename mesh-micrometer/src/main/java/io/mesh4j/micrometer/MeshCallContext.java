package io.mesh4j.micrometer;

import io.mesh4j.client.MeshResponse;
import io.micrometer.observation.Observation;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a call Observation knows: the service, method and route template at the start; the
 * response (or the error) and the number of attempts at the end. Read by
 * {@link MeshCallObservationConvention}s.
 */
public final class MeshCallContext extends Observation.Context {
  private final String serviceName;
  private final String method;
  private final String routeTemplate;
  private final String requestId;
  private final AtomicInteger attempts = new AtomicInteger();
  private volatile MeshResponse response;

  /** A call to {@code serviceName}; {@code routeTemplate} is already bounded (see {@link MeshObservations}). */
  public MeshCallContext(String serviceName, String method, String routeTemplate, String requestId) {
    this.serviceName = serviceName;
    this.method = method;
    this.routeTemplate = routeTemplate;
    this.requestId = requestId;
  }

  /** The service called. */
  public String serviceName() {
    return serviceName;
  }

  /** The HTTP method. */
  public String method() {
    return method;
  }

  /** The route template ({@code /users/{id}}), never the expanded path. */
  public String routeTemplate() {
    return routeTemplate;
  }

  /** The call's {@code X-Request-ID}. */
  public String requestId() {
    return requestId;
  }

  /** Attempts started so far. */
  public int attempts() {
    return attempts.get();
  }

  int attemptStarted() {
    return attempts.incrementAndGet();
  }

  /** The answer, once the call succeeded (null before, or when it failed or was streamed). */
  public MeshResponse response() {
    return response;
  }

  void response(MeshResponse response) {
    this.response = response;
  }
}
