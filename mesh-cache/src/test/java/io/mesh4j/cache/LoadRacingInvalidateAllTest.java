package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * A {@code getOrLoad} whose loader was running when {@code invalidateAll()} bumped the version read
 * its data before the invalidation: it must not land under the new version, and a caller that
 * arrives after the invalidation must not be handed it. The loader blocks on a latch while the test
 * invalidates, so the interleaving is forced, not hoped for.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoadRacingInvalidateAllTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();
  private static final Duration TTL = Duration.ofMinutes(1);

  private static RedisCluster cluster;

  @BeforeAll
  static void start() {
    cluster = REDIS.cluster();
  }

  @Test
  void aLoadThatRacedInvalidateAllIsNotStoredUnderTheNewVersion() throws Exception {
    try (DistributedCache<String> cache = TestSupport.strings(cluster, TestSupport.ns("race")).build()) {
      CountDownLatch loading = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<String> old = CompletableFuture.supplyAsync(() -> cache.getOrLoad("k", TTL, () -> {
        loading.countDown();
        await(release);
        return "before-invalidateAll";
      }));
      assertTrue(loading.await(10, TimeUnit.SECONDS), "the load started");
      cache.invalidateAll();
      release.countDown();
      assertEquals("before-invalidateAll", old.get(10, TimeUnit.SECONDS), "the racing caller gets what it loaded");
      assertNull(cache.get("k"), "data read before invalidateAll was stored under the new version");
      assertEquals("after", cache.getOrLoad("k", TTL, () -> "after"));
    }
  }

  @Test
  void aCallerAfterInvalidateAllDoesNotJoinALoadStartedBeforeIt() throws Exception {
    try (DistributedCache<String> cache = TestSupport.strings(cluster, TestSupport.ns("race-join")).build()) {
      CountDownLatch loading = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<String> old = CompletableFuture.supplyAsync(() -> cache.getOrLoad("k", TTL, () -> {
        loading.countDown();
        await(release);
        return "before-invalidateAll";
      }));
      try {
        assertTrue(loading.await(10, TimeUnit.SECONDS), "the load started");
        cache.invalidateAll();
        CompletableFuture<String> fresh = CompletableFuture.supplyAsync(() -> cache.getOrLoad("k", TTL, () -> "after"));
        // Joining the running load would wait for the release below and return its old data.
        assertEquals("after", fresh.get(10, TimeUnit.SECONDS));
      } finally {
        release.countDown();
      }
      assertEquals("before-invalidateAll", old.get(10, TimeUnit.SECONDS));
      assertEquals("after", cache.get("k"));
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("the test never released the loader");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
