package io.mesh4j.resilience.internal;

import io.mesh4j.api.MeshEvent;
import io.mesh4j.api.MeshEventListener;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Delivers events to listeners; a listener that throws is logged at DEBUG and skipped. */
public final class Events {
  private static final Logger LOG = LoggerFactory.getLogger(Events.class);

  private final MeshEventListener[] listeners;
  /** False when no listener is registered: callers test it before building an event. */
  public final boolean enabled;

  /** Events for {@code listeners} (copied). */
  public Events(List<MeshEventListener> listeners) {
    this.listeners = listeners.toArray(new MeshEventListener[0]);
    this.enabled = this.listeners.length > 0;
  }

  /** Delivers {@code event} to every listener. */
  public void emit(MeshEvent event) {
    for (MeshEventListener l : listeners) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        LOG.debug("event listener {} threw on {}", l, event, e);
      }
    }
  }
}
