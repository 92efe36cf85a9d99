package io.mesh4j.client;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/** The OkHttp client a {@link ServiceMeshClient} creates when it is given none. */
final class OwnHttpClient {
  /** Idle connections kept (5 minutes each). */
  static final int IDLE_CONNECTIONS = 64;

  private OwnHttpClient() {}

  /** Limits, pool and connect timeout; no OkHttp-level retry, redirect or timeout cap. */
  static OkHttpClient create(int maxRequests, int maxRequestsPerHost, Duration connectTimeout) {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(maxRequests);
    dispatcher.setMaxRequestsPerHost(maxRequestsPerHost);
    return new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(IDLE_CONNECTIONS, 5, TimeUnit.MINUTES))
        .connectTimeout(connectTimeout)
        // Per-attempt timeouts are set on each call from the policies; no global read cap.
        .readTimeout(Duration.ZERO)
        .writeTimeout(Duration.ZERO)
        .callTimeout(Duration.ZERO)
        // Retries are the policies' job, on another instance.
        .retryOnConnectionFailure(false)
        .followRedirects(false)
        .build();
  }
}
