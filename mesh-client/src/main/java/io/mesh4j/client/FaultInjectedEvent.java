package io.mesh4j.client;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.ServiceInstance;
import java.time.Duration;

/**
 * A fault was injected into one attempt by {@link FaultInjection}: a delay, an abort with a
 * status, or a connection error (or a delay and then an abort). Delivered to the client's
 * listeners on the attempt's thread.
 */
public final class FaultInjectedEvent extends MeshEvent {
  private final ServiceInstance instance;
  private final Duration delay;
  private final int abortStatus;

  /** A fault on an attempt to {@code instance}: {@code delay} (zero: none), {@code abortStatus} (-1: none, 0: connection error). */
  public FaultInjectedEvent(String serviceName, ServiceInstance instance, Duration delay, int abortStatus) {
    super(serviceName, System.currentTimeMillis());
    this.instance = instance;
    this.delay = delay;
    this.abortStatus = abortStatus;
  }

  /** The instance the attempt was for (it was not sent there if aborted). */
  public ServiceInstance instance() {
    return instance;
  }

  /** The injected delay; zero when none. */
  public Duration delay() {
    return delay;
  }

  /** The injected HTTP status, 0 for a connection error, -1 when the attempt was not aborted. */
  public int abortStatus() {
    return abortStatus;
  }

  @Override
  public String toString() {
    return "FaultInjected{" + serviceName() + " on " + instance.id() + ": delay " + delay.toMillis() + " ms, abort "
        + (abortStatus < 0 ? "none" : abortStatus == 0 ? "connection error" : abortStatus) + "}";
  }
}
