package io.mesh4j.examples.gateway.internal;

import java.io.IOException;
import java.time.Duration;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.handler.QoSHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's Jetty server: one plain HTTP/1.1 connector with the header timeout, idle timeout,
 * header size limit and connection limit, a QoS handler capping the requests handled at once, and
 * a graceful handler so that {@link #stop()} lets requests in flight finish. Thread safe.
 */
public final class GatewayServer {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);

  private final Server server;
  private final ServerConnector connector;

  private GatewayServer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /** The server's limits; see {@code ApiGateway.Builder} for each. */
  public record Limits(Duration idleTimeout, Duration headerTimeout, Duration shutdownTimeout, int maxHeaderBytes,
      int maxConnections, int maxQueuedRequests, Duration maxQueueWait) {}

  /**
   * Binds {@code host:port} and serves {@code handler} with at most {@code workers} requests at once.
   *
   * @throws IOException if the server cannot start (the port is taken, the address unknown)
   */
  public static GatewayServer start(Handler handler, String host, int port, int workers, Limits limits)
      throws IOException {
    // Threads for the handler (capped by the QoS handler below), plus the acceptor and selector.
    QueuedThreadPool pool = new QueuedThreadPool(workers + 8, Math.min(4, workers + 8));
    pool.setName("mesh4j-gateway");
    pool.setDaemon(true);
    pool.setReservedThreads(0);
    Server s = new Server(pool);
    s.setStopTimeout(limits.shutdownTimeout().toMillis());
    s.setStopAtShutdown(false);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    http.setRequestHeaderSize(limits.maxHeaderBytes());
    // The gateway's own canonical-path rules judge every path (and answer 400 in its JSON form).
    http.setUriCompliance(UriCompliance.UNSAFE);
    ServerConnector c = new ServerConnector(s, 1, 1, new HttpConnectionFactory(http));
    c.setHost(host);
    c.setPort(port);
    c.setIdleTimeout(limits.idleTimeout().toMillis());
    c.setAcceptQueueSize(128);
    c.setAcceptedTcpNoDelay(true);
    c.addBean(new HeaderTimeout(c.getScheduler(), limits.headerTimeout().toMillis()));
    s.addConnector(c);
    s.addBean(new NetworkConnectionLimit(limits.maxConnections(), c));
    QoSHandler qos = new QoSHandler(handler);
    qos.setMaxRequestCount(workers);
    qos.setMaxSuspendedRequestCount(limits.maxQueuedRequests());
    qos.setMaxSuspend(limits.maxQueueWait());
    s.setHandler(new GracefulHandler(qos));
    try {
      s.start();
    } catch (Exception e) {
      try {
        s.stop();
      } catch (Exception ignored) {
        // Already failing: the start failure is the one to report.
      }
      throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
    }
    return new GatewayServer(s, c);
  }

  /** The bound port. */
  public int port() {
    return connector.getLocalPort();
  }

  /** Stops accepting, lets requests in flight finish (up to the shutdown timeout), and stops. */
  public void stop() {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("gateway did not stop cleanly ({}): requests in flight may have been cut off", e.toString());
    }
  }
}
