package io.mesh4j.architecture;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mesh4j.testkit.ConsulAgent;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 17: a module that depends on mesh-testkit, as a user's project does, does not get
 * Testcontainers, docker-java or JNA on its test class path (they are an optional dependency of
 * the testkit, for the container fallback). This module's test class path is resolved by Maven
 * from the testkit's published POM like a user's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TestkitFootprintTest {
  @Test
  void dependingOnTheTestkitBringsNoTestcontainersDockerJavaOrJna() {
    ConsulAgent.class.getName(); // the testkit itself is here
    for (String absent : List.of("org.testcontainers.DockerClientFactory",
        "com.github.dockerjava.api.DockerClient", "com.sun.jna.Native")) {
      assertThrows(ClassNotFoundException.class,
          () -> Class.forName(absent, false, TestkitFootprintTest.class.getClassLoader()), absent);
    }
  }
}
