package io.mesh4j.testkit.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 17: Testcontainers is an optional dependency of mesh-testkit. Without it (and without
 * docker-java and JNA, which come with it) the testkit starts servers from their binaries, and a
 * missing binary gets a message that says the container fallback is absent and how to get it. The
 * scenario runs in a class loader built from this test's class path minus those jars, whose parent
 * is the platform loader, so nothing leaks in from the application loader.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WithoutTestcontainersTest {
  private static final Pattern LEFT_OUT = Pattern.compile(
      ".*[/\\\\](testcontainers|docker-java[^/\\\\]*|jna[^/\\\\]*|duct-tape)-[^/\\\\]*\\.jar");

  private static URLClassLoader withoutTestcontainers(List<String> removed) throws MalformedURLException {
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(Pattern.quote(File.pathSeparator))) {
      if (entry.isEmpty()) {
        continue;
      }
      if (LEFT_OUT.matcher(entry).matches()) {
        removed.add(entry);
      } else {
        urls.add(Path.of(entry).toUri().toURL());
      }
    }
    return new URLClassLoader("no-testcontainers", urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
  }

  private static String run(URLClassLoader loader, String method) throws Exception {
    Class<?> scenario = Class.forName(WithoutTestcontainersScenario.class.getName(), true, loader);
    assertNotSame(WithoutTestcontainersScenario.class.getClassLoader(), scenario.getClassLoader());
    try {
      return (String) scenario.getMethod(method).invoke(null);
    } catch (InvocationTargetException e) {
      throw new AssertionError(method + " failed without Testcontainers on the class path", e.getCause());
    }
  }

  @Test
  void theTestkitRunsFromTheBinariesAndExplainsTheMissingFallbackWithoutTestcontainers() throws Exception {
    List<String> removed = new ArrayList<>();
    try (URLClassLoader lean = withoutTestcontainers(removed)) {
      // The class path really lacks them (else this test proves nothing).
      assertTrue(removed.stream().anyMatch(e -> e.contains("testcontainers")), "testcontainers to remove: " + removed);
      for (String absent : List.of("org.testcontainers.DockerClientFactory",
          "org.testcontainers.containers.GenericContainer", "com.sun.jna.Native")) {
        assertThrows(ClassNotFoundException.class, () -> Class.forName(absent, false, lean), absent);
      }

      assertTrue(run(lean, "startAgentFromTheBinary").startsWith("http://127.0.0.1:"));

      String m = run(lean, "missingProgramMessage");
      assertTrue(m.startsWith("mesh4j-testkit: mesh4j-no-such-server not found (searched ["), m);
      assertTrue(m.contains("Testcontainers is not on the test class path"), m);
      assertTrue(m.contains("add org.testcontainers:testcontainers to the test dependencies"), m);
      assertFalse(m.contains("no Docker engine answers"), "Docker was never asked: " + m);
    }
  }
}
