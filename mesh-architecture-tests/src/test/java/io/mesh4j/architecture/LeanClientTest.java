package io.mesh4j.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.reflect.Method;
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
 * mesh-client without its optional parts: a client that is not given a response cache runs with
 * neither mesh-cache (nor Jedis, Caffeine) nor mesh-discovery (nor the Consul client, Guava) on the
 * class path. The scenario runs in a class loader built from this test's class path minus those
 * jars, whose parent is the platform loader, so nothing leaks in from the application loader.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeanClientTest {
  /** What a user who adds only mesh-client and excludes mesh-discovery does not have. */
  private static final Pattern LEFT_OUT = Pattern.compile(
      ".*[/\\\\](mesh-cache|mesh-discovery)[/\\\\]target[/\\\\].*"   // reactor build: module output
          + "|.*[/\\\\](mesh-cache|mesh-discovery)-[^/\\\\]*\\.jar"       // module jars
          + "|.*[/\\\\](jedis|caffeine|consul-client|guava|commons-pool2)-[^/\\\\]*\\.jar");

  private static URLClassLoader withoutOptionalModules(List<String> removed) throws MalformedURLException {
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
    return new URLClassLoader("lean-client", urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
  }

  @Test
  void aClientWithoutResponseCacheRunsWithoutMeshCacheOrMeshDiscovery() throws Exception {
    List<String> removed = new ArrayList<>();
    try (URLClassLoader lean = withoutOptionalModules(removed)) {
      // The class path really lacks them (else this test proves nothing).
      assertTrue(removed.stream().anyMatch(e -> e.contains("mesh-cache")), "mesh-cache found to remove: " + removed);
      assertTrue(removed.stream().anyMatch(e -> e.contains("jedis")), "jedis found to remove: " + removed);
      assertTrue(removed.stream().anyMatch(e -> e.contains("mesh-discovery")), "mesh-discovery found to remove: " + removed);
      for (String absent : List.of("io.mesh4j.cache.DistributedCache", "redis.clients.jedis.RedisClusterClient",
          "com.github.benmanes.caffeine.cache.Caffeine", "io.mesh4j.discovery.ConsulDiscovery",
          "org.kiwiproject.consul.Consul", "com.google.common.collect.ImmutableList")) {
        assertThrows(ClassNotFoundException.class, () -> Class.forName(absent, false, lean), absent);
      }

      Class<?> scenario = Class.forName(LeanClientScenario.class.getName(), true, lean);
      assertFalse(scenario.getClassLoader() == LeanClientTest.class.getClassLoader(), "runs in the lean loader");
      Method run = scenario.getMethod("run");
      assertEquals("pong", run.invoke(null));
    }
  }
}
