package io.mesh4j.spring.boot.autoconfigure.internal;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The shutdown step between deregistration and closing the clients: waits (bounded) for the
 * client's calls in flight. Its phase stops it after the web server's graceful shutdown (requests
 * being served may still call other services) and before the web server stops; beans, the client
 * among them, are destroyed only after every lifecycle stopped. The deregistration came earlier
 * still, on {@code ContextClosedEvent}.
 */
public final class ClientDrain implements SmartLifecycle {
  /** Between Spring Boot's graceful shutdown ({@code MAX_VALUE - 1024}) and web server stop ({@code MAX_VALUE - 2048}). */
  public static final int PHASE = Integer.MAX_VALUE - 1536;

  private static final Logger LOG = LoggerFactory.getLogger(ClientDrain.class);

  private final InFlightCalls calls;
  private final Duration timeout;
  private volatile boolean running;

  /** Waits for {@code calls} at most {@code timeout} on stop. */
  public ClientDrain(InFlightCalls calls, Duration timeout) {
    this.calls = calls;
    this.timeout = timeout;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    try {
      long before = calls.inFlight();
      if (before > 0 && !calls.awaitIdle(timeout)) {
        LOG.warn("{} mesh4j call(s) still in flight after {}; closing the client anyway "
            + "(mesh4j.client.drain-timeout)", calls.inFlight(), timeout);
      } else if (before > 0) {
        LOG.info("Waited for {} mesh4j call(s) in flight before closing the client", before);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      running = false;
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
