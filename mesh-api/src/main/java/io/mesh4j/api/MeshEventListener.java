package io.mesh4j.api;

/**
 * Receives {@link MeshEvent}s. Called synchronously on the thread where the event happened, so
 * keep it short; an exception it throws is logged at DEBUG and otherwise ignored.
 *
 * <p>The default method ignores everything: implement {@link #onEvent} and pick the event types
 * you need with {@code instanceof}; new event types will simply pass you by.
 */
public interface MeshEventListener {
  /** Called for each event. Does nothing by default. */
  default void onEvent(MeshEvent event) {}

  /** A listener from a lambda: {@code MeshEventListener.of(e -> log.debug("{}", e))}. */
  static MeshEventListener of(java.util.function.Consumer<? super MeshEvent> consumer) {
    java.util.Objects.requireNonNull(consumer, "consumer must not be null");
    return new MeshEventListener() {
      @Override
      public void onEvent(MeshEvent event) {
        consumer.accept(event);
      }
    };
  }

  /** A listener that ignores every event. */
  static MeshEventListener noop() {
    return new MeshEventListener() {};
  }
}
