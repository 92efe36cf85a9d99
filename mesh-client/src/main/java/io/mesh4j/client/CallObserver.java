package io.mesh4j.client;

import io.mesh4j.api.ServiceInstance;
import java.util.concurrent.CompletableFuture;
import okhttp3.Interceptor;
import okhttp3.Request;

/**
 * Watches logical calls and their attempts, for metrics, traces and logs (mesh-micrometer
 * implements it). Installed with {@link ServiceMeshClient.Builder#observer}; the default,
 * {@link #none()}, costs nothing: no allocation, no lookup.
 *
 * <p>For each call the client calls {@link #start} once, then {@link Observed#attemptStarting}
 * before each attempt is sent (on the thread that builds it), {@link Observed#openScope()} around
 * the call on the caller's thread (synchronous calls), and ends it exactly once, with
 * {@link Observed#end} (synchronous) or {@link Observed#endAsync} (asynchronous). The attempt's
 * own timing belongs to {@link #attemptInterceptor()}, which the client adds as the innermost
 * application interceptor. Implementations are thread safe and must not throw.
 */
public interface CallObserver {

  /**
   * A call starts.
   *
   * @param serviceName the service called
   * @param method the HTTP method
   * @param routeTemplate the path template as written by the caller ({@code /users/{id}}), never
   *     the expanded path
   * @param requestId the call's {@code X-Request-ID}, the same on every attempt
   * @return the call's observation; {@link Observed#NONE} to leave it unobserved
   */
  Observed start(String serviceName, String method, String routeTemplate, String requestId);

  /** An interceptor that times each attempt, or null (the default) for none. */
  default Interceptor attemptInterceptor() {
    return null;
  }

  /** The observer that observes nothing. */
  static CallObserver none() {
    return NoCallObserver.INSTANCE;
  }

  /** One logical call being observed. */
  interface Observed {
    /** Observes nothing; every method returns at once. */
    Observed NONE = new Observed() {
      @Override
      public void attemptStarting(ServiceInstance instance, int attempt, Request.Builder request) {}

      @Override
      public Scope openScope() {
        return Scope.NONE;
      }

      @Override
      public void end(MeshResponse response, Throwable error) {}

      @Override
      public CompletableFuture<MeshResponse> endAsync(CompletableFuture<MeshResponse> call) {
        return call;
      }
    };

    /**
     * Attempt number {@code attempt} (1 for the first) to {@code instance} is about to be built
     * from {@code request}; the observer may tag it or add headers.
     */
    void attemptStarting(ServiceInstance instance, int attempt, Request.Builder request);

    /** Makes this call current on this thread until the scope is closed. */
    Scope openScope();

    /** The call ended with {@code response}, or with {@code error} (then response is null). */
    void end(MeshResponse response, Throwable error);

    /**
     * The future the caller gets for an asynchronous call: ends the call when {@code call}
     * completes, and may complete the returned future inside the call's scope so that the
     * caller's callbacks see it. Cancelling the returned future must cancel {@code call}.
     */
    CompletableFuture<MeshResponse> endAsync(CompletableFuture<MeshResponse> call);
  }

  /** What {@link Observed#openScope()} returns; closing it restores the thread's previous state. */
  interface Scope extends AutoCloseable {
    /** The scope that does nothing. */
    Scope NONE = () -> {};

    @Override
    void close();
  }
}

/** The default observer. */
enum NoCallObserver implements CallObserver {
  INSTANCE;

  @Override
  public Observed start(String serviceName, String method, String routeTemplate, String requestId) {
    return Observed.NONE;
  }
}
