package io.mesh4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.ConsulExtension;
import io.mesh4j.testkit.RedisClusterExtension;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs the README's demo and the standalone cache example as a newcomer would (their own JVM),
 * against the shared Consul agent and Redis Cluster, so the first command cannot silently rot.
 */
class ExamplesTest {
  @RegisterExtension
  static final ConsulExtension CONSUL = ConsulExtension.shared();
  @RegisterExtension
  static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  private static String run(Class<?> main) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp", System.getProperty("java.class.path"), main.getName()).redirectErrorStream(true);
    pb.environment().put("CONSUL_HTTP_ADDR", CONSUL.agent().baseUrl());
    pb.environment().put("REDIS_CLUSTER_NODES", String.join(",", REDIS.cluster().seedNodeStrings()));
    Process p = pb.start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(out);
    }
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finished in time");
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), text);
    return text;
  }

  @Test
  void quickstartDemoTellsItsStoryWithoutAFailedCall() throws Exception {
    String out = run(QuickstartDemo.class);
    assertTrue(out.contains("served by: #1 #2 #3 #1 #2 #3"), out);
    assertTrue(out.contains("X-Cache: HIT"), out);
    // The killed instance leaves by whichever notices first: the outlier detector (five failed
    // attempts in a row eject it) or Consul's health check (every second, at a random phase; seen on
    // a CI machine after three failed attempts). Either way no call fails.
    boolean ejected = out.contains("ejected for");
    assertTrue(ejected || out.contains("] left (health check critical)"), out);
    assertTrue(out.contains("150 calls, 0 failed"), out);
    assertTrue(out.contains("Demo finished: no failed call."), out);
    // The meters printed at the end come from the registry, fed by the calls above.
    assertTrue(out.matches("(?s).*mesh\\.client\\.call\\.duration\\s+[1-9]\\d* calls.*"), out);
    if (ejected) {
      assertTrue(out.matches("(?s).*mesh\\.outlier\\.ejections\\s+[1-9].*"), out);
    }
    assertTrue(out.matches("(?s).*mesh\\.discovery\\.instances\\s+3.*"), out);
  }

  @Test
  void cacheExampleRunsEveryStep() throws Exception {
    String out = run(CacheExample.class);
    assertTrue(out.contains("database reads so far: 1"), out);
    assertTrue(out.contains("removed 50 keys"), out);
    assertTrue(out.contains("thread B saw the new value"), out);
    assertTrue(out.contains("Cache example finished."), out);
  }
}
