package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Namespaces own disjoint key spaces: no name makes one namespace's keys another's. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeyLayoutTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  private static RedisCluster cluster;

  @BeforeAll
  static void start() {
    cluster = REDIS.cluster();
  }

  /**
   * With locks at {@code lock:<ns>:<version>:<key>}, namespace {@code lock} at version V holds
   * {@code lock:V:<key>}: namespace V's lock keys were its data, and its {@code invalidate("*")}
   * deleted them while a load was running.
   */
  @Test
  void invalidateInNamespaceLockLeavesOtherNamespacesLocksAlone() throws Exception {
    try (DistributedCache<String> lock = TestSupport.strings(cluster, "lock").build()) {
      long version = lock.invalidateAll(); // a version no earlier run of this JVM used
      String victimNamespace = Long.toString(version);
      CountDownLatch loading = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      try (DistributedCache<String> victim = TestSupport.strings(cluster, victimNamespace).build()) {
        CompletableFuture<String> load = CompletableFuture.supplyAsync(() -> victim.getOrLoad("k",
            Duration.ofMinutes(1), () -> {
              loading.countDown();
              await(release);
              return "loaded";
            }));
        try {
          assertEquals(true, loading.await(10, TimeUnit.SECONDS), "the victim's load started");
          // The victim now holds its lock for "k"; namespace "lock" holds no keys at all.
          assertEquals(0, lock.invalidate("*"), "invalidate in 'lock' deleted another namespace's key");
        } finally {
          release.countDown();
        }
        assertEquals("loaded", load.get(10, TimeUnit.SECONDS));
      }
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(20, TimeUnit.SECONDS)) {
        throw new AssertionError("the test never released the loader");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
