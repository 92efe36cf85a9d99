package io.mesh4j.examples.gateway.internal;

import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Closes a connection whose next request's headers do not arrive in time: Jetty's idle timeout
 * restarts with every byte, so a client that sends one header byte per second (slowloris) would
 * keep its connection for ever. Every {@code timeout}, each connection is checked: if bytes came
 * in since the last check, but no request's headers were completed and no request is being
 * answered, the headers are taking too long and the connection is closed. A connection that is
 * merely idle is left to the idle timeout; one whose request is being handled is never touched.
 * So a request's headers get between one and two {@code timeout}s. Thread safe; added as a bean
 * of the connector, which registers it on every connection.
 */
public final class HeaderTimeout implements Connection.Listener {
  private final Scheduler scheduler;
  private final long timeoutMillis;

  /** Checks every {@code timeoutMillis} on {@code scheduler}. */
  public HeaderTimeout(Scheduler scheduler, long timeoutMillis) {
    this.scheduler = scheduler;
    this.timeoutMillis = timeoutMillis;
  }

  @Override
  public void onOpened(Connection connection) {
    schedule(connection, connection.getMessagesIn(), connection.getBytesIn());
  }

  private void schedule(Connection connection, long requestsSeen, long bytesSeen) {
    scheduler.schedule(() -> check(connection, requestsSeen, bytesSeen), timeoutMillis, TimeUnit.MILLISECONDS);
  }

  private void check(Connection connection, long requestsSeen, long bytesSeen) {
    if (!connection.getEndPoint().isOpen()) {
      return;
    }
    long requests = connection.getMessagesIn();
    long answered = connection.getMessagesOut();
    long bytes = connection.getBytesIn();
    if (requests == requestsSeen && answered >= requests && bytes > bytesSeen) {
      connection.getEndPoint().close();
      return;
    }
    schedule(connection, requests, bytes);
  }
}
