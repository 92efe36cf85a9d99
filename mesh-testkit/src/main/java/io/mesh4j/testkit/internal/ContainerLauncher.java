package io.mesh4j.testkit.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * The fallback where binaries are missing and a Docker engine answers: each server runs in its
 * own container on the host network, with the same command line and ports as a local process,
 * so the rest of the testkit (cluster setup, health checks, kills) is the same code.
 */
public final class ContainerLauncher implements Launcher {
  private static final Map<String, String> IMAGES = Map.of(
      "consul", "hashicorp/consul:1.15.4",
      "redis-server", "redis:7.0.15");

  /** True when Testcontainers finds a working Docker engine. */
  public static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable t) {
      return false;
    }
  }

  @Override
  public ServerProcess start(String name, List<String> command, Path workDir, Path logFile) {
    String image = IMAGES.get(command.get(0));
    if (image == null) {
      throw new IllegalStateException("no container image for " + command.get(0));
    }
    GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image));
    c.withNetworkMode("host")
        .withCommand(command.toArray(new String[0]))
        .withFileSystemBind(workDir.toString(), workDir.toString(), BindMode.READ_WRITE)
        .waitingFor(new AbstractWaitStrategy() {
          @Override
          protected void waitUntilReady() {
            // The testkit polls the server's own protocol for readiness.
          }
        });
    c.start();
    ContainerProcess p = new ContainerProcess(c);
    ProcessRegistry.track(p);
    return p;
  }

  @Override
  public String describe() {
    return "Docker containers on the host network " + IMAGES.values();
  }

  static final class ContainerProcess implements ServerProcess {
    private final GenericContainer<?> container;

    ContainerProcess(GenericContainer<?> container) {
      this.container = container;
    }

    @Override
    public boolean isAlive() {
      return container.isRunning();
    }

    @Override
    public void stop(boolean graceful) {
      try {
        if (!graceful && container.isRunning()) {
          container.getDockerClient().killContainerCmd(container.getContainerId()).exec();
        }
      } catch (RuntimeException e) {
        // Already gone.
      }
      container.stop();
      ProcessRegistry.untrack(this);
    }

    @Override
    public OptionalLong pid() {
      return OptionalLong.empty();
    }

    @Override
    public String logTail() {
      String logs = container.getLogs();
      String[] lines = logs.split("\n");
      return String.join("\n", java.util.Arrays.asList(lines).subList(Math.max(0, lines.length - 20), lines.length));
    }
  }
}
