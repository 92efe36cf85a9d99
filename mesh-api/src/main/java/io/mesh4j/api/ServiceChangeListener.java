package io.mesh4j.api;

/**
 * Told when a watched service's instances change. Implementations receive calls on an executor
 * of the discovery, never on its watch thread; one that throws harms no other listener.
 */
@FunctionalInterface
public interface ServiceChangeListener {
  /** Called with the new list and what was added and removed. */
  void onChange(ServiceChange change);
}
