package io.mesh4j.client;

import io.mesh4j.api.internal.Checks;
import io.mesh4j.client.internal.StaleConnections;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;

/**
 * The OkHttp side of a {@link ServiceMeshClient.Builder}: the client the user gave or the limits
 * of the one the mesh creates, and the interceptors every attempt runs through. Not thread safe.
 */
final class HttpClientSettings {
  private OkHttpClient given;
  private int maxRequestsPerHost = ServiceMeshClient.Builder.DEFAULT_MAX_REQUESTS;
  private int maxRequests = ServiceMeshClient.Builder.DEFAULT_MAX_REQUESTS;
  private Duration connectTimeout = ServiceMeshClient.Builder.DEFAULT_CONNECT_TIMEOUT;
  /** The settings of the created client that were set: refused together with a given client. */
  private final List<String> ownClientSettings = new ArrayList<>();
  private final List<Interceptor> interceptors = new ArrayList<>();

  void given(OkHttpClient httpClient) {
    this.given = Checks.notNull(httpClient, "httpClient");
  }

  void maxRequestsPerHost(int maxRequestsPerHost) {
    Checks.argument(maxRequestsPerHost >= 1, "maxRequestsPerHost must be >= 1, was %d", maxRequestsPerHost);
    this.maxRequestsPerHost = maxRequestsPerHost;
    ownClientSettings.add("maxRequestsPerHost");
  }

  void maxRequests(int maxRequests) {
    Checks.argument(maxRequests >= 1, "maxRequests must be >= 1, was %d", maxRequests);
    this.maxRequests = maxRequests;
    ownClientSettings.add("maxRequests");
  }

  void connectTimeout(Duration connectTimeout) {
    this.connectTimeout = Checks.positive(connectTimeout, "connectTimeout");
    ownClientSettings.add("connectTimeout");
  }

  void interceptor(Interceptor interceptor) {
    interceptors.add(Checks.notNull(interceptor, "interceptor"));
  }

  /** Whether the mesh creates (and so closes) its OkHttp client. */
  boolean owns() {
    return given == null;
  }

  /** Refuses settings of the created client when a client was given. */
  void checkConsistent() {
    Checks.state(given == null || ownClientSettings.isEmpty(),
        "%s configure the OkHttp client the mesh creates; with httpClient(...) given, set them on that client",
        ownClientSettings);
  }

  /**
   * The client calls go through: the given or a created one, with the user's interceptors, then
   * the observer's attempt interceptor (innermost), and {@link StaleConnections} on the network.
   */
  OkHttpClient build(CallObserver observer) {
    OkHttpClient base = owns() ? OwnHttpClient.create(maxRequests, maxRequestsPerHost, connectTimeout) : given;
    Interceptor attempts = observer.attemptInterceptor();
    OkHttpClient.Builder withInterceptors = base.newBuilder();
    interceptors.forEach(withInterceptors::addInterceptor);
    if (attempts != null) {
      withInterceptors.addInterceptor(attempts); // innermost: times the attempt as sent
    }
    // Tells a pooled connection the server closed as idle from a sick instance.
    withInterceptors.addNetworkInterceptor(new StaleConnections(base.connectionPool()));
    return withInterceptors.build();
  }
}
