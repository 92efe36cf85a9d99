package io.mesh4j.api;

/** A registration of a listener; closing it stops further calls. Idempotent. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  /** Stops calls to the listener. Calling it again does nothing. */
  @Override
  void close();
}
