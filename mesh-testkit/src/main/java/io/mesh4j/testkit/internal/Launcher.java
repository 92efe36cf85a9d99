package io.mesh4j.testkit.internal;

import java.nio.file.Path;
import java.util.List;

/** Starts servers: as local processes, or in Docker containers when the binaries are missing. */
public interface Launcher {
  /**
   * Starts {@code command} (its first element is the program name, e.g. {@code consul} or
   * {@code redis-server}), logging to {@code logFile}, with {@code workDir} as scratch space.
   */
  ServerProcess start(String name, List<String> command, Path workDir, Path logFile);

  /** What this launcher runs, for messages. */
  String describe();
}
