package io.mesh4j.cache.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mesh4j.cache.DistributedCache;
import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The namespace version a cache uses never goes back when version reads and writes race. */
class NamespaceVersionTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  private static DistributedCacheImpl<String> cache(RedisCluster cluster, String ns, AtomicLong nanos) {
    return (DistributedCacheImpl<String>) DistributedCache.builder(String.class)
        .seedNodes(cluster.seedNodes()).namespace(ns).ticker(nanos::get)
        .namespaceVersionCheckInterval(Duration.ofHours(1)).build();
  }

  @Test
  void aSlowPeriodicReadNeverInstallsTheVersionItReadBeforeANewerOne() {
    String ns = "nsv-" + UUID.randomUUID().toString().substring(0, 8);
    AtomicLong nanos = new AtomicLong();
    try (DistributedCacheImpl<String> a = cache(REDIS.cluster(), ns, nanos);
        DistributedCacheImpl<String> b = cache(REDIS.cluster(), ns, nanos)) {
      assertEquals(0, a.namespaceVersion());
      // a's periodic read starts: it has seen version 0 and its GET answers 0...
      DistributedCacheImpl.Prefix seen = a.currentPrefix();
      // ...then another JVM invalidates everything and a re-reads the version on its message...
      assertEquals(1, b.invalidateAll());
      a.refreshVersionNow();
      assertEquals(1, a.currentPrefix().version());
      // ...and only then does the periodic read try to install what its GET returned.
      a.install(seen, 0, nanos.get());
      assertEquals(1, a.currentPrefix().version(), "the older version was not put back");
    }
  }

  @Test
  void invalidateAllKeepsTheHigherVersion() {
    String ns = "nsv-" + UUID.randomUUID().toString().substring(0, 8);
    AtomicLong nanos = new AtomicLong();
    try (DistributedCacheImpl<String> a = cache(REDIS.cluster(), ns, nanos)) {
      DistributedCacheImpl.Prefix seen = a.currentPrefix();
      // A version read that answered 5 lands while invalidateAll's INCR (answering 1) runs.
      a.install(seen, 5, nanos.get());
      assertEquals(1, a.invalidateAll());
      assertEquals(5, a.currentPrefix().version(), "invalidateAll did not lower the version");
    }
  }

  @Test
  void anUnracedReadInstallsALowerVersionSoJvmsAgreeAfterTheKeyIsLost() {
    String ns = "nsv-" + UUID.randomUUID().toString().substring(0, 8);
    AtomicLong nanos = new AtomicLong();
    try (DistributedCacheImpl<String> a = cache(REDIS.cluster(), ns, nanos)) {
      a.install(a.currentPrefix(), 7, nanos.get());
      a.refreshVersionNow(); // the version key does not exist: Redis says 0
      assertEquals(0, a.currentPrefix().version());
    }
  }
}
