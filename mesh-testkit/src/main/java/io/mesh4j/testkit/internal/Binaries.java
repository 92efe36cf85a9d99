package io.mesh4j.testkit.internal;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the server binaries: on the PATH, in {@code $MESH4J_TOOLS_DIR}, or in {@code .tools/bin}
 * of the repository (where {@code scripts/install-services.sh} puts Consul).
 */
public final class Binaries {
  /** What a user must do to provide the binaries, for error messages (inside and outside this repository). */
  public static final String INSTALL_HINT = "install them and put them on the PATH (redis-server 7 or newer:"
      + " 'apt-get install redis-server' on Debian/Ubuntu, 'brew install redis' on macOS; consul 1.8 or newer: the"
      + " single binary from https://releases.hashicorp.com/consul/), or set the environment variable"
      + " MESH4J_TOOLS_DIR to the directory that holds them, or add org.testcontainers:testcontainers to the test"
      + " dependencies and start a Docker engine (the testkit then runs them in containers); in the mesh4j"
      + " repository, scripts/install-services.sh installs both";

  /** A class of Testcontainers, an optional dependency of the testkit: the container fallback needs it. */
  static final String TESTCONTAINERS_CLASS = "org.testcontainers.DockerClientFactory";

  private Binaries() {}

  /** The binary called {@code program}, if one is found. */
  public static Optional<Path> find(String program) {
    for (Path dir : searchPath()) {
      Path candidate = dir.resolve(program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The folders searched, in order. */
  public static List<Path> searchPath() {
    java.util.ArrayList<Path> dirs = new java.util.ArrayList<>();
    String tools = System.getenv("MESH4J_TOOLS_DIR");
    if (tools != null && !tools.isBlank()) {
      dirs.add(Path.of(tools));
    }
    repoRoot().ifPresent(root -> dirs.add(root.resolve(".tools").resolve("bin")));
    String path = System.getenv("PATH");
    if (path != null) {
      for (String p : path.split(File.pathSeparator)) {
        if (!p.isBlank()) {
          dirs.add(Path.of(p));
        }
      }
    }
    dirs.add(Path.of("/usr/bin"));
    dirs.add(Path.of("/usr/local/bin"));
    return dirs;
  }

  /**
   * The repository root: the system property {@code mesh4j.repo.root} (set by the build), or the
   * first folder upwards from the working directory holding {@code scripts/install-services.sh}.
   */
  public static Optional<Path> repoRoot() {
    String prop = System.getProperty("mesh4j.repo.root");
    if (prop != null && !prop.isBlank() && Files.isDirectory(Path.of(prop))) {
      return Optional.of(Path.of(prop).toAbsolutePath().normalize());
    }
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.exists(dir.resolve("scripts").resolve("install-services.sh"))) {
        return Optional.of(dir);
      }
      dir = dir.getParent();
    }
    return Optional.empty();
  }

  /**
   * A launcher for {@code programs}: local binaries when all are found, else Docker containers
   * when Testcontainers is on the class path and an engine answers, else an IllegalStateException
   * that says how to install them.
   */
  public static Launcher launcherFor(String... programs) {
    Map<String, Path> found = new LinkedHashMap<>();
    StringBuilder missing = new StringBuilder();
    for (String p : programs) {
      Optional<Path> b = find(p);
      if (b.isPresent()) {
        found.put(p, b.get());
      } else {
        missing.append(missing.length() == 0 ? "" : ", ").append(p);
      }
    }
    if (missing.length() == 0) {
      return new LocalLauncher(found);
    }
    boolean containers = testcontainersPresent();
    // ContainerLauncher (which links against Testcontainers) is loaded only past this check.
    if (containers && ContainerLauncher.dockerAvailable()) {
      return new ContainerLauncher();
    }
    throw new IllegalStateException(missingMessage(missing.toString(), containers));
  }

  /**
   * Whether Testcontainers is on the class path. It is an optional dependency of mesh-testkit, so
   * a user who has the binaries does not get it, docker-java and JNA on their test class path.
   */
  public static boolean testcontainersPresent() {
    try {
      Class.forName(TESTCONTAINERS_CLASS, false, Binaries.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** The message when {@code missing} (program names) are found nowhere and no container fallback works. */
  public static String missingMessage(String missing) {
    return missingMessage(missing, testcontainersPresent());
  }

  static String missingMessage(String missing, boolean testcontainersPresent) {
    return "mesh4j-testkit: " + missing + " not found (searched " + searchPath() + ") and "
        + (testcontainersPresent ? "no Docker engine answers" : "Testcontainers is not on the test class path"
            + " (an optional dependency of mesh-testkit), so there is no container fallback")
        + "; " + INSTALL_HINT;
  }
}
