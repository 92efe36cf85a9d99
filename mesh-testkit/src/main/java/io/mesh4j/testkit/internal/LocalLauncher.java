package io.mesh4j.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/** Runs servers as child processes of this JVM, from binaries found by {@link Binaries}. */
public final class LocalLauncher implements Launcher {
  private final Map<String, Path> binaries;

  /** A launcher for the given program name to binary path map. */
  public LocalLauncher(Map<String, Path> binaries) {
    this.binaries = Map.copyOf(binaries);
  }

  @Override
  public ServerProcess start(String name, List<String> command, Path workDir, Path logFile) {
    Path binary = binaries.get(command.get(0));
    if (binary == null) {
      throw new IllegalStateException("no binary for " + command.get(0));
    }
    List<String> cmd = new ArrayList<>(command);
    cmd.set(0, binary.toString());
    try {
      Files.createDirectories(workDir);
      ProcessBuilder pb = new ProcessBuilder(cmd)
          .directory(workDir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      Process p = pb.start();
      LocalProcess lp = new LocalProcess(p, logFile);
      ProcessRegistry.track(lp);
      return lp;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + name + " (" + binary + ")", e);
    }
  }

  @Override
  public String describe() {
    return "local processes " + binaries.values();
  }

  static final class LocalProcess implements ServerProcess {
    private final Process process;
    private final Path logFile;

    LocalProcess(Process process, Path logFile) {
      this.process = process;
      this.logFile = logFile;
    }

    @Override
    public boolean isAlive() {
      return process.isAlive();
    }

    @Override
    public void stop(boolean graceful) {
      if (!process.isAlive()) {
        return;
      }
      try {
        if (graceful) {
          process.destroy();
          if (process.waitFor(10, TimeUnit.SECONDS)) {
            return;
          }
        }
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      } finally {
        ProcessRegistry.untrack(this);
      }
    }

    @Override
    public OptionalLong pid() {
      return OptionalLong.of(process.pid());
    }

    @Override
    public String logTail() {
      return Logs.tail(logFile, 20);
    }
  }
}
