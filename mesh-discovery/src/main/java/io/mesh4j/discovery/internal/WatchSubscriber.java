package io.mesh4j.discovery.internal;

import io.mesh4j.api.ServiceChange;
import io.mesh4j.api.ServiceChangeListener;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener subscribed to a {@link Watch}, with its own in-order lane on the listener
 * executor: changes reach it one at a time, in order, until it unsubscribes or the watch stops.
 */
final class WatchSubscriber {
  private static final Logger LOG = LoggerFactory.getLogger(Watch.class);

  private final String service;
  private final ServiceChangeListener listener;
  private final Executor lane;
  private final BooleanSupplier watchStopped;
  volatile boolean active = true;

  WatchSubscriber(String service, ServiceChangeListener listener, Executor lane, BooleanSupplier watchStopped) {
    this.service = service;
    this.listener = listener;
    this.lane = lane;
    this.watchStopped = watchStopped;
  }

  /** Queues {@code change} on the lane; a listener that throws is logged and keeps its place. */
  void deliver(ServiceChange change) {
    try {
      lane.execute(() -> {
        if (!active || watchStopped.getAsBoolean()) {
          return;
        }
        try {
          listener.onChange(change);
        } catch (RuntimeException e) {
          LOG.warn("a listener of service '{}' threw on a change, so it may not have applied it; the other"
              + " listeners got the change and later changes still reach this one", service, e);
        }
      });
    } catch (RejectedExecutionException e) {
      LOG.debug("listener executor rejected a change of '{}' (shutting down?)", service);
    }
  }
}
