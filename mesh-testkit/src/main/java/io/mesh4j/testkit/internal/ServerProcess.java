package io.mesh4j.testkit.internal;

import java.util.OptionalLong;

/** A server the testkit started: a local process, or a container on the host network. */
public interface ServerProcess {
  /** True while it runs. */
  boolean isAlive();

  /** Stops it: gracefully (SIGTERM, then SIGKILL after a grace period) or at once (SIGKILL). */
  void stop(boolean graceful);

  /** The operating system process id, for a local process. */
  OptionalLong pid();

  /** The last lines of its log, for error messages. */
  String logTail();
}
