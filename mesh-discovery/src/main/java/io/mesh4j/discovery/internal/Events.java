package io.mesh4j.discovery.internal;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Publishes events so that a throwing listener never breaks the caller. */
public final class Events {
  private static final Logger LOG = LoggerFactory.getLogger(Events.class);

  private Events() {}

  /** Calls {@code listener} (skipped when it or the event is null); what it throws is logged at DEBUG. */
  public static void publish(MeshEventListener listener, MeshEvent event) {
    if (listener == null || event == null) {
      return;
    }
    try {
      listener.onEvent(event);
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError) {
        throw e;
      }
      LOG.debug("event listener threw on {}", event, e);
    }
  }
}
