package io.mesh4j.testkit.internal;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything the testkit started in this JVM, so one shutdown hook can stop it all and remove
 * the temporary folders even when a test forgot to close what it opened.
 */
public final class ProcessRegistry {
  private static final Set<ServerProcess> PROCESSES = ConcurrentHashMap.newKeySet();
  private static final Set<Path> DIRS = ConcurrentHashMap.newKeySet();
  private static final Set<AutoCloseable> CLOSEABLES = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ProcessRegistry::stopAll, "mesh4j-testkit-reaper"));
  }

  private ProcessRegistry() {}

  static void track(ServerProcess p) {
    PROCESSES.add(p);
  }

  static void untrack(ServerProcess p) {
    PROCESSES.remove(p);
  }

  /** A temporary folder removed at JVM exit (and by {@link #deleteDir}). */
  public static Path tempDir(String prefix) {
    try {
      Path dir = Files.createTempDirectory("mesh4j-testkit-" + prefix + "-");
      DIRS.add(dir);
      return dir;
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a temporary folder", e);
    }
  }

  /** Something (a shared agent or cluster) to close at JVM exit. */
  public static void closeAtExit(AutoCloseable c) {
    CLOSEABLES.add(c);
  }

  /** Removes {@code dir} and everything in it, now. */
  public static void deleteDir(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      DIRS.remove(dir);
      return;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      // Best effort: a file still being written by a dying process can make a walk fail.
    }
    DIRS.remove(dir);
  }

  private static void stopAll() {
    for (AutoCloseable c : CLOSEABLES) {
      try {
        c.close();
      } catch (Exception e) {
        // Shutting down: nothing else to do.
      }
    }
    for (ServerProcess p : PROCESSES) {
      p.stop(false);
    }
    for (Path d : DIRS) {
      deleteDir(d);
    }
  }
}
