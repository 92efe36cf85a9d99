package io.mesh4j.testkit.internal;

import io.mesh4j.testkit.ConsulAgent;

/**
 * What {@link WithoutTestcontainersTest} runs in a class loader that lacks Testcontainers,
 * docker-java and JNA: a user's test class path when they did not add the optional dependency.
 */
public final class WithoutTestcontainersScenario {
  private WithoutTestcontainersScenario() {}

  /** Starts a private Consul agent from the binary, as any test would, and stops it. */
  public static String startAgentFromTheBinary() {
    try (ConsulAgent agent = ConsulAgent.startPrivate()) {
      return agent.baseUrl();
    }
  }

  /** The message a user gets for a program found nowhere. */
  public static String missingProgramMessage() {
    try {
      Binaries.launcherFor("mesh4j-no-such-server");
      return "a launcher was returned";
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
  }
}
