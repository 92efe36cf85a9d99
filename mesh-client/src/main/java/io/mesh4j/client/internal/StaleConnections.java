package io.mesh4j.client.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * An OkHttp network interceptor that tells a stale pooled connection from a sick instance. Every
 * server closes keep-alive connections that stay idle past its own timeout (Node 5 s, Tomcat 20 s,
 * nginx 75 s), while OkHttp keeps them pooled for minutes; the next request on such a connection
 * fails before any answer ("unexpected end of stream"). OkHttp would retry it by itself, but the
 * mesh turns OkHttp's retries off (retries are the policies' job, on another instance), so the
 * failure used to reach the policies as the instance's own, and a few after a quiet spell could eject
 * a healthy instance. A failure with no answer on a connection that already served an exchange is
 * rethrown as {@link StaleConnectionException}, which {@link HttpOutcomes} classifies as
 * {@code Outcome.staleConnection()}: retried at once, not counted against the instance. Timeouts
 * are never stale. Thread safe; one lock-free set lookup per exchange (a synchronized weak map
 * before: a lock per exchange on the client's hot path).
 */
public final class StaleConnections implements Interceptor {
  /**
   * The connections that served an exchange. Each new one first drops those whose socket is
   * closed, so the set holds about the pool's live connections.
   */
  private final Set<Connection> served = ConcurrentHashMap.newKeySet();
  private final ConnectionPool pool;

  /**
   * Watches the connections of {@code pool}. When one turns out stale, the pool's other idle
   * connections are closed too: after the same quiet spell they are most likely stale as well, and
   * the retry must not meet another one (connections in use are not touched).
   */
  public StaleConnections(ConnectionPool pool) {
    this.pool = pool;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Connection connection = chain.connection();
    boolean reused = connection != null && served.contains(connection);
    Response response;
    try {
      response = chain.proceed(chain.request());
    } catch (IOException e) {
      // A timeout, or a call cancelled (by its caller or at its deadline), says nothing of the
      // connection.
      if (reused && !(e instanceof InterruptedIOException) && !chain.call().isCanceled()) {
        pool.evictAll();
        throw new StaleConnectionException(e);
      }
      throw e;
    }
    if (connection != null && !reused) {
      served.removeIf(c -> c.socket().isClosed());
      served.add(connection);
    }
    return response;
  }

  /** A request that failed before any answer on a pooled connection that had served before. */
  public static final class StaleConnectionException extends IOException {
    private static final long serialVersionUID = 1L;

    StaleConnectionException(IOException cause) {
      super("pooled connection closed by the server before an answer (idle keep-alive timeout): "
          + cause.getMessage(), cause);
    }
  }
}
