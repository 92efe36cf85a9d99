package io.mesh4j.testkit.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 17: the message a user of the published jar gets when a binary is missing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BinariesTest {
  @Test
  void theMissingBinaryMessageSaysWhatToInstallOrSetOutsideThisRepository() {
    String m = Binaries.missingMessage("consul");
    assertTrue(m.startsWith("mesh4j-testkit: consul not found (searched ["), m);
    // What to do, for someone who has only the jar: install and PATH, the variable, or Docker.
    assertTrue(m.contains("put them on the PATH"), m);
    assertTrue(m.contains("releases.hashicorp.com/consul"), m);
    assertTrue(m.contains("apt-get install redis-server"), m);
    assertTrue(m.contains("MESH4J_TOOLS_DIR to the directory that holds them"), m);
    assertTrue(m.contains("add org.testcontainers:testcontainers to the test dependencies and start a Docker engine"), m);
    // The repository's installer is mentioned as what it is, not as the only way.
    assertFalse(m.contains("; run scripts/install-services.sh"), m);
  }
}
